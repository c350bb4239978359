//! Checks that a configuration which fits the schema also makes a working collector.

mod address;
mod components;
mod golden;
mod remote_write;
mod sampler;

use std::collections::BTreeMap;

use crate::id::ComponentId;
use crate::path::KeyPath;
use crate::schema::{Config, ExporterConfig, ProcessorConfig};

/// One problem, at the key path of the setting to change.
#[derive(Debug, PartialEq)]
pub(crate) struct Issue {
    pub(crate) path: KeyPath,
    pub(crate) message: String,
}

/// Every problem in `config`.
pub(crate) fn validate(config: &Config) -> Vec<Issue> {
    let mut issues = Issues::default();
    components::receivers(&config.receivers, &mut issues);
    components::processors(&config.processors, &mut issues);
    components::exporters(&config.exporters, &mut issues);
    pipelines(config, &mut issues);
    telemetry(config, &mut issues);
    issues.0
}

/// Collects issues; the checks push to it instead of stopping at the first.
#[derive(Default)]
struct Issues(Vec<Issue>);

impl Issues {
    fn push(&mut self, path: KeyPath, message: impl Into<String>) {
        self.0.push(Issue { path, message: message.into() });
    }

    /// Records the error of `check`, if any, at `path`.
    fn check(&mut self, path: KeyPath, check: Result<(), String>) {
        if let Err(message) = check {
            self.push(path, message);
        }
    }

    /// Records that the setting at `path` must not be 0.
    fn positive(&mut self, path: KeyPath, value: u64) {
        if value == 0 {
            self.push(path, "must be greater than 0");
        }
    }
}

fn pipelines(config: &Config, issues: &mut Issues) {
    let base = KeyPath::of(&["service", "pipelines"]);
    if config.service.pipelines.is_empty() {
        issues.push(
            base.clone(),
            "no pipelines: define at least one, e.g. `traces: { receivers: [otlp], exporters: [file/traces] }`",
        );
    }
    for (id, pipeline) in &config.service.pipelines {
        let path = base.key(id);
        let (feed, none) = (|receiver: &ComponentId| golden::is_feed(config, receiver), |_: &ComponentId| false);
        references(issues, &path.key("receivers"), "receiver", &pipeline.receivers, &config.receivers, true, &feed);
        golden::feeds(config, id, &path.key("receivers"), &pipeline.receivers, issues);
        let processors = &pipeline.processors;
        references(issues, &path.key("processors"), "processor", processors, &config.processors, false, &none);
        references(issues, &path.key("exporters"), "exporter", &pipeline.exporters, &config.exporters, true, &none);
        if id.signal() != weir_proto::Signal::Metrics {
            for (i, exporter) in pipeline.exporters.iter().enumerate() {
                if let Some(ExporterConfig::PrometheusRemoteWrite(_)) = config.exporters.get(exporter) {
                    issues.push(
                        path.key("exporters").index(i),
                        format!(
                            "`{exporter}` sends metrics by Prometheus remote write: list it in a metrics pipeline only"
                        ),
                    );
                }
            }
        }
        let samplers: Vec<&ComponentId> = pipeline
            .processors
            .iter()
            .filter(|p| matches!(config.processors.get(*p), Some(ProcessorConfig::AdaptiveSampler(_))))
            .collect();
        if let [first, second, ..] = samplers.as_slice() {
            issues.push(
                path.key("processors"),
                format!("`{first}` and `{second}` both sample this pipeline: list one adaptive_sampler"),
            );
        }
        if id.signal() != weir_proto::Signal::Traces {
            for (i, processor) in pipeline.processors.iter().enumerate() {
                let what = match config.processors.get(processor) {
                    Some(ProcessorConfig::GoldenSignals(_)) => "computes golden signals from spans",
                    Some(ProcessorConfig::AdaptiveSampler(_)) => "samples traces",
                    _ => continue,
                };
                issues.push(
                    path.key("processors").index(i),
                    format!("`{processor}` {what}: list it in a traces pipeline only"),
                );
            }
        }
    }
}

/// Checks a pipeline's list of `role`s against those `defined`; `elsewhere` picks the ids another
/// check looks up instead (a golden_signals processor feeding a metrics pipeline).
fn references<C>(
    issues: &mut Issues,
    path: &KeyPath,
    role: &str,
    listed: &[ComponentId],
    defined: &BTreeMap<ComponentId, C>,
    required: bool,
    elsewhere: &dyn Fn(&ComponentId) -> bool,
) {
    let defined_names = || match defined.keys().map(ToString::to_string).collect::<Vec<_>>() {
        names if names.is_empty() => format!("none; define one under `{role}s`"),
        names => names.join(", "),
    };
    if required && listed.is_empty() {
        issues
            .push(path.clone(), format!("a pipeline needs at least one {role}; defined {role}s: {}", defined_names()));
    }
    for (i, id) in listed.iter().enumerate() {
        if !defined.contains_key(id) && !elsewhere(id) {
            issues.push(path.index(i), format!("{role} `{id}` is not defined; defined {role}s: {}", defined_names()));
        }
        if let Some(first) = listed[..i].iter().position(|earlier| earlier == id) {
            issues.push(
                path.index(i),
                format!("{role} `{id}` is listed twice in this pipeline (also at [{first}]); list it once"),
            );
        }
    }
}

fn telemetry(config: &Config, issues: &mut Issues) {
    let telemetry = &config.service.telemetry;
    let path = KeyPath::of(&["service", "telemetry"]);
    issues.check(path.key("metrics").key("address"), address::host_port(&telemetry.metrics.address));
    issues.check(path.key("logs").key("level"), log_filter(&telemetry.logs.level));
}

/// Accepts the simple `tracing` filters: `info`, `weir=debug,tonic=warn`, `weir`.
fn log_filter(filter: &str) -> Result<(), String> {
    let usage = "write a level (trace, debug, info, warn, error, off) or directives such as `weir=debug,tonic=warn`";
    if filter.trim().is_empty() {
        return Err(format!("is empty: {usage}"));
    }
    let is_level =
        |s: &str| ["trace", "debug", "info", "warn", "error", "off"].contains(&s.to_ascii_lowercase().as_str());
    let is_target = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "_:-.".contains(c));
    for directive in filter.split(',').map(str::trim) {
        let valid = match directive.split_once('=') {
            Some((target, level)) => is_target(target) && is_level(level),
            None => is_level(directive) || is_target(directive),
        };
        if !valid {
            return Err(format!("`{directive}` is not a log filter directive: {usage}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
