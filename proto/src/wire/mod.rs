//! OTLP export requests kept in protobuf wire format: checked without decoding, split without
//! re-encoding what stays whole, their spans read through views ([`for_each_span`]) and filtered by
//! copying ([`retain_spans`]).
//!
//! [`scan`] walks an encoded `Export{Trace,Metrics,Logs}ServiceRequest` and accepts exactly the
//! requests that prost decodes into the generated `opentelemetry-proto` types and that pass weir's
//! id rules; it returns the request's resource entries as slices of the body, so they can be
//! forwarded by copying bytes. On success it allocates only the returned vector.
//!
//! What prost checks, and so what the walk checks: varints of at most 10 bytes that fit 64 bits;
//! keys with a non-zero field number, a wire type of 0 to 5 and at most 32 bits; every length within
//! its message; the declared wire type of every known field (repeated scalars packed or not, a
//! packed fixed-size run a whole number of values long); UTF-8 in every `string` field; unknown
//! fields skipped, groups to their matching end key; at most 100 nested messages and groups, counted
//! as prost counts them. Where prost keeps the last of repeated occurrences of a singular field or a
//! oneof, the id rules and item counts look at what prost keeps.

mod attributes;
mod common;
mod error;
mod ids;
mod logs;
mod metrics;
#[cfg(any(test, feature = "fixtures"))]
pub mod oracle;
mod partition;
mod reader;
mod retain;
mod spans;
mod split;
#[cfg(test)]
mod tests;
mod traces;
mod write;

use bytes::Bytes;

use crate::Signal;
use error::{At, Seg, Walk};
use ids::FirstBreach;
use reader::Reader;

pub use attributes::Value;
pub use error::ScanError;
pub use partition::partition_spans;
pub use retain::{Keep, retain_spans};
pub use spans::{ResourceView, SpanView, for_each_span};
pub use split::split_block;

/// One resource-level entry of an export request (a ResourceSpans, ResourceMetrics or ResourceLogs
/// message) in wire format: the message's bytes without its tag and length prefix.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// The encoded ResourceSpans, ResourceMetrics or ResourceLogs.
    pub bytes: Bytes,
    /// Its spans, metric data points or log records.
    pub items: usize,
}

/// prost's recursion budget for the fields of a top-level message.
const RECURSION_LIMIT: u32 = 100;

/// Walks one resource entry: given its bytes, recursion budget and index, returns its item count
/// and notes its first id breach.
type Entry = fn(&[u8], u32, usize, &mut FirstBreach) -> Walk<usize>;

/// Walks an encoded Export{Trace,Metrics,Logs}ServiceRequest of `signal`, checking everything prost
/// would check plus the id rules, and returns its resource entries as slices of `body` (no copy), in
/// order.
pub fn scan(signal: Signal, body: &Bytes) -> Result<Vec<Block>, ScanError> {
    let (name, entry): (_, Entry) = match signal {
        Signal::Traces => ("resourceSpans", traces::resource_spans),
        Signal::Metrics => ("resourceMetrics", metrics::resource_metrics),
        Signal::Logs => ("resourceLogs", logs::resource_logs),
    };
    let mut blocks = Vec::new();
    let mut first = FirstBreach::default();
    request(body, name, entry, &mut blocks, &mut first).map_err(|fault| fault.into_error())?;
    match first.into_inner() {
        Some(breach) => Err(ScanError::Invalid(breach.message())),
        None => Ok(blocks),
    }
}

/// The top level of a request: resource entries under field 1, named `name` in positions.
fn request(
    body: &Bytes,
    name: &'static str,
    entry: Entry,
    blocks: &mut Vec<Block>,
    first: &mut FirstBreach,
) -> Walk<()> {
    let mut r = Reader::new(body);
    while !r.is_done() {
        let (field, wire_type) = r.key()?;
        if field != 1 {
            r.skip(wire_type, field, RECURSION_LIMIT)
                .at(Seg::Unknown(field))?;
            continue;
        }
        let index = blocks.len();
        let seg = Seg::Item(name, index);
        let bytes = r.message_bytes(wire_type, RECURSION_LIMIT).at(seg)?;
        let items = entry(bytes, RECURSION_LIMIT - 1, index, first).at(seg)?;
        let end = r.pos();
        blocks.push(Block {
            bytes: body.slice(end - bytes.len()..end),
            items,
        });
    }
    Ok(())
}
