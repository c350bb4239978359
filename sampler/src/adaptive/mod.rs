//! Stage 4, the adaptive sampler in `span` mode: each span is kept or dropped alone, by OpenTelemetry
//! consistent probability sampling with its service's current probability, so every span of a trace
//! gets the same answer under the same probability, on any replica, without coordination.
//!
//! The per-span path reads one atomic threshold per resource entry and counts into a tally on the
//! stack, added to the key's atomics once per entry. A decision task calls [`AdaptiveSampler::decide`]
//! every interval with the [`Controllers`] it owns: each key's counts are taken, smoothed and turned
//! into the next probability by the configured policy. Nothing on either side takes a lock.

mod checkpoint;
mod controller;
mod expose;
mod key;
mod resume;
mod settings;
mod tally;
#[cfg(test)]
mod tests;
mod trace;
mod tuning;

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use foldhash::fast::RandomState;
use papaya::{HashMap, HashMapRef, LocalGuard, ResizeMode};
use weir_config::{AdaptiveSamplerConfig, DEFAULT_BUCKETS_MS, SamplingKey};
use weir_proto::wire::{self, Keep, ResourceView, SpanView};
use weir_proto::{Encoded, Signal};

use crate::golden::{Buckets, UNKNOWN_SERVICE};
use crate::sample::{OtSampling, Threshold, decide, read_ot, write_tracestate};
pub use checkpoint::{CHECKPOINT_VERSION, Checkpoint, CheckpointError};
pub use controller::Controllers;
use key::{KeyState, key_name, split_key};
pub use resume::Restored;
use settings::{Fixed, Policy, Settings};
use tally::Tally;
pub use tuning::{ServiceOverride, Tuning, TuningError};

/// The key spans of services past `max_keys` share.
pub const OTHER_KEY: &str = "_other";

/// `Span.kind` SERVER and CONSUMER: spans that start a service's part of a trace.
const ENTRY_KINDS: [i32; 2] = [2, 5];

/// `Status.code` ERROR.
const STATUS_ERROR: i32 = 2;

/// An `adaptive_sampler` processor.
pub struct AdaptiveSampler {
    settings: Settings,
    /// Entry-span latency buckets, for the p95 the latency policy reads.
    buckets: Buckets,
    keys: HashMap<Box<str>, KeyState, RandomState>,
    count: AtomicUsize,
    other: KeyState,
}

impl AdaptiveSampler {
    /// A sampler for `config` (which validation accepted).
    pub fn new(config: &AdaptiveSamplerConfig) -> AdaptiveSampler {
        let settings = Settings::new(config);
        let bounds: Vec<Duration> = DEFAULT_BUCKETS_MS
            .iter()
            .map(|&ms| Duration::from_millis(ms))
            .collect();
        let buckets = Buckets::new(&bounds);
        let sampler = AdaptiveSampler {
            other: KeyState::new(settings.initial_probability, &buckets),
            settings,
            buckets,
            // As for the golden-signal series: an incremental resize finishes only on inserts, and
            // once every service has its key none come, leaving each lookup to probe two tables.
            keys: HashMap::builder()
                .hasher(RandomState::default())
                .resize_mode(ResizeMode::Blocking)
                .build(),
            count: AtomicUsize::new(0),
        };
        sampler.fix_probabilities(&sampler.settings);
        sampler
    }

    /// Makes the keys of services with a fixed probability exist, at that probability: their first
    /// span, which may come before any decision, must already be sampled by it.
    fn fix_probabilities(&self, settings: &Settings) {
        let keys = self.keys.pin();
        for (service, fixed) in &settings.overrides {
            // Keyed by operation, a service's override applies to keys made as its operations come.
            let whole_service = split_key(service).1.is_none();
            if settings.key_by == SamplingKey::ServiceOperation && whole_service {
                continue;
            }
            if let Fixed::Probability(p) = fixed
                && keys.get(service.as_str()).is_none()
                && self.count.load(Relaxed) < settings.max_keys
                && keys
                    .try_insert_with(service.as_str().into(), || KeyState::new(*p, &self.buckets))
                    .is_ok()
            {
                self.count.fetch_add(1, Relaxed);
            }
        }
    }

