use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::Arc;

use proptest::prelude::*;

use super::{Limits, split};
use crate::prometheus::encode::to_v1;
use crate::prometheus::model::{
    Exemplar, Family, Labels, MetricType, NativeHistogram, Sample, Series, SeriesSet,
};

fn family() -> Arc<Family> {
    Arc::new(Family {
        name: "x".into(),
        kind: MetricType::Gauge,
        help: String::new(),
        unit: String::new(),
    })
}

fn labels(n: usize) -> Labels {
    [("__name__", "x".to_owned()), ("n", n.to_string())]
        .into_iter()
        .collect()
}

/// Series `n` with float samples at `samples` and native histograms at `histograms` (timestamps).
fn series(n: usize, samples: &[i64], histograms: &[i64]) -> Series {
    Series {
        labels: labels(n),
        family: family(),
        samples: samples
            .iter()
            .map(|&timestamp_ms| Sample {
                timestamp_ms,
                value: timestamp_ms as f64,
            })
            .collect(),
        histograms: histograms
            .iter()
            .map(|&timestamp_ms| NativeHistogram {
                timestamp_ms,
                count: 1,
                sum: 1.0,
                schema: 0,
                zero_threshold: 1e-128,
                zero_count: 0,
                positive_spans: Vec::new(),
                positive_deltas: Vec::new(),
                negative_spans: Vec::new(),
                negative_deltas: Vec::new(),
            })
            .collect(),
        exemplars: vec![Exemplar {
            labels: Labels::default(),
            value: 1.0,
            timestamp_ms: 0,
        }],
        created_timestamp_ms: Some(7),
    }
}

/// At most `n` samples per request, and no byte limit.
fn max(n: usize) -> Limits {
    Limits {
        samples: NonZeroUsize::new(n).unwrap(),
        bytes: NonZeroUsize::MAX,
    }
}

fn sizes(requests: &[SeriesSet]) -> Vec<Vec<usize>> {
    requests
        .iter()
        .map(|request| request.series.iter().map(Series::point_count).collect())
        .collect()
}

#[test]
fn fills_each_request_and_cuts_series_that_do_not_fit() {
    let set = SeriesSet {
        series: vec![
            series(0, &[1, 2, 3], &[]),
            series(1, &[1, 2, 3, 4, 5, 6], &[]),
            series(2, &[1], &[2]),
        ],
    };
    let requests = split(set, max(4));
    assert_eq!(sizes(&requests), [vec![3, 1], vec![4], vec![1, 2]]);
    // The pieces of series 1 are in time order across requests and keep the created timestamp.
    assert_eq!(requests[0].series[1].samples[0].timestamp_ms, 1);
    assert_eq!(requests[1].series[0].samples[0].timestamp_ms, 2);
    assert_eq!(requests[2].series[0].samples[0].timestamp_ms, 6);
    assert_eq!(requests[2].series[0].created_timestamp_ms, Some(7));
    // Exemplars ride with the last piece of their series.
    assert!(requests[0].series[1].exemplars.is_empty());
    assert!(requests[1].series[0].exemplars.is_empty());
    assert_eq!(requests[2].series[0].exemplars.len(), 1);
}

#[test]
fn a_set_that_fits_is_one_request_and_an_empty_set_none() {
    let set = SeriesSet {
        series: vec![series(0, &[1, 2], &[3])],
    };
    assert_eq!(split(set.clone(), max(3)), [set]);
    let empty = SeriesSet {
        series: vec![series(0, &[], &[])],
    };
    assert!(split(empty, max(3)).is_empty());
}

/// Per series: its float sample timestamps and its histogram timestamps, in the order sent.
fn timelines(requests: &[SeriesSet]) -> HashMap<Labels, (Vec<i64>, Vec<i64>)> {
    let mut timelines: HashMap<Labels, (Vec<i64>, Vec<i64>)> = HashMap::new();
    for request in requests {
        for series in &request.series {
            let timeline = timelines.entry(series.labels.clone()).or_default();
            timeline
                .0
                .extend(series.samples.iter().map(|s| s.timestamp_ms));
            timeline
                .1
                .extend(series.histograms.iter().map(|h| h.timestamp_ms));
        }
    }
    timelines
}

/// Sorted timestamps (a series' samples are always in time order), possibly repeated.
fn timestamps(max: usize) -> impl Strategy<Value = Vec<i64>> {
    prop::collection::vec(0i64..1_000, 0..max).prop_map(|mut times| {
        times.sort_unstable();
        times
    })
}

