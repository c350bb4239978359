use serde_json::{Value as Json, json};

use super::{decode, encode};
use crate::fixtures::{kv, rich_with_empty_span};
use crate::otlp::common::v1::AnyValue;
use crate::otlp::common::v1::any_value::Value;
use crate::otlp::metrics::v1::{metric, number_data_point};
use crate::otlp::trace::v1::Span;
use crate::otlp::trace::v1::span::Event;
use crate::{Payload, Signal};

fn decode_json(signal: Signal, value: &Json) -> Payload {
    match decode(signal, value.to_string().as_bytes()) {
        Ok(payload) => payload,
        Err(e) => panic!("{value} did not decode: {e}"),
    }
}

fn decode_err(signal: Signal, body: &str) -> String {
    match decode(signal, body.as_bytes()) {
        Ok(payload) => panic!("{body} decoded to {payload:?}"),
        Err(e) => e.to_string(),
    }
}

fn first_span(payload: &Payload) -> &Span {
    match payload {
        Payload::Traces(r) => &r.resource_spans[0].scope_spans[0].spans[0],
        other => panic!("not traces: {other:?}"),
    }
}

fn span_json(span: Json) -> Json {
    json!({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]})
}

#[test]
fn rich_payloads_round_trip() {
    for signal in Signal::ALL {
        let payload = rich_with_empty_span(signal);
        let encoded = encode(&payload);
        let decoded = match decode(signal, &encoded) {
            Ok(decoded) => decoded,
            Err(e) => panic!("{signal}: {e}\n{}", String::from_utf8_lossy(&encoded)),
        };
        // Protobuf bytes, not `==`: NaN is never equal to itself.
        assert_eq!(decoded.encode_to_vec(), payload.encode_to_vec(), "{signal}");
        assert_eq!(
            encode(&decoded),
            encoded,
            "{signal}: encoding is not stable"
        );
    }
}

