//! The typed configuration, in the OpenTelemetry Collector's shape.
//!
//! Every struct rejects unknown keys, so a typo is an error that names its key path and line rather than
//! a setting silently ignored.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::components;
use crate::defaults::*;
use crate::duration::serde_duration;
use crate::id::{ComponentId, PipelineId};
use crate::queue::{
    DiskQueueConfig, FsyncPolicy, QueueStorage, default_fsync_interval, default_max_size_mib, disk_queue,
};

/// The whole configuration file.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Receivers by component id (`otlp`, `otlp/internal`).
    #[serde(default, deserialize_with = "components::deserialize")]
    pub receivers: BTreeMap<ComponentId, ReceiverConfig>,
    /// Processors by component id (`batch`, `memory_limiter`).
    #[serde(default, deserialize_with = "components::deserialize")]
    pub processors: BTreeMap<ComponentId, ProcessorConfig>,
    /// Exporters by component id (`otlp/jaeger`, `file/traces`).
    #[serde(default, deserialize_with = "components::deserialize")]
    pub exporters: BTreeMap<ComponentId, ExporterConfig>,
    /// Pipelines and weir's own telemetry.
    pub service: ServiceConfig,
}

/// A receiver; its type is the part of the component id before the `/`.
///
/// Written as its variant's settings alone, since the id already names the type; loading picks
/// the variant from that id.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ReceiverConfig {
    /// `otlp`: OTLP over gRPC and HTTP.
    Otlp(OtlpReceiverConfig),
}

/// `receivers.otlp`.
#[derive(Clone, Debug, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OtlpReceiverConfig {
    /// The transports to serve; a missing one is not served.
    #[serde(default)]
    pub protocols: OtlpProtocols,
}

/// `receivers.otlp.protocols`.
#[derive(Clone, Debug, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OtlpProtocols {
    /// OTLP/gRPC; `grpc:` with no settings serves it with the defaults.
    #[serde(default, deserialize_with = "components::present", skip_serializing_if = "Option::is_none")]
    pub grpc: Option<GrpcServerConfig>,
    /// OTLP/HTTP; `http:` with no settings serves it with the defaults.
    #[serde(default, deserialize_with = "components::present", skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpServerConfig>,
}

/// `receivers.otlp.protocols.grpc`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GrpcServerConfig {
    /// `host:port` to listen on.
    #[serde(default = "default_grpc_endpoint")]
    pub endpoint: String,
    /// Largest accepted message after decompression, in MiB.
    #[serde(default = "default_max_recv_msg_size_mib")]
    pub max_recv_msg_size_mib: u64,
    /// HTTP/2 streams one connection may have open at once.
    #[serde(default = "default_max_concurrent_streams")]
    pub max_concurrent_streams: u32,
    /// HTTP/2 keepalive pings.
    #[serde(default)]
    pub keepalive: GrpcKeepalive,
}

/// `receivers.otlp.protocols.grpc.keepalive`.
#[derive(Clone, Debug, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GrpcKeepalive {
    /// Server-side keepalive settings.
    #[serde(default)]
    pub server_parameters: GrpcKeepaliveServerParameters,
}

/// `receivers.otlp.protocols.grpc.keepalive.server_parameters`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GrpcKeepaliveServerParameters {
    /// Idle time after which the server pings the client.
    #[serde(default = "default_keepalive_time", with = "serde_duration")]
    pub time: Duration,
    /// How long to wait for the ping's answer before closing the connection.
    #[serde(default = "default_keepalive_timeout", with = "serde_duration")]
    pub timeout: Duration,
}

impl Default for GrpcKeepaliveServerParameters {
    fn default() -> Self {
        GrpcKeepaliveServerParameters { time: default_keepalive_time(), timeout: default_keepalive_timeout() }
    }
}

/// `receivers.otlp.protocols.http`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HttpServerConfig {
    /// `host:port` to listen on.
    #[serde(default = "default_http_endpoint")]
    pub endpoint: String,
    /// Largest accepted body in bytes, checked both on the wire and after decompression.
    #[serde(default = "default_max_request_body_size")]
    pub max_request_body_size: u64,
}

/// A processor; its type is the part of the component id before the `/`.
///
/// Written as its variant's settings alone, like [`ReceiverConfig`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ProcessorConfig {
    /// `batch`.
    Batch(BatchConfig),
    /// `memory_limiter`.
    MemoryLimiter(MemoryLimiterConfig),
    /// `golden_signals`.
    GoldenSignals(crate::golden::GoldenSignalsConfig),
    /// `adaptive_sampler`.
    AdaptiveSampler(crate::sampler::AdaptiveSamplerConfig),
}

