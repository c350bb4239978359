use super::exponential::{buckets, exponential, exponential_point};
use super::histogram::{histogram, histogram_point};
use super::*;
use weir_proto::otlp::metrics::v1::{
    DataPointFlags, ExponentialHistogramDataPoint, HistogramDataPoint, Sum,
};

fn delta_sum(monotonic: bool, points: Vec<NumberDataPoint>) -> Metric {
    let data = metric::Data::Sum(Sum {
        data_points: points,
        aggregation_temporality: DELTA,
        is_monotonic: monotonic,
    });
    metric("jobs", "", data)
}

/// A delta point covering seconds `from..to`.
fn delta_point(from: u64, to: u64, value: f64) -> NumberDataPoint {
    NumberDataPoint {
        start_time_unix_nano: T0 + from * SECOND,
        ..number(to, value, vec![])
    }
}

fn translator(max_series: usize) -> Translator {
    Translator::new(Settings::default(), DeltaAccumulator::new(max_series))
}

#[test]
fn delta_sums_accumulate_across_requests() {
    let mut translator = translator(10);
    let first = translator.translate(&request(
        service(),
        vec![delta_sum(true, vec![delta_point(0, 10, 5.0)])],
    ));
    let second = translator.translate(&request(
        service(),
        vec![delta_sum(true, vec![delta_point(10, 20, 3.0)])],
    ));

    let wanted = format!("jobs_total{{{COMMON}}}");
    let first = series(&first.series, &wanted);
    assert_eq!(values(first), [5.0]);
    assert_eq!(first.created_timestamp_ms, Some(T0_MS));
    let second = series(&second.series, &wanted);
    assert_eq!(values(second), [8.0]);
    assert_eq!(second.samples[0].timestamp_ms, T0_MS + 20_000);
    assert_eq!(
        second.created_timestamp_ms,
        Some(T0_MS),
        "the total counts from the first start"
    );
    assert_eq!(translator.deltas_mut().len(), 1);
}

#[test]
fn delta_points_in_one_request_accumulate_in_order() {
    let points = vec![
        delta_point(0, 10, 1.0),
        delta_point(10, 20, 2.0),
        delta_point(20, 30, 4.0),
    ];
    let set = translator(10)
        .translate(&request(service(), vec![delta_sum(false, points)]))
        .series;
    assert_eq!(
        values(series(&set, &format!("jobs{{{COMMON}}}"))),
        [1.0, 3.0, 7.0]
    );
}

#[test]
fn old_and_overlapping_delta_points_are_dropped() {
    let mut translator = translator(10);
    translator.translate(&request(
        service(),
        vec![delta_sum(true, vec![delta_point(0, 10, 5.0)])],
    ));
    let repeated = delta_point(0, 10, 5.0);
    let overlapping = delta_point(5, 15, 1.0);
    let translation = translator.translate(&request(
        service(),
        vec![delta_sum(true, vec![repeated, overlapping])],
    ));
    assert_eq!(translation.dropped.delta_out_of_order, 2);

    let next = translator.translate(&request(
        service(),
        vec![delta_sum(true, vec![delta_point(10, 20, 1.0)])],
    ));
    assert_eq!(
        values(series(&next.series, &format!("jobs_total{{{COMMON}}}"))),
        [6.0]
    );
}

#[test]
fn the_series_limit_drops_points_of_new_series_until_some_are_forgotten() {
    let mut translator = translator(1);
    let one = delta_point(0, 10, 1.0);
    let other = NumberDataPoint {
        attributes: vec![kv("queue", "b")],
        ..delta_point(0, 10, 1.0)
    };
    let translation =
        translator.translate(&request(service(), vec![delta_sum(true, vec![one, other])]));
    assert_eq!(translation.dropped.delta_series_limit, 1);

    assert_eq!(translator.deltas_mut().forget_before(T0 + 11 * SECOND), 1);
    assert!(translator.deltas_mut().is_empty());
    let other = NumberDataPoint {
        attributes: vec![kv("queue", "b")],
        ..delta_point(10, 20, 2.0)
    };
    let translation = translator.translate(&request(service(), vec![delta_sum(true, vec![other])]));
    assert_eq!(translation.dropped.total(), 0);
}

