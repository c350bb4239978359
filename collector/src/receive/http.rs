//! OTLP/HTTP: `POST /v1/traces`, `/v1/metrics` and `/v1/logs`, protobuf or JSON, optionally compressed.
//!
//! The order of checks is the cheapest first: content type and encoding from the headers, the budget,
//! the declared length; then the body is read with its bytes charged to the budget as they arrive, and
//! only then decompressed (within the size limit) and decoded.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::serve::ListenerExt;
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use weir_config::HttpServerConfig;
use weir_proto::Signal;

use super::{RETRY_AFTER_SECS, Refusal, Routes, SignalRoute};
use crate::admission::Reservation;
use crate::decode::{self, ContentEncoding, DecodeError, Format};

/// Serves OTLP/HTTP on `listener` until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: &HttpServerConfig,
    routes: Routes,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let max_body = usize::try_from(config.max_request_body_size).unwrap_or(usize::MAX);
    let mut router = Router::new();
    for signal in Signal::ALL {
        if let Some(route) = routes.get(signal) {
            let state = Arc::new(Endpoint {
                signal,
                route: route.clone(),
                max_body,
            });
            router = router.route(&format!("/v1/{signal}"), post(export).with_state(state));
        }
    }
    // As on gRPC: no Nagle delay behind a small response.
    let listener = listener.tap_io(|stream| {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY on an OTLP/HTTP connection");
        }
    });
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

struct Endpoint {
    signal: Signal,
    route: SignalRoute,
    max_body: usize,
}

/// A failed request: its status, the message for the client, and the body format to answer in.
struct Failure {
    status: StatusCode,
    message: String,
    format: Option<Format>,
    retry_after: bool,
}

impl Failure {
    fn bad(error: &DecodeError, format: Option<Format>) -> Failure {
        let status = match error {
            DecodeError::UnsupportedEncoding(_) | DecodeError::UnsupportedMediaType(_) => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            DecodeError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        };
        Failure {
            status,
            message: error.to_string(),
            format,
            retry_after: false,
        }
    }

    fn refused(refusal: Refusal, format: Format) -> Failure {
        let status = match refusal {
            Refusal::PipelineFull | Refusal::QueueFull => StatusCode::TOO_MANY_REQUESTS,
            Refusal::MemoryLimit | Refusal::ShuttingDown | Refusal::QueueFailed => {
                StatusCode::SERVICE_UNAVAILABLE
            }
        };
        Failure {
            status,
            message: refusal.to_string(),
            format: Some(format),
            retry_after: true,
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut response = match self.format {
            // The OTLP/HTTP spec: an error body is a google.rpc.Status in the request's encoding.
            Some(format) => {
                let body = decode::encode_status(format, grpc_code(self.status), &self.message);
                (
                    self.status,
                    [(header::CONTENT_TYPE, format.content_type())],
                    body,
                )
                    .into_response()
            }
            None => (self.status, self.message).into_response(),
        };
        if self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        }
        response
    }
}

/// The gRPC code matching an HTTP status, for the Status body.
fn grpc_code(status: StatusCode) -> i32 {
    let code = match status {
        StatusCode::BAD_REQUEST => tonic::Code::InvalidArgument,
        StatusCode::PAYLOAD_TOO_LARGE | StatusCode::TOO_MANY_REQUESTS => {
            tonic::Code::ResourceExhausted
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => tonic::Code::Unimplemented,
        _ => tonic::Code::Unavailable,
    };
    code as i32
}

async fn export(State(endpoint): State<Arc<Endpoint>>, headers: HeaderMap, body: Body) -> Response {
    match handle(&endpoint, &headers, body).await {
        Ok(format) => {
            let body = decode::encode_response(format, endpoint.signal, 0, "");
            ([(header::CONTENT_TYPE, format.content_type())], body).into_response()
        }
        Err(failure) => failure.into_response(),
    }
}

async fn handle(endpoint: &Endpoint, headers: &HeaderMap, body: Body) -> Result<Format, Failure> {
    let route = &endpoint.route;
    let header_str = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let rejected = |error: DecodeError, format: Option<Format>| {
        route.metrics.bad_request(error.reason());
        Failure::bad(&error, format)
    };
    let format = Format::from_content_type(header_str(header::CONTENT_TYPE))
        .map_err(|e| rejected(e, None))?;
    let encoding = ContentEncoding::from_header(header_str(header::CONTENT_ENCODING))
        .map_err(|e| rejected(e, Some(format)))?;
    route.admit().map_err(|r| Failure::refused(r, format))?;
    let too_large = DecodeError::TooLarge {
        limit: endpoint.max_body,
    };
    let declared = header_str(header::CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > endpoint.max_body as u64) {
        return Err(rejected(too_large, Some(format)));
    }
    let mut reservation = route.budget.reserve(0);
    let wire = read_body(body, endpoint.max_body, &mut reservation)
        .await
        .map_err(|e| rejected(e, Some(format)))?;
    let plain = decode::decompress(encoding, wire, endpoint.max_body)
        .map_err(|e| rejected(e, Some(format)))?;
    if encoding != ContentEncoding::Identity {
        reservation.grow(plain.len());
    }
    let held = route
        .reserve_body(plain.len())
        .map_err(|r| Failure::refused(r, format))?;
    let payload =
        decode::decode(endpoint.signal, format, &plain).map_err(|e| rejected(e, Some(format)))?;
    // The body's own bytes go back to the budget when `reservation` drops at the end of this function.
    route
        .accept(payload, held)
        .await
        .map_err(|r| Failure::refused(r, format))?;
    Ok(format)
}

/// Reads the whole body, charging each chunk to `reservation`, failing once it passes `max` bytes.
async fn read_body(
    mut body: Body,
    max: usize,
    reservation: &mut Reservation,
) -> Result<Bytes, DecodeError> {
    // Most bodies arrive as one chunk: it is kept as it is, and only a body in several chunks is
    // copied into one buffer.
    let mut first: Option<Bytes> = None;
    let mut joined = BytesMut::new();
    let mut len = 0;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            DecodeError::Decompress(format!("reading the request body failed: {e}"))
        })?;
        let Ok(chunk) = frame.into_data() else {
            continue;
        };
        len += chunk.len();
        if len > max {
            return Err(DecodeError::TooLarge { limit: max });
        }
        reservation.grow(chunk.len());
        match first.take() {
            None if joined.is_empty() => first = Some(chunk),
            earlier => {
                if let Some(earlier) = earlier {
                    joined.extend_from_slice(&earlier);
                }
                joined.extend_from_slice(&chunk);
            }
        }
    }
    Ok(first.unwrap_or_else(|| joined.freeze()))
}
