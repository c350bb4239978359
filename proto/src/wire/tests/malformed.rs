//! Bodies prost refuses, and the near misses it takes: truncation, wire types, UTF-8, recursion,
//! packed and unpacked scalars, unknown fields and groups, lengths and varints.

use prost::Message;

use super::{Msg, accepted, agrees, malformed, rich_bodies, small_bodies};
use crate::Signal;
use crate::fixtures::{self, kv, one_span, rich_span};
use crate::otlp::common::v1::any_value::Value;
use crate::otlp::common::v1::{AnyValue, ArrayValue, EntityRef, KeyValueList};
use crate::otlp::trace::v1::Span;

#[test]
fn every_prefix_of_a_rich_request_agrees_with_prost() {
    for (signal, body) in rich_bodies() {
        for end in 0..body.len() {
            let _ = agrees(signal, &body[..end]);
        }
    }
}

#[test]
fn every_key_bit_changed_agrees_with_prost() {
    // Flipping the low three bits of a key byte changes a field's wire type; the high bit changes
    // where a varint ends.
    for (signal, body) in small_bodies() {
        for at in 0..body.len() {
            for flip in [1u8, 2, 3, 4, 5, 6, 7, 0x80] {
                let mut changed = body.clone();
                changed[at] ^= flip;
                let _ = agrees(signal, &changed);
            }
        }
    }
}

fn in_one_span(span: Msg) -> Vec<u8> {
    Msg::new()
        .msg(1, Msg::new().msg(2, Msg::new().msg(2, span)))
        .0
}

const SPAN: &str = "resourceSpans[0].scopeSpans[0].spans[0]";

#[test]
fn known_fields_of_the_wrong_wire_type_are_refused_with_their_position() {
    let ids = Msg::new().bytes(1, &[1; 16]).bytes(2, &[1; 8]);
    let cases = [
        (
            ids.clone().varint(5, 3),
            "name: varint where length-delimited",
        ),
        (
            ids.clone().fixed32(9, 3),
            "attributes[0]: 32-bit where length-delimited",
        ),
        (
            ids.clone().bytes(7, &[0; 8]),
            "startTimeUnixNano: length-delimited where 64-bit",
        ),
        (ids.clone().fixed64(16, 1), "flags: 64-bit where 32-bit"),
        (ids.clone().fixed32(6, 1), "kind: 32-bit where varint"),
        (
            ids.clone().key(15, 3).key(15, 4),
            "status: start-group where length-delimited",
        ),
    ];
    for (span, wanted) in cases {
        let (field, types) = wanted.split_once(": ").expect("case has a field");
        let (found, declared) = types.split_once(" where ").expect("case has types");
        assert_eq!(
            malformed(Signal::Traces, &in_one_span(span)),
            format!("wire type {found} where {declared} is declared at {SPAN}.{field}")
        );
    }
    assert_eq!(
        malformed(Signal::Logs, &Msg::new().varint(1, 0).0),
        "wire type varint where length-delimited is declared at resourceLogs[0]"
    );
}

/// Bytes standing for a string that the tests turn into invalid UTF-8.
const MARK: &str = "@MARK@";

/// `body` with every `MARK` made invalid UTF-8, of the same length.
fn break_utf8(body: Vec<u8>) -> Vec<u8> {
    let mut body = body;
    let mark = MARK.as_bytes();
    let mut at = 0;
    while let Some(found) = body[at..].windows(mark.len()).position(|w| w == mark) {
        body[at + found] = 0xff;
        at += found + mark.len();
    }
    body
}

fn string(s: &str) -> Value {
    Value::StringValue(s.to_owned())
}

