//! Stage 6 with `storage: disk`: an exporter's queue kept in a [`DiskQueue`], so that nothing weir
//! has acknowledged lives only in memory.
//!
//! Requests go in through [`DurableInput::append`], which resolves once they are durable under the
//! queue's `fsync` policy. In a pipeline without a trace-mode sampler the receiver appends each
//! request itself (after sampling) and answers the client only then, so no request waits in a
//! batch unprotected; with a trace-mode sampler, spans wait in memory for their trace's decision and
//! the batch stage appends what is kept. Workers read records back in order, gather those already
//! read into one batch (`worker.rs`), export it with retries, and ack its records once it is done:
//! exported, or given up on by policy. At shutdown they go on until the queue is empty or the
//! deadline passes; a batch cut off there is not acked, and whatever is still queued is sent at
//! the next start.

mod record;
mod worker;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use weir_config::{DiskQueueConfig, FsyncPolicy};
use weir_exporters::Exporter;
use weir_exporters::retry::RetryPolicy;
use weir_proto::{Encoded, Signal};

use super::disk::{self, DiskQueue, DiskQueueError, DiskQueueOptions, Fsync};
use crate::telemetry::{DiskQueueMetrics, Telemetry};

/// Records each worker may have read ahead of its exports.
const READ_AHEAD_PER_WORKER: usize = 4;
/// Wait before a batch stage tries a failed append again.
const APPEND_RETRY: Duration = Duration::from_secs(1);
/// How often the queue's size and damage counters are copied into the metrics.
const STATS_INTERVAL: Duration = Duration::from_secs(1);

/// The running disk-backed queue of one exporter.
pub struct DurableQueue {
    id: String,
    queue: Arc<DiskQueue>,
    workers: JoinSet<()>,
    stop: CancellationToken,
    exporter: Arc<dyn Exporter>,
}

/// The way into an exporter's disk queue.
#[derive(Clone)]
pub struct DurableInput {
    queue: Arc<DiskQueue>,
    full: prometheus::IntCounter,
}

impl DurableInput {
    /// Appends `payload`, resolving once it is durable. [`DiskQueueError::Full`] asks the caller to
    /// refuse upstream with a retryable error.
    pub async fn append(&self, payload: &Encoded) -> Result<(), DiskQueueError> {
        let max_len =
            usize::try_from(disk::DEFAULT_SEGMENT_SIZE - disk::FRAMING).unwrap_or(usize::MAX);
        let records = record::encode(payload, max_len);
        let result = match records.as_slice() {
            [one] => self.queue.append(one.clone()).await.map(drop),
            many => {
                futures::future::try_join_all(many.iter().map(|r| self.queue.append(r.clone())))
                    .await
                    .map(drop)
            }
        };
        if let Err(error) = &result
            && error.is_full()
        {
            self.full.inc();
        }
        result
    }
}

impl DurableInput {
    /// Appends `payload`, waiting as long as it takes for room: the batch stage's way in, whose
    /// waiting pushes back to the receivers.
    pub async fn append_waiting(&self, payload: &Encoded) {
        loop {
            match self.append(payload).await {
                Ok(()) => return,
                Err(error) => {
                    tracing::warn!(message = "Cannot write a batch to the disk queue; retrying in a second.", %error);
                    tokio::time::sleep(APPEND_RETRY).await;
                }
            }
        }
    }
}

