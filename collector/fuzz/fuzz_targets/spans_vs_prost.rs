//! Any bytes as a traces export request: for every request `wire::scan` accepts, the span views
//! (`wire::for_each_span`) must read what prost decodes (name, kind, status, times, ids, tracestate,
//! service.name, attributes), and `wire::retain_spans` must give exactly the decoded spans it was
//! told to keep, with the trace states it was given, in a block that scans again.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use weir_proto::otlp::common::v1::{AnyValue, KeyValue, any_value};
use weir_proto::otlp::trace::v1::ResourceSpans;
use weir_proto::wire::oracle::decode;
use weir_proto::wire::{Block, Keep, Value, for_each_span, retain_spans, scan};
use weir_proto::{Encoded, Payload, Signal};

/// A block as the ResourceSpans prost decodes from it.
fn decoded(block: &Block) -> ResourceSpans {
    let framed = Encoded::from_blocks(Signal::Traces, vec![block.clone()]).encode_to_vec();
    match decode(Signal::Traces, &framed).expect("a scanned block decodes") {
        Payload::Traces(mut request) => request.resource_spans.remove(0),
        _ => unreachable!("decoded as traces"),
    }
}

/// What a view's `Value` should be for a decoded attribute.
fn expected(attributes: &[KeyValue], key: &str) -> Option<Value<'static>> {
    let kv = attributes.iter().find(|kv| kv.key == key)?;
    Some(match kv.value.as_ref().and_then(|v: &AnyValue| v.value.as_ref()) {
        Some(any_value::Value::StringValue(_)) => Value::Str(""),
        Some(any_value::Value::BoolValue(b)) => Value::Bool(*b),
        Some(any_value::Value::IntValue(n)) => Value::Int(*n),
        Some(any_value::Value::DoubleValue(x)) => Value::Double(*x),
        _ => Value::Other,
    })
}

/// Compares a view's value with the decoded one (strings by content, doubles by bits).
fn same(found: Option<Value<'_>>, attributes: &[KeyValue], key: &str) -> bool {
    match (found, expected(attributes, key)) {
        (Some(Value::Str(s)), Some(Value::Str(_))) => matches!(
            attributes.iter().find(|kv| kv.key == key).and_then(|kv| kv.value.as_ref()?.value.as_ref()),
            Some(any_value::Value::StringValue(v)) if v == s
        ),
        (Some(Value::Double(a)), Some(Value::Double(b))) => a.to_bits() == b.to_bits(),
        (a, b) => a == b,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(blocks) = scan(Signal::Traces, &Bytes::copy_from_slice(data)) else {
        return;
    };
    for block in &blocks {
        let resource_spans = decoded(block);
        let resource_attributes = resource_spans.resource.as_ref().map(|r| r.attributes.as_slice()).unwrap_or(&[]);
        let spans: Vec<_> = resource_spans.scope_spans.iter().flat_map(|s| &s.spans).collect();
        let mut i = 0;
        for_each_span(block, |resource, view| {
            let span = spans[i];
            i += 1;
            assert_eq!(view.name(), span.name);
            assert_eq!(view.kind(), span.kind);
            assert_eq!(view.status_code(), span.status.as_ref().map_or(0, |s| s.code));
            assert_eq!(view.start_time_unix_nano(), span.start_time_unix_nano);
            assert_eq!(view.end_time_unix_nano(), span.end_time_unix_nano);
            assert_eq!(view.trace_id(), span.trace_id.as_slice());
            assert_eq!(view.span_id(), span.span_id.as_slice());
            assert_eq!(view.parent_span_id(), span.parent_span_id.as_slice());
            assert_eq!(view.trace_state(), span.trace_state);
            let service = match expected(resource_attributes, "service.name") {
                Some(Value::Str(_)) => resource_attributes
                    .iter()
                    .find(|kv| kv.key == "service.name")
                    .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
                        any_value::Value::StringValue(s) => Some(s.as_str()),
                        _ => None,
                    }),
                _ => None,
            };
            assert_eq!(resource.service_name(), service);
            for key in span.attributes.iter().map(|kv| kv.key.as_str()).take(3).chain(["no.such.key"]) {
                assert!(same(view.attribute(key), &span.attributes, key), "span attribute {key:?}");
                assert!(same(resource.attribute(key), resource_attributes, key), "resource attribute {key:?}");
            }
        });
        assert_eq!(i, spans.len());

        // Keep every other span, giving every third kept one a new trace state.
        let mut n = 0;
        let kept = retain_spans(block, |_, trace_state| {
            n += 1;
            match n % 6 {
                1 | 5 => Keep::AsIs,
                3 => {
                    trace_state.push_str("ot=th:8");
                    Keep::WithTraceState
                }
                _ => Keep::Drop,
            }
        });
        let wanted: Vec<_> = spans
            .iter()
            .enumerate()
            .filter_map(|(index, span)| {
                let mut span = (*span).clone();
                match (index + 1) % 6 {
                    1 | 5 => Some(span),
                    3 => {
                        span.trace_state = "ot=th:8".to_owned();
                        Some(span)
                    }
                    _ => None,
                }
            })
            .collect();
        match kept {
            None => assert!(wanted.is_empty()),
            Some(kept) => {
                assert_eq!(kept.items, wanted.len());
                let found: Vec<_> = decoded(&kept).scope_spans.into_iter().flat_map(|s| s.spans).collect();
                // Compared as printed: NaN attribute values are unequal to themselves.
                assert_eq!(format!("{found:?}"), format!("{wanted:?}"));
            }
        }
    }
});
