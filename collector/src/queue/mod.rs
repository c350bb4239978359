//! Stage 6, queue: a bounded queue of batches in front of each exporter, worked by `num_consumers`
//! tasks that export with retries.
//!
//! A full queue makes the batch stage wait, which fills the pipeline's input channel, which makes the
//! receivers refuse with a retryable error: backpressure reaches the client instead of data being
//! dropped. Batches are given up only by policy (a permanent error, retries exhausted, or the shutdown
//! deadline), and each such item is counted.

pub mod disk;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus::IntCounter;
use tokio::sync::Mutex;
use tokio::task::JoinSet;
use tokio::time::Instant;
use weir_exporters::Exporter;
use weir_exporters::retry::{RetryError, RetryPolicy, send_with_retry};
use weir_proto::Signal;

use crate::channel::{self, Receiver, Sender};
use crate::pipeline::Batch;
use crate::telemetry::{ExporterMetrics, QueueMetrics, Telemetry};

/// The running queue of one exporter.
pub struct ExportQueue {
    id: String,
    workers: JoinSet<()>,
    input: Arc<Mutex<Receiver<Arc<Batch>>>>,
    in_flight: Arc<InFlight>,
    metrics: [ExporterMetrics; 3],
    exporter: Arc<dyn Exporter>,
}

/// The way into an exporter's queue.
#[derive(Clone)]
pub struct QueueInput {
    sender: Sender<Arc<Batch>>,
    dropped_shutdown: [IntCounter; 3],
}

impl QueueInput {
    /// Queues `batch`, waiting for room; once the queue has stopped at the shutdown deadline, counts
    /// the batch as dropped instead.
    pub async fn push(&self, batch: Arc<Batch>) {
        if let Err(batch) = self.sender.send(batch).await {
            self.dropped_shutdown[signal_index(batch.payload.signal())].inc_by(batch.items() as u64);
        }
    }
}

/// Items being exported right now, per signal, so the shutdown deadline can count what it cuts off.
#[derive(Default)]
struct InFlight([AtomicU64; 3]);

fn signal_index(signal: Signal) -> usize {
    match signal {
        Signal::Traces => 0,
        Signal::Metrics => 1,
        Signal::Logs => 2,
    }
}

impl ExportQueue {
    /// Starts `num_consumers` workers for `exporter`; batches go in through the returned sender.
    pub fn start(
        id: &str,
        exporter: Arc<dyn Exporter>,
        policy: RetryPolicy,
        queue_size: usize,
        num_consumers: usize,
        telemetry: &Telemetry,
    ) -> (ExportQueue, QueueInput) {
        let queue_metrics = telemetry.queue(id);
        queue_metrics
            .capacity
            .set(i64::try_from(queue_size).unwrap_or(i64::MAX));
        let (tx, rx) = channel::bounded(queue_size, queue_metrics.size.clone());
        let input = Arc::new(Mutex::new(rx));
        let metrics = Signal::ALL.map(|signal| telemetry.exporter(id, signal));
        let in_flight = Arc::new(InFlight::default());
        let policy = Arc::new(policy);
        let mut workers = JoinSet::new();
        for _ in 0..num_consumers.max(1) {
            workers.spawn(work(
                id.to_owned(),
                Arc::clone(&exporter),
                Arc::clone(&policy),
                Arc::clone(&input),
                Arc::clone(&in_flight),
                metrics.clone(),
                queue_metrics.clone(),
            ));
        }
        let dropped_shutdown = metrics.clone().map(|m| m.dropped_shutdown);
        let queue = ExportQueue {
            id: id.to_owned(),
            workers,
            input,
            in_flight,
            metrics,
            exporter,
        };
        (
            queue,
            QueueInput {
                sender: tx,
                dropped_shutdown,
            },
        )
    }

    /// Waits for the workers to export everything queued (they stop once every sender is gone and the
    /// queue is empty); at `deadline`, stops them and counts what was left as dropped. Then shuts the
    /// exporter down.
    pub async fn drain(mut self, deadline: Instant) {
        let finished = tokio::time::timeout_at(deadline, async {
            while self.workers.join_next().await.is_some() {}
        })
        .await;
        if finished.is_err() {
            self.workers.abort_all();
            while self.workers.join_next().await.is_some() {}
            let mut left = [0u64; 3];
            for (i, n) in self.in_flight.0.iter().enumerate() {
                left[i] += n.load(Ordering::Relaxed);
            }
            let mut input = self.input.lock().await;
            while let Some(batch) = input.try_recv() {
                left[signal_index(batch.payload.signal())] += batch.items() as u64;
            }
            for (metrics, n) in self.metrics.iter().zip(left) {
                metrics.dropped_shutdown.inc_by(n);
            }
            let total: u64 = left.iter().sum();
            tracing::warn!(message = "Shutdown deadline passed; dropped what was still queued.", exporter = %self.id, items = total);
        }
        if let Err(error) = self.exporter.shutdown().await {
            tracing::warn!(message = "Exporter shutdown failed.", %error, exporter = %self.id);
        }
    }
}

async fn work(
    id: String,
    exporter: Arc<dyn Exporter>,
    policy: Arc<RetryPolicy>,
    input: Arc<Mutex<Receiver<Arc<Batch>>>>,
    in_flight: Arc<InFlight>,
    metrics: [ExporterMetrics; 3],
    queue_metrics: QueueMetrics,
) {
    loop {
        // The lock is held only while waiting for the next batch, never while exporting.
        let next = input.lock().await.recv().await;
        let Some(batch) = next else { return };
        let signal = signal_index(batch.payload.signal());
        let items = batch.items() as u64;
        let m = &metrics[signal];
        in_flight.0[signal].fetch_add(items, Ordering::Relaxed);
        let started = Instant::now();
        let result = send_with_retry(exporter.as_ref(), Arc::clone(&batch.payload), &policy).await;
        queue_metrics
            .duration
            .observe(started.elapsed().as_secs_f64());
        in_flight.0[signal].fetch_sub(items, Ordering::Relaxed);
        match result {
            Ok(outcome) => {
                m.rejected.inc_by(outcome.rejected_items);
                m.sent.inc_by(items.saturating_sub(outcome.rejected_items));
            }
            Err(error) => {
                m.failed.inc_by(items);
                match error {
                    RetryError::Permanent { .. } => m.dropped_permanent.inc_by(items),
                    _ => m.dropped_retries.inc_by(items),
                }
                tracing::warn!(message = "Export failed; batch dropped.", %error, exporter = %id, items);
            }
        }
    }
}
