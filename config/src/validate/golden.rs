//! Checks of `processors.golden_signals`.

use weir_proto::Signal;

use super::Issues;
use crate::golden::GoldenSignalsConfig;
use crate::id::{ComponentId, PipelineId};
use crate::path::KeyPath;
use crate::schema::{Config, ProcessorConfig};

/// The labels every golden-signal series has; a dimension may not take one of their names.
const FIXED_LABELS: [&str; 5] = ["service_name", "span_name", "span_kind", "status_code", "otel_metric_overflow"];

pub(super) fn golden_signals(path: &KeyPath, golden: &GoldenSignalsConfig, issues: &mut Issues) {
    issues.check(path.key("histogram"), golden.histogram.bounds().map(drop));
    issues.positive(path.key("max_series"), golden.max_series);
    if golden.series_idle_timeout.is_zero() {
        issues.push(path.key("series_idle_timeout"), "must be greater than 0, e.g. `5m`");
    }
    if golden.metrics_flush_interval.is_zero() {
        issues.push(path.key("metrics_flush_interval"), "must be greater than 0, e.g. `15s`");
    }
    if !golden.namespace.is_empty() && !golden.namespace.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
        || golden.namespace.starts_with(|c: char| c.is_ascii_digit())
    {
        issues.push(
            path.key("namespace"),
            format!(
                "{:?} cannot start a Prometheus metric name: use letters, digits, `.` and `_`, not starting with a digit",
                golden.namespace
            ),
        );
    }
    let mut labels: Vec<String> = Vec::new();
    for (i, dimension) in golden.dimensions.iter().enumerate() {
        let path = path.key("dimensions").index(i).key("name");
        if dimension.name.is_empty() {
            issues.push(path, "an attribute key is needed, e.g. `http.route`");
            continue;
        }
        let label = dimension.label();
        if FIXED_LABELS.contains(&label.as_str()) {
            issues.push(path, format!("`{}` would be the label `{label}`, which every series already has", dimension.name));
        } else if labels.contains(&label) {
            issues.push(path, format!("`{}` gives the label `{label}` a dimension before it already gives", dimension.name));
        } else {
            labels.push(label);
        }
    }
}

/// Whether `id`, listed among a pipeline's receivers, names a golden_signals processor rather than a receiver: like
/// the Collector's spanmetrics connector, it ends traces pipelines and starts metrics pipelines.
pub(super) fn is_feed(config: &Config, id: &ComponentId) -> bool {
    !config.receivers.contains_key(id) && matches!(config.processors.get(id), Some(ProcessorConfig::GoldenSignals(_)))
}

/// Checks the golden_signals processors that pipeline `id` lists among its `receivers` (at `path`): only a metrics
/// pipeline may list one, and only one that a traces pipeline computes.
pub(super) fn feeds(config: &Config, id: &PipelineId, path: &KeyPath, receivers: &[ComponentId], issues: &mut Issues) {
    for (i, receiver) in receivers.iter().enumerate() {
        if !is_feed(config, receiver) {
            continue;
        }
        if id.signal() != Signal::Metrics {
            issues.push(
                path.index(i),
                format!(
                    "`{receiver}` is a golden_signals processor, whose output is metrics: list it among the receivers \
                     of a metrics pipeline only"
                ),
            );
            continue;
        }
        let computed = config
            .service
            .pipelines
            .iter()
            .any(|(pipeline, p)| pipeline.signal() == Signal::Traces && p.processors.contains(receiver));
        if !computed {
            issues.push(
                path.index(i),
                format!(
                    "`{receiver}` counts the spans of the traces pipelines that list it among their processors, and \
                     none does: add it to a traces pipeline's processors"
                ),
            );
        }
    }
}
