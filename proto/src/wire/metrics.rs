//! ResourceMetrics and what it holds, down to data points, buckets and exemplars.
//!
//! A metric's `data` is a oneof: prost merges a data field into the one before it when they are of the
//! same kind and replaces it otherwise. So the metric holds the points of its last run of same-kind
//! data fields, and only those count as items and have their exemplars checked.

use super::common::{Attributes, resource_entry};
use super::error::{At, Seg, Walk};
use super::ids::{FirstBreach, IdProblem, Item, Rule, SPAN_ID, TRACE_ID, check};
use super::reader::{Reader, WireType};

/// Walks ResourceMetrics number `r`; returns its data point count.
pub(super) fn resource_metrics(
    buf: &[u8],
    ctx: u32,
    r: usize,
    first: &mut FirstBreach,
) -> Walk<usize> {
    resource_entry(buf, ctx, ["scopeMetrics", "metrics"], |buf, ctx, [s, m]| {
        let metric = metric(buf, ctx)?;
        if let Some(ExemplarBreach {
            data,
            p,
            e,
            problem,
        }) = metric.breach
        {
            first.note(
                Item::Exemplar {
                    r,
                    s,
                    m,
                    data: data.json_name(),
                    p,
                    e,
                },
                problem,
            );
        }
        Ok(metric.points)
    })
}

/// The kinds of data a metric holds: the fields of its `data` oneof.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Data {
    Gauge,
    Sum,
    Histogram,
    ExponentialHistogram,
    Summary,
}

impl Data {
    /// The kind a field number of Metric holds, if it is one of `data`.
    #[inline]
    pub(super) fn from_field(number: u32) -> Option<Data> {
        match number {
            5 => Some(Data::Gauge),
            7 => Some(Data::Sum),
            9 => Some(Data::Histogram),
            10 => Some(Data::ExponentialHistogram),
            11 => Some(Data::Summary),
            _ => None,
        }
    }

    fn json_name(self) -> &'static str {
        match self {
            Data::Gauge => "gauge",
            Data::Sum => "sum",
            Data::Histogram => "histogram",
            Data::ExponentialHistogram => "exponentialHistogram",
            Data::Summary => "summary",
        }
    }
}

/// The first exemplar id breach among a metric's points.
struct ExemplarBreach {
    data: Data,
    p: usize,
    e: usize,
    problem: IdProblem,
}

/// What the id check and the item count need of a metric.
struct Metric {
    points: usize,
    breach: Option<ExemplarBreach>,
}

fn metric(buf: &[u8], ctx: u32) -> Walk<Metric> {
    let mut r = Reader::new(buf);
    let mut metadata = Attributes::new("metadata");
    let mut data = None;
    let mut metric = Metric {
        points: 0,
        breach: None,
    };
    while !r.is_done() {
        let (field, wire_type) = r.key()?;
        match field {
            1 => r.string_field(wire_type).at(Seg::Field("name"))?,
            2 => r.string_field(wire_type).at(Seg::Field("description"))?,
            3 => r.string_field(wire_type).at(Seg::Field("unit"))?,
            12 => metadata.next(&mut r, wire_type, ctx)?,
            _ => match Data::from_field(field) {
                Some(kind) => {
                    if data != Some(kind) {
                        data = Some(kind);
                        metric = Metric {
                            points: 0,
                            breach: None,
                        };
                    }
                    let first_point = metric.points;
                    let (points, breach) =
                        r.message(wire_type, ctx, Seg::Field(kind.json_name()), |buf, ctx| {
                            data_message(kind, buf, ctx, first_point)
                        })?;
                    metric.points += points;
                    if metric.breach.is_none() {
                        metric.breach = breach.map(|(p, e, problem)| ExemplarBreach {
                            data: kind,
                            p,
                            e,
                            problem,
                        });
                    }
                }
                None => r.skip(wire_type, field, ctx).at(Seg::Unknown(field))?,
            },
        }
    }
    Ok(metric)
}

/// The first exemplar id breach in a data message: point index, exemplar index, problem.
type PointBreach = Option<(usize, usize, IdProblem)>;

