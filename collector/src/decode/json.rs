//! OTLP/JSON bodies, decoded by `weir_proto::json`, which the file exporter shares.

use weir_proto::{Payload, Signal};

use super::{DecodeError, request_name};

/// Decodes an OTLP/JSON export request of `signal`; does not validate it.
pub(super) fn decode(signal: Signal, body: &[u8]) -> Result<Payload, DecodeError> {
    weir_proto::json::decode(signal, body).map_err(|e| {
        DecodeError::Json(format!(
            "the request body is not a valid OTLP/JSON {} ({e}): OTLP/JSON uses lowerCamelCase keys, hex \
             trace and span ids and base64 bytes values (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding)",
            request_name(signal)
        ))
    })
}
