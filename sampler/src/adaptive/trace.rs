//! The sampler in `mode: trace`: one verdict per whole trace, from its summary, and the kept
//! trace's spans stamped with the threshold they were kept by.

use weir_config::SamplingKey;
use weir_proto::wire::{self, Block, Keep};

use super::AdaptiveSampler;
use super::key::key_name;
use super::tally::Tally;
use crate::golden::UNKNOWN_SERVICE;
use crate::sample::{Threshold, decide};
use crate::tail::{TraceId, TraceSummary, Verdict};

impl AdaptiveSampler {
    /// The verdict on a whole trace: kept if any span errs or it is slow (as `always_keep` says),
    /// else by its root service's (or root operation's) probability, decided consistently from the
    /// trace id as span mode decides. Counted in that key's tally: one trace, all its spans.
    pub fn judge(&self, trace_id: &TraceId, summary: &TraceSummary) -> Verdict {
        let (service, operation) = summary
            .entry
            .as_ref()
            .map_or((UNKNOWN_SERVICE, ""), |entry| {
                (&*entry.service, &*entry.name)
            });
        let name = match self.settings.key_by {
            SamplingKey::Service => key_name(service, None),
            SamplingKey::ServiceOperation => key_name(service, Some(operation)),
        };
        let keys = self.keys.pin();
        let key = self.key(&keys, &name);
        let latency_ns = summary
            .entry
            .as_ref()
            .filter(|entry| entry.root)
            .map_or(summary.slowest_ns, |entry| entry.duration_ns);
        let always = (self.settings.keep_errors && summary.error)
            || self
                .settings
                .keep_slower_than_ns
                .is_some_and(|slow| summary.slowest_ns >= slow);
        let upstream = summary
            .entry
            .as_ref()
            .map(|entry| entry.upstream)
            .unwrap_or_default();
        let verdict = if always {
            Verdict::KeepAsIs
        } else {
            match decide(&upstream, trace_id, key.threshold()) {
                None => Verdict::Drop,
                Some(th) if th == Threshold::KEEP_ALL && upstream.threshold.is_none() => {
                    Verdict::KeepAsIs
                }
                Some(th) => Verdict::Keep(th),
            }
        };
        let spans = summary.spans as u64;
        let mut tally = Tally {
            spans,
            traces: 1,
            errors: u64::from(summary.error),
            ..Tally::default()
        };
        tally.latency[self.buckets.index(latency_ns)] += 1;
        if verdict.kept() {
            tally.kept_spans = spans;
            tally.kept_traces = 1;
        }
        key.counters.add(&tally);
        verdict
    }

    /// `fragment`, spans of a trace judged `verdict`, as it goes on: each span kept by a threshold
    /// says so in its `tracestate`, as span mode writes it; `None` for a dropped trace's.
    pub fn stamp(&self, fragment: &Block, verdict: Verdict) -> Option<Block> {
        match verdict {
            Verdict::Drop => None,
            Verdict::KeepAsIs => Some(fragment.clone()),
            Verdict::Keep(threshold) => wire::retain_spans(fragment, |span, trace_state| {
                // A span whose own `rv` puts it below the threshold still goes: the trace is whole.
                match Self::consistent(span, threshold, trace_state) {
                    Keep::Drop => Keep::AsIs,
                    keep => keep,
                }
            }),
        }
    }
}