#[test]
fn invalid_utf8_is_refused_with_its_position() {
    let span = |edit: fn(&mut Span)| {
        let mut span = rich_span();
        edit(&mut span);
        (Signal::Traces, one_span(span).encode_to_vec())
    };
    let cases: Vec<((Signal, Vec<u8>), String)> = vec![
        (span(|s| s.name = MARK.to_owned()), format!("{SPAN}.name")),
        (
            span(|s| s.attributes[1] = kv("b", string(MARK))),
            format!("{SPAN}.attributes[1].value.stringValue"),
        ),
        (
            span(|s| {
                s.attributes[0] = kv(
                    "a",
                    Value::KvlistValue(KeyValueList {
                        values: vec![kv("x", Value::IntValue(1)), kv(MARK, Value::IntValue(2))],
                    }),
                )
            }),
            format!("{SPAN}.attributes[0].value.kvlistValue.values[1].key"),
        ),
        (
            span(|s| {
                s.attributes[2] = kv(
                    "a",
                    Value::ArrayValue(ArrayValue {
                        values: vec![
                            AnyValue {
                                value: Some(Value::IntValue(1)),
                            },
                            AnyValue {
                                value: Some(string(MARK)),
                            },
                        ],
                    }),
                )
            }),
            format!("{SPAN}.attributes[2].value.arrayValue.values[1].stringValue"),
        ),
        (
            span(|s| s.events[0].name = MARK.to_owned()),
            format!("{SPAN}.events[0].name"),
        ),
        (
            span(|s| s.events[0].attributes[3] = kv(MARK, Value::IntValue(0))),
            format!("{SPAN}.events[0].attributes[3].key"),
        ),
        (
            span(|s| s.links[0].trace_state = MARK.to_owned()),
            format!("{SPAN}.links[0].traceState"),
        ),
        (
            span(|s| s.trace_state = MARK.to_owned()),
            format!("{SPAN}.traceState"),
        ),
        (
            span(|s| {
                if let Some(status) = s.status.as_mut() {
                    status.message = MARK.to_owned();
                }
            }),
            format!("{SPAN}.status.message"),
        ),
        (
            resource_with_marks(Signal::Traces),
            "resourceSpans[0].resource.entityRefs[0].idKeys[1]".to_owned(),
        ),
        (
            resource_with_marks(Signal::Logs),
            "resourceLogs[0].resource.entityRefs[0].idKeys[1]".to_owned(),
        ),
        (
            resource_with_marks(Signal::Metrics),
            "resourceMetrics[0].resource.entityRefs[0].idKeys[1]".to_owned(),
        ),
        (
            {
                let mut request = fixtures::rich_logs();
                request.resource_logs[0].scope_logs[0].log_records[0].body = Some(AnyValue {
                    value: Some(string(MARK)),
                });
                (Signal::Logs, request.encode_to_vec())
            },
            "resourceLogs[0].scopeLogs[0].logRecords[0].body.stringValue".to_owned(),
        ),
        (
            {
                let mut request = fixtures::rich_logs();
                request.resource_logs[0].scope_logs[0].log_records[1].event_name = MARK.to_owned();
                (Signal::Logs, request.encode_to_vec())
            },
            "resourceLogs[0].scopeLogs[0].logRecords[1].eventName".to_owned(),
        ),
        (
            {
                let mut request = fixtures::rich_traces();
                request.resource_spans[0].scope_spans[1].schema_url = MARK.to_owned();
                (Signal::Traces, request.encode_to_vec())
            },
            "resourceSpans[0].scopeSpans[1].schemaUrl".to_owned(),
        ),
        (
            {
                let mut request = fixtures::rich_traces();
                if let Some(scope) = request.resource_spans[0].scope_spans[1].scope.as_mut() {
                    scope.version = MARK.to_owned();
                }
                (Signal::Traces, request.encode_to_vec())
            },
            "resourceSpans[0].scopeSpans[1].scope.version".to_owned(),
        ),
        (
            {
                let mut request = fixtures::rich_metrics();
                request.resource_metrics[0].scope_metrics[0].metrics[4].unit = MARK.to_owned();
                (Signal::Metrics, request.encode_to_vec())
            },
            "resourceMetrics[0].scopeMetrics[0].metrics[4].unit".to_owned(),
        ),
        (
            {
                let mut request = fixtures::rich_metrics();
                let exemplar = crate::otlp::metrics::v1::Exemplar {
                    filtered_attributes: vec![kv("k", Value::IntValue(1)), kv(MARK, string("v"))],
                    ..Default::default()
                };
                if let Some(crate::otlp::metrics::v1::metric::Data::Histogram(h)) =
                    request.resource_metrics[0].scope_metrics[0].metrics[2]
                        .data
                        .as_mut()
                {
                    h.data_points[0].exemplars[1] = exemplar;
                }
                (Signal::Metrics, request.encode_to_vec())
            },
            "resourceMetrics[0].scopeMetrics[0].metrics[2].histogram.dataPoints[0].exemplars[1]\
             .filteredAttributes[1].key"
                .to_owned(),
        ),
    ];
    for ((signal, body), path) in cases {
        assert_eq!(
            malformed(signal, &break_utf8(body)),
            format!("invalid UTF-8 in {path}")
        );
    }
}

