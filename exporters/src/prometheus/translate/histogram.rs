//! Explicit-bucket histograms as classic Prometheus histograms: cumulative `_bucket{le}` series up to
//! `le="+Inf"`, `_sum` (when the point has one) and `_count`.

use std::collections::BTreeMap;
use std::sync::Arc;

use weir_proto::otlp::metrics::v1::{Histogram, HistogramDataPoint, Metric};

use super::collect::Collector;
use super::labels::{ScopeLabels, series_labels};
use super::{
    DeltaAccumulator, Temporality, created, exemplar, float_label, histogram_family, millis,
    no_recorded_value,
};
use crate::prometheus::model::{Family, Sample, stale_nan};

/// Adds the series of `histogram`, made cumulative through `deltas` when it is a delta histogram.
pub(super) fn add(
    scope: &ScopeLabels<'_>,
    metric: &Metric,
    histogram: &Histogram,
    deltas: &mut DeltaAccumulator,
    out: &mut Collector,
) {
    let points = &histogram.data_points;
    let Some((family, temporality)) =
        histogram_family(metric, histogram.aggregation_temporality, points.len(), out)
    else {
        return;
    };
    let names = SeriesNames::of(&family);
    for point in points {
        let stale = no_recorded_value(point.flags);
        let base = scope.point(&point.attributes);
        let accumulated;
        let point = match temporality {
            Temporality::Cumulative => point,
            Temporality::Delta => {
                let key = series_labels(&base, &family.name, None);
                match deltas.histogram(&key, point, stale) {
                    Ok(total) => {
                        accumulated = total;
                        &accumulated
                    }
                    Err(reason) => {
                        out.drop_points(reason, 1);
                        continue;
                    }
                }
            }
        };
        add_point(&base, &family, &names, point, stale, out);
    }
}

/// The names of a classic histogram family's series.
pub(super) struct SeriesNames {
    sum: String,
    count: String,
    bucket: String,
}

impl SeriesNames {
    /// `family`'s `_sum`, `_count` and `_bucket` names.
    pub(super) fn of(family: &Family) -> Self {
        SeriesNames {
            sum: format!("{}_sum", family.name),
            count: format!("{}_count", family.name),
            bucket: format!("{}_bucket", family.name),
        }
    }
}

/// Adds the series of one cumulative `point` labelled `base`: a staleness marker in each when `stale`.
pub(super) fn add_point(
    base: &BTreeMap<String, String>,
    family: &Arc<Family>,
    names: &SeriesNames,
    point: &HistogramDataPoint,
    stale: bool,
    out: &mut Collector,
) {
    let timestamp_ms = millis(point.time_unix_nano);
    let sample = |value: f64| Sample {
        timestamp_ms,
        value: if stale { stale_nan() } else { value },
    };
    let created_ms = created(point.start_time_unix_nano);
    if let Some(sum) = point.sum {
        let labels = series_labels(base, &names.sum, None);
        out.sample(labels, family, sample(sum), created_ms);
    }
    let count = sample(point.count as f64);
    out.sample(
        series_labels(base, &names.count, None),
        family,
        count,
        created_ms,
    );

    // OTLP counts each bucket on its own; Prometheus counts everything up to `le`.
    let mut cumulative: u64 = 0;
    let mut buckets = Vec::with_capacity(point.explicit_bounds.len() + 1);
    for (&bound, &bucket_count) in point.explicit_bounds.iter().zip(&point.bucket_counts) {
        cumulative = cumulative.saturating_add(bucket_count);
        let labels = series_labels(base, &names.bucket, Some(("le", float_label(bound))));
        let index = out.sample(labels, family, sample(cumulative as f64), created_ms);
        buckets.push((bound, index));
    }
    let labels = series_labels(
        base,
        &names.bucket,
        Some(("le", float_label(f64::INFINITY))),
    );
    let infinite = out.sample(labels, family, count, created_ms);
    // Each exemplar goes to the first bucket that holds its value, and no other.
    for exemplar in exemplar::convert(&point.exemplars) {
        let index = buckets
            .iter()
            .find(|(bound, _)| exemplar.value <= *bound)
            .map_or(infinite, |&(_, index)| index);
        out.exemplar(index, exemplar);
    }
}
