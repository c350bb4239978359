//! Reading an OTLP/gRPC answer: the status from headers or trailers, and the (possibly compressed)
//! response message, read within a bound.

use std::io::{self, Read};

use bytes::Bytes;
use http::header::HeaderValue;
use http_body_util::{BodyExt, Limited};
use tonic::{Code, Status};
use tracing::warn;
use weir_proto::Signal;

use crate::otlp::classify::{self, ExportResponse};
use crate::{ExportError, ExportOutcome};

use super::GRPC_ENCODING;
use super::frame::FRAME_HEADER;

/// Largest response read, before and after decompression; OTLP answers are tiny, and a misbehaving
/// server must not fill memory.
const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// Why an exchange failed: a gRPC status to classify, or an already classified error.
pub(super) enum Failure {
    Status(Status),
    Export(ExportError),
}

impl From<Status> for Failure {
    fn from(status: Status) -> Self {
        Failure::Status(status)
    }
}

impl From<ExportError> for Failure {
    fn from(error: ExportError) -> Self {
        Failure::Export(error)
    }
}

/// Reads the call's status and, when it is OK, the framed response message (empty if there was none).
pub(super) async fn read_response(
    response: http::Response<tonic::body::Body>,
) -> Result<Bytes, Failure> {
    let (parts, body) = response.into_parts();
    // A trailers-only answer carries its status in the headers, and nothing else.
    if let Some(status) = Status::from_header_map(&parts.headers) {
        return match status.code() {
            Code::Ok => Ok(Bytes::new()),
            _ => Err(status.into()),
        };
    }
    let collected = Limited::new(body, MAX_RESPONSE_BYTES)
        .collect()
        .await
        .map_err(Status::from_error)?;
    match collected.trailers().and_then(Status::from_header_map) {
        Some(status) if status.code() == Code::Ok => {}
        Some(status) => return Err(status.into()),
        None => return Err(status_from_http(parts.status).into()),
    }
    let framed = collected.to_bytes();
    match unframe(&framed, parts.headers.get(GRPC_ENCODING)) {
        Ok(message) => Ok(message),
        // The data was accepted; an answer we cannot read only loses the partial-success count.
        Err(error) => {
            warn!(message = "Destination accepted a batch with an unreadable response.", %error);
            Ok(Bytes::new())
        }
    }
}

/// The status of an answer without `grpc-status`, mapped from its HTTP status as gRPC specifies
/// (and as tonic does).
pub(super) fn status_from_http(status: http::StatusCode) -> Status {
    use http::StatusCode;
    let code = match status {
        StatusCode::OK => {
            return Status::unknown(
                "protocol error: missing grpc-status trailer (possible truncation by a proxy)",
            );
        }
        StatusCode::BAD_REQUEST => Code::Internal,
        StatusCode::UNAUTHORIZED => Code::Unauthenticated,
        StatusCode::FORBIDDEN => Code::PermissionDenied,
        StatusCode::NOT_FOUND => Code::Unimplemented,
        StatusCode::TOO_MANY_REQUESTS
        | StatusCode::BAD_GATEWAY
        | StatusCode::SERVICE_UNAVAILABLE
        | StatusCode::GATEWAY_TIMEOUT => Code::Unavailable,
        _ => Code::Unknown,
    };
    Status::new(
        code,
        format!(
            "grpc-status header missing, mapped from HTTP status code {}",
            status.as_u16()
        ),
    )
}

/// The outcome of an OK call whose response message is `message` (possibly empty).
pub(super) fn accepted<R: ExportResponse>(signal: Signal, message: Bytes) -> ExportOutcome {
    match R::decode(message) {
        Ok(response) => classify::accepted(signal, &response),
        Err(error) => {
            warn!(message = "Destination accepted a batch with an unreadable response.", %signal, %error);
            ExportOutcome::default()
        }
    }
}