fn resource_with_marks(signal: Signal) -> (Signal, Vec<u8>) {
    let entity = EntityRef {
        id_keys: vec!["ok".to_owned(), MARK.to_owned()],
        ..Default::default()
    };
    let mut payload = fixtures::rich(signal);
    let resource = match &mut payload {
        crate::Payload::Traces(r) => r.resource_spans[0].resource.as_mut(),
        crate::Payload::Metrics(r) => r.resource_metrics[0].resource.as_mut(),
        crate::Payload::Logs(r) => r.resource_logs[0].resource.as_mut(),
    };
    if let Some(resource) = resource {
        resource.entity_refs = vec![entity];
    }
    (signal, payload.encode_to_vec())
}

/// An AnyValue holding `inner` under `levels` array values.
fn nested(levels: usize, inner: Msg) -> Msg {
    (0..levels).fold(inner, |value, level| {
        if level % 3 == 2 {
            let kv = Msg::new().bytes(1, b"k").msg(2, value);
            Msg::new().msg(6, Msg::new().msg(1, kv))
        } else {
            Msg::new().msg(5, Msg::new().msg(1, value))
        }
    })
}

#[test]
fn nesting_agrees_with_prost_up_to_and_past_the_recursion_limit() {
    // What the innermost value holds decides whether prost needs one more level of budget: fields of
    // a message it enters, and unknown fields it skips, do; known scalars do not.
    let inners = [
        Msg::new(),
        Msg::new().varint(3, 5),
        Msg::new().bytes(1, b"s"),
        Msg::new().varint(40, 5),
        Msg::new().msg(5, Msg::new()),
        Msg::new().key(40, 3).key(40, 4),
        Msg::new().key(40, 3).varint(1, 1).key(40, 4),
    ];
    for inner in inners {
        let mut verdicts = Vec::new();
        for levels in 0..80 {
            let value = nested(levels, inner.clone());
            let attribute = Msg::new().bytes(1, b"deep").msg(2, value.clone());
            let span = Msg::new()
                .bytes(1, &[1; 16])
                .bytes(2, &[1; 8])
                .msg(9, attribute);
            verdicts.push(agrees(Signal::Traces, &in_one_span(span)).is_ok());
            let record = Msg::new().msg(5, value);
            let logs = Msg::new()
                .msg(1, Msg::new().msg(2, Msg::new().msg(2, record)))
                .0;
            verdicts.push(agrees(Signal::Logs, &logs).is_ok());
        }
        assert!(verdicts[0] && !verdicts[verdicts.len() - 1]);
    }
}

#[test]
fn the_recursion_limit_is_prosts_in_messages() {
    // 96 budget levels are left for a span attribute's value: 2 per array level.
    let at = |levels| {
        let attribute = Msg::new().msg(2, nested(levels, Msg::new().varint(3, 1)));
        let span = Msg::new()
            .bytes(1, &[1; 16])
            .bytes(2, &[1; 8])
            .msg(9, attribute);
        agrees(Signal::Traces, &in_one_span(span))
    };
    let deepest = (0..100).take_while(|levels| at(*levels).is_ok()).last();
    let deepest = deepest.expect("shallow values are accepted");
    let refused = at(deepest + 1).expect_err("one more level is refused");
    assert!(
        refused
            .to_string()
            .starts_with("messages nested past the recursion limit of 100 at resourceSpans[0]"),
        "{refused}"
    );
}

/// A span whose first attribute nests messages `depth` deep below the request, counting
/// ResourceSpans as 1: AnyValues at odd depths from 5 on, ArrayValues at even ones.
fn span_nesting(depth: usize) -> Vec<u8> {
    let mut value = Msg::new();
    for level in (5..depth).rev() {
        value = if level % 2 == 1 {
            Msg::new().msg(5, value)
        } else {
            Msg::new().msg(1, value)
        };
    }
    let span = Msg::new()
        .bytes(1, &[1; 16])
        .bytes(2, &[1; 8])
        .msg(9, Msg::new().msg(2, value));
    in_one_span(span)
}

