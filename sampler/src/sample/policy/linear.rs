//! The `linear` policy: probability grows with traffic and errors.

use std::time::Duration;

use super::{Schedule, bound};

/// `p = clamp((alpha * QPS + beta * error_rate_percent) / c, min_probability, max_probability)`,
/// recomputed every `decision_interval`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinearParams {
    /// Weight of the traces per second (default 0.8).
    pub alpha: f64,
    /// Weight of the error rate in percent (default 5.0).
    pub beta: f64,
    /// Divisor of the weighted sum (default 100).
    pub c: f64,
    /// Lowest probability (default 0.001).
    pub min_probability: f64,
    /// Highest probability (default 1.0).
    pub max_probability: f64,
    /// Probability until the first decision, when no rate has been measured yet (default 0.1).
    pub initial_probability: f64,
    /// Time between decisions (default 5 s).
    pub decision_interval: Duration,
}

impl Default for LinearParams {
    fn default() -> Self {
        Self {
            alpha: 0.8,
            beta: 5.0,
            c: 100.0,
            min_probability: 0.001,
            max_probability: 1.0,
            initial_probability: 0.1,
            decision_interval: Duration::from_secs(5),
        }
    }
}

impl LinearParams {
    /// The probability for `qps` traces per second of which `error_rate_percent` percent failed.
    pub fn probability(&self, qps: f64, error_rate_percent: f64) -> f64 {
        let p = (self.alpha * qps + self.beta * error_rate_percent) / self.c;
        bound(p, self.min_probability, self.max_probability)
    }

    /// The schedule of a policy started at `start`.
    pub fn schedule(&self, start: Duration) -> Schedule {
        Schedule::new(
            start,
            self.decision_interval,
            Duration::ZERO,
            self.initial_probability,
        )
    }
}
