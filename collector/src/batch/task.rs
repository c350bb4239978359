//! The batch stage's task: feeds its input channel into a [`Batcher`] and its batches to the exporter
//! queues, waiting when a queue is full so that a slow exporter pushes back to the receivers.

use std::sync::Arc;

use tokio::time::Instant;

use super::batcher::{Batcher, Trigger};
use crate::channel::Receiver;
use crate::pipeline::{Batch, Envelope};
use crate::queue::QueueInput;
use crate::telemetry::BatchMetrics;

/// Runs until every sender of `input` is gone, then flushes what is pending and returns, dropping the
/// queue senders so the exporters can drain.
pub async fn run(
    mut input: Receiver<Envelope>,
    mut batcher: Batcher,
    outputs: Vec<QueueInput>,
    metrics: BatchMetrics,
) {
    loop {
        let deadline = batcher.deadline();
        tokio::select! {
            biased;
            // An expired timer comes first so a steady stream of small requests cannot starve it.
            () = sleep_until(deadline), if deadline.is_some() => {
                for batch in batcher.take() {
                    emit(batch, Trigger::Timeout, &outputs, &metrics).await;
                }
            }
            received = input.recv() => match received {
                Some(envelope) => {
                    for batch in batcher.offer(envelope, Instant::now().into_std()) {
                        emit(batch, Trigger::Size, &outputs, &metrics).await;
                    }
                }
                // Every receiver has stopped: what is pending is all there will be.
                None => break,
            },
        }
    }
    for batch in batcher.take() {
        emit(batch, Trigger::Shutdown, &outputs, &metrics).await;
    }
}

async fn sleep_until(deadline: Option<std::time::Instant>) {
    if let Some(deadline) = deadline {
        tokio::time::sleep_until(Instant::from_std(deadline)).await;
    }
}

async fn emit(
    mut envelope: Envelope,
    trigger: Trigger,
    outputs: &[QueueInput],
    metrics: &BatchMetrics,
) {
    if envelope.items() == 0 {
        return;
    }
    metrics.size.observe(envelope.items() as f64);
    match trigger {
        Trigger::Size => metrics.by_size.inc(),
        Trigger::Timeout => metrics.by_timeout.inc(),
        Trigger::Shutdown => metrics.by_shutdown.inc(),
    }
    // Clients behind a trace buffer wait for their spans to be in the disk queues: answered once
    // every queue has the batch.
    let pending = std::mem::take(&mut envelope.pending);
    let batch = Arc::new(Batch::from(envelope));
    for output in outputs {
        output.push(Arc::clone(&batch)).await;
    }
    drop(pending);
}
