//! The span views against prost: for every span, each accessor must say what the decoded span and
//! its decoded resource say, on fixtures, on hand-built bodies that repeat fields prost merges, and on
//! scrambled ones.

use proptest::prelude::*;
use prost::Message;

use super::scramble::{generated, scramble};
use super::{Msg, accepted, resource_spans};
use crate::otlp::common::v1::KeyValue;
use crate::otlp::common::v1::any_value::Value as Any;
use crate::otlp::trace::v1::Span;
use crate::wire::{Value, for_each_span};
use crate::{Signal, fixtures};

/// What a lookup of `key` must find: the first of `attributes` under it.
fn wanted<'a>(attributes: &'a [KeyValue], key: &str) -> Option<Value<'a>> {
    let kv = attributes.iter().find(|kv| kv.key == key)?;
    Some(match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
        Some(Any::StringValue(s)) => Value::Str(s),
        Some(Any::BoolValue(b)) => Value::Bool(*b),
        Some(Any::IntValue(i)) => Value::Int(*i),
        Some(Any::DoubleValue(d)) => Value::Double(*d),
        _ => Value::Other,
    })
}

/// Looks every key of `attributes` up, and keys that are not there, with `lookup`.
fn check_lookups<'a>(attributes: &'a [KeyValue], lookup: impl Fn(&str) -> Option<Value<'a>>) {
    let absent = ["absent", "service.name", ""];
    for key in attributes.iter().map(|kv| kv.key.as_str()).chain(absent) {
        // Compared as printed, since NaN is unequal to itself.
        assert_eq!(
            format!("{:?}", lookup(key)),
            format!("{:?}", wanted(attributes, key)),
            "attribute {key:?}"
        );
    }
}

/// Every block of `body`, a valid traces request, read through the views and compared with prost.
fn check_views(body: &[u8]) -> usize {
    let mut total = 0;
    for block in accepted(Signal::Traces, body) {
        let decoded = resource_spans(&block);
        let resource = decoded.resource.unwrap_or_default().attributes;
        let spans: Vec<&Span> = decoded.scope_spans.iter().flat_map(|s| &s.spans).collect();
        let mut seen = 0;
        for_each_span(&block, |resource_view, view| {
            let span = spans[seen];
            seen += 1;
            let reread = Span::decode(view.bytes()).expect("a span decodes");
            assert_eq!(reread.encode_to_vec(), span.encode_to_vec());
            assert_eq!(view.trace_id(), span.trace_id);
            assert_eq!(view.span_id(), span.span_id);
            assert_eq!(view.parent_span_id(), span.parent_span_id);
            assert_eq!(view.trace_state(), span.trace_state);
            assert_eq!(view.name(), span.name);
            assert_eq!(view.kind(), span.kind);
            assert_eq!(view.start_time_unix_nano(), span.start_time_unix_nano);
            assert_eq!(view.end_time_unix_nano(), span.end_time_unix_nano);
            assert_eq!(
                view.status_code(),
                span.status.as_ref().map_or(0, |s| s.code)
            );
            check_lookups(&span.attributes, |key| view.attribute(key));
            check_lookups(&resource, |key| resource_view.attribute(key));
            let service = match wanted(&resource, "service.name") {
                Some(Value::Str(name)) => Some(name),
                _ => None,
            };
            assert_eq!(resource_view.service_name(), service);
        });
        assert_eq!(seen, spans.len());
        assert_eq!(seen, block.items);
        total += seen;
    }
    total
}

#[test]
fn fixtures_read_as_prost_decodes_them() {
    check_views(&fixtures::traces(3, 9).encode_to_vec());
    check_views(&fixtures::rich(Signal::Traces).encode_to_vec());
}

fn kv(key: &str, value: Msg) -> Msg {
    Msg::new().bytes(1, key.as_bytes()).msg(2, value)
}

fn string(s: &str) -> Msg {
    Msg::new().bytes(1, s.as_bytes())
}

fn ids(n: u8) -> Msg {
    Msg::new().bytes(1, &[n; 16]).bytes(2, &[n; 8])
}

