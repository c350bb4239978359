//! `exporters.prometheusremotewrite`: metrics sent by Prometheus remote write, with the OpenTelemetry
//! Collector's setting names.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::defaults::{
    default_export_timeout, default_max_batch_size_bytes, default_max_samples_per_send, default_queue_size,
    default_remote_write_consumers, default_true,
};
use crate::duration::serde_duration;
use crate::queue::{
    DiskQueueConfig, FsyncPolicy, QueueStorage, default_fsync_interval, default_max_size_mib, disk_queue,
};
use crate::schema::{RetryConfig, TlsClientConfig};

/// `exporters.prometheusremotewrite`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RemoteWriteExporterConfig {
    /// The receiver's full URL, e.g. `http://prometheus:9090/api/v1/write`.
    pub endpoint: String,
    /// The remote-write message sent: 1.0, which every receiver reads, or 2.0.
    #[serde(default)]
    pub protobuf_message: RemoteWriteMessage,
    /// Compression of request bodies.
    #[serde(default)]
    pub compression: RemoteWriteCompression,
    /// Headers added to every request (e.g. a tenant id or an authorization token).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Deadline of one request.
    #[serde(default = "default_export_timeout", with = "serde_duration")]
    pub timeout: Duration,
    /// TLS settings, for an `https://` endpoint.
    #[serde(default)]
    pub tls: TlsClientConfig,
    /// Labels added to every series that lacks a label of that name.
    #[serde(default)]
    pub external_labels: BTreeMap<String, String>,
    /// Whether every resource attribute becomes a label of every series.
    #[serde(default)]
    pub resource_to_telemetry_conversion: ResourceToTelemetryConfig,
    /// Whether each resource also gets a `target_info` series holding its attributes.
    #[serde(default)]
    pub target_info: TargetInfoConfig,
    /// What OTLP exponential histograms become.
    #[serde(default)]
    pub exponential_histograms: ExponentialHistograms,
    /// Most samples (and native histogram samples) in one request; larger batches are split.
    #[serde(default = "default_max_samples_per_send")]
    pub max_samples_per_send: u64,
    /// Most bytes in one request before compression, as a 1.0 message; a batch is cut to fit.
    #[serde(default = "default_max_batch_size_bytes")]
    pub max_batch_size_bytes: u64,
    /// The queue in front of the exporter.
    #[serde(default)]
    pub sending_queue: RemoteWriteQueueConfig,
    /// Retries of failed requests.
    #[serde(default)]
    pub retry_on_failure: RetryConfig,
}

/// `protobuf_message`: which remote-write message a request carries, named as the Collector names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize, Serialize)]
pub enum RemoteWriteMessage {
    /// Remote-Write 1.0.
    #[default]
    #[serde(rename = "prometheus.WriteRequest")]
    V1,
    /// Remote-Write 2.0, with metadata and created timestamps.
    #[serde(rename = "io.prometheus.write.v2.Request")]
    V2,
}

/// `compression` of remote-write bodies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RemoteWriteCompression {
    /// Snappy's block format: what every receiver must accept.
    #[default]
    Snappy,
    /// zstd; weir falls back to snappy for good if the receiver refuses it.
    Zstd,
}

/// `exponential_histograms`: what OTLP exponential histograms are sent as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExponentialHistograms {
    /// Native histograms, as the OTel compatibility spec says: exact and compact, but only
    /// receivers that store them keep them (Prometheus with native histograms enabled, Mimir).
    #[default]
    Native,
    /// Classic histograms, one `_bucket{le}` series per exponential bucket, `_sum` and `_count`: for
    /// receivers that drop native histograms without a word, as VictoriaMetrics 1.79 does.
    Classic,
}

/// `resource_to_telemetry_conversion`.
#[derive(Clone, Debug, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceToTelemetryConfig {
    /// Copy resource attributes to every series; off by default, as they can multiply cardinality.
    #[serde(default)]
    pub enabled: bool,
}

/// `target_info`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TargetInfoConfig {
    /// Send the `target_info` series.
    #[serde(default = "default_true")]
    pub enabled: bool,
}

impl Default for TargetInfoConfig {
    fn default() -> Self {
        TargetInfoConfig { enabled: true }
    }
}

/// `sending_queue` of the remote-write exporter: one worker sends, so `num_consumers` is not a
/// setting here (see the exporter's docs: a series' samples must arrive in order).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RemoteWriteQueueConfig {
    /// Batches waiting to be sent; when full, the pipeline pushes back to the receivers.
    #[serde(default = "default_queue_size")]
    pub queue_size: u64,
    /// Requests sent at once, each series always by the same sender so its samples stay in order.
    #[serde(default = "default_remote_write_consumers")]
    pub num_consumers: u64,
    /// Where the queue is kept.
    #[serde(default)]
    pub storage: QueueStorage,
    /// `storage: disk`: the parent directory of the queue's folder (named after the exporter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory: Option<String>,
    /// `storage: disk`: most MiB the queue's files may take; when full, receivers refuse.
    #[serde(default = "default_max_size_mib")]
    pub max_size_mib: u64,
    /// `storage: disk`: when writes are synced.
    #[serde(default)]
    pub fsync: FsyncPolicy,
    /// `storage: disk`, `fsync: interval`: longest time between syncs.
    #[serde(default = "default_fsync_interval", with = "serde_duration")]
    pub fsync_interval: Duration,
}

impl Default for RemoteWriteQueueConfig {
    fn default() -> Self {
        RemoteWriteQueueConfig {
            queue_size: default_queue_size(),
            num_consumers: default_remote_write_consumers(),
            storage: QueueStorage::Memory,
            directory: None,
            max_size_mib: default_max_size_mib(),
            fsync: FsyncPolicy::default(),
            fsync_interval: default_fsync_interval(),
        }
    }
}

impl RemoteWriteQueueConfig {
    /// The disk queue, with `storage: disk` and a directory.
    pub fn disk(&self) -> Option<DiskQueueConfig> {
        disk_queue(self.storage, self.directory.as_ref(), self.max_size_mib, self.fsync, self.fsync_interval)
    }
}
