//! OTLP/JSON: the proto3 JSON mapping with OTLP's exceptions (hex trace and span ids, lowerCamelCase keys
//! only, enums written as integers).
//!
//! The codec is spelled out per message rather than taken from `opentelemetry-proto`'s serde derives,
//! because those reject `null` and some omitted fields, take enums only as numbers, and write NaN and
//! infinite doubles as `null`, which loses data. Decoding streams from the input, so errors carry the
//! line and column of the offending value.

mod codec;
mod messages;
mod scalars;
#[cfg(test)]
mod tests;

use codec::{Codec, Msg, Write};

use crate::otlp::collector::logs::v1::ExportLogsServiceRequest;
use crate::otlp::collector::metrics::v1::ExportMetricsServiceRequest;
use crate::otlp::collector::trace::v1::ExportTraceServiceRequest;
use crate::{Payload, Signal};

/// A body that is not an OTLP/JSON export request; the message includes serde_json's line and column.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct JsonError(#[from] serde_json::Error);

impl JsonError {
    /// The 1-based line of the error, or 0 if it is not tied to a position.
    pub fn line(&self) -> usize {
        self.0.line()
    }

    /// The 1-based column of the error, or 0 if it is not tied to a position.
    pub fn column(&self) -> usize {
        self.0.column()
    }
}

/// Encodes `payload` as one OTLP/JSON export request (ids in hex, 64-bit integers as strings, enums as
/// numbers, default values left out).
pub fn encode(payload: &Payload) -> Vec<u8> {
    let encoded = match payload {
        Payload::Traces(r) => serde_json::to_vec(&Write::<Msg<ExportTraceServiceRequest>>(r)),
        Payload::Metrics(r) => serde_json::to_vec(&Write::<Msg<ExportMetricsServiceRequest>>(r)),
        Payload::Logs(r) => serde_json::to_vec(&Write::<Msg<ExportLogsServiceRequest>>(r)),
    };
    // The codecs write only strings, finite numbers, bools, arrays and string-keyed objects, none of which
    // serde_json can fail on when writing to memory.
    encoded.unwrap_or_else(|e| unreachable!("OTLP/JSON encoding cannot fail: {e}"))
}

/// Decodes one OTLP/JSON export request of `signal`.
///
/// Follows the OTLP/JSON rules as a receiver: unknown keys are ignored, `null` means absent, 64-bit
/// integers may be numbers or strings, and enums may be numbers or names (which the spec forbids writers
/// to send, but some do).
pub fn decode(signal: Signal, body: &[u8]) -> Result<Payload, JsonError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let payload = match signal {
        Signal::Traces => {
            Payload::Traces(read::<Msg<ExportTraceServiceRequest>>(&mut deserializer)?)
        }
        Signal::Metrics => {
            Payload::Metrics(read::<Msg<ExportMetricsServiceRequest>>(&mut deserializer)?)
        }
        Signal::Logs => Payload::Logs(read::<Msg<ExportLogsServiceRequest>>(&mut deserializer)?),
    };
    deserializer.end()?;
    Ok(payload)
}

fn read<C: Codec>(
    deserializer: &mut serde_json::Deserializer<serde_json::de::SliceRead<'_>>,
) -> Result<C::Value, JsonError> {
    Ok(C::read(deserializer)?)
}
