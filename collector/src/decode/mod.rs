//! Stage 2, decode: request bodies into OTLP payloads.
//!
//! A receiver calls [`Format::from_content_type`] and [`ContentEncoding::from_header`] on the request's
//! headers, then [`decompress`] and [`decode`] on its body, and answers with [`encode_response`] or, on
//! failure, [`encode_status`]. A protobuf body is not decoded into structs: it is scanned and kept as it
//! arrived ([`Encoded`]).

mod compression;
mod json;
mod protobuf;
mod response;

#[cfg(test)]
mod tests;

use bytes::Bytes;
use weir_proto::{Encoded, Signal};

pub use compression::{ContentEncoding, decompress};
pub use response::{encode_response, encode_status};

/// The wire format of an OTLP/HTTP body, from its Content-Type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Binary protobuf, `application/x-protobuf`.
    Protobuf,
    /// OTLP/JSON, `application/json`.
    Json,
}

impl Format {
    /// The format named by a Content-Type header; parameters such as `charset` are ignored.
    pub fn from_content_type(value: Option<&str>) -> Result<Self, DecodeError> {
        let Some(value) = value else {
            return Err(DecodeError::UnsupportedMediaType(String::new()));
        };
        let media_type = value.split(';').next().unwrap_or_default().trim();
        if media_type.eq_ignore_ascii_case("application/x-protobuf") {
            Ok(Format::Protobuf)
        } else if media_type.eq_ignore_ascii_case("application/json") {
            Ok(Format::Json)
        } else {
            Err(DecodeError::UnsupportedMediaType(value.to_owned()))
        }
    }

    /// The Content-Type to answer with: the spec has responses use the request's.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Protobuf => "application/x-protobuf",
            Format::Json => "application/json",
        }
    }
}

/// Checks an uncompressed body as a request of `signal`, by every rule of its format and OTLP's id rules.
pub fn decode(signal: Signal, format: Format, body: &Bytes) -> Result<Encoded, DecodeError> {
    match format {
        Format::Protobuf => protobuf::decode(signal, body),
        Format::Json => json::decode(signal, body),
    }
}

/// Why a request body was refused. Each message says what was wrong and what the sender should do.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// A Content-Encoding other than identity, gzip, deflate or zstd.
    #[error("Content-Encoding \"{0}\" is not supported: send identity, gzip, deflate or zstd")]
    UnsupportedEncoding(String),
    /// A Content-Type other than protobuf or JSON; empty when the header is missing.
    #[error("{}", media_type_message(.0))]
    UnsupportedMediaType(String),
    /// The body, after decompression, is over the receiver's limit.
    #[error(
        "the request body is over the {limit}-byte limit (after decompression): send smaller requests"
    )]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body could not be read or decompressed.
    #[error("{0}")]
    Decompress(String),
    /// The body is not a protobuf export request.
    #[error("{0}")]
    Protobuf(String),
    /// The body is not an OTLP/JSON export request.
    #[error("{0}")]
    Json(String),
    /// The request decoded but breaks an OTLP rule, such as an id of the wrong length.
    #[error("{0}")]
    Invalid(String),
}

impl DecodeError {
    /// A stable label for metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            DecodeError::UnsupportedEncoding(_) => "unsupported_encoding",
            DecodeError::UnsupportedMediaType(_) => "unsupported_media_type",
            DecodeError::TooLarge { .. } => "too_large",
            DecodeError::Decompress(_) => "bad_compression",
            DecodeError::Protobuf(_) => "bad_protobuf",
            DecodeError::Json(_) => "bad_json",
            DecodeError::Invalid(_) => "invalid_data",
        }
    }
}

fn media_type_message(value: &str) -> String {
    const SEND: &str = "send application/x-protobuf or application/json";
    if value.is_empty() {
        format!("the request has no Content-Type: {SEND}")
    } else {
        format!("Content-Type \"{value}\" is not supported: {SEND}")
    }
}

/// The protobuf message an export request of `signal` is, for error messages.
fn request_name(signal: Signal) -> &'static str {
    match signal {
        Signal::Traces => "ExportTraceServiceRequest",
        Signal::Metrics => "ExportMetricsServiceRequest",
        Signal::Logs => "ExportLogsServiceRequest",
    }
}
