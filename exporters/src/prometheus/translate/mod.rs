//! OTLP metrics to Prometheus series, as the OTel "Prometheus and OpenMetrics Compatibility" spec says
//! and the OTel Collector's remote-write translator does, so dashboards built on its output keep working.
//!
//! Per data point: gauges and non-monotonic sums become gauges, monotonic sums counters (`_total`),
//! histograms `_bucket{le}` (up to `+Inf`), `_sum` and `_count`, exponential histograms native
//! histograms, summaries `{quantile}` series with `_sum` and `_count`. Every series carries `job` and
//! `instance` from the resource and `otel_scope_name`/`otel_scope_version` from the scope; each
//! resource gets a `target_info` series with its other attributes. Delta points are made cumulative
//! by the [`DeltaAccumulator`] the translator keeps across requests.

mod classic;
mod collect;
mod delta;
mod exemplar;
mod exponential;
mod histogram;
mod labels;
mod number;
mod summary;
mod target_info;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use weir_proto::otlp::collector::metrics::v1::ExportMetricsServiceRequest;
use weir_proto::otlp::metrics::v1::metric::Data;
use weir_proto::otlp::metrics::v1::{AggregationTemporality, DataPointFlags, Metric};

use self::collect::Collector;
use self::labels::ScopeLabels;
use super::model::{Family, MetricType, SeriesSet};
use super::names::{NameKind, metric_name, unit_name};

pub use self::delta::DeltaAccumulator;

/// Choices the OTel spec leaves to the exporter's configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Copy every resource attribute to every series as a label (a point's own attribute wins).
    pub resource_to_telemetry_conversion: bool,
    /// Send a `target_info` series per resource with its attributes other than `job` and `instance`'s.
    pub target_info: bool,
    /// Label every series with `otel_scope_name` and `otel_scope_version`.
    pub scope_labels: bool,
    /// Send exponential histograms as classic histograms rather than native ones.
    pub classic_exponential_histograms: bool,
}

impl Default for Settings {
    /// The spec's defaults: `target_info` and scope labels on, resource attributes not copied.
    fn default() -> Self {
        Settings {
            resource_to_telemetry_conversion: false,
            target_info: true,
            scope_labels: true,
            classic_exponential_histograms: false,
        }
    }
}

/// Data points that could not become series, by reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dropped {
    /// Malformed points: no value, no name left after normalisation, no aggregation temporality,
    /// bucket indexes out of range.
    pub invalid: u64,
    /// Exponential histogram points with a scale below -4, which no native histogram schema can hold.
    pub unsupported_scale: u64,
    /// Delta points older than, or overlapping, what their series already accumulated.
    pub delta_out_of_order: u64,
    /// Delta points of new series when the accumulator already holds its maximum.
    pub delta_series_limit: u64,
}

impl Dropped {
    /// Points dropped for any reason.
    pub fn total(&self) -> u64 {
        self.invalid + self.unsupported_scale + self.delta_out_of_order + self.delta_series_limit
    }

    fn count(&mut self, reason: DropReason, points: u64) {
        let counter = match reason {
            DropReason::Invalid => &mut self.invalid,
            DropReason::UnsupportedScale => &mut self.unsupported_scale,
            DropReason::DeltaOutOfOrder => &mut self.delta_out_of_order,
            DropReason::DeltaSeriesLimit => &mut self.delta_series_limit,
        };
        *counter += points;
    }
}

/// Why one data point was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DropReason {
    Invalid,
    UnsupportedScale,
    DeltaOutOfOrder,
    DeltaSeriesLimit,
}

/// What one request became.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Translation {
    /// The series, ready to encode.
    pub series: SeriesSet,
    /// The data points that were not translated.
    pub dropped: Dropped,
}

/// Translates OTLP metric requests, keeping the delta accumulator between them.
#[derive(Debug)]
pub struct Translator {
    settings: Settings,
    deltas: DeltaAccumulator,
}

impl Translator {
    /// A translator with `settings` that accumulates delta points in `deltas`.
    pub fn new(settings: Settings, deltas: DeltaAccumulator) -> Self {
        Translator { settings, deltas }
    }

    /// The accumulator, for expiring idle series.
    pub fn deltas_mut(&mut self) -> &mut DeltaAccumulator {
        &mut self.deltas
    }

