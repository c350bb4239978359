use std::sync::Arc;

use weir_proto::remote_write::v1::{histogram, metric_metadata};
use weir_proto::remote_write::v2::metadata;
use weir_proto::remote_write::{v1, v2};

use super::{to_v1, to_v2};
use crate::prometheus::model::{
    BucketSpan, Exemplar, Family, Labels, MetricType, NativeHistogram, Sample, Series, SeriesSet,
};

fn family(name: &str, kind: MetricType, unit: &str) -> Arc<Family> {
    Arc::new(Family {
        name: name.into(),
        kind,
        help: format!("About {name}."),
        unit: unit.into(),
    })
}

fn series(labels: &[(&str, &str)], family: &Arc<Family>, samples: &[(i64, f64)]) -> Series {
    Series {
        labels: labels.iter().copied().collect(),
        family: Arc::clone(family),
        samples: samples
            .iter()
            .map(|&(timestamp_ms, value)| Sample {
                timestamp_ms,
                value,
            })
            .collect(),
        histograms: Vec::new(),
        exemplars: Vec::new(),
        created_timestamp_ms: None,
    }
}

fn native(timestamp_ms: i64) -> NativeHistogram {
    NativeHistogram {
        timestamp_ms,
        count: 5,
        sum: 2.5,
        schema: 3,
        zero_threshold: 1e-128,
        zero_count: 1,
        positive_spans: vec![BucketSpan {
            offset: 1,
            length: 2,
        }],
        positive_deltas: vec![1, 2],
        negative_spans: vec![BucketSpan {
            offset: -1,
            length: 1,
        }],
        negative_deltas: vec![1],
    }
}

/// Two counter series of one family, a histogram family split over three series, and a native
/// histogram with an exemplar and a created timestamp.
fn set() -> SeriesSet {
    let requests = family("requests_total", MetricType::Counter, "");
    let latency = family("latency_seconds", MetricType::Histogram, "seconds");
    let sizes = family("size_bytes", MetricType::Histogram, "bytes");
    let exemplar = Exemplar {
        labels: [("trace_id", "0a0b")].into_iter().collect(),
        value: 0.5,
        timestamp_ms: 1_000,
    };
    let mut native_series = series(&[("__name__", "size_bytes"), ("job", "a")], &sizes, &[]);
    native_series.histograms = vec![native(1_000)];
    native_series.exemplars = vec![exemplar];
    native_series.created_timestamp_ms = Some(500);
    SeriesSet {
        series: vec![
            series(
                &[("__name__", "requests_total"), ("job", "a")],
                &requests,
                &[(1_000, 1.0), (2_000, 2.0)],
            ),
            series(
                &[("__name__", "requests_total"), ("job", "b")],
                &requests,
                &[(1_000, 7.0)],
            ),
            series(
                &[
                    ("__name__", "latency_seconds_bucket"),
                    ("job", "a"),
                    ("le", "+Inf"),
                ],
                &latency,
                &[(1_000, 3.0)],
            ),
            series(
                &[("__name__", "latency_seconds_sum"), ("job", "a")],
                &latency,
                &[(1_000, 0.3)],
            ),
            series(
                &[("__name__", "latency_seconds_count"), ("job", "a")],
                &latency,
                &[(1_000, 3.0)],
            ),
            native_series,
            series(&[("__name__", "empty")], &requests, &[]),
        ],
    }
}