proptest! {
    #[test]
    fn every_sample_is_sent_once_in_series_time_order(
        layout in prop::collection::vec((timestamps(40), timestamps(5)), 0..20),
        max_per_request in 1usize..30,
    ) {
        let set = SeriesSet {
            series: layout
                .iter()
                .enumerate()
                .map(|(n, (samples, histograms))| series(n, samples, histograms))
                .collect(),
        };
        let total = set.point_count();
        let requests = split(set.clone(), max(max_per_request));

        let counts: Vec<usize> = requests.iter().map(SeriesSet::point_count).collect();
        prop_assert_eq!(counts.iter().sum::<usize>(), total);
        if let Some((last, full)) = counts.split_last() {
            prop_assert!(*last >= 1 && *last <= max_per_request, "{:?}", counts);
            prop_assert!(full.iter().all(|&count| count == max_per_request), "{:?}", counts);
        }

        // Concatenated in send order, each series' pieces give back its samples exactly.
        let sent = timelines(&requests);
        for original in &set.series {
            let expected = (
                original.samples.iter().map(|s| s.timestamp_ms).collect::<Vec<_>>(),
                original.histograms.iter().map(|h| h.timestamp_ms).collect::<Vec<_>>(),
            );
            let got = sent.get(&original.labels).cloned().unwrap_or_default();
            prop_assert_eq!(got, expected);
        }

        // Every exemplar of a series with samples is sent once.
        let exemplars: usize = requests
            .iter()
            .flat_map(|request| &request.series)
            .map(|series| series.exemplars.len())
            .sum();
        let with_samples = set.series.iter().filter(|series| series.point_count() > 0).count();
        prop_assert_eq!(exemplars, with_samples);
    }
}

/// A series whose labels take about `label_bytes` bytes.
fn wide_series(n: usize, label_bytes: usize, samples: &[i64]) -> Series {
    Series {
        labels: [
            ("__name__", "x".to_owned()),
            ("n", n.to_string()),
            ("pad", "p".repeat(label_bytes)),
        ]
        .into_iter()
        .collect(),
        ..series(n, samples, &[])
    }
}

#[test]
fn requests_are_cut_by_bytes_too() {
    let set = SeriesSet {
        series: (0..10)
            .map(|n| wide_series(n, 300, &[1, 2, 3, 4]))
            .collect(),
    };
    let limits = Limits {
        samples: NonZeroUsize::new(2000).unwrap(),
        bytes: NonZeroUsize::new(1000).unwrap(),
    };
    let requests = split(set.clone(), limits);
    assert!(requests.len() >= 4, "{} requests", requests.len());
    for request in &requests {
        let bytes = prost::Message::encoded_len(&to_v1(request));
        assert!(bytes <= 1000, "a request of {bytes} bytes");
    }
    assert_eq!(timelines(&requests).len(), 10);
    assert_eq!(
        requests.iter().map(SeriesSet::point_count).sum::<usize>(),
        40
    );
}

#[test]
fn a_sample_larger_than_the_byte_limit_goes_alone() {
    let set = SeriesSet {
        series: vec![wide_series(0, 5000, &[1, 2]), series(1, &[1], &[])],
    };
    let limits = Limits {
        samples: NonZeroUsize::new(2000).unwrap(),
        bytes: NonZeroUsize::new(1000).unwrap(),
    };
    assert_eq!(sizes(&split(set, limits)), [vec![1], vec![1], vec![1]]);
}

proptest! {
    #[test]
    fn every_request_fits_the_byte_limit_unless_it_holds_one_sample(
        layout in prop::collection::vec((timestamps(40), timestamps(5), 0usize..400), 0..20),
        max_bytes in 200usize..5000,
    ) {
        let set = SeriesSet {
            series: layout
                .iter()
                .enumerate()
                .map(|(n, (samples, histograms, pad))| Series {
                    histograms: series(n, &[], histograms).histograms,
                    ..wide_series(n, *pad, samples)
                })
                .collect(),
        };
        let total = set.point_count();
        let limits = Limits {
            samples: NonZeroUsize::new(2000).unwrap(),
            bytes: NonZeroUsize::new(max_bytes).unwrap(),
        };
        let requests = split(set, limits);
        prop_assert_eq!(requests.iter().map(SeriesSet::point_count).sum::<usize>(), total);
        for request in &requests {
            let bytes = prost::Message::encoded_len(&to_v1(request));
            prop_assert!(bytes <= max_bytes || request.point_count() == 1, "{} bytes > {}", bytes, max_bytes);
        }
    }
}
