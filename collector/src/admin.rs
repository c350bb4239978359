//! The admin server: `/metrics` (weir's own telemetry, golden signals, samplers), `/healthz` (the
//! process runs), `/readyz` (receivers are listening and weir is not shutting down) and `/sampling`
//! (the samplers' targets and overrides, changed at run time).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

mod openmetrics;
mod sampling;

use weir_sampler::exposition::Format;

use crate::admission::MemoryBudget;
use crate::golden::GoldenStage;
use crate::sample::SampleStage;
use crate::telemetry::Telemetry;

/// What the admin endpoints read.
pub struct AdminState {
    /// weir's metrics.
    pub telemetry: Telemetry,
    /// The byte budget, reported as gauges.
    pub budget: Arc<MemoryBudget>,
    /// The golden signals, computed from spans.
    pub golden: Vec<Arc<GoldenStage>>,
    /// The adaptive samplers.
    pub samplers: Vec<Arc<SampleStage>>,
    /// Set once every receiver listens; cleared when shutdown begins.
    pub ready: AtomicBool,
}

/// Serves the admin endpoints on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AdminState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/sampling", get(sampling::read).put(sampling::change))
        .with_state(state);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn metrics(State(state): State<Arc<AdminState>>, headers: HeaderMap) -> impl IntoResponse {
    if openmetrics::wanted(&headers) {
        return (
            [(header::CONTENT_TYPE, openmetrics::CONTENT_TYPE)],
            render(&state, Format::OpenMetrics),
        );
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        render(&state, Format::Prometheus),
    )
}

/// weir's own metrics, then the golden signals and the samplers', in `format`.
fn render(state: &AdminState, format: Format) -> String {
    let own = state.telemetry.render(&state.budget);
    let mut text = match format {
        Format::Prometheus => own,
        Format::OpenMetrics => openmetrics::from_text(&own),
    };
    for stage in &state.golden {
        stage.signals().write(&mut text, format);
    }
    for stage in &state.samplers {
        stage.write(&mut text, format);
    }
    if format == Format::OpenMetrics {
        text.push_str("# EOF\n");
    }
    text
}

async fn ready(State(state): State<Arc<AdminState>>) -> impl IntoResponse {
    if state.ready.load(Ordering::Relaxed) {
        (StatusCode::OK, "ready\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready\n")
    }
}
