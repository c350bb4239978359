//! Checks of `exporters.prometheusremotewrite`.

use super::components::{queue_storage, retry, tls};
use super::{Issues, address};
use crate::path::KeyPath;
use crate::remote_write::RemoteWriteExporterConfig;

pub(super) fn remote_write_exporter(path: &KeyPath, config: &RemoteWriteExporterConfig, issues: &mut Issues) {
    issues.check(path.key("endpoint"), endpoint(&config.endpoint));
    if config.timeout.is_zero() {
        issues.push(path.key("timeout"), "must be greater than 0, e.g. `5s`");
    }
    tls(&path.key("tls"), &config.tls, issues);
    for (name, value) in &config.external_labels {
        let path = path.key("external_labels").key(name);
        issues.check(path.clone(), label_name(name));
        if value.is_empty() {
            issues.push(path, "is empty, which Prometheus reads as no label at all: give it a value or remove it");
        }
    }
    issues.positive(path.key("max_samples_per_send"), config.max_samples_per_send);
    if config.max_batch_size_bytes < MIN_BATCH_SIZE_BYTES {
        issues.push(
            path.key("max_batch_size_bytes"),
            format!("must be at least {MIN_BATCH_SIZE_BYTES}: a request must hold a series' labels and some samples"),
        );
    }
    let queue = &config.sending_queue;
    issues.positive(path.key("sending_queue").key("queue_size"), queue.queue_size);
    issues.positive(path.key("sending_queue").key("num_consumers"), queue.num_consumers);
    let directory = queue.directory.as_deref();
    queue_storage(
        &path.key("sending_queue"),
        queue.storage,
        directory,
        queue.max_size_mib,
        queue.fsync_interval,
        issues,
    );
    retry(&path.key("retry_on_failure"), &config.retry_on_failure, issues);
}

/// The smallest `max_batch_size_bytes`: room for a long label set and a few samples.
const MIN_BATCH_SIZE_BYTES: u64 = 4096;

/// A remote-write endpoint is a full URL: receivers serve it on a path of their choosing.
fn endpoint(endpoint: &str) -> Result<(), String> {
    if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
        return Err(format!(
            "`{endpoint}` is not a URL: write the receiver's full URL, e.g. `http://prometheus:9090/api/v1/write`"
        ));
    }
    address::endpoint(endpoint)
}

/// A Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with the reserved `__`.
fn label_name(name: &str) -> Result<(), String> {
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!(
            "`{name}` is not a Prometheus label name: use letters, digits and `_`, not starting with a digit"
        ));
    }
    if name.starts_with("__") {
        return Err(format!("`{name}` starts with `__`, which Prometheus reserves for its own labels: rename it"));
    }
    Ok(())
}
