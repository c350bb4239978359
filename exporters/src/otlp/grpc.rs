//! OTLP/gRPC: one lazily-connecting channel for all three services.
//!
//! Requests are encoded, compressed and framed here rather than by tonic's codec: tonic fixes gzip at
//! level 6 and zstd at level 3 and builds a new encoder per message, which made weir's gzip export
//! cost more CPU per span than rotel's. Low levels with a context kept per thread are much cheaper,
//! for somewhat larger requests. The request still goes through tonic's channel, so connection handling,
//! TLS, user agent and the `grpc-timeout` deadline are unchanged.

use std::cell::RefCell;
use std::future::poll_fn;
use std::io::{self, Cursor, Read};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use flate2::{Compress, Crc, FlushCompress};
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue, TE};
use http::{HeaderMap, Method, Request, Uri, Version};
use http_body_util::{BodyExt, Full, Limited};
use prost::Message;
use tonic::codegen::Service;
use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue, MetadataMap};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use tonic::{Code, Status};
use tracing::warn;
use weir_config::{Compression, OtlpExporterConfig};
use weir_proto::otlp::collector::logs::v1::ExportLogsServiceResponse;
use weir_proto::otlp::collector::metrics::v1::ExportMetricsServiceResponse;
use weir_proto::otlp::collector::trace::v1::ExportTraceServiceResponse;
use weir_proto::{Payload, Signal};

use super::classify::{self, ExportResponse};
use super::endpoint;
use super::tls::Tls;
use crate::{BuildError, ExportError, ExportOutcome};

const TRACES_PATH: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
const METRICS_PATH: &str = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
const LOGS_PATH: &str = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

const GRPC_ENCODING: HeaderName = HeaderName::from_static("grpc-encoding");
const GRPC_ACCEPT_ENCODING: HeaderName = HeaderName::from_static("grpc-accept-encoding");

/// The gRPC message prefix: a compressed flag and a big-endian length.
const FRAME_HEADER: usize = 5;

/// Largest response read, before and after decompression; OTLP answers are tiny, and a misbehaving
/// server must not fill memory.
const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// Largest encoding buffer a thread keeps between batches, so one huge batch does not pin its size.
const MAX_KEPT_SCRATCH: usize = 8 << 20;

/// zstd's fastest regular level: most of level 3's ratio on telemetry for much less CPU.
const ZSTD_LEVEL: i32 = 1;

/// Not 1: flate2's level 1 (miniz_oxide's fast path) made requests 60% larger than level 6 in the
/// rotel comparison, level 2 only 15% larger, for no more CPU (BENCHMARKS.md).
const GZIP_LEVEL: u32 = 2;

/// A client of the three OTLP gRPC services on one channel.
pub(crate) struct GrpcClient {
    origin: Uri,
    endpoint: Endpoint,
    /// Made on first use: a channel spawns its connection task, which needs a runtime that `new` may
    /// not have. It never connects eagerly, so weir starts while the destination is down.
    channel: OnceLock<Channel>,
    compression: Compression,
    /// Every request's headers, built once: the configured ones, the gRPC ones and the deadline.
    headers: HeaderMap,
    timeout: Duration,
}

impl GrpcClient {
    /// Checks `config` and prepares the channel without connecting.
    pub(crate) fn new(config: &OtlpExporterConfig) -> Result<Self, BuildError> {
        let origin = endpoint::grpc(&config.endpoint, config.tls.insecure)?;
        let mut endpoint = Endpoint::from(origin.clone()).connect_timeout(config.timeout);
        if origin.scheme_str() == Some("https") {
            endpoint = endpoint
                .tls_config(client_tls(&Tls::load(&config.tls)?))
                .map_err(|e| BuildError::Tls(classify::error_chain(&e)))?;
        }
        Ok(GrpcClient {
            origin,
            endpoint,
            channel: OnceLock::new(),
            compression: config.compression,
            headers: request_headers(config)?,
            timeout: config.timeout,
        })
    }

