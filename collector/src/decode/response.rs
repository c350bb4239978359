//! Response bodies: export responses on success, google.rpc.Status on failure.

use prost::Message;
use serde_json::{Map, Value};
use weir_proto::Signal;
use weir_proto::otlp::collector::logs::v1::{ExportLogsPartialSuccess, ExportLogsServiceResponse};
use weir_proto::otlp::collector::metrics::v1::{
    ExportMetricsPartialSuccess, ExportMetricsServiceResponse,
};
use weir_proto::otlp::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceResponse,
};

use super::Format;

/// An `Export<Signal>ServiceResponse`; `partial_success` is set only if items were rejected or there is a
/// message, since the spec has a full success leave it unset.
pub fn encode_response(format: Format, signal: Signal, rejected: i64, message: &str) -> Vec<u8> {
    let partial = rejected > 0 || !message.is_empty();
    match format {
        Format::Protobuf => {
            let error_message = message.to_owned();
            match signal {
                Signal::Traces => ExportTraceServiceResponse {
                    partial_success: partial.then_some(ExportTracePartialSuccess {
                        rejected_spans: rejected,
                        error_message,
                    }),
                }
                .encode_to_vec(),
                Signal::Metrics => ExportMetricsServiceResponse {
                    partial_success: partial.then_some(ExportMetricsPartialSuccess {
                        rejected_data_points: rejected,
                        error_message,
                    }),
                }
                .encode_to_vec(),
                Signal::Logs => ExportLogsServiceResponse {
                    partial_success: partial.then_some(ExportLogsPartialSuccess {
                        rejected_log_records: rejected,
                        error_message,
                    }),
                }
                .encode_to_vec(),
            }
        }
        Format::Json => {
            let mut response = Map::new();
            if partial {
                let rejected_key = match signal {
                    Signal::Traces => "rejectedSpans",
                    Signal::Metrics => "rejectedDataPoints",
                    Signal::Logs => "rejectedLogRecords",
                };
                let mut partial_success = Map::new();
                // Default values are left out, and int64 is a string, as the proto3 JSON mapping writes them.
                if rejected != 0 {
                    partial_success.insert(rejected_key.into(), rejected.to_string().into());
                }
                if !message.is_empty() {
                    partial_success.insert("errorMessage".into(), message.into());
                }
                response.insert("partialSuccess".into(), partial_success.into());
            }
            Value::Object(response).to_string().into_bytes()
        }
    }
}

/// A `google.rpc.Status`, the body the OTLP/HTTP spec requires on every 4xx and 5xx response.
pub fn encode_status(format: Format, code: i32, message: &str) -> Vec<u8> {
    match format {
        Format::Protobuf => tonic_types::Status {
            code,
            message: message.to_owned(),
            details: Vec::new(),
        }
        .encode_to_vec(),
        Format::Json => {
            let mut status = Map::new();
            if code != 0 {
                status.insert("code".into(), code.into());
            }
            if !message.is_empty() {
                status.insert("message".into(), message.into());
            }
            Value::Object(status).to_string().into_bytes()
        }
    }
}
