//! The decision side of each key: smoothed rates and the policy's state, owned by the one task that
//! decides, so neither it nor the per-span path ever takes a lock.

use std::collections::HashMap;
use std::time::Duration;

use super::settings::{Fixed, Policy, Settings};
use super::tally::{Interval, p95_ms};
use crate::golden::Buckets;
use crate::sample::policy::{Ewma, LatencyParams, LinearParams, Observed, Schedule, Target, bound};

/// Weight of the newest interval in the smoothed rates: at the default 5 s interval a step in load
/// shows 87.5% after three intervals, where a second's weight of 0.2 would take ten.
const SMOOTHING: f64 = 0.5;

/// Every key's controller, and the settings as changed at run time; the decision task owns it and
/// hands it to each decision.
#[derive(Debug, Default)]
pub struct Controllers {
    by_key: HashMap<Box<str>, Controller>,
    /// The configured settings with what `PUT /sampling` changed; `None` until something did.
    tuned: Option<Settings>,
}

impl Controllers {
    /// None yet: a key gets its controller at the first decision after its first span.
    pub fn new() -> Controllers {
        Controllers::default()
    }

    /// The settings decisions use: the configured ones, unless changed at run time.
    pub(crate) fn settings<'s>(&'s self, configured: &'s Settings) -> &'s Settings {
        self.tuned.as_ref().unwrap_or(configured)
    }

    /// The settings to change at run time, starting from the configured ones.
    pub(crate) fn settings_mut(&mut self, configured: &Settings) -> &mut Settings {
        self.tuned.get_or_insert_with(|| configured.clone())
    }

    /// The controller of `key`. A new one starts an interval back, when the key's first interval
    /// began, so the interval just ended is its first decision.
    pub(crate) fn of(&mut self, key: &str, settings: &Settings, now: Duration) -> &mut Controller {
        self.by_key
            .entry(key.into())
            .or_insert_with(|| Controller::new(settings, now.saturating_sub(settings.tick)))
    }

    /// What each key's controller has learned, by key name.
    pub(crate) fn learned(&self) -> impl Iterator<Item = (&str, Learned)> {
        self.by_key.iter().map(|(name, c)| (&**name, c.learned()))
    }

    /// Gives `key` a controller that resumes at `now` from what an earlier run learned, held within
    /// the policy's bounds; returns the probability it resumes at.
    pub(crate) fn resume(
        &mut self,
        key: &str,
        settings: &Settings,
        now: Duration,
        learned: Learned,
    ) -> f64 {
        let controller = Controller::resumed(settings, now, learned);
        let p = controller.probability();
        self.by_key.insert(key.into(), controller);
        p
    }
}

/// What a key's controller learned: enough to resume deciding where it left off.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Learned {
    /// The policy's probability (a fixed override may have published another).
    pub(crate) probability: f64,
    /// The `target` policy's probability before the error boost and floor.
    pub(crate) base: Option<f64>,
    /// Smoothed traces per second; `None` before a key's first measured interval.
    pub(crate) traces_per_second: Option<f64>,
    /// Smoothed share of traces with an error.
    pub(crate) error_rate: Option<f64>,
}

/// What a decision read of one key's interval, after smoothing.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Reading {
    pub(crate) traces_per_second: f64,
    pub(crate) spans_per_second: f64,
    pub(crate) kept_traces_per_second: f64,
    pub(crate) error_rate: f64,
    pub(crate) p95_ms: Option<f64>,
}

#[derive(Debug)]
pub(crate) struct Controller {
    policy: PolicyState,
    traces: Ewma,
    errors: Ewma,
    last: Duration,
}

#[derive(Debug)]
enum PolicyState {
    Target(Target),
    Scheduled(Schedule),
}

impl Controller {
    fn new(settings: &Settings, now: Duration) -> Controller {
        let policy = match &settings.policy {
            Policy::Target(params) => PolicyState::Target(Target::new(params, now)),
            Policy::Linear(params) => PolicyState::Scheduled(params.schedule(now)),
            Policy::Latency(params) => PolicyState::Scheduled(params.schedule(now)),
        };
        Controller {
            policy,
            traces: Ewma::new(SMOOTHING),
            errors: Ewma::new(SMOOTHING),
            last: now,
        }
    }