/// `processors.batch`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BatchConfig {
    /// Items (spans, data points, log records) at which a batch is sent without waiting for `timeout`.
    #[serde(default = "default_send_batch_size")]
    pub send_batch_size: u64,
    /// Largest batch sent; larger requests are split. 0 means no limit.
    #[serde(default)]
    pub send_batch_max_size: u64,
    /// Longest an item waits in a batch that has not reached `send_batch_size`.
    #[serde(default = "default_batch_timeout", with = "serde_duration")]
    pub timeout: Duration,
}

/// `processors.memory_limiter`: the admission byte budget.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryLimiterConfig {
    /// Bytes, in MiB, that request bodies in flight, batches and queues may hold together.
    pub limit_mib: u64,
}

/// An exporter; its type is the part of the component id before the `/`.
///
/// Written as its variant's settings alone, like [`ReceiverConfig`].
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
#[allow(clippy::large_enum_variant, reason = "built once at startup; a box would only complicate matching")]
pub enum ExporterConfig {
    /// `otlp`.
    Otlp(OtlpExporterConfig),
    /// `file`.
    File(FileExporterConfig),
    /// `prometheusremotewrite`.
    PrometheusRemoteWrite(crate::remote_write::RemoteWriteExporterConfig),
}

impl ExporterConfig {
    /// The exporter's disk queue, when its `sending_queue` has `storage: disk`.
    pub fn disk_queue(&self) -> Option<DiskQueueConfig> {
        match self {
            ExporterConfig::Otlp(otlp) => otlp.sending_queue.disk(),
            ExporterConfig::File(file) => file.sending_queue.disk(),
            ExporterConfig::PrometheusRemoteWrite(remote_write) => remote_write.sending_queue.disk(),
        }
    }
}

/// The wire protocol of an OTLP exporter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize, Serialize)]
pub enum OtlpProtocol {
    /// OTLP/gRPC.
    #[default]
    #[serde(rename = "grpc")]
    Grpc,
    /// OTLP/HTTP with protobuf bodies.
    #[serde(rename = "http/protobuf")]
    HttpProtobuf,
}

/// Compression of exported requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// zstd: the cheapest in CPU for its ratio.
    #[default]
    Zstd,
    /// gzip, for receivers that lack zstd.
    Gzip,
    /// No compression.
    None,
}

/// `exporters.otlp`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OtlpExporterConfig {
    /// `host:port`, or a URL with `http://` or `https://`. For HTTP, the signal's path (`/v1/traces`) is
    /// appended to a URL that does not already end in it.
    pub endpoint: String,
    /// gRPC or HTTP/protobuf.
    #[serde(default)]
    pub protocol: OtlpProtocol,
    /// Compression of requests.
    #[serde(default)]
    pub compression: Compression,
    /// Headers (gRPC metadata) added to every request.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Deadline of one export attempt.
    #[serde(default = "default_export_timeout", with = "serde_duration")]
    pub timeout: Duration,
    /// TLS settings.
    #[serde(default)]
    pub tls: TlsClientConfig,
    /// The queue in front of the exporter.
    #[serde(default)]
    pub sending_queue: SendingQueueConfig,
    /// Retries of failed exports.
    #[serde(default)]
    pub retry_on_failure: RetryConfig,
}

/// `tls` of a client.
#[derive(Clone, Debug, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TlsClientConfig {
    /// Plaintext, no TLS (for a `host:port` endpoint; a URL's scheme decides on its own).
    #[serde(default)]
    pub insecure: bool,
    /// PEM file of the CA that signs the server's certificate; the system's web roots when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
    /// PEM client certificate, for mutual TLS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_file: Option<String>,
    /// PEM client key, for mutual TLS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_file: Option<String>,
    /// Server name checked against the certificate, when it differs from the endpoint's host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_name_override: Option<String>,
}

/// `sending_queue` of an exporter.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SendingQueueConfig {
    /// Batches waiting for a worker; when full, the pipeline pushes back to the receivers.
    #[serde(default = "default_queue_size")]
    pub queue_size: u64,
    /// Workers exporting in parallel.
    #[serde(default = "default_num_consumers")]
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

impl Default for SendingQueueConfig {
    fn default() -> Self {
        SendingQueueConfig {
            queue_size: default_queue_size(),
            num_consumers: default_num_consumers(),
            storage: QueueStorage::Memory,
            directory: None,
            max_size_mib: default_max_size_mib(),
            fsync: FsyncPolicy::default(),
            fsync_interval: default_fsync_interval(),
        }
    }
}