impl DurableQueue {
    /// Opens the exporter's queue under `config.directory` (replaying what an earlier run left)
    /// and starts `num_consumers` workers exporting from it.
    pub async fn start(
        id: &str,
        config: &DiskQueueConfig,
        exporter: Arc<dyn Exporter>,
        policy: RetryPolicy,
        num_consumers: usize,
        telemetry: &Telemetry,
    ) -> Result<(DurableQueue, DurableInput), DiskQueueError> {
        let workers_wanted = num_consumers.max(1);
        let max_size = config.max_size_mib.saturating_mul(1024 * 1024);
        let mut options = DiskQueueOptions::new(max_size);
        options.fsync = match config.fsync {
            FsyncPolicy::Always => Fsync::Always,
            FsyncPolicy::Interval => Fsync::Interval(config.fsync_interval),
        };
        options.read_ahead = READ_AHEAD_PER_WORKER * workers_wanted;
        let dir = PathBuf::from(&config.directory).join(id);
        let queue = Arc::new(DiskQueue::open(&dir, options).await?);
        let disk_metrics = telemetry.disk_queue(id);
        disk_metrics
            .capacity
            .set(i64::try_from(max_size).unwrap_or(i64::MAX));
        let replayed = queue.stats();
        if replayed.pending > 0 {
            tracing::info!(message = "Disk queue holds data from an earlier run; sending it first.", exporter = %id, directory = %dir.display(), records = replayed.pending, bytes = replayed.bytes);
        }

        let stop = CancellationToken::new();
        let context = Arc::new(worker::Context {
            id: id.to_owned(),
            queue: Arc::clone(&queue),
            exporter: Arc::clone(&exporter),
            policy,
            metrics: Signal::ALL.map(|signal| telemetry.exporter(id, signal)),
            duration: telemetry.queue(id).duration,
            stop: stop.clone(),
        });
        let mut workers = JoinSet::new();
        for _ in 0..workers_wanted {
            workers.spawn(worker::work(Arc::clone(&context)));
        }
        workers.spawn(report_stats(
            Arc::clone(&queue),
            disk_metrics.clone(),
            stop.clone(),
        ));
        let input = DurableInput {
            queue: Arc::clone(&queue),
            full: disk_metrics.full,
        };
        Ok((
            DurableQueue {
                id: id.to_owned(),
                queue,
                workers,
                stop,
                exporter,
            },
            input,
        ))
    }

    /// Once every input is gone, lets the workers export what is queued until `deadline`; a batch
    /// cut off there stays queued, as does everything not yet read. Then closes the queue (so what
    /// was acked is not sent again) and shuts the exporter down.
    pub async fn drain(mut self, deadline: Instant) {
        self.stop.cancel();
        if !super::join_until(&mut self.workers, deadline).await {
            tracing::warn!(message = "Shutdown deadline passed while exporting from the disk queue; the batch stays queued for the next start.", exporter = %self.id);
        }
        let left = self.queue.stats().pending;
        match Arc::try_unwrap(self.queue) {
            Ok(queue) => {
                if let Err(error) = queue.close().await {
                    tracing::warn!(message = "Disk queue did not close cleanly; records acked in the last second may be sent again.", %error, exporter = %self.id);
                }
            }
            Err(queue) => {
                // Something still holds an input; syncing is all that can be done safely here.
                if let Err(error) = queue.sync().await {
                    tracing::warn!(message = "Disk queue could not be synced at shutdown.", %error, exporter = %self.id);
                }
            }
        }
        if left > 0 {
            tracing::info!(message = "Data stays in the disk queue and is sent at the next start.", exporter = %self.id, records = left);
        }
        super::shut_down(&self.id, self.exporter.as_ref()).await;
    }
}

/// Copies the queue's counters into `metrics` every [`STATS_INTERVAL`] until `stop`.
async fn report_stats(queue: Arc<DiskQueue>, metrics: DiskQueueMetrics, stop: CancellationToken) {
    let mut reported = disk::DiskQueueStats::default();
    loop {
        let stats = queue.stats();
        metrics
            .pending
            .set(i64::try_from(stats.pending).unwrap_or(i64::MAX));
        metrics
            .bytes
            .set(i64::try_from(stats.bytes).unwrap_or(i64::MAX));
        metrics.corrupt_records.inc_by(
            stats
                .corrupt_records
                .saturating_sub(reported.corrupt_records),
        );
        metrics
            .corrupt_bytes
            .inc_by(stats.corrupt_bytes.saturating_sub(reported.corrupt_bytes));
        reported = stats;
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(STATS_INTERVAL) => {}
        }
    }
}