    /// A controller resuming at `now` from `learned`. Its schedule starts an interval back, as a new
    /// key's does, so the first tick decides; its rates are measured from `now`, when its counts
    /// began.
    fn resumed(settings: &Settings, now: Duration, learned: Learned) -> Controller {
        let (low, high) = settings.policy.bounds();
        let p = bound(learned.probability, low, high);
        let start = now.saturating_sub(settings.tick);
        let policy = match &settings.policy {
            Policy::Target(params) => {
                let base = bound(learned.base.unwrap_or(p), low, high);
                PolicyState::Target(Target::resumed(params, start, base, p))
            }
            Policy::Linear(params) => PolicyState::Scheduled(
                LinearParams {
                    initial_probability: p,
                    ..*params
                }
                .schedule(start),
            ),
            Policy::Latency(params) => PolicyState::Scheduled(
                LatencyParams {
                    initial_probability: p,
                    ..*params
                }
                .schedule(start),
            ),
        };
        let smoothed = |value: Option<f64>| {
            let mut average = Ewma::new(SMOOTHING);
            // The first sample sets the average.
            if let Some(value) = value.filter(|v| *v >= 0.0) {
                average.update(value);
            }
            average
        };
        Controller {
            policy,
            traces: smoothed(learned.traces_per_second),
            errors: smoothed(learned.error_rate.map(|r| r.min(1.0))),
            last: now,
        }
    }

    /// The policy's current probability.
    fn probability(&self) -> f64 {
        match &self.policy {
            PolicyState::Target(state) => state.probability(),
            PolicyState::Scheduled(schedule) => schedule.probability(),
        }
    }

    /// What the controller has learned, for a checkpoint.
    fn learned(&self) -> Learned {
        Learned {
            probability: self.probability(),
            base: match &self.policy {
                PolicyState::Target(state) => Some(state.base()),
                PolicyState::Scheduled(_) => None,
            },
            traces_per_second: self.traces.value(),
            error_rate: self.errors.value(),
        }
    }

    /// Smooths an interval's counts into a reading.
    pub(crate) fn read(
        &mut self,
        buckets: &Buckets,
        interval: &Interval,
        now: Duration,
    ) -> Reading {
        let seconds = now.saturating_sub(self.last).as_secs_f64();
        self.last = now;
        if seconds <= 0.0 {
            return Reading::default();
        }
        let traces = interval.traces as f64 / seconds;
        let error_rate = if interval.traces > 0 {
            interval.errors as f64 / interval.traces as f64
        } else {
            0.0
        };
        Reading {
            traces_per_second: self.traces.update(traces).unwrap_or(traces),
            spans_per_second: interval.spans as f64 / seconds,
            kept_traces_per_second: interval.kept_traces as f64 / seconds,
            error_rate: self.errors.update(error_rate).unwrap_or(error_rate),
            p95_ms: p95_ms(buckets, &interval.latency),
        }
    }

    /// The probability for `reading` by the policy, or the key's override; `target` is the target
    /// policy's per-key target after any global cap.
    pub(crate) fn decide(
        &mut self,
        settings: &Settings,
        fixed: Option<&Fixed>,
        now: Duration,
        reading: Reading,
        target: f64,
    ) -> f64 {
        let observed = Observed {
            traces_per_second: reading.traces_per_second,
            error_rate: reading.error_rate,
        };
        match (fixed, &settings.policy, &mut self.policy) {
            (Some(Fixed::Probability(p)), _, _) => *p,
            (fixed, Policy::Target(params), PolicyState::Target(state)) => {
                let target = match fixed {
                    Some(Fixed::Target(own)) => *own,
                    _ => target,
                };
                state.update(params, now, observed, target)
            }
            (_, Policy::Linear(params), PolicyState::Scheduled(schedule)) => schedule
                .update(now, || {
                    params.probability(reading.traces_per_second, reading.error_rate * 100.0)
                }),
            (_, Policy::Latency(params), PolicyState::Scheduled(schedule)) => {
                let current = schedule.probability();
                schedule.update(now, || {
                    reading
                        .p95_ms
                        .map_or(current, |p95| params.probability(p95))
                })
            }
            (_, _, PolicyState::Target(state)) => state.probability(),
            (_, _, PolicyState::Scheduled(schedule)) => schedule.probability(),
        }
    }
}
