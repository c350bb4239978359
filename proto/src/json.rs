//! OTLP/JSON: the protobuf JSON mapping with OTLP's exceptions (hex trace and span ids, lowerCamelCase keys).

use crate::Payload;

/// Encodes `payload` as one OTLP/JSON export request (ids in hex, 64-bit integers as strings, enums as numbers).
pub fn encode(payload: &Payload) -> Vec<u8> {
    let encoded = match payload {
        Payload::Traces(r) => serde_json::to_vec(r),
        Payload::Metrics(r) => serde_json::to_vec(r),
        Payload::Logs(r) => serde_json::to_vec(r),
    };
    // The generated types hold only strings, numbers, bytes and nested messages, all of which serialise.
    encoded.unwrap_or_else(|e| unreachable!("OTLP types always serialise to JSON: {e}"))
}
