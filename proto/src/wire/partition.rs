//! Splitting the spans of a scanned ResourceSpans into groups, each a resource entry of its own, by
//! copying fields as they are on the wire: how tail sampling gathers the spans of one trace that
//! arrive in many requests, mixed with other traces'.

use bytes::Bytes;

use super::Block;
use super::common::{ITEMS, SCOPES};
use super::reader::{Reader, scanned_fields};
use super::spans::SpanView;
use super::write::put_header;

/// A span's bytes, with the index of the scope entry it sits in.
type Placed<'a> = (usize, &'a [u8]);

/// Splits `block` (a resource entry that [`scan`](super::scan) returned for traces) by `group`,
/// which numbers each span's group; returns one block per group, in the order groups first appear,
/// with the group's number. `group` sees each span once, in wire order; numbers should be small
/// (such as indices into the caller's table of trace ids), since they index a table here.
///
/// Each block holds every field of the entry but its scope entries, copied in place, and those
/// scope entries that hold spans of the group, each with its own fields followed by the group's
/// spans in wire order; a scope entry without spans goes nowhere. A block whose spans all share one
/// group comes back as it is, sharing `block`'s bytes.
///
/// # Panics
/// If `block` did not come from such a scan.
pub fn partition_spans(
    block: &Block,
    mut group: impl FnMut(&SpanView<'_>) -> usize,
) -> Vec<(usize, Block)> {
    // First the spans of each group per scope entry, by position; then each group's entry.
    let mut groups: Vec<(usize, Vec<Placed<'_>>)> = Vec::new();
    // Where each group number sits in `groups`.
    let mut slots: Vec<Option<usize>> = Vec::new();
    let mut scope = 0;
    for field in scanned_fields(&block.bytes) {
        if field.number != SCOPES {
            continue;
        }
        for span in scanned_fields(field.payload).filter(|f| f.number == ITEMS) {
            let name = group(&SpanView::new(span.payload));
            if slots.len() <= name {
                slots.resize(name + 1, None);
            }
            let at = *slots[name].get_or_insert_with(|| {
                groups.push((name, Vec::new()));
                groups.len() - 1
            });
            groups[at].1.push((scope, span.whole));
        }
        scope += 1;
    }
    if let [(_, spans)] = groups.as_slice()
        && spans.len() == block.items
    {
        return vec![(groups[0].0, block.clone())];
    }
    groups
        .into_iter()
        .map(|(name, spans)| {
            let bytes = build(&block.bytes, &spans);
            let items = spans.len();
            (
                name,
                Block {
                    bytes: Bytes::from(bytes),
                    items,
                },
            )
        })
        .collect()
}

/// The resource entry `entry` with only `spans`, each listed with the index of its scope entry.
fn build(entry: &[u8], spans: &[Placed<'_>]) -> Vec<u8> {
    let span_bytes: usize = spans.iter().map(|(_, span)| span.len()).sum();
    // The spans plus room for the resource and scope fields, never more than the whole entry.
    let mut out = Vec::with_capacity(entry.len().min(span_bytes + 512));
    let mut next = spans.iter().peekable();
    let mut scope = 0;
    let mut r = Reader::new(entry);
    while !r.is_done() {
        let field = r.scanned_field();
        if field.number != SCOPES {
            out.extend_from_slice(field.whole);
            continue;
        }
        let mut mine = Vec::new();
        while let Some(&&(at, span)) = next.peek()
            && at == scope
        {
            mine.push(span);
            next.next();
        }
        scope += 1;
        if mine.is_empty() {
            continue;
        }
        let own: Vec<&[u8]> = scanned_fields(field.payload)
            .filter(|f| f.number != ITEMS)
            .map(|f| f.whole)
            .collect();
        let len = own.iter().chain(&mine).map(|part| part.len()).sum();
        put_header(&mut out, SCOPES, len);
        for part in own.iter().chain(&mine) {
            out.extend_from_slice(part);
        }
    }
    out
}