/// The first message of a gRPC response body, decompressed as its `grpc-encoding` says.
pub(super) fn unframe(framed: &Bytes, encoding: Option<&HeaderValue>) -> io::Result<Bytes> {
    if framed.is_empty() {
        return Ok(Bytes::new());
    }
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let header = framed
        .get(..FRAME_HEADER)
        .ok_or_else(|| invalid("truncated gRPC message prefix"))?;
    let length = u32::from_be_bytes([header[1], header[2], header[3], header[4]]);
    let end = usize::try_from(length)
        .ok()
        .and_then(|length| length.checked_add(FRAME_HEADER))
        .filter(|&end| end <= framed.len())
        .ok_or_else(|| invalid("truncated gRPC message"))?;
    let message = framed.slice(FRAME_HEADER..end);
    match header[0] {
        0 => Ok(message),
        1 => match encoding.map(HeaderValue::as_bytes) {
            Some(b"zstd") => read_limited(zstd::stream::read::Decoder::new(&message[..])?),
            Some(b"gzip") => read_limited(flate2::read::GzDecoder::new(&message[..])),
            Some(other) => Err(invalid(&format!(
                "unsupported grpc-encoding {:?}",
                String::from_utf8_lossy(other)
            ))),
            None => Err(invalid("a compressed message without grpc-encoding")),
        },
        flag => Err(invalid(&format!("unknown gRPC message flag {flag}"))),
    }
}

/// Reads a decompressing reader to its end, refusing more than [`MAX_RESPONSE_BYTES`].
fn read_limited(reader: impl Read) -> io::Result<Bytes> {
    let mut out = Vec::new();
    let limit = u64::try_from(MAX_RESPONSE_BYTES).unwrap_or(u64::MAX);
    reader.take(limit + 1).read_to_end(&mut out)?;
    if out.len() > MAX_RESPONSE_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "decompressed response is too large",
        ));
    }
    Ok(out.into())
}

#[cfg(test)]
mod tests {
    use prost::Message;
    use weir_proto::otlp::collector::trace::v1::{
        ExportTracePartialSuccess, ExportTraceServiceResponse,
    };

    use super::*;

    #[test]
    fn compressed_responses_are_read() {
        let response = ExportTraceServiceResponse {
            partial_success: Some(ExportTracePartialSuccess {
                rejected_spans: 7,
                error_message: "too old".into(),
            }),
        };
        let encoded = response.encode_to_vec();
        let gzip = {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            std::io::Write::write_all(&mut encoder, &encoded).unwrap();
            encoder.finish().unwrap()
        };
        for (flag, encoding, body) in [
            (1, Some("zstd"), zstd::encode_all(&encoded[..], 3).unwrap()),
            (1, Some("gzip"), gzip),
            (0, None, encoded.clone()),
            (0, Some("zstd"), encoded.clone()),
        ] {
            let mut framed = vec![flag];
            framed.extend_from_slice(&u32::try_from(body.len()).unwrap().to_be_bytes());
            framed.extend_from_slice(&body);
            let encoding = encoding.map(HeaderValue::from_static);
            let message = unframe(&Bytes::from(framed), encoding.as_ref()).unwrap();
            let outcome = accepted::<ExportTraceServiceResponse>(Signal::Traces, message);
            assert_eq!(outcome.rejected_items, 7, "{encoding:?}");
        }
    }

    #[test]
    fn bad_responses_are_refused_without_panicking() {
        let zstd = HeaderValue::from_static("zstd");
        for (framed, encoding) in [
            (&b"\x01\x00\x00"[..], Some(&zstd)),
            (&b"\x00\x00\x00\x00\x09abc"[..], None),
            (&b"\x01\x00\x00\x00\x03abc"[..], Some(&zstd)),
            (&b"\x01\x00\x00\x00\x03abc"[..], None),
            (&b"\x02\x00\x00\x00\x00"[..], None),
        ] {
            assert!(unframe(&Bytes::from_static(framed), encoding).is_err());
        }
        // A decompression bomb stops at the limit.
        let bomb = zstd::encode_all(&vec![0; MAX_RESPONSE_BYTES + 1][..], 1).unwrap();
        let mut framed = vec![1];
        framed.extend_from_slice(&u32::try_from(bomb.len()).unwrap().to_be_bytes());
        framed.extend_from_slice(&bomb);
        assert!(unframe(&Bytes::from(framed), Some(&zstd)).is_err());
        assert!(unframe(&Bytes::new(), None).unwrap().is_empty());
    }
}
