//! Checks of each component's own settings.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{Issues, address};
use crate::id::ComponentId;
use crate::path::KeyPath;
use crate::queue::{MIN_DISK_QUEUE_MIB, QueueStorage};
use crate::schema::{
    BatchConfig, ExporterConfig, FileExporterConfig, OtlpExporterConfig, OtlpReceiverConfig, ProcessorConfig,
    ReceiverConfig, RetryConfig, SendingQueueConfig, TlsClientConfig,
};

pub(super) fn receivers(receivers: &BTreeMap<ComponentId, ReceiverConfig>, issues: &mut Issues) {
    for (id, receiver) in receivers {
        let path = KeyPath::of(&["receivers"]).key(id);
        match receiver {
            ReceiverConfig::Otlp(otlp) => otlp_receiver(&path, otlp, issues),
        }
    }
}

fn otlp_receiver(path: &KeyPath, otlp: &OtlpReceiverConfig, issues: &mut Issues) {
    let path = path.key("protocols");
    if otlp.protocols.grpc.is_none() && otlp.protocols.http.is_none() {
        issues.push(
            path.clone(),
            "no protocol to serve: add `grpc:` and/or `http:` under `protocols` (an empty one takes the defaults)",
        );
    }
    if let Some(grpc) = &otlp.protocols.grpc {
        let path = path.key("grpc");
        issues.check(path.key("endpoint"), address::host_port(&grpc.endpoint));
        issues.positive(path.key("max_recv_msg_size_mib"), grpc.max_recv_msg_size_mib);
        issues.positive(path.key("max_concurrent_streams"), u64::from(grpc.max_concurrent_streams));
    }
    if let Some(http) = &otlp.protocols.http {
        let path = path.key("http");
        issues.check(path.key("endpoint"), address::host_port(&http.endpoint));
        issues.positive(path.key("max_request_body_size"), http.max_request_body_size);
    }
}

pub(super) fn processors(processors: &BTreeMap<ComponentId, ProcessorConfig>, issues: &mut Issues) {
    let mut limiter: Option<&ComponentId> = None;
    let mut namespaces: BTreeMap<&str, &ComponentId> = BTreeMap::new();
    let mut checkpoints: BTreeMap<&str, &ComponentId> = BTreeMap::new();
    for (id, processor) in processors {
        let path = KeyPath::of(&["processors"]).key(id);
        match processor {
            ProcessorConfig::Batch(batch) => batch_processor(&path, batch, issues),
            ProcessorConfig::MemoryLimiter(memory_limiter) => {
                if let Some(first) = limiter {
                    issues.push(
                        path.clone(),
                        format!(
                            "only one memory_limiter may be defined, and `{first}` already is: weir has one \
                             process-wide byte budget; remove this one and list `{first}` in every pipeline"
                        ),
                    );
                }
                limiter.get_or_insert(id);
                issues.positive(path.key("limit_mib"), memory_limiter.limit_mib);
            }
            ProcessorConfig::AdaptiveSampler(sampler) => {
                super::sampler::adaptive_sampler(&path, sampler, issues);
                let Some(checkpoint) = &sampler.checkpoint else { continue };
                if let Some(first) = checkpoints.insert(&checkpoint.path, id) {
                    issues.push(
                        path.key("checkpoint").key("path"),
                        format!(
                            "`{first}` already checkpoints to {:?}: give each adaptive_sampler its own file, or \
                             each would overwrite the other's",
                            checkpoint.path
                        ),
                    );
                }
            }
            ProcessorConfig::GoldenSignals(golden) => {
                super::golden::golden_signals(&path, golden, issues);
                if let Some(first) = namespaces.insert(&golden.namespace, id) {
                    issues.push(
                        path.key("namespace"),
                        format!(
                            "`{first}` already writes metrics under {:?}: give each golden_signals processor its own \
                             namespace, or their series would collide in /metrics",
                            golden.namespace
                        ),
                    );
                }
            }
        }
    }
}

fn batch_processor(path: &KeyPath, batch: &BatchConfig, issues: &mut Issues) {
    if batch.timeout.is_zero() {
        issues.push(path.key("timeout"), "must be greater than 0, e.g. `200ms`");
    }
    if batch.send_batch_max_size != 0 && batch.send_batch_max_size < batch.send_batch_size {
        issues.push(
            path.key("send_batch_max_size"),
            format!(
                "must be 0 (no limit) or at least send_batch_size ({}), since a batch is sent once it holds \
                 send_batch_size items",
                batch.send_batch_size
            ),
        );
    }
}

