//! Binary protobuf bodies, scanned in place: every rule prost would check, without building structs.
//! Unknown fields are skipped, as the spec requires of receivers.

use bytes::Bytes;
use weir_proto::wire::ScanError;
use weir_proto::{Encoded, Signal};

use super::{DecodeError, request_name};

/// Checks a protobuf export request of `signal`, ids included, and keeps it as slices of `body`.
pub(super) fn decode(signal: Signal, body: &Bytes) -> Result<Encoded, DecodeError> {
    Encoded::scan(signal, body).map_err(|error| match error {
        ScanError::Malformed(what) => DecodeError::Protobuf(format!(
            "the request body is not a valid protobuf {} ({what}): send the whole serialized message, or set \
             Content-Type: application/json to send OTLP/JSON",
            request_name(signal)
        )),
        ScanError::Invalid(what) => DecodeError::Invalid(what),
    })
}
