use std::time::{Duration, Instant};

use proptest::prelude::*;
use weir_config::BatchConfig;
use weir_proto::otlp::collector::trace::v1::ExportTraceServiceRequest;
use weir_proto::otlp::trace::v1::{ResourceSpans, ScopeSpans, Span};
use weir_proto::{Encoded, Payload, fixtures};

use super::Batcher;
use crate::admission::MemoryBudget;
use crate::pipeline::Envelope;

fn spans(n: usize, tag: usize) -> Envelope {
    let spans = (0..n)
        .map(|i| Span {
            name: format!("{tag}-{i}"),
            trace_id: fixtures::trace_id(1),
            span_id: fixtures::span_id(i as u64 + 1),
            ..Default::default()
        })
        .collect();
    let payload = Payload::Traces(ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    });
    Envelope::new(
        Encoded::from_payload(&payload).unwrap(),
        MemoryBudget::unlimited().reserve(n * 10),
    )
}

fn names(e: &Envelope) -> Vec<String> {
    let Payload::Traces(r) = e.payload.decode() else {
        panic!("traces expected")
    };
    r.resource_spans
        .into_iter()
        .flat_map(|rs| rs.scope_spans)
        .flat_map(|ss| ss.spans)
        .map(|s| s.name)
        .collect()
}

fn config(size: u64, max: u64, timeout_ms: u64) -> BatchConfig {
    BatchConfig {
        send_batch_size: size,
        send_batch_max_size: max,
        timeout: Duration::from_millis(timeout_ms),
    }
}

#[test]
fn waits_for_size_or_timeout() {
    let now = Instant::now();
    let mut b = Batcher::new(&config(10, 0, 200));
    assert!(b.offer(spans(4, 0), now).is_empty());
    assert_eq!(b.deadline(), Some(now + Duration::from_millis(200)));
    assert!(b.offer(spans(4, 1), now).is_empty());
    let ready = b.offer(spans(4, 2), now);
    assert_eq!(ready.len(), 1);
    assert_eq!(ready[0].items(), 12);
    assert_eq!(b.deadline(), None);
    assert!(b.take().is_empty());
}

#[test]
fn splits_to_the_cap_and_keeps_the_rest() {
    let now = Instant::now();
    let mut b = Batcher::new(&config(8192, 16384, 10_000));
    let ready = b.offer(spans(40_000, 0), now);
    assert_eq!(
        ready.iter().map(|e| e.items()).collect::<Vec<_>>(),
        vec![16384, 16384]
    );
    assert_eq!(
        b.take().iter().map(|e| e.items()).collect::<Vec<_>>(),
        vec![7232],
        "the rest waits for more or for the timeout"
    );
    let mut b = Batcher::new(&config(10, 15, 1000));
    let ready = b.offer(spans(37, 0), now);
    assert_eq!(
        ready.iter().map(|e| e.items()).collect::<Vec<_>>(),
        vec![15, 15]
    );
    assert_eq!(
        b.take().iter().map(|e| e.items()).collect::<Vec<_>>(),
        vec![7]
    );
}

#[test]
fn pass_through_sends_every_request() {
    let mut b = Batcher::pass_through();
    let ready = b.offer(spans(3, 0), Instant::now());
    assert_eq!(ready.len(), 1);
    assert_eq!(b.deadline(), None);
}

#[test]
fn reservation_follows_the_items() {
    let budget = MemoryBudget::new(1 << 30);
    let payload = spans(100, 0).payload;
    let mut b = Batcher::new(&config(10, 30, 1000));
    let ready = b.offer(Envelope::new(payload, budget.reserve(1000)), Instant::now());
    assert_eq!(
        ready
            .iter()
            .map(|e| e.reservation.bytes())
            .collect::<Vec<_>>(),
        vec![300, 300, 300, 100]
    );
    drop(ready);
    assert_eq!(budget.used(), 0);
    assert!(b.take().is_empty());
}

proptest! {
    /// Whatever the sizes, every item comes out exactly once, in order, and no batch passes the cap.
    #[test]
    fn items_are_conserved_in_order(sizes in prop::collection::vec(0usize..50, 1..20), size in 0u64..40, extra in 0u64..40) {
        let max = if extra == 0 { 0 } else { size + extra };
        let mut b = Batcher::new(&config(size, max, 100));
        let mut out = Vec::new();
        let mut expected = Vec::new();
        for (tag, n) in sizes.into_iter().enumerate() {
            let e = spans(n, tag);
            expected.extend(names(&e));
            out.extend(b.offer(e, Instant::now()));
        }
        out.extend(b.take());
        for e in &out {
            prop_assert!(max == 0 || e.items() <= max as usize);
            prop_assert_eq!(e.items(), names(e).len());
        }
        prop_assert_eq!(out.iter().flat_map(names).collect::<Vec<_>>(), expected);
    }
}