#[test]
fn encoding_follows_the_spec() {
    let traces = rich_with_empty_span(Signal::Traces);
    let encoded: Json = match serde_json::from_slice(&encode(&traces)) {
        Ok(json) => json,
        Err(e) => panic!("encode wrote invalid JSON: {e}"),
    };
    let span = &encoded["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
    assert_eq!(span["traceId"], "5b8efff798038103d269b633813fc60c");
    assert_eq!(span["spanId"], "eee19b7ec3c1b174");
    assert_eq!(span["parentSpanId"], "cdcdcdcdcdcdcdcd");
    assert_eq!(span["kind"], 2, "enums are integers");
    assert_eq!(span["status"]["code"], 2);
    assert_eq!(
        span["startTimeUnixNano"], "18446744073709551615",
        "64-bit integers are strings"
    );
    assert_eq!(span["flags"], 0x301, "32-bit integers are numbers");
    assert_eq!(span["droppedAttributesCount"], 4);
    assert_eq!(
        span["links"][0]["traceId"],
        "ffffffffffffffffffffffffffffffff"
    );
    let attribute = |key: &str| match span["attributes"].as_array() {
        Some(attributes) => attributes
            .iter()
            .find(|attribute| attribute["key"] == key)
            .unwrap_or_else(|| panic!("no attribute {key:?} in {attributes:?}")),
        None => panic!("no attributes in {span}"),
    };
    for (key, value, why) in [
        ("i", json!({"intValue": "-9223372036854775808"}), ""),
        (
            "zero",
            json!({"intValue": "0"}),
            ": a set oneof member is written even if 0",
        ),
        ("nan", json!({"doubleValue": "NaN"}), ""),
        ("inf", json!({"doubleValue": "Infinity"}), ""),
        ("-inf", json!({"doubleValue": "-Infinity"}), ""),
        ("bytes", json!({"bytesValue": "AP/+AQI="}), ""),
        (
            "no bytes",
            json!({"bytesValue": ""}),
            ": a set oneof member is written even if empty",
        ),
    ] {
        assert_eq!(attribute(key)["value"], value, "{key}{why}");
    }
    assert_eq!(attribute("no value"), &json!({"key": "no value"}));
    let empty_span = &encoded["resourceSpans"][0]["scopeSpans"][0]["spans"][1];
    assert_eq!(empty_span, &json!({}), "default fields are left out");
    assert_eq!(encoded["resourceSpans"][0]["scopeSpans"][2], json!({}));
}

#[test]
fn empty_requests() {
    for signal in Signal::ALL {
        assert_eq!(decode_json(signal, &json!({})), Payload::empty(signal));
        assert_eq!(encode(&Payload::empty(signal)), b"{}");
    }
    let nulls = json!({"resourceSpans": null});
    assert_eq!(
        decode_json(Signal::Traces, &nulls),
        Payload::empty(Signal::Traces)
    );
}

#[test]
fn enums_by_number_and_by_name() {
    let by_name =
        span_json(json!({"kind": "SPAN_KIND_SERVER", "status": {"code": "STATUS_CODE_ERROR"}}));
    let by_number = span_json(json!({"kind": 2, "status": {"code": 2}}));
    assert_eq!(
        decode_json(Signal::Traces, &by_name),
        decode_json(Signal::Traces, &by_number)
    );
    assert_eq!(first_span(&decode_json(Signal::Traces, &by_name)).kind, 2);

    let unknown_number = span_json(json!({"kind": 99}));
    assert_eq!(
        first_span(&decode_json(Signal::Traces, &unknown_number)).kind,
        99,
        "proto3 enums are open"
    );

    let log = json!({"resourceLogs": [{"scopeLogs": [{"logRecords": [
        {"severityNumber": "SEVERITY_NUMBER_INFO"}, {"severityNumber": 9}]}]}]});
    let Payload::Logs(logs) = decode_json(Signal::Logs, &log) else {
        panic!("not logs")
    };
    let records = &logs.resource_logs[0].scope_logs[0].log_records;
    assert_eq!(
        (records[0].severity_number, records[1].severity_number),
        (9, 9)
    );

    let metrics = json!({"resourceMetrics": [{"scopeMetrics": [{"metrics": [
        {"sum": {"aggregationTemporality": "AGGREGATION_TEMPORALITY_CUMULATIVE"}},
        {"histogram": {"aggregationTemporality": "AGGREGATION_TEMPORALITY_DELTA"}},
        {"exponentialHistogram": {"aggregationTemporality": 2}}]}]}]});
    let Payload::Metrics(metrics) = decode_json(Signal::Metrics, &metrics) else {
        panic!("not metrics")
    };
    let temporalities: Vec<i32> = metrics.resource_metrics[0].scope_metrics[0]
        .metrics
        .iter()
        .map(|m| match &m.data {
            Some(metric::Data::Sum(s)) => s.aggregation_temporality,
            Some(metric::Data::Histogram(h)) => h.aggregation_temporality,
            Some(metric::Data::ExponentialHistogram(h)) => h.aggregation_temporality,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(temporalities, [2, 1, 2]);

    let err = decode_err(
        Signal::Traces,
        r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":"SERVER"}]}]}]}"#,
    );
    assert!(
        err.contains("unknown enum name \"SERVER\"") && err.contains("SPAN_KIND_*"),
        "{err}"
    );
    assert!(err.contains("line 1 column"), "{err}");
}

#[test]
fn integers_as_numbers_or_strings() {
    let as_strings = span_json(
        json!({"startTimeUnixNano": "1544712660000000000", "flags": "257",
        "droppedAttributesCount": "3"}),
    );
    let as_numbers = span_json(
        json!({"startTimeUnixNano": 1_544_712_660_000_000_000_u64, "flags": 257,
        "droppedAttributesCount": 3}),
    );
    let as_floats = span_json(json!({"startTimeUnixNano": 1.54471266e18, "flags": 257.0,
        "droppedAttributesCount": 3.0}));
    let expected = decode_json(Signal::Traces, &as_numbers);
    assert_eq!(
        first_span(&expected).start_time_unix_nano,
        1_544_712_660_000_000_000
    );
    assert_eq!(first_span(&expected).flags, 257);
    assert_eq!(decode_json(Signal::Traces, &as_strings), expected);
    assert_eq!(decode_json(Signal::Traces, &as_floats), expected);

    let max = span_json(json!({"endTimeUnixNano": "18446744073709551615"}));
    assert_eq!(
        first_span(&decode_json(Signal::Traces, &max)).end_time_unix_nano,
        u64::MAX
    );

    let ints = json!({"resourceMetrics": [{"scopeMetrics": [{"metrics": [{"gauge": {"dataPoints": [
        {"asInt": "-9223372036854775808"}, {"asInt": -5}, {"asInt": 0}]}}]}]}]});
    let Payload::Metrics(metrics) = decode_json(Signal::Metrics, &ints) else {
        panic!("not metrics")
    };
    let Some(metric::Data::Gauge(gauge)) =
        &metrics.resource_metrics[0].scope_metrics[0].metrics[0].data
    else {
        panic!("not a gauge")
    };
    let values: Vec<_> = gauge.data_points.iter().map(|p| p.value).collect();
    use number_data_point::Value::AsInt;
    assert_eq!(
        values,
        [Some(AsInt(i64::MIN)), Some(AsInt(-5)), Some(AsInt(0))]
    );

    for (bad, why) in [
        (r#"{"startTimeUnixNano": -1}"#, "out of range for a uint64"),
        (
            r#"{"startTimeUnixNano": "18446744073709551616"}"#,
            "out of range for a uint64",
        ),
        (r#"{"flags": 4294967296}"#, "out of range for a uint32"),
        (r#"{"startTimeUnixNano": 1.5}"#, "expected a whole number"),
        (
            r#"{"startTimeUnixNano": "12abc"}"#,
            "expected decimal digits",
        ),
        (r#"{"startTimeUnixNano": true}"#, "invalid type"),
    ] {
        let body = format!(r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{bad}]}}]}}]}}"#);
        let err = decode_err(Signal::Traces, &body);
        assert!(
            err.contains(why) && err.contains("line 1 column"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn doubles_accept_the_special_strings() {
    let doubles = json!({"resourceMetrics": [{"scopeMetrics": [{"metrics": [{"gauge": {"dataPoints": [
        {"asDouble": "NaN"}, {"asDouble": "Infinity"}, {"asDouble": "-Infinity"}, {"asDouble": "2.5"},
        {"asDouble": 3}, {"asDouble": -1e-300}]}}]}]}]});
    let Payload::Metrics(metrics) = decode_json(Signal::Metrics, &doubles) else {
        panic!("not metrics")
    };
    let Some(metric::Data::Gauge(gauge)) =
        &metrics.resource_metrics[0].scope_metrics[0].metrics[0].data
    else {
        panic!("not a gauge")
    };
    let values: Vec<f64> = gauge
        .data_points
        .iter()
        .map(|p| match p.value {
            Some(number_data_point::Value::AsDouble(v)) => v,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert!(values[0].is_nan());
    assert_eq!(
        values[1..],
        [f64::INFINITY, f64::NEG_INFINITY, 2.5, 3.0, -1e-300]
    );

    for bad in [r#""nan""#, r#""inf""#, r#""abc""#] {
        let body = format!(
            r#"{{"resourceMetrics":[{{"scopeMetrics":[{{"metrics":[{{"gauge":{{"dataPoints":[{{"asDouble":{bad}}}]}}}}]}}]}}]}}"#
        );
        assert!(
            decode_err(Signal::Metrics, &body).contains("is not a valid double"),
            "{bad}"
        );
    }
}

#[test]
fn ids_are_case_insensitive_hex() {
    let upper = span_json(
        json!({"traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "EEE19B7EC3C1B174"}),
    );
    let lower = span_json(
        json!({"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174"}),
    );
    let span = decode_json(Signal::Traces, &upper);
    assert_eq!(span, decode_json(Signal::Traces, &lower));
    assert_eq!(
        first_span(&span).span_id,
        [0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74]
    );

    for bad in [
        "\"W1+/95gDgQPSabYzgT/GDA==\"",
        "\"abc\"",
        "\"0x0102\"",
        "\"zz\"",
        "12",
    ] {
        let body = format!(
            r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{{"traceId":{bad}}}]}}]}}]}}"#
        );
        let err = decode_err(Signal::Traces, &body);
        assert!(
            err.contains("hex") && err.contains("line 1 column"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn bytes_values_accept_both_base64_alphabets() {
    for encoded in ["AP/+AQI=", "AP/+AQI", "AP_-AQI=", "AP_-AQI"] {
        let body = json!({"resourceLogs": [{"scopeLogs": [{"logRecords": [{"body": {"bytesValue": encoded}}]}]}]});
        let Payload::Logs(logs) = decode_json(Signal::Logs, &body) else {
            panic!("not logs")
        };
        let body = &logs.resource_logs[0].scope_logs[0].log_records[0].body;
        assert_eq!(
            body,
            &Some(AnyValue {
                value: Some(Value::BytesValue(vec![0, 0xff, 0xfe, 1, 2]))
            }),
            "{encoded}"
        );
    }
    let err = decode_err(
        Signal::Logs,
        r#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"bytesValue":"!!"}}]}]}]}"#,
    );
    assert!(err.contains("not valid base64"), "{err}");
}

#[test]
fn nulls_are_absent_fields() {
    let nulls = span_json(
        json!({"traceId": null, "name": null, "kind": null, "attributes": null,
        "status": null, "startTimeUnixNano": null, "events": [{"name": null}]}),
    );
    let span = first_span(&decode_json(Signal::Traces, &nulls)).clone();
    assert_eq!(
        span,
        Span {
            events: vec![Event::default()],
            ..Default::default()
        }
    );

    let null_oneof = json!({"resourceLogs": [{"scopeLogs": [{"logRecords": [
        {"body": {"stringValue": null}}, {"body": {"intValue": "1", "stringValue": null}}]}]}]});
    let Payload::Logs(logs) = decode_json(Signal::Logs, &null_oneof) else {
        panic!("not logs")
    };
    let records = &logs.resource_logs[0].scope_logs[0].log_records;
    assert_eq!(records[0].body, Some(AnyValue { value: None }));
    assert_eq!(
        records[1].body,
        Some(AnyValue {
            value: Some(Value::IntValue(1))
        })
    );
}

#[test]
fn unknown_and_snake_case_keys_are_ignored() {
    let body = span_json(json!({
        "name": "kept",
        "futureField": {"nested": [1, {"deep": null}], "x": "y"},
        "trace_id": "5b8efff798038103d269b633813fc60c",
        "dropped_attributes_count": 3,
        "attributes": [{"key": "k", "value": {"stringValue": "v", "futureValue": 1}, "extra": true}],
    }));
    let span = first_span(&decode_json(Signal::Traces, &body)).clone();
    let expected = Span {
        name: "kept".into(),
        attributes: vec![kv("k", Value::StringValue("v".into()))],
        ..Default::default()
    };
    assert_eq!(
        span, expected,
        "original field names are not valid keys, so they are unknown fields"
    );
}

#[test]
fn the_last_oneof_member_wins() {
    let body = r#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"a","intValue":3}}]}]}]}"#;
    let Ok(Payload::Logs(logs)) = decode(Signal::Logs, body.as_bytes()) else {
        panic!("not logs")
    };
    assert_eq!(
        logs.resource_logs[0].scope_logs[0].log_records[0].body,
        Some(AnyValue {
            value: Some(Value::IntValue(3))
        })
    );
}

#[test]
fn malformed_bodies_report_line_and_column() {
    for (body, line, column) in [
        ("", 1, 0),
        ("{", 1, 1),
        ("{\"resourceSpans\": [}", 1, 20),
        ("{}\n{}", 2, 1),
        ("{\n  \"resourceSpans\": 5\n}", 2, 20),
        ("[]", 1, 0),
        ("null", 1, 4),
        ("{\"resourceSpans\": [{\"schemaUrl\": \"\\ud800\"}]}", 1, 41),
    ] {
        let err = match decode(Signal::Traces, body.as_bytes()) {
            Ok(payload) => panic!("{body:?} decoded to {payload:?}"),
            Err(e) => e,
        };
        assert_eq!(
            (err.line(), err.column()),
            (line, column),
            "{body:?}: {err}"
        );
        assert!(
            err.to_string()
                .contains(&format!("line {line} column {column}")),
            "{err}"
        );
    }
    let bad_utf8 = b"{\"resourceSpans\": [{\"schemaUrl\": \"\xff\xfe\"}]}";
    let err = match decode(Signal::Traces, bad_utf8) {
        Ok(payload) => panic!("invalid UTF-8 decoded to {payload:?}"),
        Err(e) => e,
    };
    assert!(
        err.to_string().contains("invalid unicode") && err.line() == 1,
        "{err}"
    );
}

#[test]
fn deep_nesting_is_rejected_without_overflowing_the_stack() {
    let depth = 10_000;
    let mut body = String::from(r#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":"#);
    body.push_str(&r#"{"arrayValue":{"values":["#.repeat(depth));
    body.push_str(&"]}}".repeat(depth));
    body.push_str("}]}]}]}");
    let err = decode_err(Signal::Logs, &body);
    assert!(err.contains("recursion limit"), "{err}");
}
