//! How likely a trace is to be kept: the three policies that set the sampling probability, and the
//! smoothing of the rates they read.
//!
//! All of them are pure: the caller measures (traces per second, error rate, p95 latency), smooths
//! with [`Ewma`], and passes the time in as `now`, a [`Duration`](std::time::Duration) since any
//! fixed origin (the stage's start, say). A [`Schedule`] decides when a new probability is due, so
//! calling more often than the decision interval is harmless.

mod ewma;
mod latency;
mod linear;
mod schedule;
mod target;

pub use ewma::Ewma;
pub use latency::LatencyParams;
pub use linear::LinearParams;
pub use schedule::Schedule;
pub use target::{Observed, Target, TargetParams};

/// `p` within [`low`, `high`], NaN taken as `low`; unlike `f64::clamp` it cannot panic on bounds
/// a configuration got backwards.
pub(crate) fn bound(p: f64, low: f64, high: f64) -> f64 {
    p.max(low).min(high)
}

#[cfg(test)]
mod tests;