#[test]
fn v1_carries_labels_samples_histograms_exemplars_and_one_metadata_per_family() {
    let request = to_v1(&set());
    assert_eq!(
        request.timeseries.len(),
        6,
        "the series without samples is left out"
    );

    let first = &request.timeseries[0];
    let label = |name: &str, value: &str| v1::Label {
        name: name.into(),
        value: value.into(),
    };
    assert_eq!(
        first.labels,
        [label("__name__", "requests_total"), label("job", "a")]
    );
    assert_eq!(
        first.samples,
        [
            v1::Sample {
                value: 1.0,
                timestamp: 1_000
            },
            v1::Sample {
                value: 2.0,
                timestamp: 2_000
            }
        ]
    );

    let native = &request.timeseries[5];
    assert!(native.samples.is_empty());
    let histogram = &native.histograms[0];
    assert_eq!(histogram.count, Some(histogram::Count::CountInt(5)));
    assert_eq!(
        histogram.zero_count,
        Some(histogram::ZeroCount::ZeroCountInt(1))
    );
    assert_eq!(histogram.schema, 3);
    assert_eq!(histogram.positive_deltas, [1, 2]);
    assert_eq!(
        histogram.negative_spans,
        [v1::BucketSpan {
            offset: -1,
            length: 1
        }]
    );
    assert_eq!(native.exemplars[0].labels, [label("trace_id", "0a0b")]);

    let metadata: Vec<(&str, i32, &str)> = request
        .metadata
        .iter()
        .map(|m| (m.metric_family_name.as_str(), m.r#type, m.unit.as_str()))
        .collect();
    assert_eq!(
        metadata,
        [
            (
                "requests_total",
                metric_metadata::MetricType::Counter as i32,
                ""
            ),
            (
                "latency_seconds",
                metric_metadata::MetricType::Histogram as i32,
                "seconds"
            ),
            (
                "size_bytes",
                metric_metadata::MetricType::Histogram as i32,
                "bytes"
            ),
        ]
    );
    assert_eq!(request.metadata[0].help, "About requests_total.");
}

/// The labels a 2.0 series refers to, looked up in the symbol table.
fn resolve(request: &v2::Request, refs: &[u32]) -> Labels {
    let symbol = |index: &u32| request.symbols[*index as usize].clone();
    refs.chunks(2)
        .map(|pair| (symbol(&pair[0]), symbol(&pair[1])))
        .collect()
}

#[test]
fn v2_interns_every_string_once_starting_with_the_empty_one() {
    let set = set();
    let request = to_v2(&set);
    assert_eq!(request.symbols[0], "");
    let mut unique = request.symbols.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), request.symbols.len(), "{:?}", request.symbols);

    assert_eq!(request.timeseries.len(), 6);
    for (series, sent) in set.series.iter().zip(&request.timeseries) {
        assert_eq!(resolve(&request, &sent.labels_refs), series.labels);
    }
}

#[test]
fn v2_series_carry_their_metadata_created_timestamp_and_exemplars() {
    let request = to_v2(&set());
    let symbol = |index: u32| request.symbols[index as usize].as_str();

    let counter = &request.timeseries[0];
    let counter_metadata = counter.metadata.unwrap();
    assert_eq!(
        counter_metadata.r#type,
        metadata::MetricType::Counter as i32
    );
    assert_eq!(symbol(counter_metadata.help_ref), "About requests_total.");
    assert_eq!(counter_metadata.unit_ref, 0, "no unit is the empty string");
    assert_eq!(counter.created_timestamp, 0, "0 means unknown");

    let native = &request.timeseries[5];
    let native_metadata = native.metadata.unwrap();
    assert_eq!(
        native_metadata.r#type,
        metadata::MetricType::Histogram as i32
    );
    assert_eq!(symbol(native_metadata.unit_ref), "bytes");
    assert_eq!(native.created_timestamp, 500);
    assert!(native.samples.is_empty());
    assert_eq!(native.histograms[0].timestamp, 1_000);
    let exemplar = &native.exemplars[0];
    assert_eq!(
        resolve(&request, &exemplar.labels_refs).get("trace_id"),
        Some("0a0b")
    );
    assert_eq!((exemplar.value, exemplar.timestamp), (0.5, 1_000));
}

#[test]
fn v2_sends_samples_and_histograms_of_one_label_set_as_two_series() {
    let family = family("mixed", MetricType::Gauge, "");
    let mut mixed = series(&[("__name__", "mixed")], &family, &[(1_000, 1.0)]);
    mixed.histograms = vec![native(1_000)];
    let request = to_v2(&SeriesSet {
        series: vec![mixed],
    });
    assert_eq!(request.timeseries.len(), 2);
    assert_eq!(
        request.timeseries[0].labels_refs,
        request.timeseries[1].labels_refs
    );
    assert!(request.timeseries[0].histograms.is_empty());
    assert!(request.timeseries[1].samples.is_empty());
}