    /// Sends `batch` to its signal's service.
    pub(crate) async fn export(&self, batch: Arc<Payload>) -> Result<ExportOutcome, ExportError> {
        match batch.signal() {
            Signal::Traces => {
                self.call::<ExportTraceServiceResponse>(&batch, TRACES_PATH)
                    .await
            }
            Signal::Metrics => {
                self.call::<ExportMetricsServiceResponse>(&batch, METRICS_PATH)
                    .await
            }
            Signal::Logs => {
                self.call::<ExportLogsServiceResponse>(&batch, LOGS_PATH)
                    .await
            }
        }
    }

    fn channel(&self) -> Channel {
        self.channel
            .get_or_init(|| self.endpoint.connect_lazy())
            .clone()
    }

    async fn call<R: ExportResponse>(
        &self,
        batch: &Payload,
        path: &'static str,
    ) -> Result<ExportOutcome, ExportError> {
        let signal = batch.signal();
        let body = frame(batch, self.compression).map_err(|e| ExportError::Permanent {
            reason: format!("encoding the export request: {e}"),
        })?;
        let mut request = Request::new(tonic::body::Body::new(Full::new(body)));
        *request.method_mut() = Method::POST;
        // The channel adds the scheme and authority of its endpoint.
        *request.uri_mut() = Uri::from_static(path);
        *request.version_mut() = Version::HTTP_2;
        *request.headers_mut() = self.headers.clone();

        let mut channel = self.channel();
        let exchange = async {
            poll_fn(|cx| channel.poll_ready(cx))
                .await
                .map_err(|e| ExportError::Retryable {
                    reason: format!(
                        "gRPC channel to {} is not ready: {}",
                        self.origin,
                        classify::error_chain(&e)
                    ),
                    retry_after: None,
                })?;
            let response = channel
                .call(request)
                .await
                .map_err(|e| Status::from_error(Box::new(e)))?;
            read_response(response).await
        };
        let message = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| ExportError::Retryable {
                reason: format!("no answer from {} within {:?}", self.origin, self.timeout),
                retry_after: None,
            })?
            .map_err(|e| match e {
                Failure::Status(status) => classify::grpc_status(&self.origin, &status),
                Failure::Export(error) => error,
            })?;
        Ok(accepted::<R>(signal, message))
    }
}

