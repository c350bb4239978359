//! Measures how many heap bytes a decoded OTLP request takes per byte of protobuf: the figure behind
//! the memory budget's `DECODED_BYTES_PER_WIRE_BYTE`. Run: `cargo run --release -p weir-benches --example decoded_size`.
#![allow(unsafe_code)] // A counting global allocator must implement the unsafe GlobalAlloc trait.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

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
    println!("{:<8} {:>6} {:>12} {:>12} {:>6}", "signal", "items", "wire bytes", "heap bytes", "ratio");
    for signal in Signal::ALL {
        for items in [16, 512, 8192] {
            let wire = request(signal, items).encode_to_vec();
            let before = LIVE.load(Ordering::Relaxed);
            let decoded = decode::decode(signal, Format::Protobuf, &wire).expect("fixtures decode");
            let heap = LIVE.load(Ordering::Relaxed) - before;
            println!("{:<8} {:>6} {:>12} {:>12} {:>6.2}", signal, decoded.item_count(), wire.len(), heap, heap as f64 / wire.len() as f64);
        }
    }
}