pub(super) fn exporters(exporters: &BTreeMap<ComponentId, ExporterConfig>, issues: &mut Issues) {
    for (id, exporter) in exporters {
        let path = KeyPath::of(&["exporters"]).key(id);
        match exporter {
            ExporterConfig::Otlp(otlp) => otlp_exporter(&path, otlp, issues),
            ExporterConfig::File(file) => file_exporter(&path, file, issues),
            ExporterConfig::PrometheusRemoteWrite(remote_write) => {
                super::remote_write::remote_write_exporter(&path, remote_write, issues)
            }
        }
    }
}

fn otlp_exporter(path: &KeyPath, otlp: &OtlpExporterConfig, issues: &mut Issues) {
    issues.check(path.key("endpoint"), address::endpoint(&otlp.endpoint));
    if otlp.timeout.is_zero() {
        issues.push(path.key("timeout"), "must be greater than 0, e.g. `5s`");
    }
    tls(&path.key("tls"), &otlp.tls, issues);
    sending_queue(&path.key("sending_queue"), &otlp.sending_queue, issues);
    retry(&path.key("retry_on_failure"), &otlp.retry_on_failure, issues);
}

pub(super) fn tls(path: &KeyPath, tls: &TlsClientConfig, issues: &mut Issues) {
    match (&tls.cert_file, &tls.key_file) {
        (Some(_), None) => issues.push(path.key("cert_file"), "needs `key_file` too: mutual TLS takes both"),
        (None, Some(_)) => issues.push(path.key("key_file"), "needs `cert_file` too: mutual TLS takes both"),
        _ => {}
    }
}

fn sending_queue(path: &KeyPath, queue: &SendingQueueConfig, issues: &mut Issues) {
    issues.positive(path.key("queue_size"), queue.queue_size);
    issues.positive(path.key("num_consumers"), queue.num_consumers);
    queue_storage(path, queue.storage, queue.directory.as_deref(), queue.max_size_mib, queue.fsync_interval, issues);
}

/// The disk settings of a `sending_queue`, checked only where `storage: disk` uses them.
pub(super) fn queue_storage(
    path: &KeyPath,
    storage: QueueStorage,
    directory: Option<&str>,
    max_size_mib: u64,
    fsync_interval: Duration,
    issues: &mut Issues,
) {
    if storage != QueueStorage::Disk {
        return;
    }
    match directory {
        None => issues.push(
            path.key("directory"),
            "is required with `storage: disk`: name a directory weir may write, e.g. `/var/lib/weir/queue`",
        ),
        Some("") => issues.push(path.key("directory"), "is empty: name a directory weir may write"),
        Some(_) => {}
    }
    if max_size_mib < MIN_DISK_QUEUE_MIB {
        issues.push(
            path.key("max_size_mib"),
            format!("must be at least {MIN_DISK_QUEUE_MIB}: the queue frees space 32 MiB at a time and needs two such segments"),
        );
    }
    if fsync_interval.is_zero() {
        issues.push(
            path.key("fsync_interval"),
            "must be greater than 0; for a sync before every answer use `fsync: always`",
        );
    }
}

pub(super) fn retry(path: &KeyPath, retry: &RetryConfig, issues: &mut Issues) {
    if retry.multiplier.is_nan() || retry.multiplier < 1.0 {
        issues.push(path.key("multiplier"), "must be at least 1 (1 keeps the wait between retries constant)");
    }
    if !(0.0..=1.0).contains(&retry.randomization_factor) {
        issues.push(path.key("randomization_factor"), "must be from 0 (no jitter) to 1");
    }
    if retry.initial_interval > retry.max_interval {
        issues.push(path.key("initial_interval"), "must not be longer than `max_interval`");
    }
}

fn file_exporter(path: &KeyPath, file: &FileExporterConfig, issues: &mut Issues) {
    if file.path.trim().is_empty() {
        issues.push(path.key("path"), "is empty: write the file to append to, e.g. `./weir-data/traces.jsonl`");
    }
    issues.positive(path.key("rotation").key("max_megabytes"), file.rotation.max_megabytes);
    sending_queue(&path.key("sending_queue"), &file.sending_queue, issues);
}
