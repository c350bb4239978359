//! The `latency` policy: sample less when the service is slow.

use std::time::Duration;

use super::{Schedule, bound};

/// `p = clamp(k * reference_ms / p95_ms, min_probability, max_probability)`, recomputed every
/// `decision_interval` once `stabilization_time` has passed since the start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LatencyParams {
    /// Scale of the ratio (default 0.5).
    pub k: f64,
    /// The p95 latency, in milliseconds, at which p = k (default 200).
    pub reference_ms: f64,
    /// Lowest probability (default 0.01).
    pub min_probability: f64,
    /// Highest probability (default 1.0).
    pub max_probability: f64,
    /// Probability until the first decision (default 0.1).
    pub initial_probability: f64,
    /// Time between decisions (default 30 s).
    pub decision_interval: Duration,
    /// Time after the start before the first decision, so that p95 rests on enough spans (default
    /// 120 s).
    pub stabilization_time: Duration,
}

impl Default for LatencyParams {
    fn default() -> Self {
        Self {
            k: 0.5,
            reference_ms: 200.0,
            min_probability: 0.01,
            max_probability: 1.0,
            initial_probability: 0.1,
            decision_interval: Duration::from_secs(30),
            stabilization_time: Duration::from_secs(120),
        }
    }
}

impl LatencyParams {
    /// The probability for a p95 latency of `p95_ms` milliseconds. A p95 that is not positive (no
    /// spans measured) gives `max_probability`: no measured latency is no reason to sample less.
    pub fn probability(&self, p95_ms: f64) -> f64 {
        if p95_ms.is_nan() || p95_ms <= 0.0 {
            return self.max_probability;
        }
        bound(
            self.k * self.reference_ms / p95_ms,
            self.min_probability,
            self.max_probability,
        )
    }

    /// The schedule of a policy started at `start`.
    pub fn schedule(&self, start: Duration) -> Schedule {
        Schedule::new(
            start,
            self.decision_interval,
            self.stabilization_time,
            self.initial_probability,
        )
    }
}
