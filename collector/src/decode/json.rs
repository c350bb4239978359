//! OTLP/JSON bodies, decoded by `weir_proto::json`, which the file exporter shares, then encoded as
//! protobuf so that the rest of the pipeline sees one form.

use weir_proto::wire::ScanError;
use weir_proto::{Encoded, Signal};

use super::{DecodeError, request_name};

/// Decodes an OTLP/JSON export request of `signal` and checks it as a protobuf one would be.
pub(super) fn decode(signal: Signal, body: &[u8]) -> Result<Encoded, DecodeError> {
    let payload =
        weir_proto::json::decode(signal, body).map_err(|e| not_json(signal, &e.to_string()))?;
    Encoded::from_payload(&payload).map_err(|error| match error {
        // JSON's own depth limit is above protobuf's: nesting prost would refuse is refused here too.
        ScanError::Malformed(what) => not_json(signal, &what),
        ScanError::Invalid(what) => DecodeError::Invalid(what),
    })
}

fn not_json(signal: Signal, what: &str) -> DecodeError {
    DecodeError::Json(format!(
        "the request body is not a valid OTLP/JSON {} ({what}): OTLP/JSON uses lowerCamelCase keys, hex \
         trace and span ids and base64 bytes values (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding)",
        request_name(signal)
    ))
}
