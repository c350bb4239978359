//! Valid requests: every one is accepted, one block per resource entry, items as `Payload` counts them,
//! and the blocks frame back into the request.

use bytes::Bytes;
use proptest::prelude::*;

use super::{accepted, invalid, rich_bodies};
use crate::fixtures::{self, rich_with_empty_span};
use crate::wire::scan;
use crate::{Payload, Signal};

fn generated(signal: Signal, resources: usize, items: usize) -> Payload {
    match signal {
        Signal::Traces => Payload::Traces(fixtures::traces(resources, items)),
        Signal::Metrics => Payload::Metrics(fixtures::metrics(resources, items)),
        Signal::Logs => Payload::Logs(fixtures::logs(resources, items)),
    }
}

fn resource_count(payload: &Payload) -> usize {
    match payload {
        Payload::Traces(r) => r.resource_spans.len(),
        Payload::Metrics(r) => r.resource_metrics.len(),
        Payload::Logs(r) => r.resource_logs.len(),
    }
}

fn any_signal() -> impl Strategy<Value = Signal> {
    prop::sample::select(Signal::ALL.to_vec())
}

proptest! {
    #[test]
    fn generated_requests_scan_to_their_resources(
        signal in any_signal(),
        resources in 0usize..4,
        items in 0usize..9,
        appended in 0usize..3,
    ) {
        let mut payload = generated(signal, resources, items);
        // Appending keeps resources apart, so a body holds several entries of differing shape.
        for extra in 0..appended {
            payload.append(fixtures::rich(signal));
            payload.append(generated(signal, 1, extra));
        }
        let body = payload.encode_to_vec();
        let blocks = accepted(signal, &body);
        prop_assert_eq!(blocks.len(), resource_count(&payload));
        prop_assert_eq!(blocks.iter().map(|b| b.items).sum::<usize>(), payload.item_count());
    }
}

#[test]
fn rich_requests_scan() {
    for (signal, body) in rich_bodies() {
        let blocks = accepted(signal, &body);
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].items, fixtures::rich(signal).item_count());
    }
}

#[test]
fn blocks_are_slices_of_the_body() {
    let body = Bytes::from(fixtures::rich(Signal::Logs).encode_to_vec());
    let blocks = scan(Signal::Logs, &body).expect("rich logs scan");
    let range = body.as_ptr_range();
    assert!(range.contains(&blocks[0].bytes.as_ptr()));
}

#[test]
fn an_empty_body_has_no_blocks() {
    for signal in Signal::ALL {
        assert_eq!(scan(signal, &Bytes::new()), Ok(Vec::new()));
    }
}

#[test]
fn empty_resource_entries_are_blocks_of_no_items() {
    let body = super::Msg::new().bytes(1, &[]).bytes(1, &[]).0;
    for signal in Signal::ALL {
        let blocks = accepted(signal, &body);
        assert_eq!(blocks.len(), 2);
        assert!(blocks.iter().all(|b| b.items == 0 && b.bytes.is_empty()));
    }
}

#[test]
fn the_empty_span_fixture_is_refused_for_its_ids() {
    let body = rich_with_empty_span(Signal::Traces).encode_to_vec();
    assert_eq!(
        invalid(Signal::Traces, &body),
        "span resourceSpans[0].scopeSpans[0].spans[1] has no trace_id: trace ids are 16 bytes"
    );
    for signal in [Signal::Metrics, Signal::Logs] {
        accepted(signal, &rich_with_empty_span(signal).encode_to_vec());
    }
}

#[test]
fn a_body_is_scanned_as_the_signal_asked_for() {
    // Traces bytes read as logs: the same field numbers mean other things, and prost decides.
    for (_, body) in rich_bodies() {
        for signal in Signal::ALL {
            let _ = super::agrees(signal, &body);
        }
    }
}
