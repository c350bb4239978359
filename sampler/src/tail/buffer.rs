//! The buffer of undecided traces, with the deadlines and bounds that decide them.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use weir_proto::wire::Block;

use super::{DecisionCache, TraceId, TraceSummary, Verdict};

/// The bounds of one buffer.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// How long after its first span a trace is decided.
    pub decision_wait: Duration,
    /// How long after its root span a trace is decided, if sooner.
    pub root_grace: Duration,
    /// Most traces buffered.
    pub max_traces: usize,
    /// Most spans buffered for one trace.
    pub max_spans_per_trace: usize,
    /// Most bytes of spans buffered.
    pub max_bytes: usize,
    /// Verdicts remembered for late spans.
    pub cache_size: usize,
}

/// Why a trace was decided when it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// `decision_wait` passed.
    Waited,
    /// `root_grace` passed since its root span.
    Root,
    /// Early: the buffer held `max_traces` and a new trace came.
    MaxTraces,
    /// Early: it passed `max_spans_per_trace`.
    MaxSpans,
    /// Early: the buffer passed its byte bound.
    MaxBytes,
    /// Early: weir is shutting down.
    Shutdown,
    /// Spans that came after their trace was decided, following its verdict.
    Late,
}

impl Reason {
    /// Every reason, for `/metrics`.
    pub const ALL: [Reason; 7] = [
        Reason::Waited,
        Reason::Root,
        Reason::MaxTraces,
        Reason::MaxSpans,
        Reason::MaxBytes,
        Reason::Shutdown,
        Reason::Late,
    ];

    /// Its name as a label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Waited => "decision_wait",
            Reason::Root => "root_grace",
            Reason::MaxTraces => "max_traces",
            Reason::MaxSpans => "max_spans_per_trace",
            Reason::MaxBytes => "max_bytes",
            Reason::Shutdown => "shutdown",
            Reason::Late => "late",
        }
    }
}

/// A decided trace, or late spans of one: the verdict, and the spans with what each holds.
#[derive(Debug)]
pub struct Decided<H> {
    /// The trace.
    pub trace_id: TraceId,
    /// What happens to its spans.
    pub verdict: Verdict,
    /// Why now.
    pub reason: Reason,
    /// Its spans, as they came: each a resource entry with what its sender attached.
    pub fragments: Vec<(Block, H)>,
    /// Its spans summed up.
    pub summary: TraceSummary,
}

/// A trace waiting for its decision.
#[derive(Debug)]
struct Pending<H> {
    fragments: Vec<(Block, H)>,
    summary: TraceSummary,
    first_seen: Duration,
    root_due: Option<Duration>,
    bytes: usize,
}

/// Undecided traces, each holding its spans and a value of type `H` per fragment (what the owner
/// must keep with the bytes, such as their share of a memory budget).
#[derive(Debug)]
pub struct TraceBuffer<H> {
    pending: HashMap<TraceId, Pending<H>>,
    /// Traces by first span, oldest first; an entry whose trace has since been decided is skipped.
    arrivals: VecDeque<(Duration, TraceId)>,
    /// Traces by when their root's grace ends, soonest first; skipped likewise.
    roots: VecDeque<(Duration, TraceId)>,
    cache: DecisionCache,
    limits: Limits,
    bytes: usize,
    spans: usize,
}

impl<H> TraceBuffer<H> {
    /// An empty buffer within `limits`.
    pub fn new(limits: Limits) -> TraceBuffer<H> {
        TraceBuffer {
            pending: HashMap::new(),
            arrivals: VecDeque::new(),
            roots: VecDeque::new(),
            cache: DecisionCache::new(limits.cache_size),
            limits,
            bytes: 0,
            spans: 0,
        }
    }

    /// Traces buffered.
    pub fn traces(&self) -> usize {
        self.pending.len()
    }

    /// Spans buffered.
    pub fn spans(&self) -> usize {
        self.spans
    }

