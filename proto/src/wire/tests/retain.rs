//! `retain_spans` against the decoded request filtered the same way: with random decisions, what it
//! returns must decode to the decoded block with the dropped spans removed and the new trace states
//! set, scan again, and be the block itself when every span is kept as it is.

use proptest::prelude::*;
use prost::Message;

use super::scramble::{Rng, generated, scramble};
use super::{Msg, accepted, frame, resource_spans};
use crate::wire::{Block, Keep, retain_spans};
use crate::{Signal, fixtures};

/// Trace states to write, one longer than a one-byte length.
fn trace_states() -> [String; 4] {
    [
        String::new(),
        "ot=th:8".to_owned(),
        "ot=th:c;rv:0123456789abcd,vendor=ü".to_owned(),
        "k=".to_owned() + &"v".repeat(200),
    ]
}

/// Filters every block of `body` with decisions drawn from `seed` and checks the outcome.
fn check_retain(body: &[u8], seed: u64) {
    let mut rng = Rng::new(seed);
    let states = trace_states();
    for block in accepted(Signal::Traces, body) {
        let mut decisions = Vec::new();
        let filtered = retain_spans(&block, |span, trace_state| {
            assert!(trace_state.is_empty());
            let keep = match rng.below(3) {
                0 => Keep::Drop,
                1 => Keep::AsIs,
                _ => {
                    trace_state.push_str(&states[rng.below(states.len())]);
                    Keep::WithTraceState
                }
            };
            decisions.push((span.span_id().to_vec(), keep, trace_state.clone()));
            keep
        });
        let mut wanted = resource_spans(&block);
        let mut decided = decisions.into_iter();
        wanted.scope_spans.retain_mut(|scope| {
            let had_spans = !scope.spans.is_empty();
            scope.spans.retain_mut(|span| {
                let (id, keep, trace_state) = decided.next().expect("a decision per span");
                assert_eq!(id, span.span_id);
                if keep == Keep::WithTraceState {
                    span.trace_state = trace_state;
                }
                keep != Keep::Drop
            });
            !had_spans || !scope.spans.is_empty()
        });
        assert!(decided.next().is_none());
        let kept: usize = wanted.scope_spans.iter().map(|s| s.spans.len()).sum();
        match filtered {
            None => assert_eq!(kept, 0),
            Some(filtered) => {
                assert_eq!(filtered.items, kept);
                let rescanned = accepted(Signal::Traces, &frame(std::slice::from_ref(&filtered)));
                assert_eq!(rescanned, std::slice::from_ref(&filtered));
                assert_eq!(
                    resource_spans(&filtered).encode_to_vec(),
                    wanted.encode_to_vec()
                );
            }
        }
    }
}

/// Keeping every span as it is returns each block itself, and no block for one without spans.
fn check_keep_all(body: &[u8]) {
    for block in accepted(Signal::Traces, body) {
        match retain_spans(&block, |_, _| Keep::AsIs) {
            None => assert_eq!(block.items, 0),
            Some(kept) => {
                assert_eq!(kept, block);
                assert_eq!(kept.bytes.as_ptr(), block.bytes.as_ptr());
            }
        }
    }
}

#[test]
fn fixtures_keep_what_is_decided() {
    for seed in 0..16 {
        check_retain(&fixtures::traces(3, 7).encode_to_vec(), seed);
        check_retain(&fixtures::rich(Signal::Traces).encode_to_vec(), seed);
    }
    check_keep_all(&fixtures::traces(3, 7).encode_to_vec());
    check_keep_all(&fixtures::rich(Signal::Traces).encode_to_vec());
    check_keep_all(&Msg::new().bytes(1, &[]).0);
}

fn span(n: u8) -> Msg {
    Msg::new().bytes(1, &[n; 16]).bytes(2, &[n; 8])
}

#[test]
fn fields_stay_in_place() {
    let scope = |spans: Msg| Msg::new().bytes(3, b"schema").raw(&spans.0).varint(9, 1);
    // The first scope entry is there before filtering and gone after, as it keeps no span.
    let entry = |first: Option<Msg>, second: Msg| {
        let start = Msg::new().msg(1, Msg::new().varint(2, 1));
        let start = match first {
            Some(spans) => start.msg(2, scope(spans)),
            None => start,
        };
        start
            .bytes(3, b"entry schema")
            .msg(2, Msg::new())
            .msg(2, scope(second))
            .varint(77, 5)
    };
    let states = span(2).bytes(3, b"a=1").bytes(5, b"name").bytes(3, b"b=2");
    let spans = Msg::new().msg(2, states).msg(2, span(3)).msg(2, span(4));
    let body = Msg::new()
        .msg(1, entry(Some(Msg::new().msg(2, span(1))), spans))
        .0;
    let block = &accepted(Signal::Traces, &body)[0];
    let filter = |new: [&'static str; 2]| {
        let mut new = new.into_iter();
        retain_spans(block, move |span, trace_state| match span.span_id()[0] {
            1 => Keep::Drop,
            3 => Keep::AsIs,
            _ => {
                trace_state.push_str(new.next().expect("a trace state per span"));
                Keep::WithTraceState
            }
        })
        .expect("spans are kept")
    };
    let rewritten = filter(["new", "set"]);
    let wanted = Msg::new()
        .msg(2, span(2).bytes(3, b"new").bytes(5, b"name"))
        .msg(2, span(3))
        .msg(2, span(4).bytes(3, b"set"));
    assert_eq!(rewritten.bytes[..], entry(None, wanted).0[..]);
    assert_eq!(rewritten.items, 3);
    let cleared = filter(["", ""]);
    let wanted = Msg::new()
        .msg(2, span(2).bytes(5, b"name"))
        .msg(2, span(3))
        .msg(2, span(4));
    assert_eq!(cleared.bytes[..], entry(None, wanted).0[..]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn scrambled_requests_keep_what_is_decided((body, seed) in generated()) {
        let rich = fixtures::rich(Signal::Traces).encode_to_vec();
        for body in [&body, &rich] {
            check_retain(body, seed);
            let scrambled = scramble(body, seed);
            check_retain(&scrambled, seed);
            check_keep_all(&scrambled);
        }
    }
}

#[test]
fn dropping_every_span_keeps_no_block() {
    for block in accepted(
        Signal::Traces,
        &fixtures::rich(Signal::Traces).encode_to_vec(),
    ) {
        assert_eq!(retain_spans(&block, |_, _| Keep::Drop), None::<Block>);
    }
}
