//! The `target` policy (the default): keep about a set number of traces per second for each key.

use std::time::Duration;

use super::{Schedule, bound};

/// A probability may at most double from one decision to the next: a key whose traffic collapsed
/// and comes back is then not kept at a burst of full probability. Decreases are not limited,
/// since keeping too much is the costly mistake.
const MAX_STEP_UP: f64 = 2.0;

/// The `target` policy's settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TargetParams {
    /// Traces per second to keep for each key (default 10).
    pub target_traces_per_second: f64,
    /// No change while the kept rate is within this share of the target (default 0.3, ±30%), so
    /// the noise of a measured rate does not move the probability every interval.
    pub tolerance: f64,
    /// How much the error rate raises the probability: p * (1 + error_boost * error_rate) (default
    /// 1.0, so a key whose traces all fail is kept at twice its probability).
    pub error_boost: f64,
    /// Lowest probability (default 0.001).
    pub min_probability: f64,
    /// Highest probability (default 1.0).
    pub max_probability: f64,
    /// Probability of a key until its first decision (default 0.1).
    pub initial_probability: f64,
    /// Fewest traces per second to keep of any key that has traffic (default 1/60: one a minute).
    pub min_traces_per_second: f64,
    /// Time between decisions (default 10 s: at 10 traces per second a decision rests on about 100
    /// kept traces, whose ±10% noise stays inside the default dead band).
    pub decision_interval: Duration,
    /// An optional cap on the traces per second kept over all keys, shared out by
    /// [`TargetParams::capped_target`] (default none).
    pub total_traces_per_second: Option<f64>,
}

impl Default for TargetParams {
    fn default() -> Self {
        Self {
            target_traces_per_second: 10.0,
            tolerance: 0.3,
            error_boost: 1.0,
            min_probability: 0.001,
            max_probability: 1.0,
            initial_probability: 0.1,
            min_traces_per_second: 1.0 / 60.0,
            decision_interval: Duration::from_secs(10),
            total_traces_per_second: None,
        }
    }
}

impl TargetParams {
    /// The per-key target once `total_traces_per_second` (if set) is shared out over keys whose
    /// observed rates are `observed_rates` (reordered in place; the slice is scratch space).
    ///
    /// The rule is water-filling: every key may keep what it would without the cap (its observed
    /// rate, at most `target_traces_per_second`); if that sums past the total, the total is split
    /// equally, and a key needing less than its equal share leaves the rest to the others. The
    /// result is the level every capped key gets; keys below it keep their own rate.
    pub fn capped_target(&self, observed_rates: &mut [f64]) -> f64 {
        let target = self.target_traces_per_second;
        let Some(mut left) = self.total_traces_per_second else {
            return target;
        };
        for rate in observed_rates.iter_mut() {
            *rate = rate.min(target);
        }
        observed_rates.sort_by(f64::total_cmp);
        let keys = observed_rates.len();
        for (i, &demand) in observed_rates.iter().enumerate() {
            let share = left / (keys - i) as f64;
            if demand > share {
                return share;
            }
            left -= demand;
        }
        target
    }
}

/// What was measured for a key over the recent past (smoothed).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Observed {
    /// Traces per second arriving for the key, before sampling.
    pub traces_per_second: f64,
    /// Share of those traces with an error, 0 to 1.
    pub error_rate: f64,
}

/// One key's state under the `target` policy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Target {
    /// The probability that aims at the target, before the error boost and the floor: kept apart
    /// so that a boost does not compound from one interval to the next.
    base: f64,
    schedule: Schedule,
}

impl Target {
    /// A key first seen at `now`, at `initial_probability`.
    pub fn new(params: &TargetParams, now: Duration) -> Self {
        let initial = params.initial_probability;
        Self {
            base: initial,
            schedule: Schedule::new(now, params.decision_interval, Duration::ZERO, initial),
        }
    }

    /// A key resumed at `now` with the `base` and `probability` an earlier run learned, so its first
    /// decision starts from them rather than from `initial_probability`.
    pub fn resumed(params: &TargetParams, now: Duration, base: f64, probability: f64) -> Self {
        Self {
            base,
            schedule: Schedule::new(now, params.decision_interval, Duration::ZERO, probability),
        }
    }

    /// The key's current probability.
    pub fn probability(&self) -> f64 {
        self.schedule.probability()
    }

    /// The probability aimed at the target, before the error boost and the floor.
    pub fn base(&self) -> f64 {
        self.base
    }

    /// Feeds the key's latest observation; when a decision is due, aims at `target` traces per
    /// second (`target_traces_per_second`, or [`TargetParams::capped_target`] under a cap) and
    /// returns the new probability.
    ///
    /// The kept rate is taken as observed * base probability: p' = p * target / kept, unchanged
    /// within the dead band, at most doubled, then raised by the error rate (up to 1), floored at
    /// `min_traces_per_second / observed`, and held within [min_probability, max_probability].
    pub fn update(
        &mut self,
        params: &TargetParams,
        now: Duration,
        observed: Observed,
        target: f64,
    ) -> f64 {
        let base = &mut self.base;
        self.schedule.update(now, || {
            *base = next_base(params, *base, observed.traces_per_second, target);
            let errors = bound(observed.error_rate, 0.0, 1.0);
            let boosted = (*base * (1.0 + params.error_boost * errors)).min(1.0);
            let floor = params.min_traces_per_second / observed.traces_per_second;
            bound(
                boosted.max(floor),
                params.min_probability,
                params.max_probability,
            )
        })
    }
}

fn next_base(params: &TargetParams, base: f64, traces_per_second: f64, target: f64) -> f64 {
    let kept = traces_per_second * base;
    if (kept / target - 1.0).abs() <= params.tolerance {
        return base;
    }
    // p * target / kept, written so that a base of 0 cannot make it 0/0.
    let wanted = target / traces_per_second;
    let next = if wanted > base {
        wanted.min(base * MAX_STEP_UP)
    } else {
        wanted
    };
    bound(next, params.min_probability, params.max_probability)
}

#[cfg(test)]
mod tests;
