//! Exponential histograms as native histograms: the scale becomes the schema (downscaled to at most
//! 8 by merging buckets, as the OTel Collector does) and the dense buckets become spans of
//! delta-encoded counts.

use weir_proto::otlp::metrics::v1::exponential_histogram_data_point::Buckets;
use weir_proto::otlp::metrics::v1::{ExponentialHistogram, ExponentialHistogramDataPoint, Metric};

use super::classic::to_explicit;
use super::collect::Collector;
use super::histogram::{SeriesNames, add_point};
use super::labels::{ScopeLabels, series_labels};
use super::{
    DeltaAccumulator, DropReason, Temporality, created, exemplar, histogram_family, millis,
    no_recorded_value,
};
use crate::prometheus::model::{BucketSpan, NativeHistogram, STALE_NAN_BITS, stale_nan};

/// The finest schema Prometheus accepts; finer scales are merged down to it.
const MAX_SCHEMA: i32 = 8;
/// The coarsest schema Prometheus accepts; coarser scales cannot be split, so such points are dropped.
const MIN_SCHEMA: i32 = -4;
/// The zero bucket's width when the point does not say, as the OTel spec prescribes.
const DEFAULT_ZERO_THRESHOLD: f64 = 1e-128;
/// Up to this many empty buckets between two filled ones are sent as zeros rather than a new span,
/// which would cost more bytes (the rule Prometheus' own client uses).
const MAX_ZERO_RUN: i64 = 2;
/// A merged total wider than this many buckets starts over instead: only a client sending absurd
/// offsets gets there, and the buckets between would have to be allocated.
const MAX_MERGED_BUCKETS: i64 = 1 << 14;

/// Adds the series of `histogram` to `out`: native histograms, or classic ones when `classic`.
pub(super) fn add(
    scope: &ScopeLabels<'_>,
    metric: &Metric,
    histogram: &ExponentialHistogram,
    classic: bool,
    deltas: &mut DeltaAccumulator,
    out: &mut Collector,
) {
    let points = &histogram.data_points;
    let Some((family, temporality)) =
        histogram_family(metric, histogram.aggregation_temporality, points.len(), out)
    else {
        return;
    };
    let classic_names = classic.then(|| SeriesNames::of(&family));
    for point in points {
        let stale = no_recorded_value(point.flags);
        let labels = series_labels(&scope.point(&point.attributes), &family.name, None);
        let accumulated;
        let point = match temporality {
            Temporality::Cumulative => point,
            Temporality::Delta => match deltas.exponential(&labels, point, stale) {
                Ok(total) => {
                    accumulated = total;
                    &accumulated
                }
                Err(reason) => {
                    out.drop_points(reason, 1);
                    continue;
                }
            },
        };
        if let Some(names) = &classic_names {
            let base = scope.point(&point.attributes);
            add_point(&base, &family, names, &to_explicit(point), stale, out);
            continue;
        }
        let histogram = match to_native(point, stale) {
            Ok(histogram) => histogram,
            Err(reason) => {
                out.drop_points(reason, 1);
                continue;
            }
        };
        let index = out.histogram(
            labels,
            &family,
            histogram,
            created(point.start_time_unix_nano),
        );
        for exemplar in exemplar::convert(&point.exemplars) {
            out.exemplar(index, exemplar);
        }
    }
}

/// `point` as a native histogram; a staleness marker when `stale`.
pub(super) fn to_native(
    point: &ExponentialHistogramDataPoint,
    stale: bool,
) -> Result<NativeHistogram, DropReason> {
    if point.scale < MIN_SCHEMA {
        return Err(DropReason::UnsupportedScale);
    }
    let schema = point.scale.min(MAX_SCHEMA);
    let merge_by = scale_difference(point.scale, schema);
    let zero_threshold = if point.zero_threshold > 0.0 {
        point.zero_threshold
    } else {
        DEFAULT_ZERO_THRESHOLD
    };
    let mut histogram = NativeHistogram {
        timestamp_ms: millis(point.time_unix_nano),
        count: point.count,
        sum: point.sum.unwrap_or(0.0),
        schema,
        zero_threshold,
        zero_count: point.zero_count,
        positive_spans: Vec::new(),
        positive_deltas: Vec::new(),
        negative_spans: Vec::new(),
        negative_deltas: Vec::new(),
    };
    if stale {
        // Receivers recognise the marker by its sum; the count carries the same bits, as the OTel
        // spec says, and the buckets are left out.
        histogram.count = STALE_NAN_BITS;
        histogram.sum = stale_nan();
        return Ok(histogram);
    }
    if let Some(buckets) = &point.positive {
        (histogram.positive_spans, histogram.positive_deltas) =
            sparse(&downscale(buckets, merge_by))?;
    }
    if let Some(buckets) = &point.negative {
        (histogram.negative_spans, histogram.negative_deltas) =
            sparse(&downscale(buckets, merge_by))?;
    }
    Ok(histogram)
}

