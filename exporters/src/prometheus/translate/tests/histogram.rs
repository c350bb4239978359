use super::*;
use crate::prometheus::model::{MetricType, is_stale};
use weir_proto::otlp::metrics::v1::{DataPointFlags, Histogram, HistogramDataPoint};

pub(super) fn histogram_point(
    seconds: u64,
    counts: Vec<u64>,
    bounds: Vec<f64>,
) -> HistogramDataPoint {
    HistogramDataPoint {
        start_time_unix_nano: T0,
        time_unix_nano: T0 + seconds * SECOND,
        count: counts.iter().sum(),
        sum: Some(counts.iter().sum::<u64>() as f64 * 0.1),
        bucket_counts: counts,
        explicit_bounds: bounds,
        ..Default::default()
    }
}

pub(super) fn histogram(temporality: i32, points: Vec<HistogramDataPoint>) -> metric::Data {
    metric::Data::Histogram(Histogram {
        data_points: points,
        aggregation_temporality: temporality,
    })
}

#[test]
fn buckets_become_cumulative_le_series_up_to_inf_with_sum_and_count() {
    let point = HistogramDataPoint {
        sum: Some(4.25),
        exemplars: vec![exemplar(0.003, 1), exemplar(0.07, 1), exemplar(9.0, 1)],
        ..histogram_point(1, vec![2, 3, 0, 5], vec![0.005, 0.1, 1.0])
    };
    let data = histogram(CUMULATIVE, vec![point]);
    let set = translate(&request(
        service(),
        vec![metric("http.server.duration", "s", data)],
    ))
    .series;

    let name = "http_server_duration_seconds";
    let bucket = |le: &str| {
        let labels = format!(
            r#"instance="i-1",job="shop/cart",le="{le}",otel_scope_name="lib",otel_scope_version="1.2""#
        );
        series(&set, &format!("{name}_bucket{{{labels}}}"))
    };
    assert_eq!(values(bucket("0.005")), [2.0]);
    assert_eq!(values(bucket("0.1")), [5.0]);
    assert_eq!(values(bucket("1")), [5.0]);
    assert_eq!(values(bucket("+Inf")), [10.0]);
    assert_eq!(
        values(series(&set, &format!("{name}_sum{{{COMMON}}}"))),
        [4.25]
    );
    let count = series(&set, &format!("{name}_count{{{COMMON}}}"));
    assert_eq!(values(count), [10.0]);
    assert_eq!(count.family.name, name);
    assert_eq!(count.family.kind, MetricType::Histogram);
    assert_eq!(count.family.unit, "seconds");
    assert_eq!(count.created_timestamp_ms, Some(T0_MS));

    // Each exemplar sits on the first bucket that holds its value, and only there.
    let exemplar_values =
        |le: &str| -> Vec<f64> { bucket(le).exemplars.iter().map(|e| e.value).collect() };
    assert_eq!(exemplar_values("0.005"), [0.003]);
    assert_eq!(exemplar_values("0.1"), [0.07]);
    assert!(exemplar_values("1").is_empty());
    assert_eq!(exemplar_values("+Inf"), [9.0]);
}

#[test]
fn a_point_without_sum_has_no_sum_series() {
    let point = HistogramDataPoint {
        sum: None,
        ..histogram_point(1, vec![1], vec![])
    };
    let set = translate(&request(
        service(),
        vec![metric("latency", "ms", histogram(CUMULATIVE, vec![point]))],
    ))
    .series;
    let mut names: Vec<String> = set
        .series
        .iter()
        .filter_map(|series| series.labels.metric_name().map(str::to_owned))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "latency_milliseconds_bucket",
            "latency_milliseconds_count",
            "target_info"
        ]
    );
}

#[test]
fn no_recorded_value_makes_every_series_stale() {
    let point = HistogramDataPoint {
        flags: DataPointFlags::NoRecordedValueMask as u32,
        ..histogram_point(1, vec![1, 1], vec![1.0])
    };
    let set = translate(&request(
        service(),
        vec![metric("latency", "", histogram(CUMULATIVE, vec![point]))],
    ))
    .series;
    let histogram_series = set
        .series
        .iter()
        .filter(|series| series.family.name == "latency");
    for series in histogram_series {
        assert!(
            is_stale(series.samples[0].value),
            "{}",
            render(&series.labels)
        );
    }
}