    /// Bytes of spans buffered.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Buffers `fragment`, spans of `trace_id` summed up in `summary`, at time `now`. Spans of a
    /// trace already decided get its verdict at once; traces decided early to make room are judged
    /// by `judge`. What is decided goes to `out`.
    pub fn add(
        &mut self,
        trace_id: TraceId,
        (fragment, hold): (Block, H),
        summary: TraceSummary,
        now: Duration,
        judge: &mut impl FnMut(&TraceId, &TraceSummary) -> Verdict,
        out: &mut Vec<Decided<H>>,
    ) {
        if let Some(verdict) = self.cache.get(&trace_id) {
            out.push(Decided {
                trace_id,
                verdict,
                reason: Reason::Late,
                fragments: vec![(fragment, hold)],
                summary,
            });
            return;
        }
        let bytes = fragment.bytes.len();
        self.bytes += bytes;
        self.spans += summary.spans;
        let root_due = summary.has_root().then(|| now + self.limits.root_grace);
        match self.pending.get_mut(&trace_id) {
            Some(trace) => {
                trace.fragments.push((fragment, hold));
                trace.bytes += bytes;
                trace.summary.merge(summary);
                if trace.root_due.is_none()
                    && let Some(due) = root_due
                {
                    trace.root_due = Some(due);
                    self.roots.push_back((due, trace_id));
                }
            }
            None => {
                if self.pending.len() >= self.limits.max_traces {
                    self.decide_oldest(Reason::MaxTraces, judge, out);
                }
                self.pending.insert(
                    trace_id,
                    Pending {
                        fragments: vec![(fragment, hold)],
                        summary,
                        first_seen: now,
                        root_due,
                        bytes,
                    },
                );
                self.arrivals.push_back((now, trace_id));
                if let Some(due) = root_due {
                    self.roots.push_back((due, trace_id));
                }
            }
        }
        if self
            .pending
            .get(&trace_id)
            .is_some_and(|t| t.summary.spans > self.limits.max_spans_per_trace)
        {
            self.decide(trace_id, Reason::MaxSpans, judge, out);
        }
        while self.bytes > self.limits.max_bytes && !self.pending.is_empty() {
            self.decide_oldest(Reason::MaxBytes, judge, out);
        }
    }

    /// Decides every trace whose wait or root grace has passed at `now`.
    pub fn decide_due(
        &mut self,
        now: Duration,
        judge: &mut impl FnMut(&TraceId, &TraceSummary) -> Verdict,
        out: &mut Vec<Decided<H>>,
    ) {
        while let Some(&(due, trace_id)) = self.roots.front()
            && due <= now
        {
            self.roots.pop_front();
            if self
                .pending
                .get(&trace_id)
                .is_some_and(|t| t.root_due == Some(due))
            {
                self.decide(trace_id, Reason::Root, judge, out);
            }
        }
        while let Some(&(first_seen, trace_id)) = self.arrivals.front()
            && first_seen + self.limits.decision_wait <= now
        {
            self.arrivals.pop_front();
            if self.is_live(first_seen, &trace_id) {
                self.decide(trace_id, Reason::Waited, judge, out);
            }
        }
    }

    /// Decides every trace buffered, oldest first: at shutdown, so nothing accepted stays behind.
    pub fn decide_all(
        &mut self,
        judge: &mut impl FnMut(&TraceId, &TraceSummary) -> Verdict,
        out: &mut Vec<Decided<H>>,
    ) {
        while !self.pending.is_empty() {
            self.decide_oldest(Reason::Shutdown, judge, out);
        }
    }

    fn is_live(&self, first_seen: Duration, trace_id: &TraceId) -> bool {
        self.pending
            .get(trace_id)
            .is_some_and(|t| t.first_seen == first_seen)
    }

    fn decide_oldest(
        &mut self,
        reason: Reason,
        judge: &mut impl FnMut(&TraceId, &TraceSummary) -> Verdict,
        out: &mut Vec<Decided<H>>,
    ) {
        while let Some((first_seen, trace_id)) = self.arrivals.pop_front() {
            if self.is_live(first_seen, &trace_id) {
                self.decide(trace_id, reason, judge, out);
                return;
            }
        }
    }

    fn decide(
        &mut self,
        trace_id: TraceId,
        reason: Reason,
        judge: &mut impl FnMut(&TraceId, &TraceSummary) -> Verdict,
        out: &mut Vec<Decided<H>>,
    ) {
        let Some(trace) = self.pending.remove(&trace_id) else {
            return;
        };
        self.bytes -= trace.bytes;
        self.spans -= trace.summary.spans;
        let verdict = judge(&trace_id, &trace.summary);
        self.cache.insert(trace_id, verdict);
        out.push(Decided {
            trace_id,
            verdict,
            reason,
            fragments: trace.fragments,
            summary: trace.summary,
        });
    }
}
