//! Measures the heap a request takes beyond its body once weir's decode stage has checked it, against a
//! full prost decode into structs: the figures behind the memory budget's `HELD_BYTES_PER_BODY_BYTE`.
//! Run: `cargo run --release -p weir-benches --example decoded_size`.
#![allow(unsafe_code)] // A counting global allocator must implement the unsafe GlobalAlloc trait.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use weir::decode::{self, Format};
use weir_benches::request;
use weir_proto::Signal;

/// Counts live heap bytes on top of the system allocator.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller upholds GlobalAlloc's contract, which System requires too.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() {
    println!(
        "{:<8} {:>6} {:>12} {:>12} {:>6} {:>12} {:>6}",
        "signal", "items", "body bytes", "weir extra", "ratio", "prost heap", "ratio"
    );
    for signal in Signal::ALL {
        for items in [16, 512, 8192] {
            let payload = request(signal, items);
            let wire = Bytes::from(payload.encode_to_vec());
            let before = LIVE.load(Ordering::Relaxed);
            let checked = decode::decode(signal, Format::Protobuf, &wire).expect("fixtures decode");
            let extra = LIVE.load(Ordering::Relaxed) - before;
            drop(payload);
            let before = LIVE.load(Ordering::Relaxed);
            let decoded = checked.decode();
            let prost = LIVE.load(Ordering::Relaxed) - before;
            let len = wire.len() as f64;
            println!(
                "{:<8} {:>6} {:>12} {:>12} {:>6.3} {:>12} {:>6.2}",
                signal,
                checked.item_count(),
                wire.len(),
                extra,
                extra as f64 / len,
                prost,
                prost as f64 / len
            );
            drop(decoded);
        }
    }
}
