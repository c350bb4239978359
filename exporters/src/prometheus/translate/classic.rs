//! Exponential histogram points as explicit-bucket points, for receivers that do not store native
//! histograms: each exponential bucket becomes the explicit bucket up to its upper bound, so no
//! count moves to another bucket and quantiles stay as exact as the exponential buckets made them.

use weir_proto::otlp::metrics::v1::exponential_histogram_data_point::Buckets;
use weir_proto::otlp::metrics::v1::{ExponentialHistogramDataPoint, HistogramDataPoint};

/// `point` with its negative buckets, zero bucket and positive buckets as explicit buckets in
/// ascending order. The zero bucket is left out when empty; bounds that would not ascend (a zero
/// bucket wider than the buckets next to it) are merged into the bucket before.
pub(super) fn to_explicit(point: &ExponentialHistogramDataPoint) -> HistogramDataPoint {
    let base_log2 = (-f64::from(point.scale)).exp2();
    // Bucket i of either side holds magnitudes in (base^i, base^(i+1)].
    let bound = |index: i64| (index as f64 * base_log2).exp2();
    let mut buckets: Vec<(f64, u64)> = Vec::new();
    let mut push = |upper: f64, count: u64| match buckets.last_mut() {
        Some((last, total)) if upper <= *last => *total = total.saturating_add(count),
        _ => buckets.push((upper, count)),
    };
    // The most negative values first: the negative side's highest index. Its bucket i holds values
    // in [-base^(i+1), -base^i), which lie at or below -base^i.
    for (index, count) in indexed(point.negative.as_ref()).rev() {
        push(-bound(index), count);
    }
    if point.zero_count > 0 {
        push(point.zero_threshold.max(0.0), point.zero_count);
    }
    for (index, count) in indexed(point.positive.as_ref()) {
        push(bound(index + 1), count);
    }
    let (explicit_bounds, mut bucket_counts): (Vec<f64>, Vec<u64>) = buckets.into_iter().unzip();
    // Nothing lies beyond the last exponential bucket.
    bucket_counts.push(0);
    HistogramDataPoint {
        attributes: point.attributes.clone(),
        start_time_unix_nano: point.start_time_unix_nano,
        time_unix_nano: point.time_unix_nano,
        count: point.count,
        sum: point.sum,
        bucket_counts,
        explicit_bounds,
        exemplars: point.exemplars.clone(),
        flags: point.flags,
        min: point.min,
        max: point.max,
    }
}

/// Each bucket's index and count, lowest index first.
fn indexed(buckets: Option<&Buckets>) -> impl DoubleEndedIterator<Item = (i64, u64)> + '_ {
    buckets.into_iter().flat_map(|buckets| {
        (i64::from(buckets.offset)..)
            .zip(buckets.bucket_counts.iter().copied())
            .collect::<Vec<_>>()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buckets(offset: i32, counts: &[u64]) -> Option<Buckets> {
        Some(Buckets {
            offset,
            bucket_counts: counts.to_vec(),
        })
    }

    #[test]
    fn each_exponential_bucket_becomes_the_bucket_up_to_its_upper_bound() {
        let point = ExponentialHistogramDataPoint {
            count: 10,
            sum: Some(20.0),
            scale: 0,
            zero_count: 1,
            zero_threshold: 0.0,
            positive: buckets(0, &[1, 2, 3]),
            negative: buckets(1, &[4]),
            ..Default::default()
        };
        let explicit = to_explicit(&point);
        // Negative bucket 1 is [-4, -2); zero; positive buckets (1, 2], (2, 4], (4, 8].
        assert_eq!(explicit.explicit_bounds, [-2.0, 0.0, 2.0, 4.0, 8.0]);
        assert_eq!(explicit.bucket_counts, [4, 1, 1, 2, 3, 0]);
        assert_eq!((explicit.count, explicit.sum), (10, Some(20.0)));
    }

    #[test]
    fn fine_scales_give_fine_bounds() {
        let point = ExponentialHistogramDataPoint {
            count: 2,
            scale: 3,
            positive: buckets(-1, &[1, 1]),
            ..Default::default()
        };
        let explicit = to_explicit(&point);
        // At scale 3 the base is 2^(1/8): bucket -1 ends at 1, bucket 0 at 2^(1/8).
        assert_eq!(explicit.explicit_bounds, [1.0, 2f64.powf(0.125)]);
        assert_eq!(explicit.bucket_counts, [1, 1, 0]);
    }

    #[test]
    fn a_zero_bucket_wider_than_its_neighbours_takes_them_in() {
        let point = ExponentialHistogramDataPoint {
            count: 3,
            scale: 0,
            zero_count: 1,
            zero_threshold: 3.0,
            positive: buckets(0, &[1, 1]),
            ..Default::default()
        };
        let explicit = to_explicit(&point);
        assert_eq!(explicit.explicit_bounds, [3.0, 4.0]);
        // Bucket (1, 2] lies inside the zero bucket [-3, 3].
        assert_eq!(explicit.bucket_counts, [2, 1, 0]);
    }
}
