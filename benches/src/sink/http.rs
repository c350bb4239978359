//! The admin server (`GET /counts`, `POST /reset`) and OTLP/HTTP (protobuf only).

use std::future::Future;
use std::io::Read;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderMap, StatusCode, header};
use prost::Message;
use weir_proto::Signal;
use weir_proto::otlp::collector::logs::v1::ExportLogsServiceResponse;
use weir_proto::otlp::collector::metrics::v1::ExportMetricsServiceResponse;
use weir_proto::otlp::collector::trace::v1::ExportTraceServiceResponse;

use super::{Counts, CountsSnapshot, MAX_MESSAGE_BYTES, walk};

/// Serves `router` on `listener` until `shutdown` completes.
pub(super) async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

/// `GET /counts` (JSON), `POST /reset` (answers the counts it zeroed), `GET /healthz`.
pub(super) fn admin_router(counts: Arc<Counts>) -> Router {
    Router::new()
        .route(
            "/counts",
            get(|State(c): State<Arc<Counts>>| async move { json(c.snapshot()) }),
        )
        .route(
            "/reset",
            post(|State(c): State<Arc<Counts>>| async move { json(c.reset()) }),
        )
        .route("/healthz", get(|| async { "ok\n" }))
        .with_state(counts)
}

fn json(counts: CountsSnapshot) -> Response {
    match serde_json::to_string(&counts) {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body + "\n").into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

/// `POST /v1/traces`, `/v1/metrics` and `/v1/logs` with `application/x-protobuf` bodies.
pub(super) fn otlp_router(counts: Arc<Counts>) -> Router {
    Router::new()
        .route(
            "/v1/traces",
            post(
                |State(c): State<Arc<Counts>>, h: HeaderMap, b: Bytes| async move {
                    export(&c, Signal::Traces, &h, &b)
                },
            ),
        )
        .route(
            "/v1/metrics",
            post(
                |State(c): State<Arc<Counts>>, h: HeaderMap, b: Bytes| async move {
                    export(&c, Signal::Metrics, &h, &b)
                },
            ),
        )
        .route(
            "/v1/logs",
            post(
                |State(c): State<Arc<Counts>>, h: HeaderMap, b: Bytes| async move {
                    export(&c, Signal::Logs, &h, &b)
                },
            ),
        )
        .layer(DefaultBodyLimit::max(MAX_MESSAGE_BYTES))
        .with_state(counts)
}

/// Counts one OTLP/HTTP request and answers with the signal's empty protobuf response.
fn export(counts: &Counts, signal: Signal, headers: &HeaderMap, body: &[u8]) -> Response {
    counts.record_wire(body.len());
    let answer = decompress(headers, body).and_then(|message| {
        walk::count_items(signal, &message)
            .map(|items| counts.record(signal, items, message.len()))
            .map_err(|error| (StatusCode::BAD_REQUEST, error.to_string()))
    });
    if let Err(refusal) = answer {
        counts.record_bad();
        return refusal.into_response();
    }
    let response = match signal {
        Signal::Traces => ExportTraceServiceResponse::default().encode_to_vec(),
        Signal::Metrics => ExportMetricsServiceResponse::default().encode_to_vec(),
        Signal::Logs => ExportLogsServiceResponse::default().encode_to_vec(),
    };
    ([(header::CONTENT_TYPE, "application/x-protobuf")], response).into_response()
}

/// The request's protobuf bytes: checks the media type and undoes `Content-Encoding`.
fn decompress(headers: &HeaderMap, body: &[u8]) -> Result<Vec<u8>, (StatusCode, String)> {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    let media_type = header(header::CONTENT_TYPE);
    if !media_type.starts_with("application/x-protobuf") {
        return Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("the sink counts application/x-protobuf only, not {media_type:?}"),
        ));
    }
    let limit = MAX_MESSAGE_BYTES as u64 + 1;
    let mut message = Vec::new();
    let read = match header(header::CONTENT_ENCODING).as_str() {
        "" | "identity" => {
            message.extend_from_slice(body);
            Ok(body.len())
        }
        "gzip" => flate2::read::GzDecoder::new(body)
            .take(limit)
            .read_to_end(&mut message),
        "zstd" => zstd::stream::read::Decoder::new(body)
            .and_then(|d| d.take(limit).read_to_end(&mut message)),
        other => {
            return Err((
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("unsupported Content-Encoding {other:?}"),
            ));
        }
    };
    match read {
        Err(error) => Err((StatusCode::BAD_REQUEST, format!("decompressing: {error}"))),
        Ok(_) if message.len() > MAX_MESSAGE_BYTES => Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            "message over the limit".to_owned(),
        )),
        Ok(_) => Ok(message),
    }
}
