//! Prometheus remote-write messages, written by hand with `prost` derives (no `.proto` compile step).
//!
//! [`v1`] is the Remote-Write 1.0 `prometheus.WriteRequest` (`prompb/remote.proto`, `prompb/types.proto`);
//! [`v2`] is the Remote-Write 2.0 `io.prometheus.write.v2.Request`
//! (`prompb/io/prometheus/write/v2/types.proto`). Field numbers and types follow those files exactly,
//! so bodies made here decode in any Prometheus-compatible receiver. Only what a sender writes is
//! here: no remote-read messages.

pub mod v1;
pub mod v2;

#[cfg(test)]
mod tests;
