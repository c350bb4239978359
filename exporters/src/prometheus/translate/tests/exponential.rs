use super::*;
use crate::prometheus::model::{BucketSpan, MetricType, STALE_NAN_BITS, is_stale};
use crate::prometheus::translate::DropReason;
use crate::prometheus::translate::exponential::to_native;
use weir_proto::otlp::metrics::v1::exponential_histogram_data_point::Buckets;
use weir_proto::otlp::metrics::v1::{
    DataPointFlags, ExponentialHistogram, ExponentialHistogramDataPoint,
};

pub(super) fn buckets(offset: i32, counts: &[u64]) -> Option<Buckets> {
    Some(Buckets {
        offset,
        bucket_counts: counts.to_vec(),
    })
}

pub(super) fn exponential_point(
    seconds: u64,
    scale: i32,
    positive: Option<Buckets>,
) -> ExponentialHistogramDataPoint {
    let count = positive
        .as_ref()
        .map_or(0, |b| b.bucket_counts.iter().sum());
    ExponentialHistogramDataPoint {
        start_time_unix_nano: T0,
        time_unix_nano: T0 + seconds * SECOND,
        count,
        sum: Some(12.0),
        scale,
        positive,
        ..Default::default()
    }
}

pub(super) fn exponential(
    temporality: i32,
    points: Vec<ExponentialHistogramDataPoint>,
) -> metric::Data {
    metric::Data::ExponentialHistogram(ExponentialHistogram {
        data_points: points,
        aggregation_temporality: temporality,
    })
}

fn span(offset: i32, length: u32) -> BucketSpan {
    BucketSpan { offset, length }
}

#[test]
fn becomes_a_native_histogram_series() {
    let point = ExponentialHistogramDataPoint {
        zero_count: 2,
        negative: buckets(0, &[4]),
        exemplars: vec![exemplar(1.5, 1)],
        ..exponential_point(1, 3, buckets(0, &[1, 2]))
    };
    let data = exponential(CUMULATIVE, vec![point]);
    let set = translate(&request(service(), vec![metric("rpc.latency", "ms", data)])).series;

    let series = series(&set, &format!("rpc_latency_milliseconds{{{COMMON}}}"));
    assert!(series.samples.is_empty());
    assert_eq!(series.family.kind, MetricType::Histogram);
    assert_eq!(series.created_timestamp_ms, Some(T0_MS));
    assert_eq!(series.exemplars.len(), 1);
    let histogram = &series.histograms[0];
    assert_eq!(histogram.timestamp_ms, T0_MS + 1000);
    assert_eq!(histogram.schema, 3);
    assert_eq!(histogram.count, 3);
    assert_eq!(histogram.sum, 12.0);
    assert_eq!(histogram.zero_count, 2);
    assert_eq!(
        histogram.zero_threshold, 1e-128,
        "the spec's default when the point has none"
    );
    // OTLP bucket i is Prometheus bucket i + 1.
    assert_eq!(histogram.positive_spans, [span(1, 2)]);
    assert_eq!(histogram.positive_deltas, [1, 1]);
    assert_eq!(histogram.negative_spans, [span(1, 1)]);
    assert_eq!(histogram.negative_deltas, [4]);
}

#[test]
fn short_gaps_are_zeros_and_long_gaps_new_spans() {
    let two_empty = to_native(&exponential_point(1, 0, buckets(-2, &[1, 0, 0, 3])), false).unwrap();
    assert_eq!(two_empty.positive_spans, [span(-1, 4)]);
    assert_eq!(two_empty.positive_deltas, [1, -1, 0, 3]);

    let three_empty = to_native(
        &exponential_point(1, 0, buckets(-2, &[1, 0, 0, 0, 3])),
        false,
    )
    .unwrap();
    assert_eq!(three_empty.positive_spans, [span(-1, 1), span(3, 1)]);
    assert_eq!(three_empty.positive_deltas, [1, 2]);

    let edges = to_native(&exponential_point(1, 0, buckets(5, &[0, 0, 7, 0])), false).unwrap();
    assert_eq!(
        edges.positive_spans,
        [span(8, 1)],
        "empty buckets at the edges are not sent"
    );
    assert_eq!(edges.positive_deltas, [7]);
}

