//! What `PUT /sampling` may change while weir runs: the target and the per-service overrides.

/// A change to a running sampler; fields left `None` stay as they are.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tuning {
    /// The target policy's traces per second per service.
    pub target_traces_per_second: Option<f64>,
    /// Every override, replacing the configured ones.
    pub overrides: Option<Vec<ServiceOverride>>,
}

/// A fixed probability or target for one service, or one of its root operations.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceOverride {
    /// The `service.name`.
    pub service: String,
    /// The root span name, with `key: service_operation`; every operation when `None`.
    pub operation: Option<String>,
    /// A fixed probability.
    pub probability: Option<f64>,
    /// A target of its own.
    pub target_traces_per_second: Option<f64>,
}

/// Why a change was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TuningError {
    /// A target that is not a positive number.
    #[error("target_traces_per_second must be a number above 0, not {0}")]
    Target(f64),
    /// A probability outside (0, 1].
    #[error("the probability of `{service}` must be above 0 and at most 1, not {probability}")]
    Probability {
        /// The override's service.
        service: String,
        /// What was asked.
        probability: f64,
    },
    /// An override with neither or both settings.
    #[error("the override of `{0}` must set one of probability and target_traces_per_second")]
    Override(String),
    /// An operation given to a sampler keyed by service alone.
    #[error(
        "the override of `{0}` names an operation, but this sampler is keyed by service: set `key: service_operation` or leave the operation out"
    )]
    Operation(String),
    /// A target given to a sampler whose policy has none.
    #[error("this sampler's policy is not `target`: it has no target_traces_per_second to change")]
    NotTarget,
}

impl Tuning {
    /// Checks every value before any is applied, so a change is taken whole or not at all.
    pub(crate) fn check(&self) -> Result<(), TuningError> {
        let positive = |t: f64| t > 0.0 && t.is_finite();
        if let Some(target) = self.target_traces_per_second.filter(|&t| !positive(t)) {
            return Err(TuningError::Target(target));
        }
        for rule in self.overrides.iter().flatten() {
            match (rule.probability, rule.target_traces_per_second) {
                (Some(p), None) if !(p > 0.0 && p <= 1.0) => {
                    return Err(TuningError::Probability {
                        service: rule.service.clone(),
                        probability: p,
                    });
                }
                (None, Some(t)) if !positive(t) => return Err(TuningError::Target(t)),
                (Some(_), None) | (None, Some(_)) => {}
                _ => return Err(TuningError::Override(rule.service.clone())),
            }
        }
        Ok(())
    }
}
