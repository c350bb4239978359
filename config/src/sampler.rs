//! `processors.adaptive_sampler`: which traces to keep, by a probability each key's traffic sets.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::duration::serde_duration;

/// `processors.adaptive_sampler`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AdaptiveSamplerConfig {
    /// Where decisions are made: `span` decides each span alone, from its trace id; `trace` buffers
    /// each trace and decides it whole.
    #[serde(default)]
    pub mode: SamplingMode,
    /// `mode: trace`: how traces are buffered.
    #[serde(default)]
    pub trace: TraceModeConfig,
    /// What a probability is kept per: each service, or each service and root operation.
    #[serde(default)]
    pub key: SamplingKey,
    /// How the probabilities are set.
    #[serde(default)]
    pub policy: PolicyKind,
    /// How often observed rates are measured and probabilities recomputed.
    #[serde(default = "default_decision_interval", with = "serde_duration")]
    pub decision_interval: Duration,
    /// The probability of a key until its first interval completes.
    #[serde(default = "default_initial_probability")]
    pub initial_probability: f64,
    /// The lowest probability any policy may set.
    #[serde(default = "default_min_probability")]
    pub min_probability: f64,
    /// The highest probability any policy may set.
    #[serde(default = "default_max_probability")]
    pub max_probability: f64,
    /// `policy: target`.
    #[serde(default)]
    pub target: TargetPolicyConfig,
    /// `policy: linear`.
    #[serde(default)]
    pub linear: LinearPolicyConfig,
    /// `policy: latency`.
    #[serde(default)]
    pub latency: LatencyPolicyConfig,
    /// Spans kept whatever the probability says.
    #[serde(default)]
    pub always_keep: AlwaysKeepConfig,
    /// A fixed probability or target for one service or operation.
    #[serde(default)]
    pub overrides: Vec<SamplingOverride>,
    /// Most keys tracked; spans of further keys share one key, `_other`.
    #[serde(default = "default_max_keys")]
    pub max_keys: u64,
    /// Where the learned probabilities are saved, so a restart resumes at them; none by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<CheckpointConfig>,
}

impl Default for AdaptiveSamplerConfig {
    fn default() -> Self {
        AdaptiveSamplerConfig {
            mode: SamplingMode::default(),
            trace: TraceModeConfig::default(),
            key: SamplingKey::default(),
            policy: PolicyKind::default(),
            decision_interval: default_decision_interval(),
            initial_probability: default_initial_probability(),
            min_probability: default_min_probability(),
            max_probability: default_max_probability(),
            target: TargetPolicyConfig::default(),
            linear: LinearPolicyConfig::default(),
            latency: LatencyPolicyConfig::default(),
            always_keep: AlwaysKeepConfig::default(),
            overrides: Vec::new(),
            max_keys: default_max_keys(),
            checkpoint: None,
        }
    }
}

/// `adaptive_sampler.mode`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SamplingMode {
    /// Each span decided alone from its trace id: no buffering, the same answer for every span of a
    /// trace under the same probability.
    #[default]
    Span,
    /// Whole traces buffered and decided once (tail sampling).
    Trace,
}

/// `adaptive_sampler.key`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SamplingKey {
    /// One probability per `service.name`.
    #[default]
    Service,
    /// One per `service.name` and root span name (`mode: trace`, which sees the root).
    ServiceOperation,
}

/// `adaptive_sampler.trace`: the buffer of `mode: trace`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TraceModeConfig {
    /// How long a trace is buffered after its first span before it is decided.
    #[serde(default = "default_decision_wait", with = "serde_duration")]
    pub decision_wait: Duration,
    /// How long after its root span a trace is decided, if that comes before `decision_wait`: time
    /// for the children that end after the root to arrive.
    #[serde(default = "default_root_grace", with = "serde_duration")]
    pub root_grace: Duration,
    /// Most traces buffered at once; past it, the oldest is decided early.
    #[serde(default = "default_max_traces")]
    pub max_traces: u64,
    /// Most spans buffered for one trace; past it, the trace is decided at once, so one huge trace
    /// cannot take the buffer from the rest.
    #[serde(default = "default_max_spans_per_trace")]
    pub max_spans_per_trace: u64,
    /// Decisions remembered for spans that come after their trace was decided.
    #[serde(default = "default_decision_cache_size")]
    pub decision_cache_size: u64,
}

impl Default for TraceModeConfig {
    fn default() -> Self {
        TraceModeConfig {
            decision_wait: default_decision_wait(),
            root_grace: default_root_grace(),
            max_traces: default_max_traces(),
            max_spans_per_trace: default_max_spans_per_trace(),
            decision_cache_size: default_decision_cache_size(),
        }
    }
}

/// `adaptive_sampler.policy`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    /// Keep about `target.target_traces_per_second` per key.
    #[default]
    Target,
    /// p from QPS and error rate: (alpha·QPS + beta·error %) / c.
    Linear,
    /// p from the p95 latency: k · reference / p95.
    Latency,
}

/// `adaptive_sampler.target`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TargetPolicyConfig {
    /// Traces per second to keep per key.
    #[serde(default = "default_target")]
    pub target_traces_per_second: f64,
    /// No change while the kept rate is within this fraction of the target.
    #[serde(default = "default_tolerance")]
    pub tolerance: f64,
    /// p is raised by p · error_boost · error_rate, so erroring keys keep more.
    #[serde(default = "default_error_boost")]
    pub error_boost: f64,
    /// Rare keys still keep at least this many traces per second.
    #[serde(default = "default_min_traces_per_second")]
    pub min_traces_per_second: f64,
    /// A budget for every key together, split among them; none by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_traces_per_second: Option<f64>,
}

