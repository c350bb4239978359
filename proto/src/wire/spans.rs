//! Read-only views of the spans of a scanned ResourceSpans, borrowed from its bytes.
//!
//! A view answers as the struct prost decodes would: of a singular field repeated on the wire the last
//! occurrence counts, repeated messages merge, and an attribute lookup finds the first match in the
//! order prost's Vec holds the attributes. Nothing is copied or allocated.

use super::Block;
use super::attributes::{Value, first_value};
use super::common::{ITEMS, RESOURCE, SCOPES};
use super::reader::{Reader, scanned_fields, scanned_payloads, scanned_str};

/// A span's `trace_state`, by field number.
pub(super) const TRACE_STATE: u32 = 3;
/// A span's attributes.
const ATTRIBUTES: u32 = 9;
/// The one-byte key of an attribute: field 9, length-delimited.
const ATTRIBUTE_KEY: u8 = (ATTRIBUTES << 3 | 2) as u8;
/// A span's status.
const STATUS: u32 = 15;
/// The code of a Status.
const STATUS_CODE: u32 = 3;
/// The attributes of a Resource.
const RESOURCE_ATTRIBUTES: u32 = 1;

/// Calls `f` for every span of `block`, a resource entry that [`scan`](super::scan) returned for
/// traces, in wire order: scope entries in turn, the spans of each in turn.
///
/// # Panics
/// If `block` did not come from such a scan.
pub fn for_each_span<'a>(block: &'a Block, mut f: impl FnMut(&ResourceView<'a>, &SpanView<'a>)) {
    let resource = ResourceView::new(&block.bytes);
    for scope in scanned_payloads(&block.bytes, SCOPES) {
        for span in scanned_payloads(scope, ITEMS) {
            f(&resource, &SpanView::new(span));
        }
    }
}

/// The resource of a ResourceSpans.
#[derive(Clone, Copy, Debug)]
pub struct ResourceView<'a> {
    entry: &'a [u8],
    service_name: Option<&'a str>,
}

impl<'a> ResourceView<'a> {
    /// The resource of `block`, a resource entry that [`scan`](super::scan) returned for traces.
    ///
    /// # Panics
    /// If `block` did not come from such a scan.
    pub fn of(block: &'a Block) -> Self {
        Self::new(&block.bytes)
    }

    /// Looks `service.name` up once per resource entry, since most stages ask for it on every span.
    fn new(entry: &'a [u8]) -> Self {
        let mut view = ResourceView {
            entry,
            service_name: None,
        };
        if let Some(Value::Str(name)) = view.attribute("service.name") {
            view.service_name = Some(name);
        }
        view
    }

    /// The value of the resource's first attribute named `key`.
    pub fn attribute(&self, key: &str) -> Option<Value<'a>> {
        // Repeated `resource` fields merge, so their attribute lists concatenate in wire order.
        let attributes = scanned_payloads(self.entry, RESOURCE)
            .flat_map(|resource| scanned_payloads(resource, RESOURCE_ATTRIBUTES));
        first_value(attributes, key)
    }

    /// The `service.name` attribute, if it is a string.
    pub fn service_name(&self) -> Option<&'a str> {
        self.service_name
    }
}

/// One span. Its scalar fields are read when the view is made; attributes when asked for.
#[derive(Clone, Copy, Debug)]
pub struct SpanView<'a> {
    bytes: &'a [u8],
    trace_id: &'a [u8],
    span_id: &'a [u8],
    trace_state: &'a [u8],
    parent_span_id: &'a [u8],
    name: &'a [u8],
    kind: i32,
    start_time_unix_nano: u64,
    end_time_unix_nano: u64,
    status_code: i32,
    /// From the first attribute to the end of the last, so that lookups skip the other fields.
    attributes: &'a [u8],
}

impl<'a> SpanView<'a> {
    /// Reads every field of the span once: since the last occurrence of a singular field wins, reading
    /// any one of them takes the whole walk anyway.
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        let mut view = SpanView {
            bytes,
            trace_id: &[],
            span_id: &[],
            trace_state: &[],
            parent_span_id: &[],
            name: &[],
            kind: 0,
            start_time_unix_nano: 0,
            end_time_unix_nano: 0,
            status_code: 0,
            attributes: &[],
        };
        let mut attributes: Option<(usize, usize)> = None;
        let mut r = Reader::new(bytes);
        while !r.is_done() {
            let start = r.pos();
            let (number, payload, scalar) = r.scanned_value();
            match number {
                1 => view.trace_id = payload,
                2 => view.span_id = payload,
                TRACE_STATE => view.trace_state = payload,
                4 => view.parent_span_id = payload,
                5 => view.name = payload,
                // prost reads an int32 or enum as the varint's low 32 bits.
                6 => view.kind = scalar as i32,
                7 => view.start_time_unix_nano = scalar,
                8 => view.end_time_unix_nano = scalar,
                ATTRIBUTES => {
                    // Encoders write a span's attributes one after another: skipping the rest of
                    // the run here, a key byte and a length each, costs a fraction of a turn of
                    // this loop per attribute.
                    r.skip_scanned_run(ATTRIBUTE_KEY);
                    let first = attributes.map_or(start, |(first, _)| first);
                    attributes = Some((first, r.pos()));
                }
                // Repeated statuses merge: each `code` present replaces the one before.
                STATUS => {
                    for code in scanned_fields(payload).filter(|f| f.number == STATUS_CODE) {
                        view.status_code = code.scalar as i32;
                    }
                }
                _ => {}
            }
        }
        if let Some((first, end)) = attributes {
            view.attributes = &bytes[first..end];
        }
        view
    }

    /// The encoded Span message.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// `trace_id`: 16 bytes, as the scan checked.
    pub fn trace_id(&self) -> &'a [u8] {
        self.trace_id
    }

    /// `span_id`: 8 bytes, as the scan checked.
    pub fn span_id(&self) -> &'a [u8] {
        self.span_id
    }

    /// `parent_span_id`: 8 bytes, or empty for a root span.
    pub fn parent_span_id(&self) -> &'a [u8] {
        self.parent_span_id
    }

    /// The W3C `tracestate` header value; empty when there is none.
    pub fn trace_state(&self) -> &'a str {
        scanned_str(self.trace_state)
    }

    /// The span's name.
    pub fn name(&self) -> &'a str {
        scanned_str(self.name)
    }

    /// `kind`, a `SpanKind` value.
    pub fn kind(&self) -> i32 {
        self.kind
    }

    /// `start_time_unix_nano`.
    pub fn start_time_unix_nano(&self) -> u64 {
        self.start_time_unix_nano
    }

    /// `end_time_unix_nano`.
    pub fn end_time_unix_nano(&self) -> u64 {
        self.end_time_unix_nano
    }

    /// The status `code`, a `StatusCode` value; 0 (unset) when the span has no status.
    pub fn status_code(&self) -> i32 {
        self.status_code
    }

    /// The value of the span's first attribute named `key`.
    pub fn attribute(&self, key: &str) -> Option<Value<'a>> {
        first_value(scanned_payloads(self.attributes, ATTRIBUTES), key)
    }
}
