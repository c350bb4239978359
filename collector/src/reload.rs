//! Config reload (SIGHUP): what weir can change while it runs, it changes; the rest waits for a
//! restart, and the log says so. Today that is each adaptive sampler's target and overrides, the
//! same change `PUT /sampling` makes.

use std::sync::Arc;

use weir_config::{AdaptiveSamplerConfig, Config, PolicyKind, ProcessorConfig};
use weir_sampler::adaptive::{ServiceOverride, Tuning};

use crate::sample::SampleStage;

/// Applies `new`, a config read again and validated, to the running `samplers`, started from
/// `running`; returns the config now in force as far as it can be, for the next reload to compare.
pub async fn apply(samplers: &[Arc<SampleStage>], running: &Config, new: Config) -> Config {
    let mut in_force = running.clone();
    for stage in samplers {
        let id = stage.id();
        let Some((key, ProcessorConfig::AdaptiveSampler(wanted))) =
            new.processors.iter().find(|(key, _)| key.to_string() == id)
        else {
            continue;
        };
        let Some(ProcessorConfig::AdaptiveSampler(current)) = in_force.processors.get_mut(key)
        else {
            continue;
        };
        let target = wanted.target.target_traces_per_second;
        if target == current.target.target_traces_per_second
            && wanted.overrides == current.overrides
        {
            continue;
        }
        match stage.tune(tuning_of(wanted)).await {
            Some(Ok(_)) => {
                tracing::info!(
                    message = "Config reload: sampler target and overrides applied.",
                    sampler = id
                );
                current.target.target_traces_per_second = target;
                current.overrides = wanted.overrides.clone();
            }
            Some(Err(refused)) => {
                tracing::error!(message = "Config reload: sampler change refused; the running settings stay.", sampler = id, %refused);
            }
            None => {}
        }
    }
    if in_force != new {
        tracing::warn!(
            message = "Config reload: changes other than adaptive_sampler targets and overrides take effect at the next restart."
        );
    }
    in_force
}

/// The change that brings a running sampler to `config`'s target and overrides.
fn tuning_of(config: &AdaptiveSamplerConfig) -> Tuning {
    Tuning {
        target_traces_per_second: (config.policy == PolicyKind::Target)
            .then_some(config.target.target_traces_per_second),
        overrides: Some(
            config
                .overrides
                .iter()
                .map(|o| ServiceOverride {
                    service: o.service.clone(),
                    operation: o.operation.clone(),
                    probability: o.probability,
                    target_traces_per_second: o.target_traces_per_second,
                })
                .collect(),
        ),
    }
}
