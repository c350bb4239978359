use serde_json::json;
use weir_proto::fixtures::{self, TRACE_ID};
use weir_proto::{Payload, Signal};

use super::decode_to_structs as decode;
use crate::decode::{DecodeError, Format};

/// Compares through protobuf bytes: the fixtures hold NaN, which is never equal to itself.
fn assert_same(decoded: &Payload, expected: &Payload) {
    assert_eq!(decoded.signal(), expected.signal());
    assert!(
        decoded.encode_to_vec() == expected.encode_to_vec(),
        "{decoded:#?}\n!=\n{expected:#?}"
    );
}

fn first_span(payload: &Payload) -> &weir_proto::otlp::trace::v1::Span {
    match payload {
        Payload::Traces(request) => &request.resource_spans[0].scope_spans[0].spans[0],
        other => panic!("not traces: {other:?}"),
    }
}

#[test]
fn content_type_header() {
    for (header, expected) in [
        ("application/x-protobuf", Format::Protobuf),
        ("Application/X-Protobuf", Format::Protobuf),
        ("application/json", Format::Json),
        ("application/json; charset=utf-8", Format::Json),
        (" APPLICATION/JSON ;charset=UTF-8", Format::Json),
    ] {
        assert_eq!(
            Format::from_content_type(Some(header)).ok(),
            Some(expected),
            "{header}"
        );
    }
    for format in [Format::Protobuf, Format::Json] {
        assert_eq!(
            Format::from_content_type(Some(format.content_type())).ok(),
            Some(format)
        );
    }
    for header in [
        "text/plain",
        "application/protobuf",
        "application/grpc",
        "application/jsonx",
        "",
    ] {
        let err = Format::from_content_type(Some(header)).expect_err(header);
        assert!(
            matches!(err, DecodeError::UnsupportedMediaType(_)),
            "{err:?}"
        );
        assert_eq!(err.reason(), "unsupported_media_type");
        assert!(
            err.to_string()
                .ends_with("send application/x-protobuf or application/json"),
            "{err}"
        );
    }
    let missing = Format::from_content_type(None).expect_err("no header");
    assert_eq!(
        missing.to_string(),
        "the request has no Content-Type: send application/x-protobuf or application/json"
    );
    let wrong = Format::from_content_type(Some("text/plain")).expect_err("text/plain");
    assert_eq!(
        wrong.to_string(),
        "Content-Type \"text/plain\" is not supported: send application/x-protobuf or application/json"
    );
}

#[test]
fn protobuf_round_trips() {
    for signal in Signal::ALL {
        let payload = fixtures::rich(signal);
        let decoded = decode(signal, Format::Protobuf, &payload.encode_to_vec()).expect("decodes");
        assert_same(&decoded, &payload);
    }
}

#[test]
fn json_round_trips() {
    for signal in Signal::ALL {
        let payload = fixtures::rich(signal);
        let decoded =
            decode(signal, Format::Json, &weir_proto::json::encode(&payload)).expect("decodes");
        assert_same(&decoded, &payload);
    }
}

#[test]
fn empty_requests_are_valid() {
    for signal in Signal::ALL {
        assert_eq!(
            decode(signal, Format::Protobuf, b"").ok(),
            Some(Payload::empty(signal))
        );
        assert_eq!(
            decode(signal, Format::Json, b"{}").ok(),
            Some(Payload::empty(signal))
        );
        assert_eq!(
            decode(signal, Format::Json, b" { } \n").ok(),
            Some(Payload::empty(signal))
        );
    }
}

#[test]
fn json_enums_by_name_or_number_and_int64_as_number_or_string() {
    let span = |kind: serde_json::Value, code: serde_json::Value, start: serde_json::Value| {
        let span = json!({"traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "eee19b7ec3c1b174",
            "kind": kind, "status": {"code": code}, "startTimeUnixNano": start});
        json!({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}).to_string()
    };
    let by_name = span(
        json!("SPAN_KIND_CLIENT"),
        json!("STATUS_CODE_ERROR"),
        json!("1544712660000000000"),
    );
    let by_number = span(json!(3), json!(2), json!(1_544_712_660_000_000_000_u64));
    let decoded = decode(Signal::Traces, Format::Json, by_name.as_bytes()).expect("names decode");
    assert_eq!(
        decode(Signal::Traces, Format::Json, by_number.as_bytes())
            .ok()
            .as_ref(),
        Some(&decoded)
    );
    let span = first_span(&decoded);
    assert_eq!(
        (span.kind, span.status.as_ref().map(|s| s.code)),
        (3, Some(2))
    );
    assert_eq!(span.start_time_unix_nano, 1_544_712_660_000_000_000);
    assert_eq!(span.trace_id, TRACE_ID);
}