/// Adds `point` to `total`, both brought to the coarser of their scales; false when they cannot be
/// added (different zero buckets, or a total that would grow absurdly wide).
pub(super) fn merge(
    total: &mut ExponentialHistogramDataPoint,
    point: &ExponentialHistogramDataPoint,
) -> bool {
    if total.zero_threshold.to_bits() != point.zero_threshold.to_bits() {
        return false;
    }
    let scale = total.scale.min(point.scale);
    let total_by = scale_difference(total.scale, scale);
    let point_by = scale_difference(point.scale, scale);
    let merged = |total: &Option<Buckets>, point: &Option<Buckets>| {
        added(
            &downscale(or_empty(total), total_by),
            &downscale(or_empty(point), point_by),
        )
    };
    let (Some(positive), Some(negative)) = (
        merged(&total.positive, &point.positive),
        merged(&total.negative, &point.negative),
    ) else {
        return false;
    };
    total.scale = scale;
    total.positive = Some(positive);
    total.negative = Some(negative);
    total.count = total.count.saturating_add(point.count);
    total.zero_count = total.zero_count.saturating_add(point.zero_count);
    total.sum = total.sum.zip(point.sum).map(|(a, b)| a + b);
    true
}

fn or_empty(buckets: &Option<Buckets>) -> &Buckets {
    static EMPTY: Buckets = Buckets {
        offset: 0,
        bucket_counts: Vec::new(),
    };
    buckets.as_ref().unwrap_or(&EMPTY)
}

/// How many times the buckets of `from` must be halved to reach `to` (`from >= to`).
fn scale_difference(from: i32, to: i32) -> u32 {
    u32::try_from(i64::from(from) - i64::from(to)).unwrap_or(u32::MAX)
}

/// `index` divided by `2^by`, rounding down: the bucket at a coarser scale that holds bucket `index`.
fn coarser(index: i64, by: u32) -> i64 {
    index
        .checked_shr(by)
        .unwrap_or(if index < 0 { -1 } else { 0 })
}

/// `buckets` with every `2^by` neighbours merged into one, as at a scale `by` coarser.
fn downscale(buckets: &Buckets, by: u32) -> Buckets {
    if by == 0 || buckets.bucket_counts.is_empty() {
        return buckets.clone();
    }
    let first = i64::from(buckets.offset);
    let offset = coarser(first, by);
    let mut counts: Vec<u64> = Vec::new();
    for (i, &count) in buckets.bucket_counts.iter().enumerate() {
        // Never past `bucket_counts.len()`: merging only shrinks the range.
        let slot = (coarser(first + i as i64, by) - offset) as usize;
        if slot == counts.len() {
            counts.push(0);
        }
        counts[slot] = counts[slot].saturating_add(count);
    }
    Buckets {
        // Within i32: `offset` lies between `first` and 0.
        offset: offset as i32,
        bucket_counts: counts,
    }
}

/// The bucket-wise sum of `a` and `b`, or `None` when it would span more than [`MAX_MERGED_BUCKETS`].
fn added(a: &Buckets, b: &Buckets) -> Option<Buckets> {
    let range = |buckets: &Buckets| {
        let start = i64::from(buckets.offset);
        (start, start + buckets.bucket_counts.len() as i64)
    };
    let parts: Vec<&Buckets> = [a, b]
        .into_iter()
        .filter(|buckets| !buckets.bucket_counts.is_empty())
        .collect();
    let start = parts.iter().map(|b| range(b).0).min().unwrap_or(0);
    let end = parts.iter().map(|b| range(b).1).max().unwrap_or(0);
    if end - start > MAX_MERGED_BUCKETS {
        return None;
    }
    let mut counts = vec![0u64; (end - start) as usize];
    for buckets in parts {
        let skip = (i64::from(buckets.offset) - start) as usize;
        for (sum, count) in counts[skip..].iter_mut().zip(&buckets.bucket_counts) {
            *sum = sum.saturating_add(*count);
        }
    }
    Some(Buckets {
        offset: i32::try_from(start).ok()?,
        bucket_counts: counts,
    })
}

/// Dense OTLP buckets as native-histogram spans and deltas. OTLP bucket `i` holds (base^i, base^(i+1)]
/// and Prometheus bucket `i` holds (base^(i-1), base^i], so every index moves up by one.
fn sparse(buckets: &Buckets) -> Result<(Vec<BucketSpan>, Vec<i64>), DropReason> {
    let mut spans: Vec<BucketSpan> = Vec::new();
    let mut deltas = Vec::new();
    let mut previous: i64 = 0;
    let mut next_index: Option<i64> = None;
    for (i, &count) in buckets.bucket_counts.iter().enumerate() {
        if count == 0 {
            continue;
        }
        let index = i64::from(buckets.offset) + i as i64 + 1;
        match next_index {
            Some(next) if index - next <= MAX_ZERO_RUN => {
                for _ in next..index {
                    deltas.push(0i64.wrapping_sub(previous));
                    previous = 0;
                }
                if let Some(span) = spans.last_mut() {
                    span.length += (index - next) as u32;
                }
            }
            Some(next) => spans.push(BucketSpan {
                offset: i32::try_from(index - next).map_err(|_| DropReason::Invalid)?,
                length: 0,
            }),
            None => spans.push(BucketSpan {
                offset: i32::try_from(index).map_err(|_| DropReason::Invalid)?,
                length: 0,
            }),
        }
        // Counts past i64::MAX wrap, and so does the receiver's sum of the deltas.
        let count = count as i64;
        deltas.push(count.wrapping_sub(previous));
        previous = count;
        if let Some(span) = spans.last_mut() {
            span.length += 1;
        }
        next_index = Some(index + 1);
    }
    Ok((spans, deltas))
}
