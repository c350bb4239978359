//! Stage 4 in `mode: trace` (tail sampling): the spans of each trace are buffered until the trace
//! is complete enough to judge, then kept or dropped whole.
//!
//! A trace is decided `decision_wait` after its first span, or `root_grace` after its root span if
//! that is sooner; early when the buffer holds `max_traces`, when the trace passes
//! `max_spans_per_trace`, or when the buffer passes its byte bound. Every early decision is counted
//! by [`Reason`]: nothing leaves the buffer undecided. Spans that come after their trace was decided
//! follow the decision, remembered in a bounded [`DecisionCache`].
//!
//! The buffer does no I/O and reads no clock: its owner passes the time, the judge and where the
//! decided traces go, so one task per shard can own a buffer without locks.

mod buffer;
mod cache;
mod summary;
#[cfg(test)]
mod tests;

pub use buffer::{Decided, Limits, Reason, TraceBuffer};
pub use cache::DecisionCache;
pub use summary::{Entry, TraceSummary};

/// A trace id: the 16 bytes the scan checked.
pub type TraceId = [u8; 16];

/// What happens to a trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Its spans go on as they are: kept whatever the probability said (an error, a slow trace).
    KeepAsIs,
    /// Its spans go on, each `tracestate` saying the threshold it was kept by.
    Keep(crate::sample::Threshold),
    /// Its spans are dropped.
    Drop,
}

impl Verdict {
    /// Whether the trace goes on.
    pub fn kept(self) -> bool {
        self != Verdict::Drop
    }
}