impl SendingQueueConfig {
    /// The disk queue, with `storage: disk` and a directory.
    pub fn disk(&self) -> Option<DiskQueueConfig> {
        disk_queue(self.storage, self.directory.as_ref(), self.max_size_mib, self.fsync, self.fsync_interval)
    }
}

/// `retry_on_failure` of an exporter.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RetryConfig {
    /// Retry retryable failures at all.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Wait before the first retry.
    #[serde(default = "default_initial_interval", with = "serde_duration")]
    pub initial_interval: Duration,
    /// Longest wait between retries.
    #[serde(default = "default_max_interval", with = "serde_duration")]
    pub max_interval: Duration,
    /// Give up (and count the batch as dropped) after this long; 0 retries until shutdown.
    #[serde(default = "default_max_elapsed_time", with = "serde_duration")]
    pub max_elapsed_time: Duration,
    /// Growth of the wait from one retry to the next.
    #[serde(default = "default_multiplier")]
    pub multiplier: f64,
    /// Jitter: each wait is drawn from `wait × [1 − factor, 1 + factor]`.
    #[serde(default = "default_randomization_factor")]
    pub randomization_factor: f64,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            enabled: true,
            initial_interval: default_initial_interval(),
            max_interval: default_max_interval(),
            max_elapsed_time: default_max_elapsed_time(),
            multiplier: default_multiplier(),
            randomization_factor: default_randomization_factor(),
        }
    }
}

/// `exporters.file`: OTLP/JSON lines, rotated by size.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FileExporterConfig {
    /// File written; rotated files get a timestamp before the extension.
    pub path: String,
    /// Size rotation.
    #[serde(default)]
    pub rotation: RotationConfig,
    /// The queue in front of the exporter.
    #[serde(default)]
    pub sending_queue: SendingQueueConfig,
}

/// `rotation` of the file exporter.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RotationConfig {
    /// Size in MiB at which the file is rotated.
    #[serde(default = "default_rotation_max_megabytes")]
    pub max_megabytes: u64,
    /// Rotated files kept; older ones are deleted.
    #[serde(default = "default_rotation_max_backups")]
    pub max_backups: u64,
}

impl Default for RotationConfig {
    fn default() -> Self {
        RotationConfig {
            max_megabytes: default_rotation_max_megabytes(),
            max_backups: default_rotation_max_backups(),
        }
    }
}

/// `service`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    /// Pipelines by id (`traces`, `metrics/internal`).
    pub pipelines: BTreeMap<PipelineId, PipelineConfig>,
    /// weir's own logs and metrics.
    #[serde(default)]
    pub telemetry: TelemetryConfig,
    /// How long shutdown may spend flushing batches and draining queues before it drops what is left.
    #[serde(default = "default_shutdown_timeout", with = "serde_duration")]
    pub shutdown_timeout: Duration,
}

/// One pipeline: receivers → processors → exporters, all of the pipeline's signal.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineConfig {
    /// Receivers feeding the pipeline.
    pub receivers: Vec<ComponentId>,
    /// Processors, in order.
    #[serde(default)]
    pub processors: Vec<ComponentId>,
    /// Exporters; each gets every batch.
    pub exporters: Vec<ComponentId>,
}

/// `service.telemetry`.
#[derive(Clone, Debug, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetryConfig {
    /// weir's logs.
    #[serde(default)]
    pub logs: LogsConfig,
    /// The admin server: `/metrics`, `/healthz`, `/readyz`.
    #[serde(default)]
    pub metrics: AdminConfig,
}

/// `service.telemetry.logs`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogsConfig {
    /// A `tracing` filter: `info`, `debug`, `weir=debug,tonic=warn`.
    #[serde(default = "default_log_level")]
    pub level: String,
    /// `text` or `json`.
    #[serde(default)]
    pub encoding: LogEncoding,
}

impl Default for LogsConfig {
    fn default() -> Self {
        LogsConfig { level: default_log_level(), encoding: LogEncoding::default() }
    }
}

/// How weir's logs are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogEncoding {
    /// Human-readable lines.
    #[default]
    #[serde(alias = "console")]
    Text,
    /// One JSON object per line.
    Json,
}

/// `service.telemetry.metrics`: where the admin server listens.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    /// `host:port` of the admin server.
    #[serde(default = "default_admin_address")]
    pub address: String,
}

impl Default for AdminConfig {
    fn default() -> Self {
        AdminConfig { address: default_admin_address() }
    }
}
