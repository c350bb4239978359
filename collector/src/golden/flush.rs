//! The golden signals as a source of metrics pipelines, as the spanmetrics connector is: every
//! `metrics_flush_interval`, a snapshot of every series goes into the pipelines that list the
//! golden_signals processor among their receivers, admitted exactly as a receiver's request is.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use weir_proto::{Encoded, Payload};

use super::GoldenStage;
use crate::receive::SignalRoute;

/// Until `stop` is cancelled, offers `stage`'s series to `route` every `interval`, and once more
/// when stopped so the pipelines drain the final counts.
///
/// Values are cumulative, so a snapshot refused (memory budget spent, pipeline full) loses nothing
/// the next one does not carry: it is counted with the route's refusals, logged and not retried.
pub async fn flush_until(
    stage: Arc<GoldenStage>,
    route: SignalRoute,
    interval: Duration,
    stop: CancellationToken,
) {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => {
                flush(&stage, &route).await;
                return;
            }
            _ = ticks.tick() => flush(&stage, &route).await,
        }
    }
}

/// Offers one snapshot of `stage` to `route`.
async fn flush(stage: &GoldenStage, route: &SignalRoute) {
    let payload = Payload::Metrics(stage.to_otlp());
    if payload.item_count() == 0 {
        return;
    }
    let request = match Encoded::from_payload(&payload) {
        Ok(request) => request,
        Err(error) => {
            tracing::error!(message = "Golden signals could not be encoded as OTLP metrics.", %error);
            return;
        }
    };
    let accepted = match route.reserve_body(request.encoded_len()) {
        Ok(reservation) => route.accept(request, reservation).await,
        Err(refusal) => Err(refusal),
    };
    if let Err(refusal) = accepted {
        tracing::warn!(
            message = "Golden-signal metrics refused; the next flush carries the same cumulative values.",
            %refusal
        );
    }
}
