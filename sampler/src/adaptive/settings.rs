//! The sampler's configuration, turned into the policies' parameters once at start.

use std::time::Duration;

use weir_config::{AdaptiveSamplerConfig, PolicyKind, SamplingKey};

use super::key::{key_name, service_of};

use crate::sample::policy::{LatencyParams, LinearParams, TargetParams};

/// The lowest probability the latency policy sets, by its definition.
const LATENCY_MIN_PROBABILITY: f64 = 0.01;

/// Which policy sets the probabilities, with its parameters.
#[derive(Clone, Debug)]
pub(crate) enum Policy {
    Target(TargetParams),
    Linear(LinearParams),
    Latency(LatencyParams),
}

impl Policy {
    /// The lowest and highest probability the policy sets.
    pub(crate) fn bounds(&self) -> (f64, f64) {
        match self {
            Policy::Target(params) => (params.min_probability, params.max_probability),
            Policy::Linear(params) => (params.min_probability, params.max_probability),
            Policy::Latency(params) => (params.min_probability, params.max_probability),
        }
    }
}

/// A fixed setting for one service, or one of its root operations.
#[derive(Clone, Debug)]
pub(crate) enum Fixed {
    Probability(f64),
    Target(f64),
}

impl Fixed {
    /// An override's setting: its probability if it has one, else its target; `None` if neither
    /// (which validation refuses).
    pub(crate) fn of(
        probability: Option<f64>,
        target_traces_per_second: Option<f64>,
    ) -> Option<Fixed> {
        match (probability, target_traces_per_second) {
            (Some(p), _) => Some(Fixed::Probability(p)),
            (None, Some(t)) => Some(Fixed::Target(t)),
            (None, None) => None,
        }
    }
}

/// Everything the sampler reads of its config.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) policy: Policy,
    /// What a probability is kept per.
    pub(crate) key_by: SamplingKey,
    pub(crate) initial_probability: f64,
    pub(crate) keep_errors: bool,
    pub(crate) keep_slower_than_ns: Option<u64>,
    /// By key name: a service, or a service and operation joined by [`key_name`].
    pub(crate) overrides: Vec<(String, Fixed)>,
    pub(crate) max_keys: usize,
    pub(crate) tick: Duration,
}

impl Settings {
    pub(crate) fn new(config: &AdaptiveSamplerConfig) -> Settings {
        let (min, max, initial) = (
            config.min_probability,
            config.max_probability,
            config.initial_probability,
        );
        let policy = match config.policy {
            PolicyKind::Target => Policy::Target(TargetParams {
                target_traces_per_second: config.target.target_traces_per_second,
                tolerance: config.target.tolerance,
                error_boost: config.target.error_boost,
                min_probability: min,
                max_probability: max,
                initial_probability: initial,
                min_traces_per_second: config.target.min_traces_per_second,
                decision_interval: config.decision_interval,
                total_traces_per_second: config.target.total_traces_per_second,
            }),
            PolicyKind::Linear => Policy::Linear(LinearParams {
                alpha: config.linear.alpha,
                beta: config.linear.beta,
                c: config.linear.c,
                min_probability: min,
                max_probability: max,
                initial_probability: initial,
                decision_interval: config.decision_interval,
            }),
            PolicyKind::Latency => Policy::Latency(LatencyParams {
                k: config.latency.k,
                reference_ms: config.latency.reference.as_secs_f64() * 1e3,
                min_probability: min.max(LATENCY_MIN_PROBABILITY),
                max_probability: max,
                initial_probability: initial,
                decision_interval: config.latency.decision_interval,
                stabilization_time: config.latency.stabilization_time,
            }),
        };
        let tick = match &policy {
            Policy::Latency(params) => params.decision_interval,
            _ => config.decision_interval,
        };
        Settings {
            policy,
            key_by: config.key,
            initial_probability: initial,
            keep_errors: config.always_keep.errors,
            keep_slower_than_ns: config
                .always_keep
                .slower_than
                .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)),
            overrides: config
                .overrides
                .iter()
                .filter_map(|o| {
                    Fixed::of(o.probability, o.target_traces_per_second)
                        .map(|fixed| (key_name(&o.service, o.operation.as_deref()), fixed))
                })
                .collect(),
            max_keys: usize::try_from(config.max_keys).unwrap_or(usize::MAX),
            tick,
        }
    }

    /// The fixed setting of key `name`: an override of its operation, else of its service.
    pub(crate) fn fixed(&self, name: &str) -> Option<&Fixed> {
        let of = |wanted: &str| {
            self.overrides
                .iter()
                .find(|(known, _)| known == wanted)
                .map(|(_, fixed)| fixed)
        };
        of(name).or_else(|| of(service_of(name)))
    }
}
