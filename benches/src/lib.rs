//! Inputs shared by weir's benches: OTLP requests of the sizes each bench is run at.

#![forbid(unsafe_code)]

pub mod loadgen;
pub mod sink;

use weir_proto::fixtures;
use weir_proto::{Payload, Signal};

/// Request sizes, in items, that every stage bench covers: a sidecar's small flushes, an SDK's
/// default batch (512), and a gateway's large merged requests.
pub const SIZES: [(&str, usize); 3] = [("small", 16), ("medium", 512), ("large", 8192)];

/// A rich request of `signal` with `items` items (spans, data points or log records).
pub fn request(signal: Signal, items: usize) -> Payload {
    match signal {
        Signal::Traces => Payload::Traces(fixtures::traces(4, items.div_ceil(4))),
        Signal::Metrics => Payload::Metrics(fixtures::metrics(1, items.div_ceil(5))),
        Signal::Logs => Payload::Logs(fixtures::logs(4, items.div_ceil(4))),
    }
}

/// The load generator's workload as the stage benches after decode use it: 20 services, 50 routes,
/// 2% errors, so golden-signal series and sampler keys repeat as in production.
pub fn stage_workload() -> loadgen::workload::Workload {
    loadgen::workload::Workload::new(loadgen::workload::WorkloadConfig {
        services: 20,
        operations: 50,
        error_ratio: 0.02,
        duration_median_ms: 20.0,
        duration_sigma: 0.8,
        seed: 1,
        base_time_unix_nano: 1_700_000_000_000_000_000,
    })
}
