//! The unit that flows between stages: one OTLP export request of one signal.

use std::fmt;

use crate::otlp::collector::logs::v1::ExportLogsServiceRequest;
use crate::otlp::collector::metrics::v1::ExportMetricsServiceRequest;
use crate::otlp::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;

use crate::split::split_vec;

/// The three OTLP signals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Signal {
    /// Spans.
    Traces,
    /// Metric data points.
    Metrics,
    /// Log records.
    Logs,
}

impl Signal {
    /// All signals, in the order pipelines are listed.
    pub const ALL: [Signal; 3] = [Signal::Traces, Signal::Metrics, Signal::Logs];

    /// The lower-case name used in config keys, URLs and metric labels.
    pub const fn as_str(self) -> &'static str {
        match self {
            Signal::Traces => "traces",
            Signal::Metrics => "metrics",
            Signal::Logs => "logs",
        }
    }

    /// What one item of this signal is called, for messages and labels.
    pub const fn item_name(self) -> &'static str {
        match self {
            Signal::Traces => "spans",
            Signal::Metrics => "data_points",
            Signal::Logs => "log_records",
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One decoded OTLP export request.
#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    /// A trace export request.
    Traces(ExportTraceServiceRequest),
    /// A metrics export request.
    Metrics(ExportMetricsServiceRequest),
    /// A logs export request.
    Logs(ExportLogsServiceRequest),
}

impl Payload {
    /// An empty request of `signal`.
    pub fn empty(signal: Signal) -> Payload {
        match signal {
            Signal::Traces => Payload::Traces(Default::default()),
            Signal::Metrics => Payload::Metrics(Default::default()),
            Signal::Logs => Payload::Logs(Default::default()),
        }
    }

    /// The signal this request carries.
    pub fn signal(&self) -> Signal {
        match self {
            Payload::Traces(_) => Signal::Traces,
            Payload::Metrics(_) => Signal::Metrics,
            Payload::Logs(_) => Signal::Logs,
        }
    }

    /// Spans, metric data points or log records in the request: the unit batch sizes count.
    pub fn item_count(&self) -> usize {
        match self {
            Payload::Traces(r) => r
                .resource_spans
                .iter()
                .flat_map(|rs| &rs.scope_spans)
                .map(|ss| ss.spans.len())
                .sum(),
            Payload::Metrics(r) => r
                .resource_metrics
                .iter()
                .flat_map(|rm| &rm.scope_metrics)
                .flat_map(|sm| &sm.metrics)
                .map(crate::split::data_point_count)
                .sum(),
            Payload::Logs(r) => r
                .resource_logs
                .iter()
                .flat_map(|rl| &rl.scope_logs)
                .map(|sl| sl.log_records.len())
                .sum(),
        }
    }

    /// Size of the request in protobuf wire format.
    pub fn encoded_len(&self) -> usize {
        match self {
            Payload::Traces(r) => r.encoded_len(),
            Payload::Metrics(r) => r.encoded_len(),
            Payload::Logs(r) => r.encoded_len(),
        }
    }

    /// The request in protobuf wire format.
    pub fn encode_to_vec(&self) -> Vec<u8> {
        match self {
            Payload::Traces(r) => r.encode_to_vec(),
            Payload::Metrics(r) => r.encode_to_vec(),
            Payload::Logs(r) => r.encode_to_vec(),
        }
    }

    /// Appends `other`'s resources to this request.
    ///
    /// Resources are appended, not merged: two entries for one resource are valid OTLP and keep the
    /// append cheap.
    ///
    /// # Panics
    /// If the signals differ: a pipeline only ever carries one signal, so that is a wiring bug.
    pub fn append(&mut self, other: Payload) {
        match (self, other) {
            (Payload::Traces(a), Payload::Traces(b)) => a.resource_spans.extend(b.resource_spans),
            (Payload::Metrics(a), Payload::Metrics(b)) => {
                a.resource_metrics.extend(b.resource_metrics)
            }
            (Payload::Logs(a), Payload::Logs(b)) => a.resource_logs.extend(b.resource_logs),
            (a, b) => panic!(
                "a pipeline mixed signals: {} and {}",
                a.signal(),
                b.signal()
            ),
        }
    }

    /// Splits off the first `max_items` items into a new request and leaves the rest in `self`.
    ///
    /// Resources, scopes and metrics whose items are split between the halves are copied into both, so
    /// each half is a complete, valid request.
    pub fn split_front(&mut self, max_items: usize) -> Payload {
        match self {
            Payload::Traces(r) => Payload::Traces(ExportTraceServiceRequest {
                resource_spans: split_vec(&mut r.resource_spans, max_items),
            }),
            Payload::Metrics(r) => Payload::Metrics(ExportMetricsServiceRequest {
                resource_metrics: split_vec(&mut r.resource_metrics, max_items),
            }),
            Payload::Logs(r) => Payload::Logs(ExportLogsServiceRequest {
                resource_logs: split_vec(&mut r.resource_logs, max_items),
            }),
        }
    }
}
