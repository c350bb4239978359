//! The admin server: `/metrics` (weir's own telemetry, golden signals, samplers), `/healthz` (the
//! process runs), `/readyz` (receivers are listening and weir is not shutting down) and `/sampling`
//! (the samplers' targets and overrides, changed at run time).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

mod sampling;

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

async fn metrics(State(state): State<Arc<AdminState>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        render(&state),
    )
}

/// weir's own metrics, then the golden signals and the samplers'.
fn render(state: &AdminState) -> String {
    let mut text = state.telemetry.render(&state.budget);
    for stage in &state.golden {
        stage.signals().write_prometheus(&mut text);
    }
    for stage in &state.samplers {
        stage.write_prometheus(&mut text);
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
