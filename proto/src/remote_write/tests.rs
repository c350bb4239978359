use prost::Message;

use super::v1::{self, histogram, metric_metadata};
use super::v2::{self, metadata};

fn histogram() -> v1::Histogram {
    v1::Histogram {
        count: Some(histogram::Count::CountInt(7)),
        sum: 12.5,
        schema: -2,
        zero_threshold: 1e-128,
        zero_count: Some(histogram::ZeroCount::ZeroCountInt(1)),
        negative_spans: vec![v1::BucketSpan {
            offset: -3,
            length: 1,
        }],
        negative_deltas: vec![2],
        negative_counts: vec![],
        positive_spans: vec![
            v1::BucketSpan {
                offset: 1,
                length: 2,
            },
            v1::BucketSpan {
                offset: 4,
                length: 1,
            },
        ],
        positive_deltas: vec![1, 2, -2],
        positive_counts: vec![],
        reset_hint: histogram::ResetHint::No as i32,
        timestamp: 1_700_000_000_123,
        custom_values: vec![],
    }
}

#[test]
fn v1_round_trips_every_field() {
    let request = v1::WriteRequest {
        timeseries: vec![v1::TimeSeries {
            labels: vec![
                v1::Label {
                    name: "__name__".into(),
                    value: "http_requests_total".into(),
                },
                v1::Label {
                    name: "job".into(),
                    value: "shop/cart".into(),
                },
            ],
            samples: vec![
                v1::Sample {
                    value: 1.5,
                    timestamp: 1_700_000_000_000,
                },
                v1::Sample {
                    value: -0.25,
                    timestamp: 1_700_000_015_000,
                },
            ],
            exemplars: vec![v1::Exemplar {
                labels: vec![v1::Label {
                    name: "trace_id".into(),
                    value: "0102".into(),
                }],
                value: 0.3,
                timestamp: 1_700_000_000_001,
            }],
            histograms: vec![histogram()],
        }],
        metadata: vec![v1::MetricMetadata {
            r#type: metric_metadata::MetricType::Counter as i32,
            metric_family_name: "http_requests_total".into(),
            help: "Requests served.".into(),
            unit: "".into(),
        }],
    };
    let bytes = request.encode_to_vec();
    assert_eq!(v1::WriteRequest::decode(bytes.as_slice()).unwrap(), request);
}

#[test]
fn v2_round_trips_every_field() {
    let request = v2::Request {
        symbols: vec![
            "".into(),
            "__name__".into(),
            "rpc_duration_seconds".into(),
            "trace_id".into(),
            "0a0b".into(),
            "Time per call.".into(),
            "seconds".into(),
        ],
        timeseries: vec![v2::TimeSeries {
            labels_refs: vec![1, 2],
            samples: vec![],
            histograms: vec![histogram()],
            exemplars: vec![v2::Exemplar {
                labels_refs: vec![3, 4],
                value: 0.02,
                timestamp: 1_700_000_000_100,
            }],
            metadata: Some(v2::Metadata {
                r#type: metadata::MetricType::Histogram as i32,
                help_ref: 5,
                unit_ref: 6,
            }),
            created_timestamp: 1_699_999_000_000,
        }],
    };
    let bytes = request.encode_to_vec();
    assert_eq!(v2::Request::decode(bytes.as_slice()).unwrap(), request);
}

/// Checked by hand against `prompb/remote.proto` and `prompb/types.proto`:
/// WriteRequest.timeseries = 1, TimeSeries.labels = 1, .samples = 2, Label.name = 1, .value = 2,
/// Sample.value = 1 (double, fixed 64-bit), Sample.timestamp = 2 (varint).
#[test]
fn v1_golden_bytes() {
    let request = v1::WriteRequest {
        timeseries: vec![v1::TimeSeries {
            labels: vec![v1::Label {
                name: "a".into(),
                value: "b".into(),
            }],
            samples: vec![v1::Sample {
                value: 1.0,
                timestamp: 2,
            }],
            ..Default::default()
        }],
        metadata: vec![],
    };
    #[rustfmt::skip]
    let expected: &[u8] = &[
        0x0a, 21,                                   // field 1 (timeseries), length-delimited, 21 bytes
          0x0a, 6,                                  // TimeSeries field 1 (labels), 6 bytes
            0x0a, 1, b'a',                          // Label field 1 (name) = "a"
            0x12, 1, b'b',                          // Label field 2 (value) = "b"
          0x12, 11,                                 // TimeSeries field 2 (samples), 11 bytes
            0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f,     // Sample field 1 (double) = 1.0, little-endian
            0x10, 2,                                // Sample field 2 (varint) = 2
    ];
    assert_eq!(request.encode_to_vec(), expected);
}

/// Checked by hand against `prompb/io/prometheus/write/v2/types.proto`: Request.symbols = 4,
/// .timeseries = 5, TimeSeries.labels_refs = 1 (packed uint32), .samples = 2, .metadata = 5,
/// Metadata.type = 1; and BucketSpan.offset = 1 is a sint32 (zigzag: -1 is 1).
#[test]
fn v2_golden_bytes() {
    let request = v2::Request {
        symbols: vec!["".into(), "n".into(), "up".into()],
        timeseries: vec![v2::TimeSeries {
            labels_refs: vec![1, 2],
            samples: vec![v2::Sample {
                value: 1.0,
                timestamp: 2,
            }],
            metadata: Some(v2::Metadata {
                r#type: metadata::MetricType::Gauge as i32,
                help_ref: 0,
                unit_ref: 0,
            }),
            ..Default::default()
        }],
    };
    #[rustfmt::skip]
    let expected: &[u8] = &[
        0x22, 0,                                    // field 4 (symbols) = ""
        0x22, 1, b'n',                              // field 4 (symbols) = "n"
        0x22, 2, b'u', b'p',                        // field 4 (symbols) = "up"
        0x2a, 21,                                   // field 5 (timeseries), 21 bytes
          0x0a, 2, 1, 2,                            // TimeSeries field 1 (labels_refs), packed [1, 2]
          0x12, 11,                                 // TimeSeries field 2 (samples), 11 bytes
            0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f,     // Sample field 1 (double) = 1.0
            0x10, 2,                                // Sample field 2 (varint) = 2
          0x2a, 2,                                  // TimeSeries field 5 (metadata), 2 bytes
            0x08, 2,                                // Metadata field 1 (type) = GAUGE
    ];
    assert_eq!(request.encode_to_vec(), expected);

    let span = v2::BucketSpan {
        offset: -1,
        length: 2,
    };
    assert_eq!(span.encode_to_vec(), [0x08, 1, 0x10, 2]);
}

/// The 2.0 message reserves fields 1 to 3, so a 1.0 body sent with the wrong content type decodes
/// to an empty request instead of misread series.
#[test]
fn v1_body_decodes_as_an_empty_v2_request() {
    let request = v1::WriteRequest {
        timeseries: vec![v1::TimeSeries {
            labels: vec![v1::Label {
                name: "__name__".into(),
                value: "up".into(),
            }],
            samples: vec![v1::Sample {
                value: 1.0,
                timestamp: 1,
            }],
            ..Default::default()
        }],
        metadata: vec![v1::MetricMetadata {
            r#type: metric_metadata::MetricType::Gauge as i32,
            metric_family_name: "up".into(),
            ..Default::default()
        }],
    };
    let decoded = v2::Request::decode(request.encode_to_vec().as_slice()).unwrap();
    assert_eq!(decoded, v2::Request::default());
}
