//! Summaries: a `{quantile}` series per quantile, plus `_sum` and `_count`.

use weir_proto::otlp::metrics::v1::{Metric, Summary};

use super::collect::Collector;
use super::labels::{ScopeLabels, series_labels};
use super::{DropReason, created, family, float_label, millis, no_recorded_value};
use crate::prometheus::model::{MetricType, Sample, stale_nan};
use crate::prometheus::names::NameKind;

/// Adds the series of `summary`; summaries are cumulative by definition.
pub(super) fn add(
    scope: &ScopeLabels<'_>,
    metric: &Metric,
    summary: &Summary,
    out: &mut Collector,
) {
    let points = &summary.data_points;
    let Some(family) = family(metric, NameKind::Other, MetricType::Summary) else {
        out.drop_points(DropReason::Invalid, points.len());
        return;
    };
    let sum_name = format!("{}_sum", family.name);
    let count_name = format!("{}_count", family.name);
    for point in points {
        let stale = no_recorded_value(point.flags);
        let base = scope.point(&point.attributes);
        let timestamp_ms = millis(point.time_unix_nano);
        let sample = |value: f64| Sample {
            timestamp_ms,
            value: if stale { stale_nan() } else { value },
        };
        let created_ms = created(point.start_time_unix_nano);
        let labels = series_labels(&base, &sum_name, None);
        out.sample(labels, &family, sample(point.sum), created_ms);
        let labels = series_labels(&base, &count_name, None);
        out.sample(labels, &family, sample(point.count as f64), created_ms);
        for quantile in &point.quantile_values {
            let label = ("quantile", float_label(quantile.quantile));
            let labels = series_labels(&base, &family.name, Some(label));
            out.sample(labels, &family, sample(quantile.value), created_ms);
        }
    }
}