/// A Gauge, Sum, Histogram, ExponentialHistogram or Summary whose points are numbered from
/// `first_point` on; returns its point count.
fn data_message(
    kind: Data,
    buf: &[u8],
    ctx: u32,
    first_point: usize,
) -> Walk<(usize, PointBreach)> {
    let mut r = Reader::new(buf);
    let mut points = 0;
    let mut breach = None;
    while !r.is_done() {
        let (field, wire_type) = r.key()?;
        match (field, kind) {
            (1, _) => {
                let p = first_point + points;
                let found =
                    r.message(
                        wire_type,
                        ctx,
                        Seg::Item("dataPoints", p),
                        |buf, ctx| match kind {
                            Data::Gauge | Data::Sum => number_point(buf, ctx),
                            Data::Histogram => histogram_point(buf, ctx),
                            Data::ExponentialHistogram => exponential_point(buf, ctx),
                            Data::Summary => summary_point(buf, ctx).map(|()| None),
                        },
                    )?;
                if breach.is_none() {
                    breach = found.map(|(e, problem)| (p, e, problem));
                }
                points += 1;
            }
            (2, Data::Sum | Data::Histogram | Data::ExponentialHistogram) => r
                .varint_field(wire_type)
                .at(Seg::Field("aggregationTemporality"))?,
            (3, Data::Sum) => r.varint_field(wire_type).at(Seg::Field("isMonotonic"))?,
            _ => r.skip(wire_type, field, ctx).at(Seg::Unknown(field))?,
        }
    }
    Ok((points, breach))
}

/// A point's `repeated Exemplar` field, walked one element at a time, keeping the first id breach.
struct Exemplars {
    count: usize,
    breach: Option<(usize, IdProblem)>,
}

impl Exemplars {
    fn new() -> Self {
        Exemplars {
            count: 0,
            breach: None,
        }
    }

    #[inline]
    fn next(&mut self, r: &mut Reader<'_>, wire_type: WireType, ctx: u32) -> Walk<()> {
        let e = self.count;
        let problem = r.message(wire_type, ctx, Seg::Item("exemplars", e), exemplar)?;
        if let Some(problem) = problem
            && self.breach.is_none()
        {
            self.breach = Some((e, problem));
        }
        self.count += 1;
        Ok(())
    }
}

fn number_point(buf: &[u8], ctx: u32) -> Walk<Option<(usize, IdProblem)>> {
    let mut r = Reader::new(buf);
    let mut attributes = Attributes::new("attributes");
    let mut exemplars = Exemplars::new();
    while !r.is_done() {
        let (field, wire_type) = r.key()?;
        match field {
            2 => r
                .fixed64_field(wire_type)
                .at(Seg::Field("startTimeUnixNano"))?,
            3 => r.fixed64_field(wire_type).at(Seg::Field("timeUnixNano"))?,
            4 => r.fixed64_field(wire_type).at(Seg::Field("asDouble"))?,
            5 => exemplars.next(&mut r, wire_type, ctx)?,
            6 => r.fixed64_field(wire_type).at(Seg::Field("asInt"))?,
            7 => attributes.next(&mut r, wire_type, ctx)?,
            8 => r.varint_field(wire_type).at(Seg::Field("flags"))?,
            _ => r.skip(wire_type, field, ctx).at(Seg::Unknown(field))?,
        }
    }
    Ok(exemplars.breach)
}

fn histogram_point(buf: &[u8], ctx: u32) -> Walk<Option<(usize, IdProblem)>> {
    let mut r = Reader::new(buf);
    let mut attributes = Attributes::new("attributes");
    let mut exemplars = Exemplars::new();
    while !r.is_done() {
        let (field, wire_type) = r.key()?;
        match field {
            2 => r
                .fixed64_field(wire_type)
                .at(Seg::Field("startTimeUnixNano"))?,
            3 => r.fixed64_field(wire_type).at(Seg::Field("timeUnixNano"))?,
            4 => r.fixed64_field(wire_type).at(Seg::Field("count"))?,
            5 => r.fixed64_field(wire_type).at(Seg::Field("sum"))?,
            6 => r
                .repeated_fixed64(wire_type)
                .at(Seg::Field("bucketCounts"))?,
            7 => r
                .repeated_fixed64(wire_type)
                .at(Seg::Field("explicitBounds"))?,
            8 => exemplars.next(&mut r, wire_type, ctx)?,
            9 => attributes.next(&mut r, wire_type, ctx)?,
            10 => r.varint_field(wire_type).at(Seg::Field("flags"))?,
            11 => r.fixed64_field(wire_type).at(Seg::Field("min"))?,
            12 => r.fixed64_field(wire_type).at(Seg::Field("max"))?,
            _ => r.skip(wire_type, field, ctx).at(Seg::Unknown(field))?,
        }
    }
    Ok(exemplars.breach)
}

