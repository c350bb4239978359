//! Checks of `processors.adaptive_sampler`.

use super::Issues;
use crate::path::KeyPath;
use crate::sampler::{AdaptiveSamplerConfig, CheckpointConfig, SamplingKey, SamplingMode};

pub(super) fn adaptive_sampler(path: &KeyPath, sampler: &AdaptiveSamplerConfig, issues: &mut Issues) {
    if sampler.key == SamplingKey::ServiceOperation && sampler.mode != SamplingMode::Trace {
        issues.push(
            path.key("key"),
            "`service_operation` keys by each trace's root operation, which only `mode: trace` sees: \
             set `mode: trace` or use `key: service`",
        );
    }
    let trace = &sampler.trace;
    for (name, wait) in [("trace.decision_wait", trace.decision_wait), ("trace.root_grace", trace.root_grace)] {
        if wait.is_zero() {
            issues.push(path.key(name), "must be greater than 0, e.g. `5s`");
        }
    }
    if trace.root_grace > trace.decision_wait {
        issues.push(path.key("trace.root_grace"), "must not be longer than trace.decision_wait");
    }
    issues.positive(path.key("trace.max_traces"), trace.max_traces);
    issues.positive(path.key("trace.max_spans_per_trace"), trace.max_spans_per_trace);
    issues.positive(path.key("trace.decision_cache_size"), trace.decision_cache_size);
    let probability = |name: &str, value: f64, issues: &mut Issues| {
        if !(value > 0.0 && value <= 1.0) {
            issues.push(path.key(name), format!("must be a probability above 0 and at most 1, not {value}"));
        }
    };
    probability("min_probability", sampler.min_probability, issues);
    probability("max_probability", sampler.max_probability, issues);
    probability("initial_probability", sampler.initial_probability, issues);
    if sampler.min_probability > sampler.max_probability {
        issues.push(path.key("min_probability"), "must not be above max_probability");
    }
    for (name, interval) in [
        ("decision_interval", sampler.decision_interval),
        ("latency.decision_interval", sampler.latency.decision_interval),
        ("latency.reference", sampler.latency.reference),
    ] {
        if interval.is_zero() {
            issues.push(path.key(name), "must be greater than 0, e.g. `5s`");
        }
    }
    issues.positive(path.key("max_keys"), sampler.max_keys);
    let positive = |name: &str, value: f64, issues: &mut Issues| {
        if !(value > 0.0 && value.is_finite()) {
            issues.push(path.key(name), format!("must be a number above 0, not {value}"));
        }
    };
    let target = &sampler.target;
    positive("target.target_traces_per_second", target.target_traces_per_second, issues);
    if let Some(total) = target.total_traces_per_second {
        positive("target.total_traces_per_second", total, issues);
    }
    positive("linear.c", sampler.linear.c, issues);
    positive("latency.k", sampler.latency.k, issues);
    for (name, value) in [
        ("target.tolerance", target.tolerance),
        ("target.error_boost", target.error_boost),
        ("target.min_traces_per_second", target.min_traces_per_second),
    ] {
        if !(value >= 0.0 && value.is_finite()) {
            issues.push(path.key(name), format!("must be a number of 0 or more, not {value}"));
        }
    }
    for (i, rule) in sampler.overrides.iter().enumerate() {
        let path = path.key("overrides").index(i);
        match (rule.probability, rule.target_traces_per_second) {
            (Some(p), None) if !(p > 0.0 && p <= 1.0) => {
                issues.push(path.key("probability"), format!("must be a probability above 0 and at most 1, not {p}"));
            }
            (None, Some(t)) if !(t > 0.0 && t.is_finite()) => {
                issues.push(path.key("target_traces_per_second"), format!("must be a number above 0, not {t}"));
            }
            (Some(_), None) | (None, Some(_)) => {}
            _ => issues.push(path.clone(), "set one of `probability` and `target_traces_per_second`"),
        }
        if rule.operation.is_some() && sampler.key != SamplingKey::ServiceOperation {
            issues.push(path.key("operation"), "an operation override needs `key: service_operation`");
        }
    }
    if let Some(checkpoint) = &sampler.checkpoint {
        checkpoint_settings(&path.key("checkpoint"), checkpoint, issues);
    }
}

fn checkpoint_settings(path: &KeyPath, checkpoint: &CheckpointConfig, issues: &mut Issues) {
    if checkpoint.path.trim().is_empty() {
        issues.push(path.key("path"), "must name a file, e.g. `/var/lib/weir/sampler-checkpoint.json`");
    }
    if checkpoint.interval.is_zero() {
        issues.push(path.key("interval"), "must be greater than 0, e.g. `30s`");
    }
    if checkpoint.max_age < checkpoint.interval {
        issues.push(
            path.key("max_age"),
            format!(
                "must not be shorter than checkpoint.interval ({}), or a checkpoint left by a crash would \
                 always be too old to use; e.g. `1h`",
                crate::duration::format(checkpoint.interval)
            ),
        );
    }
}