/// Why an exchange failed: a gRPC status to classify, or an already classified error.
enum Failure {
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
async fn read_response(response: http::Response<tonic::body::Body>) -> Result<Bytes, Failure> {
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
fn status_from_http(status: http::StatusCode) -> Status {
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
fn accepted<R: ExportResponse>(signal: Signal, message: Bytes) -> ExportOutcome {
    match R::decode(message) {
        Ok(response) => classify::accepted(signal, &response),
        Err(error) => {
            warn!(message = "Destination accepted a batch with an unreadable response.", %signal, %error);
            ExportOutcome::default()
        }
    }
}

/// The first message of a gRPC response body, decompressed as its `grpc-encoding` says.
fn unframe(framed: &Bytes, encoding: Option<&HeaderValue>) -> io::Result<Bytes> {
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

/// What each thread keeps between batches, so encoding a batch allocates only its output.
#[derive(Default)]
struct Scratch {
    encoded: Vec<u8>,
    zstd: Option<zstd::bulk::Compressor<'static>>,
    deflate: Option<Compress>,
}

thread_local! {
    // Per thread rather than per exporter: the work is synchronous and never crosses an await, so
    // it needs no lock, and a tokio worker serves every exporter.
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

/// Appends the thread's encoded request, compressed, to a frame.
type CompressInto = fn(&mut Scratch, &mut Vec<u8>) -> io::Result<()>;

/// `payload` as one gRPC message: the compressed flag, the length and the (compressed) request.
fn frame(payload: &Payload, compression: Compression) -> io::Result<Bytes> {
    let length = match payload {
        Payload::Traces(request) => request.encoded_len(),
        Payload::Metrics(request) => request.encoded_len(),
        Payload::Logs(request) => request.encoded_len(),
    };
    let compress: Option<CompressInto> = match compression {
        Compression::Zstd => Some(zstd_into),
        Compression::Gzip => Some(gzip_into),
        Compression::None => None,
    };
    let mut frame = Vec::new();
    match compress {
        None => {
            frame.reserve_exact(FRAME_HEADER + length);
            frame.extend_from_slice(&[0; FRAME_HEADER]);
            encode(payload, &mut frame)?;
        }
        Some(compress) => SCRATCH.with_borrow_mut(|scratch| {
            scratch.encoded.clear();
            scratch.encoded.reserve(length);
            encode(payload, &mut scratch.encoded)?;
            frame.extend_from_slice(&[1, 0, 0, 0, 0]);
            let compressed = compress(scratch, &mut frame);
            if scratch.encoded.capacity() > MAX_KEPT_SCRATCH {
                scratch.encoded = Vec::new();
            }
            compressed
        })?,
    }
    let length = u32::try_from(frame.len() - FRAME_HEADER).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the request is larger than a gRPC message may be (4 GiB)",
        )
    })?;
    frame[1..FRAME_HEADER].copy_from_slice(&length.to_be_bytes());
    Ok(frame.into())
}

fn encode(payload: &Payload, buf: &mut Vec<u8>) -> io::Result<()> {
    match payload {
        Payload::Traces(request) => request.encode(buf),
        Payload::Metrics(request) => request.encode(buf),
        Payload::Logs(request) => request.encode(buf),
    }
    .map_err(io::Error::other)
}

/// Appends `scratch.encoded` compressed by zstd to `out`.
fn zstd_into(scratch: &mut Scratch, out: &mut Vec<u8>) -> io::Result<()> {
    let compressor = match &mut scratch.zstd {
        Some(compressor) => compressor,
        None => scratch
            .zstd
            .insert(zstd::bulk::Compressor::new(ZSTD_LEVEL)?),
    };
    out.reserve_exact(zstd::zstd_safe::compress_bound(scratch.encoded.len()));
    // Writing through a cursor past the prefix compresses straight into the frame, with no copy.
    let start = out.len();
    let mut cursor = Cursor::new(std::mem::take(out));
    cursor.set_position(u64::try_from(start).unwrap_or(u64::MAX));
    let written = compressor.compress_to_buffer(&scratch.encoded[..], &mut cursor);
    *out = cursor.into_inner();
    written.map(drop)
}

/// gzip's header for a deflate stream with no name, time or comment.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// Appends `scratch.encoded` as a gzip member to `out`, reusing the thread's deflate state
/// (flate2's gzip writer would build a new one, with its tables, for every request).
fn gzip_into(scratch: &mut Scratch, out: &mut Vec<u8>) -> io::Result<()> {
    let input = &scratch.encoded[..];
    let deflate = scratch
        .deflate
        .get_or_insert_with(|| Compress::new(flate2::Compression::new(GZIP_LEVEL), false));
    deflate.reset();
    out.extend_from_slice(&GZIP_HEADER);
    // Room for incompressible input (stored blocks cost 5 bytes per 64 KiB) and the trailer.
    out.reserve(input.len() + input.len() / 1024 + 64);
    let mut consumed = 0;
    loop {
        let before = deflate.total_in();
        let status = deflate
            .compress_vec(&input[consumed..], out, FlushCompress::Finish)
            .map_err(io::Error::other)?;
        consumed += usize::try_from(deflate.total_in() - before).unwrap_or(usize::MAX);
        match status {
            flate2::Status::StreamEnd => break,
            flate2::Status::Ok | flate2::Status::BufError => out.reserve(out.capacity().max(64)),
        }
    }
    let mut crc = Crc::new();
    crc.update(input);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    // ISIZE is the input's length modulo 2^32.
    out.extend_from_slice(&crc.amount().to_le_bytes());
    Ok(())
}

fn client_tls(tls: &Tls) -> ClientTlsConfig {
    let config = match &tls.ca {
        Some(ca) => ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&ca.bytes)),
        None => ClientTlsConfig::new().with_webpki_roots(),
    };
    let config = match &tls.identity {
        Some(identity) => config.identity(tonic::transport::Identity::from_pem(
            &identity.chain.bytes,
            &identity.key.bytes,
        )),
        None => config,
    };
    match &tls.server_name {
        Some(name) => config.domain_name(name),
        None => config,
    }
}