fn exponential_point(buf: &[u8], ctx: u32) -> Walk<Option<(usize, IdProblem)>> {
    let mut r = Reader::new(buf);
    let mut attributes = Attributes::new("attributes");
    let mut exemplars = Exemplars::new();
    while !r.is_done() {
        let (field, wire_type) = r.key()?;
        match field {
            1 => attributes.next(&mut r, wire_type, ctx)?,
            2 => r
                .fixed64_field(wire_type)
                .at(Seg::Field("startTimeUnixNano"))?,
            3 => r.fixed64_field(wire_type).at(Seg::Field("timeUnixNano"))?,
            4 => r.fixed64_field(wire_type).at(Seg::Field("count"))?,
            5 => r.fixed64_field(wire_type).at(Seg::Field("sum"))?,
            6 => r.varint_field(wire_type).at(Seg::Field("scale"))?,
            7 => r.fixed64_field(wire_type).at(Seg::Field("zeroCount"))?,
            8 => r.message(wire_type, ctx, Seg::Field("positive"), buckets)?,
            9 => r.message(wire_type, ctx, Seg::Field("negative"), buckets)?,
            10 => r.varint_field(wire_type).at(Seg::Field("flags"))?,
            11 => exemplars.next(&mut r, wire_type, ctx)?,
            12 => r.fixed64_field(wire_type).at(Seg::Field("min"))?,
            13 => r.fixed64_field(wire_type).at(Seg::Field("max"))?,
            14 => r.fixed64_field(wire_type).at(Seg::Field("zeroThreshold"))?,
            _ => r.skip(wire_type, field, ctx).at(Seg::Unknown(field))?,
        }
    }
    Ok(exemplars.breach)
}

fn buckets(buf: &[u8], ctx: u32) -> Walk<()> {
    let mut r = Reader::new(buf);
    while !r.is_done() {
        let (field, wire_type) = r.key()?;
        match field {
            1 => r.varint_field(wire_type).at(Seg::Field("offset"))?,
            2 => r
                .repeated_varint(wire_type)
                .at(Seg::Field("bucketCounts"))?,
            _ => r.skip(wire_type, field, ctx).at(Seg::Unknown(field))?,
        }
    }
    Ok(())
}

fn summary_point(buf: &[u8], ctx: u32) -> Walk<()> {
    let mut r = Reader::new(buf);
    let mut attributes = Attributes::new("attributes");
    let mut quantiles = 0;
    while !r.is_done() {
        let (field, wire_type) = r.key()?;
        match field {
            2 => r
                .fixed64_field(wire_type)
                .at(Seg::Field("startTimeUnixNano"))?,
            3 => r.fixed64_field(wire_type).at(Seg::Field("timeUnixNano"))?,
            4 => r.fixed64_field(wire_type).at(Seg::Field("count"))?,
            5 => r.fixed64_field(wire_type).at(Seg::Field("sum"))?,
            6 => {
                r.message(
                    wire_type,
                    ctx,
                    Seg::Item("quantileValues", quantiles),
                    value_at_quantile,
                )?;
                quantiles += 1;
            }
            7 => attributes.next(&mut r, wire_type, ctx)?,
            8 => r.varint_field(wire_type).at(Seg::Field("flags"))?,
            _ => r.skip(wire_type, field, ctx).at(Seg::Unknown(field))?,
        }
    }
    Ok(())
}

fn value_at_quantile(buf: &[u8], ctx: u32) -> Walk<()> {
    let mut r = Reader::new(buf);
    while !r.is_done() {
        let (field, wire_type) = r.key()?;
        match field {
            1 => r.fixed64_field(wire_type).at(Seg::Field("quantile"))?,
            2 => r.fixed64_field(wire_type).at(Seg::Field("value"))?,
            _ => r.skip(wire_type, field, ctx).at(Seg::Unknown(field))?,
        }
    }
    Ok(())
}

fn exemplar(buf: &[u8], ctx: u32) -> Walk<Option<IdProblem>> {
    let mut r = Reader::new(buf);
    // prost keeps the last occurrence of a singular field, so those are the ids to check.
    let (mut trace_id, mut span_id): (&[u8], &[u8]) = (&[], &[]);
    let mut attributes = Attributes::new("filteredAttributes");
    while !r.is_done() {
        let (field, wire_type) = r.key()?;
        match field {
            2 => r.fixed64_field(wire_type).at(Seg::Field("timeUnixNano"))?,
            3 => r.fixed64_field(wire_type).at(Seg::Field("asDouble"))?,
            4 => span_id = r.bytes_field(wire_type).at(Seg::Field("spanId"))?,
            5 => trace_id = r.bytes_field(wire_type).at(Seg::Field("traceId"))?,
            6 => r.fixed64_field(wire_type).at(Seg::Field("asInt"))?,
            7 => attributes.next(&mut r, wire_type, ctx)?,
            _ => r.skip(wire_type, field, ctx).at(Seg::Unknown(field))?,
        }
    }
    Ok(check(trace_id, &TRACE_ID, Rule::Optional)
        .or_else(|| check(span_id, &SPAN_ID, Rule::Optional)))
}
