//! Whether to send native histograms to a receiver that refused them.
//!
//! A receiver refuses them until it is restarted with them enabled, which the exporter cannot see:
//! after a refusal they are left out for [`RETRY_AFTER`], then tried again with the next batch that
//! holds some. Prometheus refuses a request with a native histogram whole, writing none of it, so
//! each try costs one request and never writes a sample twice.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long native histograms are left out after a refusal: long enough that a receiver that keeps
/// refusing costs one extra request per period, short enough that one restarted with them enabled
/// gets them soon.
pub(super) const RETRY_AFTER: Duration = Duration::from_secs(10 * 60);

/// [`NativeHistograms::refused_at_ms`] while nothing is refused.
const NOT_REFUSED: u64 = u64::MAX;

/// What the receiver last said of native histograms. Atomics, read once per export: with one
/// consumer nothing races, and no lock is held across an await.
#[derive(Debug)]
pub(super) struct NativeHistograms {
    /// What the times below count from.
    origin: Instant,
    /// When they were last refused, in ms since `origin`, or [`NOT_REFUSED`].
    refused_at_ms: AtomicU64,
    /// Whether they were ever refused: only the first refusal is worth an error log.
    ever_refused: AtomicBool,
}

impl Default for NativeHistograms {
    fn default() -> Self {
        NativeHistograms {
            origin: Instant::now(),
            refused_at_ms: AtomicU64::new(NOT_REFUSED),
            ever_refused: AtomicBool::new(false),
        }
    }
}

impl NativeHistograms {
    /// Whether to leave native histograms out of requests sent at `now`.
    pub(super) fn left_out(&self, now: Instant) -> bool {
        let refused_at = self.refused_at_ms.load(Ordering::Relaxed);
        refused_at != NOT_REFUSED
            && self.millis(now).saturating_sub(refused_at) < RETRY_AFTER.as_millis() as u64
    }

    /// Notes a refusal at `now`; true if it is the first.
    pub(super) fn refused(&self, now: Instant) -> bool {
        self.refused_at_ms
            .store(self.millis(now), Ordering::Relaxed);
        !self.ever_refused.swap(true, Ordering::Relaxed)
    }

    /// Notes that a request with native histograms was written; true if they had been refused.
    pub(super) fn accepted(&self) -> bool {
        self.refused_at_ms.swap(NOT_REFUSED, Ordering::Relaxed) != NOT_REFUSED
    }

    fn millis(&self, now: Instant) -> u64 {
        // Below NOT_REFUSED for 584 million years.
        now.saturating_duration_since(self.origin).as_millis() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_histograms_are_left_out_for_a_while_then_tried_again() {
        let histograms = NativeHistograms::default();
        let start = Instant::now();
        assert!(!histograms.left_out(start));
        assert!(histograms.refused(start), "the first refusal");
        assert!(histograms.left_out(start + RETRY_AFTER / 2));
        assert!(!histograms.left_out(start + RETRY_AFTER));
        assert!(!histograms.refused(start + RETRY_AFTER), "not the first");
        assert!(histograms.left_out(start + RETRY_AFTER * 3 / 2));
        assert!(histograms.accepted());
        assert!(!histograms.left_out(start + RETRY_AFTER * 3 / 2));
        assert!(!histograms.accepted(), "already accepted");
    }
}
