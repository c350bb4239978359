use prost::Message;
use serde_json::{Value, json};
use weir_proto::Signal;
use weir_proto::otlp::collector::logs::v1::ExportLogsServiceResponse;
use weir_proto::otlp::collector::metrics::v1::ExportMetricsServiceResponse;
use weir_proto::otlp::collector::trace::v1::ExportTraceServiceResponse;

use crate::decode::{Format, encode_response, encode_status};

/// (rejected count, message) from a protobuf response, or None if partial_success is unset.
fn protobuf_partial(signal: Signal, body: &[u8]) -> Option<(i64, String)> {
    match signal {
        Signal::Traces => ExportTraceServiceResponse::decode(body)
            .unwrap()
            .partial_success
            .map(|p| (p.rejected_spans, p.error_message)),
        Signal::Metrics => ExportMetricsServiceResponse::decode(body)
            .unwrap()
            .partial_success
            .map(|p| (p.rejected_data_points, p.error_message)),
        Signal::Logs => ExportLogsServiceResponse::decode(body)
            .unwrap()
            .partial_success
            .map(|p| (p.rejected_log_records, p.error_message)),
    }
}

fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap()
}

#[test]
fn full_success_leaves_partial_success_unset() {
    for signal in Signal::ALL {
        assert!(encode_response(Format::Protobuf, signal, 0, "").is_empty());
        assert_eq!(
            protobuf_partial(signal, &encode_response(Format::Protobuf, signal, 0, "")),
            None
        );
        assert_eq!(
            json(&encode_response(Format::Json, signal, 0, "")),
            json!({})
        );
    }
}

#[test]
fn partial_success_protobuf() {
    for signal in Signal::ALL {
        let body = encode_response(Format::Protobuf, signal, 7, "7 spans were too old");
        assert_eq!(
            protobuf_partial(signal, &body),
            Some((7, "7 spans were too old".into()))
        );
        let warning = encode_response(Format::Protobuf, signal, 0, "slow down");
        assert_eq!(
            protobuf_partial(signal, &warning),
            Some((0, "slow down".into()))
        );
    }
}

#[test]
fn partial_success_json() {
    for (signal, key) in [
        (Signal::Traces, "rejectedSpans"),
        (Signal::Metrics, "rejectedDataPoints"),
        (Signal::Logs, "rejectedLogRecords"),
    ] {
        let body = encode_response(Format::Json, signal, 3, "bad \"ids\"");
        assert_eq!(
            json(&body),
            json!({"partialSuccess": {key: "3", "errorMessage": "bad \"ids\""}})
        );
        let decoded = weir_proto::json::decode(signal, &body);
        assert!(
            decoded.is_ok(),
            "a response is valid JSON that any OTLP/JSON reader can skip"
        );
        let warning = encode_response(Format::Json, signal, 0, "slow down");
        assert_eq!(
            json(&warning),
            json!({"partialSuccess": {"errorMessage": "slow down"}})
        );
    }
}

#[test]
fn status_bodies() {
    let body = encode_status(Format::Protobuf, 3, "bad trace id");
    let status = tonic_types::Status::decode(&body[..]).unwrap();
    assert_eq!(
        (status.code, status.message.as_str(), status.details.len()),
        (3, "bad trace id", 0)
    );
    assert_eq!(
        json(&encode_status(Format::Json, 3, "bad \"id\"")),
        json!({"code": 3, "message": "bad \"id\""})
    );
    assert_eq!(json(&encode_status(Format::Json, 0, "")), json!({}));
}