    /// The series `request` becomes, each label set once with its samples in timestamp order.
    pub fn translate(&mut self, request: &ExportMetricsServiceRequest) -> Translation {
        let mut out = Collector::default();
        for resource_metrics in &request.resource_metrics {
            let resource = resource_metrics
                .resource
                .as_ref()
                .map_or(&[][..], |resource| &resource.attributes);
            let mut latest_ns = 0;
            for scope_metrics in &resource_metrics.scope_metrics {
                let labels =
                    ScopeLabels::new(&self.settings, resource, scope_metrics.scope.as_ref());
                for metric in &scope_metrics.metrics {
                    latest_ns = latest_ns.max(latest_time_ns(metric));
                    self.metric(&labels, metric, &mut out);
                }
            }
            if self.settings.target_info {
                target_info::add(resource, latest_ns, &mut out);
            }
        }
        let (series, dropped) = out.finish();
        Translation { series, dropped }
    }

    fn metric(&mut self, labels: &ScopeLabels<'_>, metric: &Metric, out: &mut Collector) {
        let deltas = &mut self.deltas;
        match &metric.data {
            Some(Data::Gauge(gauge)) => number::gauge(labels, metric, &gauge.data_points, out),
            Some(Data::Sum(sum)) => number::sum(labels, metric, sum, deltas, out),
            Some(Data::Histogram(histogram)) => {
                histogram::add(labels, metric, histogram, deltas, out);
            }
            Some(Data::ExponentialHistogram(histogram)) => {
                let classic = self.settings.classic_exponential_histograms;
                exponential::add(labels, metric, histogram, classic, deltas, out);
            }
            Some(Data::Summary(summary)) => summary::add(labels, metric, summary, out),
            None => {}
        }
    }
}

/// How a sum or histogram's points relate to each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Temporality {
    Cumulative,
    Delta,
}

impl Temporality {
    /// `None` for `UNSPECIFIED` or an unknown value, which the OTLP spec says must not be used.
    fn of(value: i32) -> Option<Self> {
        match AggregationTemporality::try_from(value) {
            Ok(AggregationTemporality::Cumulative) => Some(Temporality::Cumulative),
            Ok(AggregationTemporality::Delta) => Some(Temporality::Delta),
            _ => None,
        }
    }
}

/// The family of `metric`, named for `name_kind`; `None` when nothing of its name survives
/// normalisation.
fn family(metric: &Metric, name_kind: NameKind, kind: MetricType) -> Option<Arc<Family>> {
    let name = metric_name(&metric.name, &metric.unit, name_kind);
    (!name.is_empty()).then(|| {
        Arc::new(Family {
            name,
            kind,
            help: metric.description.clone(),
            unit: unit_name(&metric.unit, name_kind),
        })
    })
}

/// The family and temporality of a histogram metric with `points` data points; `None`, with every
/// point counted as invalid, when its name or temporality is unusable.
fn histogram_family(
    metric: &Metric,
    temporality: i32,
    points: usize,
    out: &mut Collector,
) -> Option<(Arc<Family>, Temporality)> {
    let family = family(metric, NameKind::Other, MetricType::Histogram);
    match (family, Temporality::of(temporality)) {
        (Some(family), Some(temporality)) => Some((family, temporality)),
        _ => {
            out.drop_points(DropReason::Invalid, points);
            None
        }
    }
}

/// Whether a point's `flags` say it has no value: the series ended, so a staleness marker is sent.
fn no_recorded_value(flags: u32) -> bool {
    flags & DataPointFlags::NoRecordedValueMask as u32 != 0
}

/// OTLP nanoseconds to Prometheus milliseconds.
fn millis(unix_nano: u64) -> i64 {
    // u64::MAX / 10^6 fits in an i64, so this never wraps.
    (unix_nano / 1_000_000) as i64
}

/// The start time as a created timestamp, or `None` when the point has none (0).
fn created(start_unix_nano: u64) -> Option<i64> {
    (start_unix_nano != 0).then(|| millis(start_unix_nano))
}

/// A bound or quantile as a label value, as the OTel Collector writes them (`0.005`, `+Inf`).
fn float_label(value: f64) -> String {
    if value == f64::INFINITY {
        "+Inf".to_owned()
    } else if value == f64::NEG_INFINITY {
        "-Inf".to_owned()
    } else {
        value.to_string()
    }
}

/// The newest point time in `metric`, for the `target_info` sample.
fn latest_time_ns(metric: &Metric) -> u64 {
    fn latest<T>(points: &[T], time: impl Fn(&T) -> u64) -> u64 {
        points.iter().map(time).max().unwrap_or(0)
    }
    match &metric.data {
        Some(Data::Gauge(g)) => latest(&g.data_points, |p| p.time_unix_nano),
        Some(Data::Sum(s)) => latest(&s.data_points, |p| p.time_unix_nano),
        Some(Data::Histogram(h)) => latest(&h.data_points, |p| p.time_unix_nano),
        Some(Data::ExponentialHistogram(h)) => latest(&h.data_points, |p| p.time_unix_nano),
        Some(Data::Summary(s)) => latest(&s.data_points, |p| p.time_unix_nano),
        None => 0,
    }
}