#[test]
fn scales_above_8_are_downscaled_by_merging_buckets() {
    // Scale 10 to schema 8 merges four buckets into one: OTLP indexes 3..=8 become 0, 1, 1, 1, 1, 2.
    let point = ExponentialHistogramDataPoint {
        negative: buckets(-5, &[1, 1, 1]),
        ..exponential_point(1, 10, buckets(3, &[1, 1, 1, 1, 1, 1]))
    };
    let histogram = to_native(&point, false).unwrap();
    assert_eq!(histogram.schema, 8);
    assert_eq!(histogram.positive_spans, [span(1, 3)]);
    assert_eq!(histogram.positive_deltas, [1, 3, -3]);
    // -5, -4, -3 divided by 4, rounding down: -2, -1, -1.
    assert_eq!(histogram.negative_spans, [span(-1, 2)]);
    assert_eq!(histogram.negative_deltas, [1, 1]);
    assert_eq!(histogram.count, 6, "the count is the point's");
}

#[test]
fn extreme_scales_and_offsets_never_panic() {
    let huge = to_native(
        &exponential_point(1, i32::MAX, buckets(i32::MAX - 1, &[1, 1])),
        false,
    )
    .unwrap();
    assert_eq!(huge.schema, 8);
    assert_eq!(huge.positive_spans, [span(1, 1)]);
    assert_eq!(huge.positive_deltas, [2]);

    let past_i32 = to_native(&exponential_point(1, 0, buckets(i32::MAX, &[1])), false);
    assert_eq!(past_i32, Err(DropReason::Invalid));
}

#[test]
fn scales_below_minus_4_are_dropped() {
    let data = exponential(CUMULATIVE, vec![exponential_point(1, -5, buckets(0, &[1]))]);
    let translation = translate(&request(service(), vec![metric("coarse", "", data)]));
    assert_eq!(translation.dropped.unsupported_scale, 1);
    assert!(
        translation
            .series
            .series
            .iter()
            .all(|s| s.histograms.is_empty())
    );
}

#[test]
fn no_recorded_value_is_a_stale_histogram() {
    let point = ExponentialHistogramDataPoint {
        flags: DataPointFlags::NoRecordedValueMask as u32,
        ..exponential_point(1, 0, buckets(0, &[1]))
    };
    let data = exponential(CUMULATIVE, vec![point]);
    let set = translate(&request(service(), vec![metric("gone", "", data)])).series;
    let histogram = &series(&set, &format!("gone{{{COMMON}}}")).histograms[0];
    assert!(is_stale(histogram.sum));
    assert_eq!(histogram.count, STALE_NAN_BITS);
    assert!(histogram.positive_spans.is_empty());
}

#[test]
fn becomes_a_classic_histogram_when_asked() {
    let point = ExponentialHistogramDataPoint {
        zero_count: 1,
        count: 4,
        ..exponential_point(1, 0, buckets(0, &[1, 2]))
    };
    let data = exponential(CUMULATIVE, vec![point]);
    let settings = Settings {
        classic_exponential_histograms: true,
        ..Settings::default()
    };
    let set = translate_with(
        settings,
        &request(service(), vec![metric("rpc.latency", "ms", data)]),
    )
    .series;
    assert!(set.series.iter().all(|s| s.histograms.is_empty()));
    let bucket = |le: &str| {
        let name = format!(
            r#"rpc_latency_milliseconds_bucket{{instance="i-1",job="shop/cart",le="{le}",otel_scope_name="lib",otel_scope_version="1.2"}}"#
        );
        values(series(&set, &name))
    };
    // The zero bucket (its default width 0 here), then (1, 2] and (2, 4].
    assert_eq!(bucket("0"), [1.0]);
    assert_eq!(bucket("2"), [2.0]);
    assert_eq!(bucket("4"), [4.0]);
    assert_eq!(bucket("+Inf"), [4.0]);
    let count = format!("rpc_latency_milliseconds_count{{{COMMON}}}");
    assert_eq!(values(series(&set, &count)), [4.0]);
    let sum = format!("rpc_latency_milliseconds_sum{{{COMMON}}}");
    assert_eq!(values(series(&set, &sum)), [12.0]);
    assert_eq!(
        series(&set, &count).family.kind,
        MetricType::Histogram,
        "a histogram family still"
    );
}
