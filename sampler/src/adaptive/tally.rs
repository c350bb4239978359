//! What the sampler counts of a key's spans: gathered per resource entry on the caller's stack, then
//! added to the key's atomics once, so the per-span path touches no shared memory.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use weir_config::DEFAULT_BUCKETS_MS;

use crate::golden::Buckets;

/// Entry-span latency buckets: the spanmetrics connector's bounds and `+Inf`.
pub(crate) const LATENCY_BUCKETS: usize = DEFAULT_BUCKETS_MS.len() + 1;

/// Counts of one resource entry's spans, before they are added to their key.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub(crate) spans: u64,
    /// Entry spans (no parent, or SERVER or CONSUMER): one per request into the service.
    pub(crate) traces: u64,
    pub(crate) errors: u64,
    pub(crate) kept_spans: u64,
    pub(crate) kept_traces: u64,
    /// Entry-span durations per bucket of [`Counters::latency`].
    pub(crate) latency: [u64; LATENCY_BUCKETS],
}

/// A key's counters since the controller last took them.
#[derive(Debug)]
pub(crate) struct Counters {
    spans: AtomicU64,
    traces: AtomicU64,
    errors: AtomicU64,
    kept_spans: AtomicU64,
    kept_traces: AtomicU64,
    latency: Box<[AtomicU64]>,
    /// Since start, for `/metrics`.
    pub(crate) total_kept_spans: AtomicU64,
    pub(crate) total_dropped_spans: AtomicU64,
}

/// What [`Counters::take`] returns: one interval's counts.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Interval {
    pub(crate) spans: u64,
    pub(crate) traces: u64,
    pub(crate) errors: u64,
    pub(crate) kept_spans: u64,
    pub(crate) kept_traces: u64,
    pub(crate) latency: Vec<u64>,
}

impl Counters {
    pub(crate) fn new(buckets: &Buckets) -> Counters {
        Counters {
            spans: AtomicU64::new(0),
            traces: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            kept_spans: AtomicU64::new(0),
            kept_traces: AtomicU64::new(0),
            latency: (0..buckets.len()).map(|_| AtomicU64::new(0)).collect(),
            total_kept_spans: AtomicU64::new(0),
            total_dropped_spans: AtomicU64::new(0),
        }
    }

    /// Adds a resource entry's tally.
    pub(crate) fn add(&self, tally: &Tally) {
        self.spans.fetch_add(tally.spans, Relaxed);
        self.traces.fetch_add(tally.traces, Relaxed);
        self.errors.fetch_add(tally.errors, Relaxed);
        self.kept_spans.fetch_add(tally.kept_spans, Relaxed);
        self.kept_traces.fetch_add(tally.kept_traces, Relaxed);
        self.total_kept_spans.fetch_add(tally.kept_spans, Relaxed);
        self.total_dropped_spans
            .fetch_add(tally.spans - tally.kept_spans, Relaxed);
        for (cell, &count) in self.latency.iter().zip(&tally.latency) {
            if count > 0 {
                cell.fetch_add(count, Relaxed);
            }
        }
    }

    /// The counts since the last call, zeroing them.
    pub(crate) fn take(&self) -> Interval {
        Interval {
            spans: self.spans.swap(0, Relaxed),
            traces: self.traces.swap(0, Relaxed),
            errors: self.errors.swap(0, Relaxed),
            kept_spans: self.kept_spans.swap(0, Relaxed),
            kept_traces: self.kept_traces.swap(0, Relaxed),
            latency: self.latency.iter().map(|c| c.swap(0, Relaxed)).collect(),
        }
    }
}

/// The 95th percentile of entry-span durations in milliseconds, interpolated within its bucket as
/// Prometheus' `histogram_quantile` does; `None` without spans.
pub(crate) fn p95_ms(buckets: &Buckets, counts: &[u64]) -> Option<f64> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let rank = 0.95 * total as f64;
    let bounds: Vec<f64> = buckets.bounds_ms().collect();
    let mut below = 0u64;
    for (i, &count) in counts.iter().enumerate() {
        if (below + count) as f64 >= rank && count > 0 {
            let lower = if i == 0 { 0.0 } else { bounds[i - 1] };
            // The +Inf bucket has no upper bound: its lower bound is the best estimate, as in Prometheus.
            let Some(&upper) = bounds.get(i) else {
                return Some(lower);
            };
            return Some(lower + (upper - lower) * (rank - below as f64) / count as f64);
        }
        below += count;
    }
    bounds.last().copied()
}
