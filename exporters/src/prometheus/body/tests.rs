use std::sync::Arc;

use prost::Message;
use weir_proto::remote_write::{v1, v2};

use super::{Body, Compression, Protocol, VERSION_HEADER};
use crate::prometheus::encode::{to_v1, to_v2};
use crate::prometheus::model::{Family, MetricType, Sample, Series, SeriesSet, stale_nan};

fn set() -> SeriesSet {
    let family = Arc::new(Family {
        name: "up".into(),
        kind: MetricType::Gauge,
        help: "Whether the target is up.".into(),
        unit: String::new(),
    });
    let series = (0..50)
        .map(|n| Series {
            labels: [
                ("__name__", "up".to_owned()),
                ("instance", format!("host-{n}:9100")),
            ]
            .into_iter()
            .collect(),
            family: Arc::clone(&family),
            samples: vec![
                Sample {
                    timestamp_ms: 1_700_000_000_000,
                    value: 1.0,
                },
                Sample {
                    timestamp_ms: 1_700_000_015_000,
                    value: stale_nan(),
                },
            ],
            histograms: Vec::new(),
            exemplars: Vec::new(),
            created_timestamp_ms: Some(1_699_999_999_000),
        })
        .collect();
    SeriesSet { series }
}

#[test]
fn snappy_v1_body_decodes_to_the_same_write_request() {
    let set = set();
    let body = Body::encode(&set, Protocol::V1, Compression::Snappy).unwrap();
    let message = snap::raw::Decoder::new()
        .decompress_vec(&body.bytes)
        .unwrap();
    let decoded = v1::WriteRequest::decode(message.as_slice()).unwrap();
    // NaN is not equal to itself, so compare the encodings.
    assert_eq!(decoded.encode_to_vec(), to_v1(&set).encode_to_vec());
    assert_eq!(decoded.timeseries.len(), 50);
    assert_eq!(
        decoded.timeseries[0].samples[1].value.to_bits(),
        0x7ff0_0000_0000_0002,
        "the staleness marker survives byte for byte"
    );
    assert!(body.bytes.len() < message.len(), "repeated labels compress");
}

#[test]
fn zstd_v2_body_decodes_to_the_same_request() {
    let set = set();
    let body = Body::encode(&set, Protocol::V2, Compression::Zstd).unwrap();
    let message = zstd::decode_all(body.bytes.as_slice()).unwrap();
    let decoded = v2::Request::decode(message.as_slice()).unwrap();
    assert_eq!(decoded.encode_to_vec(), to_v2(&set).encode_to_vec());
    assert_eq!(decoded.timeseries[0].created_timestamp, 1_699_999_999_000);
}

#[test]
fn snappy_v2_and_zstd_v1_bodies_decode_too() {
    let set = set();
    let body = Body::encode(&set, Protocol::V2, Compression::Snappy).unwrap();
    let message = snap::raw::Decoder::new()
        .decompress_vec(&body.bytes)
        .unwrap();
    assert_eq!(message, to_v2(&set).encode_to_vec());

    let body = Body::encode(&set, Protocol::V1, Compression::Zstd).unwrap();
    assert_eq!(
        zstd::decode_all(body.bytes.as_slice()).unwrap(),
        to_v1(&set).encode_to_vec()
    );
}

#[test]
fn headers_name_the_message_the_encoding_and_the_version() {
    let v1 = Body::encode(&set(), Protocol::V1, Compression::Snappy).unwrap();
    assert_eq!(
        v1.headers(),
        [
            ("Content-Type", "application/x-protobuf"),
            ("Content-Encoding", "snappy"),
            (VERSION_HEADER, "0.1.0"),
        ]
    );
    let v2 = Body::encode(&set(), Protocol::V2, Compression::Zstd).unwrap();
    assert_eq!(
        v2.headers(),
        [
            (
                "Content-Type",
                "application/x-protobuf;proto=io.prometheus.write.v2.Request"
            ),
            ("Content-Encoding", "zstd"),
            ("X-Prometheus-Remote-Write-Version", "2.0.0"),
        ]
    );
}