impl Default for TargetPolicyConfig {
    fn default() -> Self {
        TargetPolicyConfig {
            target_traces_per_second: default_target(),
            tolerance: default_tolerance(),
            error_boost: default_error_boost(),
            min_traces_per_second: default_min_traces_per_second(),
            total_traces_per_second: None,
        }
    }
}

/// `adaptive_sampler.linear`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LinearPolicyConfig {
    /// Weight of the traces per second.
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// Weight of the error rate in percent.
    #[serde(default = "default_beta")]
    pub beta: f64,
    /// Divisor.
    #[serde(default = "default_c")]
    pub c: f64,
}

impl Default for LinearPolicyConfig {
    fn default() -> Self {
        LinearPolicyConfig { alpha: default_alpha(), beta: default_beta(), c: default_c() }
    }
}

/// `adaptive_sampler.latency`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LatencyPolicyConfig {
    /// Factor on reference / p95.
    #[serde(default = "default_k")]
    pub k: f64,
    /// The latency at which p is k.
    #[serde(default = "default_reference", with = "serde_duration")]
    pub reference: Duration,
    /// How often p is recomputed, replacing `decision_interval` for this policy.
    #[serde(default = "default_latency_interval", with = "serde_duration")]
    pub decision_interval: Duration,
    /// No change until this long after start, while the p95 settles.
    #[serde(default = "default_stabilization", with = "serde_duration")]
    pub stabilization_time: Duration,
}

impl Default for LatencyPolicyConfig {
    fn default() -> Self {
        LatencyPolicyConfig {
            k: default_k(),
            reference: default_reference(),
            decision_interval: default_latency_interval(),
            stabilization_time: default_stabilization(),
        }
    }
}

/// `adaptive_sampler.always_keep`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AlwaysKeepConfig {
    /// Keep every span whose status is ERROR.
    #[serde(default = "crate::defaults::default_true")]
    pub errors: bool,
    /// Keep every span at least this long; none by default.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "optional_duration")]
    pub slower_than: Option<Duration>,
}

impl Default for AlwaysKeepConfig {
    fn default() -> Self {
        AlwaysKeepConfig { errors: true, slower_than: None }
    }
}

/// `adaptive_sampler.checkpoint`: a file holding what the policies learned, read at start.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointConfig {
    /// The file, replaced whole at each write; its directory must exist and be writable.
    pub path: String,
    /// How often it is written; it is written once more at shutdown.
    #[serde(default = "default_checkpoint_interval", with = "serde_duration")]
    pub interval: Duration,
    /// A checkpoint older than this at start is ignored: traffic may have changed too much since.
    #[serde(default = "default_checkpoint_max_age", with = "serde_duration")]
    pub max_age: Duration,
}

/// A fixed setting for one service, or one of its operations.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SamplingOverride {
    /// The `service.name`.
    pub service: String,
    /// The root span name, with `key: service_operation`; every operation when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// A fixed probability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// A target of its own (`policy: target`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_traces_per_second: Option<f64>,
}

/// Serde adapter for an optional Go-style duration.
mod optional_duration {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => crate::duration::serde_duration::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let text = String::deserialize(d)?;
        crate::duration::parse(&text).map(Some).map_err(serde::de::Error::custom)
    }
}

const fn default_decision_wait() -> Duration {
    Duration::from_secs(5)
}
const fn default_root_grace() -> Duration {
    Duration::from_secs(1)
}
const fn default_max_traces() -> u64 {
    50_000
}
const fn default_max_spans_per_trace() -> u64 {
    10_000
}
const fn default_decision_cache_size() -> u64 {
    100_000
}
const fn default_decision_interval() -> Duration {
    Duration::from_secs(5)
}
const fn default_initial_probability() -> f64 {
    0.1
}
const fn default_min_probability() -> f64 {
    0.001
}
const fn default_max_probability() -> f64 {
    1.0
}
const fn default_max_keys() -> u64 {
    10_000
}
const fn default_checkpoint_interval() -> Duration {
    Duration::from_secs(30)
}
/// Longer than any restart, deploy or node move takes, shorter than the hours in which daily traffic
/// moves several-fold, past which a learned probability is no better a start than the initial one.
const fn default_checkpoint_max_age() -> Duration {
    Duration::from_secs(3600)
}
const fn default_target() -> f64 {
    10.0
}
const fn default_tolerance() -> f64 {
    0.3
}
const fn default_error_boost() -> f64 {
    1.0
}
const fn default_min_traces_per_second() -> f64 {
    1.0 / 60.0
}
const fn default_alpha() -> f64 {
    0.8
}
const fn default_beta() -> f64 {
    5.0
}
const fn default_c() -> f64 {
    100.0
}
const fn default_k() -> f64 {
    0.5
}
const fn default_reference() -> Duration {
    Duration::from_millis(200)
}
const fn default_latency_interval() -> Duration {
    Duration::from_secs(30)
}
const fn default_stabilization() -> Duration {
    Duration::from_secs(120)
}