#[test]
fn bad_json_is_reported_with_its_position() {
    for (body, expected) in [
        (
            "{\"resourceSpans\": [",
            "EOF while parsing a list at line 1 column 19",
        ),
        (
            "{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [{\"traceId\": \"xyz\"}]}]}]}",
            "line 1 column 63",
        ),
        ("\u{feff}{}", "expected value at line 1 column 1"),
        (
            "{\"resourceSpans\": {}}",
            "invalid type: map, expected an array at line 1 column 18",
        ),
    ] {
        let err = decode(Signal::Traces, Format::Json, body.as_bytes()).expect_err(body);
        assert!(matches!(err, DecodeError::Json(_)), "{err:?}");
        assert_eq!(err.reason(), "bad_json");
        let message = err.to_string();
        assert!(message.contains(expected), "{body}: {message}");
        assert!(
            message.starts_with(
                "the request body is not a valid OTLP/JSON ExportTraceServiceRequest ("
            ),
            "{message}"
        );
        assert!(message.contains("hex trace and span ids"), "{message}");
    }
    let invalid_utf8 = b"{\"resourceSpans\": [{\"schemaUrl\": \"\xc3\x28\"}]}";
    let err = decode(Signal::Traces, Format::Json, invalid_utf8).expect_err("invalid UTF-8");
    assert!(
        matches!(err, DecodeError::Json(_)) && err.to_string().contains("line 1 column"),
        "{err}"
    );
}

#[test]
fn garbage_protobuf_is_rejected() {
    for body in [
        &b"\xff\xff\xff\xff"[..],
        b"hello, world",
        b"\x0a\x05\x0a",
        b"{\"resourceSpans\": []}",
    ] {
        for signal in Signal::ALL {
            let err = decode(signal, Format::Protobuf, body).expect_err("garbage decoded");
            assert!(matches!(err, DecodeError::Protobuf(_)), "{err:?}");
            assert_eq!(err.reason(), "bad_protobuf");
            assert!(
                err.to_string()
                    .contains("set Content-Type: application/json"),
                "{err}"
            );
        }
    }
}

#[test]
fn truncated_protobuf_is_rejected_at_every_cut() {
    for signal in Signal::ALL {
        let encoded = fixtures::rich(signal).encode_to_vec();
        // Each fixture has one top-level resource entry, so any cut lands inside a length-delimited field.
        for cut in 1..encoded.len() {
            let err = decode(signal, Format::Protobuf, &encoded[..cut])
                .expect_err("truncated body decoded");
            assert!(
                matches!(err, DecodeError::Protobuf(_)),
                "{signal} cut at {cut}: {err:?}"
            );
        }
    }
}

#[test]
fn protobuf_strings_must_be_utf8() {
    let mut span = fixtures::rich_span();
    span.name = "NAME".into();
    let mut encoded = fixtures::one_span(span).encode_to_vec();
    let at = encoded
        .windows(4)
        .position(|w| w == b"NAME")
        .expect("name is in the encoding");
    encoded[at] = 0xff;
    let err =
        decode(Signal::Traces, Format::Protobuf, &encoded).expect_err("invalid UTF-8 decoded");
    assert!(
        matches!(err, DecodeError::Protobuf(_)) && err.to_string().contains("UTF-8"),
        "{err}"
    );
}

#[test]
fn unknown_protobuf_fields_are_skipped() {
    let payload = fixtures::one_span(fixtures::rich_span());
    let mut encoded = payload.encode_to_vec();
    // Field 99 as a varint, then field 100 as a length-delimited blob: fields a newer OTLP might add.
    encoded.extend([0x98, 0x06, 0x2a, 0xa2, 0x06, 0x03, b'n', b'e', b'w']);
    let decoded =
        decode(Signal::Traces, Format::Protobuf, &encoded).expect("unknown fields are skipped");
    assert_same(&decoded, &payload);
}

#[test]
fn decoding_validates() {
    let mut span = fixtures::rich_span();
    span.trace_id.truncate(12);
    let payload = fixtures::one_span(span);
    let expected = "span resourceSpans[0].scopeSpans[0].spans[0] has a 12-byte trace_id: trace ids are 16 bytes";
    let from_protobuf =
        decode(Signal::Traces, Format::Protobuf, &payload.encode_to_vec()).expect_err("invalid");
    assert_eq!(from_protobuf.to_string(), expected);
    let from_json = decode(
        Signal::Traces,
        Format::Json,
        &weir_proto::json::encode(&payload),
    )
    .expect_err("invalid");
    assert_eq!(from_json.to_string(), expected);
    assert_eq!(from_json.reason(), "invalid_data");
}
