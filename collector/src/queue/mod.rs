//! Stage 6, queue: a bounded queue of batches in front of each exporter, worked by `num_consumers`
//! tasks that export with retries.
//!
//! A full queue makes the batch stage wait, which fills the pipeline's input channel, which makes the
//! receivers refuse with a retryable error: backpressure reaches the client instead of data being
//! dropped. Batches are given up only by policy (a permanent error, retries exhausted, or the shutdown
//! deadline), and each such item is counted.

pub mod disk;
pub mod durable;

pub use durable::{DurableInput, DurableQueue};

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus::IntCounter;
use tokio::sync::Mutex;
use tokio::task::JoinSet;
use tokio::time::Instant;
use weir_exporters::retry::{RetryError, RetryPolicy, send_with_retry};
use weir_exporters::{ExportOutcome, Exporter};
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

/// The way into an exporter's queue, for a batch stage.
#[derive(Clone)]
pub enum QueueInput {
    /// A queue in memory.
    Memory {
        /// The queue.
        sender: Sender<Arc<Batch>>,
        /// Counts batches that arrive after the queue stopped at the shutdown deadline.
        dropped_shutdown: [IntCounter; 3],
    },
    /// A queue on disk.
    Disk(DurableInput),
}

impl QueueInput {
    /// Queues `batch`, waiting for room; once a memory queue has stopped at the shutdown deadline,
    /// counts the batch as dropped instead.
    pub async fn push(&self, batch: Arc<Batch>) {
        match self {
            QueueInput::Memory {
                sender,
                dropped_shutdown,
            } => {
                if let Err(batch) = sender.send(batch).await {
                    dropped_shutdown[signal_index(batch.payload.signal())]
                        .inc_by(batch.items() as u64);
                }
            }
            QueueInput::Disk(input) => input.append_waiting(&batch.payload).await,
        }
    }
}

/// Items being exported right now, per signal, so the shutdown deadline can count what it cuts off.
#[derive(Default)]
struct InFlight([AtomicU64; 3]);

/// The index of `signal` in per-signal arrays.
pub(crate) fn signal_index(signal: Signal) -> usize {
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
            QueueInput::Memory {
                sender: tx,
                dropped_shutdown,
            },
        )
    }

    /// Waits for the workers to export everything queued (they stop once every sender is gone and the
    /// queue is empty); at `deadline`, stops them and counts what was left as dropped. Then shuts the
    /// exporter down.
    pub async fn drain(mut self, deadline: Instant) {
        if !join_until(&mut self.workers, deadline).await {
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
        shut_down(&self.id, self.exporter.as_ref()).await;
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
        count_outcome(&id, m, items, result);
    }
}

/// Counts how the export of a batch of `items` ended, logging a batch given up on.
pub(crate) fn count_outcome(
    id: &str,
    m: &ExporterMetrics,
    items: u64,
    result: Result<ExportOutcome, RetryError>,
) {
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

/// Waits for `workers` to end; at `deadline`, stops those still running and returns false.
pub(crate) async fn join_until(workers: &mut JoinSet<()>, deadline: Instant) -> bool {
    let finished = tokio::time::timeout_at(deadline, async {
        while workers.join_next().await.is_some() {}
    })
    .await;
    if finished.is_err() {
        workers.abort_all();
        while workers.join_next().await.is_some() {}
    }
    finished.is_ok()
}

/// Shuts `exporter` down, logging a failure.
pub(crate) async fn shut_down(id: &str, exporter: &dyn Exporter) {
    if let Err(error) = exporter.shutdown().await {
        tracing::warn!(message = "Exporter shutdown failed.", %error, exporter = %id);
    }
}
