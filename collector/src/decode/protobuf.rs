//! Binary protobuf bodies. prost skips unknown fields, as the spec requires of receivers.

use prost::Message;
use weir_proto::otlp::collector::logs::v1::ExportLogsServiceRequest;
use weir_proto::otlp::collector::metrics::v1::ExportMetricsServiceRequest;
use weir_proto::otlp::collector::trace::v1::ExportTraceServiceRequest;
use weir_proto::{Payload, Signal};

use super::{DecodeError, request_name};

/// Decodes a protobuf export request of `signal`; does not validate it.
pub(super) fn decode(signal: Signal, body: &[u8]) -> Result<Payload, DecodeError> {
    let decoded = match signal {
        Signal::Traces => ExportTraceServiceRequest::decode(body).map(Payload::Traces),
        Signal::Metrics => ExportMetricsServiceRequest::decode(body).map(Payload::Metrics),
        Signal::Logs => ExportLogsServiceRequest::decode(body).map(Payload::Logs),
    };
    decoded.map_err(|e| {
        DecodeError::Protobuf(format!(
            "the request body is not a valid protobuf {} ({e}): send the whole serialized message, or set \
             Content-Type: application/json to send OTLP/JSON",
            request_name(signal)
        ))
    })
}