#[test]
fn exactly_100_nested_messages_are_accepted() {
    for depth in 95..=100 {
        accepted(Signal::Traces, &span_nesting(depth));
    }
    for depth in 101..=105 {
        let message = malformed(Signal::Traces, &span_nesting(depth));
        assert!(
            message.starts_with("messages nested past the recursion limit of 100 at"),
            "{message}"
        );
    }
}

#[test]
fn unknown_groups_nest_within_the_recursion_limit() {
    for depth in 90..=102 {
        let mut body = Msg::new();
        for _ in 0..depth {
            body = body.key(9, 3);
        }
        body = body.varint(3, 1);
        for _ in 0..depth {
            body = body.key(9, 4);
        }
        for signal in Signal::ALL {
            let _ = agrees(signal, &body.0);
            let _ = agrees(signal, &in_one_span(body.clone()));
        }
    }
}

fn histogram_point(point: Msg) -> Vec<u8> {
    let metric = Msg::new().msg(9, Msg::new().msg(1, point));
    Msg::new()
        .msg(1, Msg::new().msg(2, Msg::new().msg(2, metric)))
        .0
}

fn exponential_buckets(buckets: Msg) -> Vec<u8> {
    let point = Msg::new().msg(8, buckets);
    let metric = Msg::new().msg(10, Msg::new().msg(1, point));
    Msg::new()
        .msg(1, Msg::new().msg(2, Msg::new().msg(2, metric)))
        .0
}

#[test]
fn repeated_scalars_are_taken_packed_or_not() {
    let metrics = Signal::Metrics;
    for field in [6, 7] {
        accepted(metrics, &histogram_point(Msg::new().bytes(field, &[1; 16])));
        accepted(metrics, &histogram_point(Msg::new().bytes(field, &[])));
        accepted(
            metrics,
            &histogram_point(
                Msg::new()
                    .fixed64(field, 1)
                    .bytes(field, &[2; 8])
                    .fixed64(field, 3),
            ),
        );
        let odd = malformed(metrics, &histogram_point(Msg::new().bytes(field, &[1; 12])));
        assert!(
            odd.starts_with("packed field length not a multiple of 8 bytes"),
            "{odd}"
        );
        malformed(metrics, &histogram_point(Msg::new().varint(field, 1)));
        malformed(metrics, &histogram_point(Msg::new().fixed32(field, 1)));
    }
    accepted(
        metrics,
        &exponential_buckets(Msg::new().bytes(2, &[1, 0x80, 1, 0xff, 0x7f])),
    );
    accepted(
        metrics,
        &exponential_buckets(Msg::new().varint(2, 1).varint(2, u64::MAX).bytes(2, &[])),
    );
    malformed(
        metrics,
        &exponential_buckets(Msg::new().bytes(2, &[1, 0x80])),
    );
    malformed(metrics, &exponential_buckets(Msg::new().fixed64(2, 1)));
    let ten = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    accepted(metrics, &exponential_buckets(Msg::new().bytes(2, &ten)));
    let mut over = ten;
    over[9] = 0x02;
    malformed(metrics, &exponential_buckets(Msg::new().bytes(2, &over)));
}