    /// The probability `service`'s traces are kept with now; `None` before its first span.
    pub fn probability(&self, service: &str) -> Option<f64> {
        let keys = self.keys.pin();
        let key = keys.get(service)?;
        Some(f64::from_bits(key.gauges.probability.load(Relaxed)))
    }

    /// How often [`AdaptiveSampler::decide`] should run.
    pub fn decision_interval(&self) -> Duration {
        self.settings.tick
    }

    /// The spans of `request` this sampler keeps; other signals pass whole.
    pub fn sample(&self, request: Encoded) -> Encoded {
        if request.signal() != Signal::Traces {
            return request;
        }
        let keys = self.keys.pin();
        let mut kept = Vec::with_capacity(request.blocks().len());
        for block in request.blocks() {
            let service = ResourceView::of(block)
                .service_name()
                .unwrap_or(UNKNOWN_SERVICE);
            let key = self.key(&keys, service);
            let mut tally = Tally::default();
            let threshold = key.threshold();
            if let Some(block) = wire::retain_spans(block, |span, trace_state| {
                self.keep(span, threshold, trace_state, &mut tally)
            }) {
                kept.push(block);
            }
            key.counters.add(&tally);
        }
        Encoded::from_blocks(request.signal(), kept)
    }

    /// The key named `name`: found, inserted, or [`OTHER_KEY`]'s past `max_keys`. A new key starts
    /// at its configured fixed probability, if it has one, else at the initial probability.
    fn key<'k>(
        &'k self,
        keys: &'k HashMapRef<'_, Box<str>, KeyState, RandomState, LocalGuard<'_>>,
        name: &str,
    ) -> &'k KeyState {
        if let Some(key) = keys.get(name) {
            return key;
        }
        if self.count.load(Relaxed) >= self.settings.max_keys {
            return &self.other;
        }
        let initial = match self.settings.fixed(name) {
            Some(Fixed::Probability(p)) => *p,
            _ => self.settings.initial_probability,
        };
        match keys.try_insert_with(name.into(), || KeyState::new(initial, &self.buckets)) {
            Ok(inserted) => {
                self.count.fetch_add(1, Relaxed);
                inserted
            }
            Err(existing) => existing,
        }
    }

    /// Decides one span and counts it.
    fn keep(
        &self,
        span: &SpanView<'_>,
        ours: Threshold,
        trace_state: &mut String,
        tally: &mut Tally,
    ) -> Keep {
        let entry = span.parent_span_id().is_empty() || ENTRY_KINDS.contains(&span.kind());
        let error = span.status_code() == STATUS_ERROR;
        let duration = span
            .end_time_unix_nano()
            .saturating_sub(span.start_time_unix_nano());
        tally.spans += 1;
        if entry {
            tally.traces += 1;
            tally.errors += u64::from(error);
            tally.latency[self.buckets.index(duration)] += 1;
        }
        let always = (self.settings.keep_errors && error)
            || self
                .settings
                .keep_slower_than_ns
                .is_some_and(|slow| duration >= slow);
        let keep = if always {
            Keep::AsIs
        } else {
            Self::consistent(span, ours, trace_state)
        };
        if keep != Keep::Drop {
            tally.kept_spans += 1;
            tally.kept_traces += u64::from(entry);
        }
        keep
    }

    /// The consistent-probability decision: kept iff the trace's randomness is at or above the larger
    /// of our threshold and the one upstream applied; a kept span's tracestate says which.
    fn consistent(span: &SpanView<'_>, ours: Threshold, trace_state: &mut String) -> Keep {
        let Ok(trace_id) = <&[u8; 16]>::try_from(span.trace_id()) else {
            // The scan admits only 16-byte trace ids; should that change, keep what cannot be decided.
            return Keep::AsIs;
        };
        let incoming = match span.trace_state() {
            "" => OtSampling::default(),
            state => read_ot(state),
        };
        match decide(&incoming, trace_id, ours) {
            None => Keep::Drop,
            // Unchanged, or kept with probability 1 and no threshold to carry: nothing to write.
            Some(th)
                if Some(th) == incoming.threshold
                    || th == Threshold::KEEP_ALL && incoming.threshold.is_none() =>
            {
                Keep::AsIs
            }
            Some(th) => match th.encode() {
                Some(value) => {
                    write_tracestate(span.trace_state(), value, trace_state);
                    Keep::WithTraceState
                }
                None => Keep::Drop,
            },
        }
    }

    /// Recomputes every key's probability from the interval just ended: runs off the per-span path,
    /// every [`AdaptiveSampler::decision_interval`], with the controllers the decision task owns.
    pub fn decide(&self, controllers: &mut Controllers, now: Duration) {
        let keys = self.keys.pin();
        let all: Vec<(&str, &KeyState)> = keys
            .iter()
            .map(|(name, key)| (&**name, key))
            .chain([(OTHER_KEY, &self.other)])
            .collect();
        let readings: Vec<_> = all
            .iter()
            .map(|(name, key)| {
                controllers.of(name, &self.settings, now).read(
                    &self.buckets,
                    &key.counters.take(),
                    now,
                )
            })
            .collect();
        // What `PUT /sampling` changed, if anything, stands in for the configured settings.
        let settings = controllers.settings(&self.settings).clone();
        self.fix_probabilities(&settings);
        let target = match &settings.policy {
            Policy::Target(params) => {
                let mut rates: Vec<f64> = readings.iter().map(|r| r.traces_per_second).collect();
                params.capped_target(&mut rates)
            }
            _ => 0.0,
        };
        for ((name, key), reading) in all.into_iter().zip(readings) {
            let p = controllers.of(name, &settings, now).decide(
                &settings,
                settings.fixed(name),
                now,
                reading,
                target,
            );
            key.publish(p, &reading);
        }
    }

    /// Applies a change made while weir runs, checked first: the decision task calls it with its
    /// controllers, then decides at once, so fixed probabilities take effect immediately and targets
    /// at the policy's next decision.
    pub fn tune(&self, controllers: &mut Controllers, change: &Tuning) -> Result<(), TuningError> {
        change.check()?;
        if self.settings.key_by == SamplingKey::Service
            && let Some(o) = change
                .overrides
                .iter()
                .flatten()
                .find(|o| o.operation.is_some())
        {
            return Err(TuningError::Operation(o.service.clone()));
        }
        let settings = controllers.settings_mut(&self.settings);
        if let Some(target) = change.target_traces_per_second {
            match &mut settings.policy {
                Policy::Target(params) => params.target_traces_per_second = target,
                _ => return Err(TuningError::NotTarget),
            }
        }
        if let Some(overrides) = &change.overrides {
            // check() refused overrides with neither setting, so none is skipped here.
            settings.overrides = overrides
                .iter()
                .filter_map(|o| {
                    Fixed::of(o.probability, o.target_traces_per_second)
                        .map(|fixed| (key_name(&o.service, o.operation.as_deref()), fixed))
                })
                .collect();
        }
        Ok(())
    }

    /// The target and overrides decisions use now.
    pub fn tuning(&self, controllers: &mut Controllers) -> Tuning {
        let settings = controllers.settings(&self.settings);
        Tuning {
            target_traces_per_second: match &settings.policy {
                Policy::Target(params) => Some(params.target_traces_per_second),
                _ => None,
            },
            overrides: Some(
                settings
                    .overrides
                    .iter()
                    .map(|(name, fixed)| ServiceOverride {
                        service: split_key(name).0.to_owned(),
                        operation: split_key(name).1.map(str::to_owned),
                        probability: match fixed {
                            Fixed::Probability(p) => Some(*p),
                            Fixed::Target(_) => None,
                        },
                        target_traces_per_second: match fixed {
                            Fixed::Target(t) => Some(*t),
                            Fixed::Probability(_) => None,
                        },
                    })
                    .collect(),
            ),
        }
    }
}