/// A span repeating every singular field, its status and attribute keys; values merged from several
/// `value` fields; unknown fields and a group.
fn odd_span() -> Msg {
    ids(9)
        .bytes(5, b"first name")
        .varint(6, 3)
        .msg(9, kv("k", string("first")))
        .msg(15, Msg::new().varint(3, 2).bytes(2, b"error"))
        .bytes(3, b"a=1")
        .fixed64(7, 10)
        .msg(9, kv("k", Msg::new().varint(3, 5)))
        .msg(
            9,
            Msg::new()
                .bytes(1, b"renamed away")
                .bytes(1, b"renamed")
                .msg(2, string("x")),
        )
        .msg(
            9,
            kv("merged", string("s")).msg(2, Msg::new().varint(3, u64::MAX)),
        )
        .msg(
            9,
            kv("kept", Msg::new().fixed64(4, 2.5f64.to_bits())).msg(2, Msg::new()),
        )
        .msg(9, kv("empty", Msg::new()))
        .msg(9, Msg::new().bytes(1, b"none"))
        .msg(9, kv("both", string("s").varint(2, 7)))
        .msg(9, kv("strindex", Msg::new().varint(8, 3)))
        .msg(
            9,
            kv("unknown after", Msg::new().varint(3, 4).varint(20, 1)),
        )
        .msg(15, Msg::new().bytes(2, b"no code"))
        .varint(6, (1 << 33) | 2)
        .bytes(5, b"last name")
        .raw(&ids(7).0)
        .fixed64(8, 20)
        .varint(99, 1)
        .key(40, 3)
        .varint(1, 1)
        .key(40, 4)
        .bytes(4, &[3; 8])
        .bytes(3, b"b=2")
        .fixed32(16, 0x301)
        .msg(9, kv("last", Msg::new().varint(2, 0)))
}

/// A resource entry whose resource comes in three parts, one after the spans, with unknown fields.
fn odd_entry() -> Msg {
    let scope = |spans: Vec<Msg>| {
        spans
            .into_iter()
            .fold(Msg::new().bytes(3, b"schema"), |m, span| m.msg(2, span))
            .msg(1, Msg::new().bytes(1, b"scope after its spans"))
    };
    Msg::new()
        .msg(
            1,
            Msg::new()
                .msg(1, kv("host", string("a")))
                .varint(2, 1)
                .msg(1, kv("service.name", Msg::new().varint(3, 1))),
        )
        .msg(2, scope(vec![odd_span(), ids(1)]))
        .msg(
            1,
            Msg::new()
                .msg(1, kv("service.name", string("late")))
                .msg(1, kv("host", string("b"))),
        )
        .varint(77, 5)
        .msg(2, Msg::new())
        .msg(1, Msg::new().msg(1, kv("zone", Msg::new().varint(2, 1))))
        .msg(2, scope(vec![ids(2).varint(6, u64::MAX)]))
}

#[test]
fn repeated_fields_read_as_prost_merges_them() {
    let body = Msg::new()
        .msg(1, odd_entry())
        .msg(1, Msg::new().msg(2, Msg::new().msg(2, ids(4))))
        .0;
    assert_eq!(check_views(&body), 4);
    let block = &accepted(Signal::Traces, &body)[0];
    let mut names = Vec::new();
    for_each_span(block, |resource, span| {
        assert_eq!(resource.attribute("host"), Some(Value::Str("a")));
        assert_eq!(resource.attribute("service.name"), Some(Value::Int(1)));
        assert_eq!(resource.service_name(), None);
        assert_eq!(resource.attribute("zone"), Some(Value::Bool(true)));
        names.push(span.name());
    });
    assert_eq!(names, ["last name", "", ""]);
}

#[test]
fn odd_span_fields_read_as_prost_merges_them() {
    let body = Msg::new()
        .msg(1, Msg::new().msg(2, Msg::new().msg(2, odd_span())))
        .0;
    let block = &accepted(Signal::Traces, &body)[0];
    for_each_span(block, |_, span| {
        assert_eq!(span.trace_id(), [7; 16]);
        assert_eq!((span.kind(), span.status_code()), (2, 2));
        assert_eq!(span.trace_state(), "b=2");
        assert_eq!(span.attribute("k"), Some(Value::Str("first")));
        assert_eq!(span.attribute("renamed"), Some(Value::Str("x")));
        assert_eq!(span.attribute("renamed away"), None);
        assert_eq!(span.attribute("merged"), Some(Value::Int(-1)));
        assert_eq!(span.attribute("kept"), Some(Value::Double(2.5)));
        assert_eq!(span.attribute("both"), Some(Value::Bool(true)));
        for key in ["empty", "none", "strindex"] {
            assert_eq!(span.attribute(key), Some(Value::Other));
        }
        assert_eq!(span.attribute("unknown after"), Some(Value::Int(4)));
        assert_eq!(span.attribute("last"), Some(Value::Bool(false)));
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn scrambled_requests_read_as_prost_decodes_them((body, seed) in generated()) {
        check_views(&scramble(&body, seed));
        check_views(&scramble(&fixtures::rich(Signal::Traces).encode_to_vec(), seed));
        check_views(&scramble(&Msg::new().msg(1, odd_entry()).0, seed));
    }
}
