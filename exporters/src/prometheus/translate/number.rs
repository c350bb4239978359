//! Gauges and sums: one sample per point. Monotonic sums are counters (`_total`, with exemplars and
//! created timestamps); non-monotonic sums are gauges.

use weir_proto::otlp::metrics::v1::number_data_point::Value;
use weir_proto::otlp::metrics::v1::{Metric, NumberDataPoint, Sum};

use super::collect::Collector;
use super::labels::{ScopeLabels, series_labels};
use super::{
    DeltaAccumulator, DropReason, Temporality, created, exemplar, family, millis, no_recorded_value,
};
use crate::prometheus::model::{MetricType, Sample, stale_nan};
use crate::prometheus::names::NameKind;

/// Adds the series of a gauge with `points`.
pub(super) fn gauge(
    scope: &ScopeLabels<'_>,
    metric: &Metric,
    points: &[NumberDataPoint],
    out: &mut Collector,
) {
    add(scope, metric, points, NameKind::Gauge, None, out);
}

/// Adds the series of `sum`, made cumulative through `deltas` when it is a delta sum.
pub(super) fn sum(
    scope: &ScopeLabels<'_>,
    metric: &Metric,
    sum: &Sum,
    deltas: &mut DeltaAccumulator,
    out: &mut Collector,
) {
    let kind = if sum.is_monotonic {
        NameKind::Counter
    } else {
        NameKind::Gauge
    };
    match Temporality::of(sum.aggregation_temporality) {
        Some(Temporality::Cumulative) => add(scope, metric, &sum.data_points, kind, None, out),
        Some(Temporality::Delta) => add(scope, metric, &sum.data_points, kind, Some(deltas), out),
        None => out.drop_points(DropReason::Invalid, sum.data_points.len()),
    }
}

fn add(
    scope: &ScopeLabels<'_>,
    metric: &Metric,
    points: &[NumberDataPoint],
    kind: NameKind,
    mut deltas: Option<&mut DeltaAccumulator>,
    out: &mut Collector,
) {
    let counter = kind == NameKind::Counter;
    let metric_type = if counter {
        MetricType::Counter
    } else {
        MetricType::Gauge
    };
    let Some(family) = family(metric, kind, metric_type) else {
        out.drop_points(DropReason::Invalid, points.len());
        return;
    };
    for point in points {
        let stale = no_recorded_value(point.flags);
        let value = match point.value {
            Some(Value::AsDouble(value)) => value,
            Some(Value::AsInt(value)) => value as f64,
            None if stale => 0.0,
            None => {
                out.drop_points(DropReason::Invalid, 1);
                continue;
            }
        };
        let labels = series_labels(&scope.point(&point.attributes), &family.name, None);
        let times = (point.start_time_unix_nano, point.time_unix_nano);
        let (start_ns, value) = match deltas.as_deref_mut() {
            None => (point.start_time_unix_nano, value),
            Some(deltas) => match deltas.sum(&labels, times, value, stale) {
                Ok(total) => total,
                Err(reason) => {
                    out.drop_points(reason, 1);
                    continue;
                }
            },
        };
        let sample = Sample {
            timestamp_ms: millis(point.time_unix_nano),
            value: if stale { stale_nan() } else { value },
        };
        // Only counters have a start worth reporting, and only their exemplars are kept (the spec
        // drops exemplars of gauges).
        let created_ms = if counter { created(start_ns) } else { None };
        let index = out.sample(labels, &family, sample, created_ms);
        if counter {
            for exemplar in exemplar::convert(&point.exemplars) {
                out.exemplar(index, exemplar);
            }
        }
    }
}
