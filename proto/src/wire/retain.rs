//! Filtering the spans of a scanned ResourceSpans, and rewriting the trace state of those kept, by
//! copying fields as they are on the wire: only the scope entries and spans that change are rebuilt.

use bytes::Bytes;

use super::Block;
use super::common::{ITEMS, SCOPES};
use super::reader::{Reader, scanned_fields};
use super::spans::{SpanView, TRACE_STATE};
use super::write::{field_len, put_field, put_header};

/// What [`retain_spans`] does with one span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// Leave the span out.
    Drop,
    /// Keep the span byte for byte.
    AsIs,
    /// Keep the span with the trace state the decision wrote into its buffer (none if it is empty).
    WithTraceState,
}

/// Returns `block` (a resource entry that [`scan`](super::scan) returned for traces) with only the
/// spans that `decide` keeps, or `None` if it keeps none (as for a block without spans). `decide`
/// sees each span once, in wire order, with an empty buffer for the span's new trace state: a
/// closure cannot return a borrow of a buffer it reuses, and a `String` returned per span would
/// allocate per span, so the buffer is lent instead.
///
/// Every other field is copied as it is, in its place; a scope entry whose spans are all dropped is
/// left out, one that had none stays. A span kept [`Keep::WithTraceState`] loses every `trace_state`
/// field and gets one holding the buffer where the first was, or at its end. If every span is kept
/// [`Keep::AsIs`], the result shares `block`'s bytes.
///
/// # Panics
/// If `block` did not come from such a scan.
pub fn retain_spans(
    block: &Block,
    decide: impl FnMut(&SpanView<'_>, &mut String) -> Keep,
) -> Option<Block> {
    let mut filter = Filter {
        block: &block.bytes,
        decide,
        out: None,
        scope: Vec::new(),
        trace_state: String::new(),
        kept: 0,
    };
    let mut r = Reader::new(&block.bytes);
    while !r.is_done() {
        let start = r.pos();
        let field = r.scanned_field();
        if field.number == SCOPES {
            filter.scope_entry(start, field.payload);
        } else if let Some(out) = &mut filter.out {
            out.extend_from_slice(field.whole);
        }
    }
    match filter.out {
        _ if filter.kept == 0 => None,
        None => Some(block.clone()),
        Some(out) => Some(Block {
            bytes: Bytes::from(out),
            items: filter.kept,
        }),
    }
}

struct Filter<'b, F> {
    block: &'b [u8],
    decide: F,
    /// The rebuilt entry; `None` while every span so far is kept as it is, since until then the
    /// entry read so far is its own copy.
    out: Option<Vec<u8>>,
    /// The scope entry being rebuilt.
    scope: Vec<u8>,
    trace_state: String,
    kept: usize,
}

impl<F: FnMut(&SpanView<'_>, &mut String) -> Keep> Filter<'_, F> {
    /// Filters the scope entry `payload`, whose field starts at `start` in the block.
    fn scope_entry(&mut self, start: usize, payload: &[u8]) {
        self.scope.clear();
        if self.out.is_some() {
            self.scope.reserve(payload.len());
        }
        let (mut spans, mut kept) = (0, 0);
        let mut r = Reader::new(payload);
        while !r.is_done() {
            let span_start = r.pos();
            let field = r.scanned_field();
            if field.number != ITEMS {
                if self.out.is_some() {
                    self.scope.extend_from_slice(field.whole);
                }
                continue;
            }
            spans += 1;
            self.trace_state.clear();
            let keep = (self.decide)(&SpanView::new(field.payload), &mut self.trace_state);
            if keep != Keep::AsIs && self.out.is_none() {
                let mut out = Vec::with_capacity(self.block.len());
                out.extend_from_slice(&self.block[..start]);
                self.out = Some(out);
                self.scope.reserve(payload.len());
                self.scope.extend_from_slice(&payload[..span_start]);
            }
            match keep {
                Keep::Drop => continue,
                Keep::AsIs if self.out.is_some() => self.scope.extend_from_slice(field.whole),
                Keep::AsIs => {}
                Keep::WithTraceState => put_span(&mut self.scope, field.payload, &self.trace_state),
            }
            kept += 1;
        }
        self.kept += kept;
        if let Some(out) = &mut self.out
            && (kept > 0 || spans == 0)
        {
            put_field(out, SCOPES, &self.scope);
        }
    }
}

/// Writes `span` as a spans field with its `trace_state` fields replaced by one holding
/// `trace_state` where the first was, or at the end if there was none; by none if it is empty.
fn put_span(out: &mut Vec<u8>, span: &[u8], trace_state: &str) {
    let old: usize = scanned_fields(span)
        .filter(|f| f.number == TRACE_STATE)
        .map(|f| f.whole.len())
        .sum();
    let mut pending = !trace_state.is_empty();
    let new = if pending {
        field_len(TRACE_STATE, trace_state.len())
    } else {
        0
    };
    put_header(out, ITEMS, span.len() - old + new);
    for field in scanned_fields(span) {
        if field.number != TRACE_STATE {
            out.extend_from_slice(field.whole);
        } else if pending {
            put_field(out, TRACE_STATE, trace_state.as_bytes());
            pending = false;
        }
    }
    if pending {
        put_field(out, TRACE_STATE, trace_state.as_bytes());
    }
}
