//! Splitting a scanned resource entry by item count, as `Payload::split_front` splits a decoded one.
//!
//! Fields are copied as they are on the wire; only the messages the split runs through are rebuilt.
//! Envelope fields go to both halves in their original order, so each half decodes to the same
//! envelope the original did.

use bytes::Bytes;

use super::Block;
use super::common::{ITEMS, SCOPES};
use super::metrics::Data;
use super::reader::scanned_fields;
use super::write::put_field;
use crate::Signal;

/// The points of a Gauge, Sum, Histogram, ExponentialHistogram or Summary.
const DATA_POINTS: u32 = 1;

/// Splits `block` (which must have 0 < n < block.items) into a block with its first `n` items and a
/// block with the rest; each is a complete, valid resource entry (the resource, scope and — for
/// metrics — metric envelope fields are copied into both). Allocates new buffers.
///
/// # Panics
/// If `n` is out of that range, or if `block` is not a resource entry that [`scan`](super::scan)
/// returned for `signal`.
pub fn split_block(signal: Signal, block: &Block, n: usize) -> (Block, Block) {
    assert!(
        0 < n && n < block.items,
        "split_block takes 0 < n < items: n is {n}, items {}",
        block.items
    );
    let (front, rest) = match signal {
        Signal::Traces | Signal::Logs => {
            split_levels(&block.bytes, SCOPES, n, count_items, |scope, n| {
                split_leaves(scope, ITEMS, n)
            })
        }
        Signal::Metrics => split_levels(&block.bytes, SCOPES, n, scope_points, |scope, n| {
            split_levels(scope, ITEMS, n, metric_points, split_metric)
        }),
    };
    (
        Block {
            bytes: Bytes::from(front),
            items: n,
        },
        Block {
            bytes: Bytes::from(rest),
            items: block.items - n,
        },
    )
}

/// Splits the elements of repeated message field `number` the way `split_vec` does: whole elements go
/// to the front while their items fit in `n`, the next element is split by `split` if items are still
/// owed, and the remaining ones go to the rest. Every other field goes to both halves.
fn split_levels(
    buf: &[u8],
    number: u32,
    n: usize,
    items: impl Fn(&[u8]) -> usize,
    split: impl Fn(&[u8], usize) -> (Vec<u8>, Vec<u8>),
) -> (Vec<u8>, Vec<u8>) {
    let (mut front, mut rest) = (Vec::new(), Vec::new());
    let mut budget = n;
    let mut filling = true;
    for field in scanned_fields(buf) {
        if field.number != number {
            front.extend_from_slice(field.whole);
            rest.extend_from_slice(field.whole);
            continue;
        }
        if filling {
            let count = items(field.payload);
            if count <= budget {
                budget -= count;
                front.extend_from_slice(field.whole);
                continue;
            }
            filling = false;
            if budget > 0 {
                let (head, tail) = split(field.payload, budget);
                put_field(&mut front, number, &head);
                put_field(&mut rest, number, &tail);
                continue;
            }
        }
        rest.extend_from_slice(field.whole);
    }
    (front, rest)
}

/// Sends the first `n` elements of repeated field `number` to the front and the others to the rest;
/// every other field goes to both halves.
fn split_leaves(buf: &[u8], number: u32, n: usize) -> (Vec<u8>, Vec<u8>) {
    let (mut front, mut rest) = (Vec::new(), Vec::new());
    let mut taken = 0;
    for field in scanned_fields(buf) {
        if field.number != number {
            front.extend_from_slice(field.whole);
            rest.extend_from_slice(field.whole);
        } else if taken < n {
            front.extend_from_slice(field.whole);
            taken += 1;
        } else {
            rest.extend_from_slice(field.whole);
        }
    }
    (front, rest)
}

/// Spans or log records in a scope entry.
fn count_items(scope: &[u8]) -> usize {
    scanned_fields(scope).filter(|f| f.number == ITEMS).count()
}

/// Data points in a ScopeMetrics.
fn scope_points(scope: &[u8]) -> usize {
    scanned_fields(scope)
        .filter(|f| f.number == ITEMS)
        .map(|f| metric_points(f.payload))
        .sum()
}

/// The data fields of a metric that prost keeps: the last run of fields of one kind. Returns the
/// position among the metric's fields where that run starts.
fn last_run(metric: &[u8]) -> usize {
    let mut kind = None;
    let mut start = 0;
    for (position, field) in scanned_fields(metric).enumerate() {
        if let Some(this) = Data::from_field(field.number)
            && kind != Some(this)
        {
            kind = Some(this);
            start = position;
        }
    }
    start
}

/// Data points in a Metric, as prost counts them.
fn metric_points(metric: &[u8]) -> usize {
    let start = last_run(metric);
    scanned_fields(metric)
        .skip(start)
        .filter(|f| Data::from_field(f.number).is_some())
        .map(|f| count_points(f.payload))
        .sum()
}

fn count_points(data: &[u8]) -> usize {
    scanned_fields(data)
        .filter(|f| f.number == DATA_POINTS)
        .count()
}

/// Splits a metric's points between two copies of it. Data fields prost would drop are left out; the
/// others keep their envelope fields (temporality, monotonicity) in both copies.
fn split_metric(metric: &[u8], n: usize) -> (Vec<u8>, Vec<u8>) {
    let start = last_run(metric);
    let (mut front, mut rest) = (Vec::new(), Vec::new());
    let mut budget = n;
    for (position, field) in scanned_fields(metric).enumerate() {
        if Data::from_field(field.number).is_none() {
            front.extend_from_slice(field.whole);
            rest.extend_from_slice(field.whole);
        } else if position >= start {
            let take = budget.min(count_points(field.payload));
            budget -= take;
            let (head, tail) = split_leaves(field.payload, DATA_POINTS, take);
            put_field(&mut front, field.number, &head);
            put_field(&mut rest, field.number, &tail);
        }
    }
    (front, rest)
}