/// The headers of every request: the configured ones, then gRPC's, which take precedence.
fn request_headers(config: &OtlpExporterConfig) -> Result<HeaderMap, BuildError> {
    let mut request = tonic::Request::new(());
    *request.metadata_mut() = metadata(config)?;
    // Tells the server our deadline (`grpc-timeout`), so it can stop work we no longer wait for; the
    // channel also enforces it.
    request.set_timeout(config.timeout);
    let mut headers = request.metadata().clone().into_headers();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
    headers.insert(TE, HeaderValue::from_static("trailers"));
    headers.insert(
        GRPC_ACCEPT_ENCODING,
        HeaderValue::from_static("zstd,gzip,identity"),
    );
    match config.compression {
        Compression::Zstd => {
            headers.insert(GRPC_ENCODING, HeaderValue::from_static("zstd"));
        }
        Compression::Gzip => {
            headers.insert(GRPC_ENCODING, HeaderValue::from_static("gzip"));
        }
        Compression::None => {
            headers.remove(GRPC_ENCODING);
        }
    }
    Ok(headers)
}

fn metadata(config: &OtlpExporterConfig) -> Result<MetadataMap, BuildError> {
    let mut metadata = MetadataMap::new();
    for (name, value) in &config.headers {
        let invalid = |reason: String| BuildError::Header {
            name: name.clone(),
            reason,
        };
        let key = AsciiMetadataKey::from_bytes(name.as_bytes()).map_err(|e| {
            invalid(format!(
                "is not a valid ASCII metadata key ({e}); binary `-bin` keys are not supported"
            ))
        })?;
        let value = AsciiMetadataValue::try_from(value.as_str())
            .map_err(|e| invalid(format!("the value must be visible ASCII ({e})")))?;
        metadata.insert(key, value);
    }
    Ok(metadata)
}

#[cfg(test)]
mod tests {
    use weir_proto::otlp::collector::trace::v1::{
        ExportTracePartialSuccess, ExportTraceServiceRequest,
    };

    use super::*;
    use crate::fixtures::{log, metrics, traces};

    /// Reads back what `frame` made, as a server would.
    fn unframe_request(framed: &[u8], compression: Compression) -> Vec<u8> {
        let length = u32::from_be_bytes(framed[1..5].try_into().unwrap());
        let message = &framed[5..];
        assert_eq!(message.len(), length as usize);
        match compression {
            Compression::None => {
                assert_eq!(framed[0], 0);
                message.to_vec()
            }
            Compression::Zstd => {
                assert_eq!(framed[0], 1);
                zstd::decode_all(message).unwrap()
            }
            Compression::Gzip => {
                assert_eq!(framed[0], 1);
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(message)
                    .read_to_end(&mut out)
                    .unwrap();
                out
            }
        }
    }

    #[test]
    fn requests_round_trip_through_every_compression() {
        let big = traces(2_000);
        for compression in [Compression::Zstd, Compression::Gzip, Compression::None] {
            // Twice, so the second batch reuses the thread's compressor.
            for payload in [traces(3), metrics(4), log("hello"), big.clone(), traces(1)] {
                let framed = frame(&payload, compression).unwrap();
                let message = unframe_request(&framed, compression);
                let decoded = match payload.signal() {
                    Signal::Traces => Payload::Traces(
                        ExportTraceServiceRequest::decode(message.as_slice()).unwrap(),
                    ),
                    Signal::Metrics => {
                        Payload::Metrics(prost::Message::decode(&message[..]).unwrap())
                    }
                    Signal::Logs => Payload::Logs(prost::Message::decode(&message[..]).unwrap()),
                };
                assert_eq!(decoded, payload, "{compression:?}");
            }
        }
        let zstd = frame(&big, Compression::Zstd).unwrap().len();
        let none = frame(&big, Compression::None).unwrap().len();
        assert!(zstd < none / 2, "zstd {zstd} bytes, uncompressed {none}");
    }

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
