//! What a trace's judge reads of its spans, gathered span by span as they are partitioned, so the
//! buffered spans are never walked again.

use weir_proto::wire::SpanView;

use crate::sample::{OtSampling, read_ot};

/// `Status.code` ERROR.
const STATUS_ERROR: i32 = 2;

/// The spans of a trace seen so far, summed up.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TraceSummary {
    /// Spans seen.
    pub spans: usize,
    /// Whether any span has status ERROR.
    pub error: bool,
    /// The longest span's duration.
    pub slowest_ns: u64,
    /// The span that stands for the trace: its root, else the earliest span seen.
    pub entry: Option<Entry>,
}

/// The span a trace is keyed and timed by.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// `service.name` of its resource.
    pub service: Box<str>,
    /// Its name: the operation of `key: service_operation`.
    pub name: Box<str>,
    /// Its duration: the trace's latency when it is the root.
    pub duration_ns: u64,
    /// Whether it has no parent.
    pub root: bool,
    /// What its `tracestate` says an upstream sampler did.
    pub upstream: OtSampling,
    start_ns: u64,
}

impl TraceSummary {
    /// Adds `span`, of a resource whose `service.name` is `service`.
    pub fn observe(&mut self, service: &str, span: &SpanView<'_>) {
        let duration_ns = span
            .end_time_unix_nano()
            .saturating_sub(span.start_time_unix_nano());
        self.spans += 1;
        self.error |= span.status_code() == STATUS_ERROR;
        self.slowest_ns = self.slowest_ns.max(duration_ns);
        let root = span.parent_span_id().is_empty();
        let start_ns = span.start_time_unix_nano();
        if self
            .entry
            .as_ref()
            .is_none_or(|e| e.loses_to(root, start_ns))
        {
            self.entry = Some(Entry {
                service: service.into(),
                name: span.name().into(),
                duration_ns,
                root,
                upstream: match span.trace_state() {
                    "" => OtSampling::default(),
                    state => read_ot(state),
                },
                start_ns,
            });
        }
    }

    /// Adds the spans `other` summed up.
    pub fn merge(&mut self, other: TraceSummary) {
        self.spans += other.spans;
        self.error |= other.error;
        self.slowest_ns = self.slowest_ns.max(other.slowest_ns);
        if let Some(theirs) = other.entry
            && self
                .entry
                .as_ref()
                .is_none_or(|e| e.loses_to(theirs.root, theirs.start_ns))
        {
            self.entry = Some(theirs);
        }
    }

    /// Whether the root span has been seen.
    pub fn has_root(&self) -> bool {
        self.entry.as_ref().is_some_and(|e| e.root)
    }
}

impl Entry {
    /// Whether a span (root or not, starting at `start_ns`) stands for the trace better: a root
    /// beats any other span, the first root seen stays, and otherwise the earlier start wins.
    fn loses_to(&self, root: bool, start_ns: u64) -> bool {
        match (self.root, root) {
            (true, _) => false,
            (false, true) => true,
            (false, false) => start_ns < self.start_ns,
        }
    }
}
