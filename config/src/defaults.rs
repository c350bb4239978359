//! Default values, one named function per setting so the schema and the docs can point at them.

use std::time::Duration;

/// OTLP/gRPC listen address.
pub fn default_grpc_endpoint() -> String {
    "localhost:4317".to_owned()
}
/// OTLP/HTTP listen address.
pub fn default_http_endpoint() -> String {
    "localhost:4318".to_owned()
}
/// Largest gRPC message, as in the OTLP spec's suggestion and the Collector: 4 MiB.
pub const fn default_max_recv_msg_size_mib() -> u64 {
    4
}
/// HTTP/2 streams per connection.
pub const fn default_max_concurrent_streams() -> u32 {
    100
}
/// Keepalive ping interval on an idle connection.
pub const fn default_keepalive_time() -> Duration {
    Duration::from_secs(2 * 60 * 60)
}
/// Keepalive ping answer deadline.
pub const fn default_keepalive_timeout() -> Duration {
    Duration::from_secs(20)
}
/// Largest HTTP body: 20 MiB, on the wire and after decompression.
pub const fn default_max_request_body_size() -> u64 {
    20 * 1024 * 1024
}
/// Items per batch.
pub const fn default_send_batch_size() -> u64 {
    8192
}
/// Batch timeout.
pub const fn default_batch_timeout() -> Duration {
    Duration::from_millis(200)
}
/// Export attempt deadline.
pub const fn default_export_timeout() -> Duration {
    Duration::from_secs(5)
}
/// Batches queued per exporter.
pub const fn default_queue_size() -> u64 {
    1000
}
/// Export workers per exporter.
pub const fn default_num_consumers() -> u64 {
    10
}
/// Bytes per remote-write request before compression, as the OpenTelemetry Collector's exporter.
pub const fn default_max_batch_size_bytes() -> u64 {
    3_000_000
}
/// Remote-write requests in flight at once, as the OpenTelemetry Collector's exporter sends.
pub const fn default_remote_write_consumers() -> u64 {
    5
}
/// Samples per remote-write request, as the OpenTelemetry Collector's exporter and Prometheus send.
pub const fn default_max_samples_per_send() -> u64 {
    2000
}
/// `true`, for flags on by default.
pub const fn default_true() -> bool {
    true
}
/// First retry wait.
pub const fn default_initial_interval() -> Duration {
    Duration::from_secs(5)
}
/// Longest retry wait.
pub const fn default_max_interval() -> Duration {
    Duration::from_secs(30)
}
/// Retry give-up time.
pub const fn default_max_elapsed_time() -> Duration {
    Duration::from_secs(300)
}
/// Retry wait growth.
pub const fn default_multiplier() -> f64 {
    1.5
}
/// Retry jitter.
pub const fn default_randomization_factor() -> f64 {
    0.5
}
/// File rotation size in MiB.
pub const fn default_rotation_max_megabytes() -> u64 {
    100
}
/// Rotated files kept.
pub const fn default_rotation_max_backups() -> u64 {
    10
}
/// Shutdown drain deadline.
pub const fn default_shutdown_timeout() -> Duration {
    Duration::from_secs(30)
}
/// Log filter.
pub fn default_log_level() -> String {
    "info".to_owned()
}
/// Admin server address.
pub fn default_admin_address() -> String {
    "localhost:8888".to_owned()
}
