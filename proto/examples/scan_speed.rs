//! How fast `wire::scan` checks an export request compared with prost decoding it and checking its
//! ids, how fast the span views read and `retain_spans` filters a scanned one, and how many heap
//! allocations each makes. Run:
//! `cargo run --release -p weir-proto --example scan_speed`.
#![allow(unsafe_code)] // A counting global allocator must implement the unsafe GlobalAlloc trait.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use prost::Message;
use weir_proto::fixtures;
use weir_proto::otlp::collector::trace::v1::ExportTraceServiceRequest;
use weir_proto::wire::{Block, Keep, Value, for_each_span, retain_spans, scan};
use weir_proto::{Payload, Signal};

/// Counts allocations on top of the system allocator.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller upholds GlobalAlloc's contract, which System requires too.
        unsafe { System.alloc(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The collector's id checks on a decoded request, without the wording of failures.
fn ids_valid(request: &ExportTraceServiceRequest) -> bool {
    let identity = |id: &[u8], len| id.len() == len && id.iter().any(|b| *b != 0);
    request
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
        .all(|span| {
            identity(&span.trace_id, 16)
                && identity(&span.span_id, 8)
                && (span.parent_span_id.is_empty() || span.parent_span_id.len() == 8)
                && span
                    .links
                    .iter()
                    .all(|l| l.trace_id.len() == 16 && l.span_id.len() == 8)
        })
}

/// Time of one call of `f`: the best mean of 40 batches, as other work on the machine only ever
/// slows a batch down; and the allocations of one call.
fn measure(mut f: impl FnMut()) -> (Duration, usize) {
    f();
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    f();
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    let start = Instant::now();
    f();
    let batch =
        (Duration::from_millis(10).as_nanos() / start.elapsed().as_nanos().max(1)).max(1) as u32;
    let mut best = Duration::MAX;
    for _ in 0..40 {
        let start = Instant::now();
        for _ in 0..batch {
            f();
        }
        best = best.min(start.elapsed() / batch);
    }
    (best, allocations)
}

fn main() {
    let requests = [
        ("rich_traces()", fixtures::rich_traces()),
        ("traces(4, 128)", fixtures::traces(4, 128)),
    ];
    println!(
        "{:<16} {:>6} {:>8} {:>12} {:>8} {:>14} {:>8} {:>8}",
        "request", "spans", "bytes", "scan", "allocs", "prost+ids", "allocs", "speedup"
    );
    for (name, request) in requests {
        let body = Bytes::from(request.encode_to_vec());
        let spans = Payload::Traces(request).item_count();
        let (scan_time, scan_allocs) = measure(|| {
            black_box(scan(Signal::Traces, black_box(&body)).expect("fixtures scan"));
        });
        let (prost_time, prost_allocs) = measure(|| {
            let decoded =
                ExportTraceServiceRequest::decode(black_box(&body[..])).expect("fixtures decode");
            assert!(ids_valid(&decoded));
            black_box(decoded);
        });
        println!(
            "{:<16} {:>6} {:>8} {:>12?} {:>8} {:>14?} {:>8} {:>7.1}x",
            name,
            spans,
            body.len(),
            scan_time,
            scan_allocs,
            prost_time,
            prost_allocs,
            prost_time.as_secs_f64() / scan_time.as_secs_f64()
        );
    }
    spans(&Bytes::from(fixtures::traces(4, 128).encode_to_vec()));
    for signal in [Signal::Metrics, Signal::Logs] {
        let body = Bytes::from(fixtures::rich(signal).encode_to_vec());
        let (scan_time, scan_allocs) = measure(|| {
            black_box(scan(signal, black_box(&body)).expect("fixtures scan"));
        });
        println!(
            "rich({signal:<7})  {:>6} {:>8} {:>12?} {:>8}",
            fixtures::rich(signal).item_count(),
            body.len(),
            scan_time,
            scan_allocs
        );
    }
}

/// What the golden-signal and sampling stages read of every span of a scanned request, and what
/// filtering it costs.
fn spans(body: &Bytes) {
    let blocks = scan(Signal::Traces, body).expect("fixtures scan");
    let spans: usize = blocks.iter().map(|b| b.items).sum();
    let (read, read_allocs) = measure(|| {
        black_box(read_spans(black_box(&blocks)));
    });
    let (as_is, as_is_allocs) = measure(|| {
        for block in &blocks {
            black_box(retain_spans(block, |_, _| Keep::AsIs));
        }
    });
    let (half, half_allocs) = measure(|| {
        for block in &blocks {
            black_box(retain_spans(block, |span, trace_state| {
                if span.trace_id()[15] & 2 == 0 {
                    return Keep::Drop;
                }
                trace_state.push_str("ot=th:8");
                Keep::WithTraceState
            }));
        }
    });
    println!("\ntraces(4, 128), {spans} spans: per request, and per span");
    for (name, time, allocs) in [
        (
            "for_each_span: service, name, kind, status, times, 1 attribute",
            read,
            read_allocs,
        ),
        ("retain_spans: every span as is", as_is, as_is_allocs),
        (
            "retain_spans: about half, each with a new tracestate",
            half,
            half_allocs,
        ),
    ] {
        println!(
            "{name:<56} {time:>12?} {allocs:>6} allocs {:>8.1} ns/span",
            time.as_secs_f64() * 1e9 / spans as f64
        );
    }
}

fn read_spans(blocks: &[Block]) -> u64 {
    let mut sum = 0u64;
    for block in blocks {
        for_each_span(block, |resource, span| {
            let service = resource.service_name().map_or(0, str::len);
            let duration = span.end_time_unix_nano() - span.start_time_unix_nano();
            let code = match span.attribute("http.response.status_code") {
                Some(Value::Int(code)) => code as u64,
                _ => 0,
            };
            sum += (service + span.name().len()) as u64
                + (span.kind() + span.status_code()) as u64
                + duration
                + code;
        });
    }
    sum
}
