//! When a policy may change its probability.

use std::time::Duration;

/// A probability that changes at most once per decision interval, and not before a stabilization
/// time has passed since the start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Schedule {
    interval: Duration,
    next: Duration,
    probability: f64,
}

impl Schedule {
    /// Starts at `start` with `initial_probability`; the first decision is due once both
    /// `decision_interval` and `stabilization_time` have passed.
    pub fn new(
        start: Duration,
        decision_interval: Duration,
        stabilization_time: Duration,
        initial_probability: f64,
    ) -> Self {
        Self {
            interval: decision_interval,
            next: start.saturating_add(decision_interval.max(stabilization_time)),
            probability: initial_probability,
        }
    }

    /// The current probability.
    pub fn probability(&self) -> f64 {
        self.probability
    }

    /// If a decision is due at `now`, takes `recompute()` as the new probability; returns the
    /// current one either way.
    ///
    /// A late call starts the next interval at `now` rather than catching up on missed ones: the
    /// observation it brings already covers the whole gap.
    pub fn update(&mut self, now: Duration, recompute: impl FnOnce() -> f64) -> f64 {
        if now >= self.next {
            self.next = now.saturating_add(self.interval);
            self.probability = recompute();
        }
        self.probability
    }
}