#[test]
fn unknown_fields_of_every_wire_type_are_skipped() {
    let unknown = Msg::new()
        .varint(50, u64::MAX)
        .fixed64(51, 1)
        .bytes(52, b"\xff not a message")
        .key(53, 3)
        .varint(1, 1)
        .bytes(2, b"x")
        .key(7, 3)
        .fixed32(1, 0)
        .key(7, 4)
        .key(53, 4)
        .fixed32(54, 1)
        .key(1 << 28, 0)
        .varint_raw(0);
    let ids = Msg::new().bytes(1, &[1; 16]).bytes(2, &[1; 8]);
    let span = ids.clone().raw(&unknown.0);
    let body = Msg::new()
        .raw(&unknown.0)
        .msg(
            1,
            Msg::new()
                .raw(&unknown.0)
                .msg(2, Msg::new().raw(&unknown.0).msg(2, span)),
        )
        .raw(&unknown.0);
    let blocks = accepted(Signal::Traces, &body.0);
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].items, 1);

    // Errors in a key are the span's; errors in a field it skips are that field's.
    let in_field = ".(unknown field 55)";
    let refused = [
        (
            Msg::new().key(55, 4),
            "unexpected end-group tag at",
            in_field,
        ),
        (
            Msg::new().key(55, 3).key(56, 4),
            "unexpected end-group tag at",
            in_field,
        ),
        (
            Msg::new().key(55, 3).varint(1, 1),
            "truncated field at",
            in_field,
        ),
        (
            Msg::new().key(55, 3).key(0, 4),
            "invalid field key at",
            in_field,
        ),
        (
            Msg::new().key(55, 6).varint_raw(0),
            "invalid field key at",
            "",
        ),
        (
            Msg::new().key(55, 7).varint_raw(0),
            "invalid field key at",
            "",
        ),
        (
            Msg::new().key(0, 0).varint_raw(0),
            "invalid field key at",
            "",
        ),
        (
            Msg::new().varint_raw(1 << 32).varint_raw(0),
            "invalid field key at",
            "",
        ),
    ];
    for (field, wanted, position) in refused {
        let message = malformed(Signal::Traces, &in_one_span(ids.clone().raw(&field.0)));
        assert_eq!(message, format!("{wanted} {SPAN}{position}"));
        let message = malformed(Signal::Traces, &field.0);
        assert!(message.starts_with(wanted), "{message}");
    }
    assert_eq!(
        malformed(
            Signal::Traces,
            &in_one_span(ids.clone().key(55, 3).bytes(1, b"abc"))
        ),
        format!("truncated field at {SPAN}.(unknown field 55)")
    );
}

#[test]
fn lengths_past_the_end_are_refused() {
    let oversize = [
        Msg::new().key(1, 2).varint_raw(1000).raw(&[0; 3]),
        Msg::new().key(1, 2).varint_raw(u64::MAX).raw(&[0; 3]),
        Msg::new().key(1, 2).varint_raw(u64::from(u32::MAX) + 4),
        Msg::new().key(8, 2).varint_raw(2).raw(&[0]),
        Msg::new().key(8, 1).raw(&[0; 7]),
        Msg::new().key(8, 5).raw(&[0; 3]),
        // A nested length past its message's end, though within the body.
        Msg::new()
            .key(1, 2)
            .varint_raw(3)
            .key(3, 2)
            .varint_raw(5)
            .raw(b"abcdefgh"),
        Msg::new()
            .msg(1, Msg::new().key(9, 1).raw(&[0; 4]))
            .raw(&[0; 4]),
    ];
    for body in oversize {
        for signal in Signal::ALL {
            let message = malformed(signal, &body.0);
            assert!(message.starts_with("truncated field at"), "{message}");
        }
    }
}

#[test]
fn varints_are_read_as_prost_reads_them() {
    let span = |kind: &[u8]| {
        in_one_span(
            Msg::new()
                .bytes(1, &[1; 16])
                .bytes(2, &[1; 8])
                .key(6, 0)
                .raw(kind),
        )
    };
    let traces = Signal::Traces;
    accepted(traces, &span(&[0x80, 0x00]));
    accepted(
        traces,
        &span(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
    );
    accepted(
        traces,
        &span(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]),
    );
    let invalid_varint = format!("invalid varint at {SPAN}.kind");
    for overflowing in [
        &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02][..],
        &[
            0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00,
        ],
    ] {
        assert_eq!(malformed(traces, &span(overflowing)), invalid_varint);
    }
    assert_eq!(
        malformed(traces, &span(&[0x80])),
        format!("truncated field at {SPAN}.kind")
    );
    // Field 40, varint, in a key of five bytes where two would do.
    let long_key = Msg::new()
        .raw(&[0xc0, 0x82, 0x80, 0x80, 0x00])
        .varint_raw(1);
    accepted(
        traces,
        &in_one_span(
            Msg::new()
                .bytes(1, &[1; 16])
                .bytes(2, &[1; 8])
                .raw(&long_key.0),
        ),
    );
}

#[test]
fn strings_and_bytes_differ_only_in_utf8() {
    // trace_id is bytes, trace_state a string: only the string is checked.
    let span = Span {
        trace_id: vec![0xff; 16],
        ..rich_span()
    };
    accepted(Signal::Traces, &one_span(span).encode_to_vec());
    let bytes_value = kv("b", Value::BytesValue(vec![0xff, 0xfe]));
    let span = Span {
        attributes: vec![bytes_value],
        ..rich_span()
    };
    accepted(Signal::Traces, &one_span(span).encode_to_vec());
}