#[test]
fn a_stale_delta_point_ends_the_series_and_the_next_starts_over() {
    let mut translator = translator(10);
    translator.translate(&request(
        service(),
        vec![delta_sum(true, vec![delta_point(0, 10, 5.0)])],
    ));
    let stale = NumberDataPoint {
        flags: DataPointFlags::NoRecordedValueMask as u32,
        ..delta_point(10, 20, 0.0)
    };
    translator.translate(&request(service(), vec![delta_sum(true, vec![stale])]));
    assert!(translator.deltas_mut().is_empty());
    let next = translator.translate(&request(
        service(),
        vec![delta_sum(true, vec![delta_point(20, 30, 2.0)])],
    ));
    let series = series(&next.series, &format!("jobs_total{{{COMMON}}}"));
    assert_eq!(values(series), [2.0]);
    assert_eq!(series.created_timestamp_ms, Some(T0_MS + 20_000));
}

#[test]
fn delta_histograms_accumulate_and_restart_when_buckets_change() {
    let mut translator = translator(10);
    let point = |from: u64, to: u64, counts: Vec<u64>, bounds: Vec<f64>| {
        let point = HistogramDataPoint {
            start_time_unix_nano: T0 + from * SECOND,
            ..histogram_point(to, counts, bounds)
        };
        histogram(DELTA, vec![point])
    };
    let count = |translation: &Translation| {
        let labels = format!("latency_count{{{COMMON}}}");
        values(series(&translation.series, &labels))
    };
    let first = translator.translate(&request(
        service(),
        vec![metric("latency", "", point(0, 10, vec![1, 2], vec![1.0]))],
    ));
    let second = translator.translate(&request(
        service(),
        vec![metric("latency", "", point(10, 20, vec![3, 4], vec![1.0]))],
    ));
    assert_eq!(count(&first), [3.0]);
    assert_eq!(count(&second), [10.0]);
    let bucket = r#"latency_bucket{instance="i-1",job="shop/cart",le="1",otel_scope_name="lib",otel_scope_version="1.2"}"#;
    assert_eq!(values(series(&second.series, bucket)), [4.0]);

    let changed = translator.translate(&request(
        service(),
        vec![metric(
            "latency",
            "",
            point(20, 30, vec![1, 1, 1], vec![1.0, 2.0]),
        )],
    ));
    assert_eq!(count(&changed), [3.0], "new buckets start the total over");
    let latency = series(&changed.series, &format!("latency_count{{{COMMON}}}"));
    assert_eq!(latency.created_timestamp_ms, Some(T0_MS + 20_000));
}

#[test]
fn delta_exponential_histograms_merge_at_the_coarser_scale() {
    let mut translator = translator(10);
    let first = exponential_point(10, 1, buckets(0, &[1, 1]));
    let second = ExponentialHistogramDataPoint {
        start_time_unix_nano: T0 + 10 * SECOND,
        ..exponential_point(20, 0, buckets(0, &[2]))
    };
    translator.translate(&request(
        service(),
        vec![metric("size", "", exponential(DELTA, vec![first]))],
    ));
    let translation = translator.translate(&request(
        service(),
        vec![metric("size", "", exponential(DELTA, vec![second]))],
    ));

    let histogram = &series(&translation.series, &format!("size{{{COMMON}}}")).histograms[0];
    assert_eq!(histogram.schema, 0);
    assert_eq!(histogram.count, 4);
    assert_eq!(histogram.sum, 24.0);
    // Scale 1 buckets 0 and 1 are scale 0 bucket 0, which is Prometheus bucket 1.
    assert_eq!(histogram.positive_spans.len(), 1);
    assert_eq!(histogram.positive_spans[0].offset, 1);
    assert_eq!(histogram.positive_deltas, [4]);
}
