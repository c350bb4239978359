//! A disk queue's export worker: reads records in order, gathers those already read into one batch,
//! exports it with retries, and acks its records once the batch is done.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use prometheus::Histogram;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use weir_exporters::Exporter;
use weir_exporters::retry::{RetryPolicy, send_with_retry};
use weir_proto::Encoded;

use super::record;
use crate::queue::disk::{DiskQueue, RecordId};
use crate::queue::{count_outcome, signal_index};
use crate::telemetry::ExporterMetrics;

/// Most items gathered into one export, as the batch processor's default `send_batch_size`.
const MAX_BATCH_ITEMS: usize = 8192;
/// Most bytes gathered into one export: under the 4 MiB a gRPC server takes by default.
const MAX_BATCH_BYTES: usize = 4 * 1024 * 1024;

/// How often a stopping worker checks whether the queue is drained.
const DRAINED_POLL: Duration = Duration::from_millis(50);

/// What every worker of one queue shares.
pub(super) struct Context {
    pub(super) id: String,
    pub(super) queue: Arc<DiskQueue>,
    pub(super) exporter: Arc<dyn Exporter>,
    pub(super) policy: RetryPolicy,
    pub(super) metrics: [ExporterMetrics; 3],
    pub(super) duration: Histogram,
    pub(super) stop: CancellationToken,
}

/// A batch being gathered: its request and the records it came from.
struct Gathered {
    payload: Encoded,
    ids: Vec<RecordId>,
}

/// Exports from the queue; once `stop` is cancelled, goes on until nothing is left to export (the
/// caller cuts that short at the shutdown deadline, leaving the rest queued).
pub(super) async fn work(context: Arc<Context>) {
    // A record of another signal than the batch's waits here to start the next batch.
    let mut held: Option<(RecordId, Encoded)> = None;
    let mut stopping = false;
    loop {
        let first = match held.take() {
            Some(first) => first,
            None => {
                let next = tokio::select! {
                    biased;
                    () = context.stop.cancelled(), if !stopping => {
                        stopping = true;
                        continue;
                    }
                    next = context.queue.next() => next,
                    // Records another worker is exporting count as pending until it acks them.
                    () = tokio::time::sleep(DRAINED_POLL), if stopping => {
                        if context.queue.stats().pending == 0 {
                            return;
                        }
                        continue;
                    }
                };
                let Some((id, bytes)) = next else { return };
                match readable(&context, id, &bytes) {
                    Some(payload) => (id, payload),
                    None => continue,
                }
            }
        };
        let mut batch = Gathered {
            payload: first.1,
            ids: vec![first.0],
        };
        // Kept as records are added: the request's own length walks every block gathered.
        let mut size = batch.payload.encoded_len();
        while batch.payload.item_count() < MAX_BATCH_ITEMS && size < MAX_BATCH_BYTES {
            let Some((id, bytes)) = context.queue.try_next() else {
                break;
            };
            let Some(payload) = readable(&context, id, &bytes) else {
                continue;
            };
            let len = payload.encoded_len();
            let fits = payload.signal() == batch.payload.signal()
                && batch.payload.item_count() + payload.item_count() <= MAX_BATCH_ITEMS
                && size + len <= MAX_BATCH_BYTES;
            if !fits {
                held = Some((id, payload));
                break;
            }
            size += len;
            batch.payload.append(payload);
            batch.ids.push(id);
        }
        export(&context, batch).await;
    }
}

/// The request in record `id`; a record that does not read back (written by another version of
/// weir, or damaged in a way its checksum missed) is logged, acked and skipped.
fn readable(context: &Context, id: RecordId, bytes: &Bytes) -> Option<Encoded> {
    match record::decode(bytes) {
        Ok(payload) => Some(payload),
        Err(error) => {
            tracing::error!(message = "A disk queue record does not hold a readable request; skipped.", %error, exporter = %context.id, record = %id);
            context.queue.ack(id);
            None
        }
    }
}

async fn export(context: &Context, batch: Gathered) {
    let signal = signal_index(batch.payload.signal());
    let items = batch.payload.item_count() as u64;
    let m = &context.metrics[signal];
    let started = Instant::now();
    let result = send_with_retry(
        context.exporter.as_ref(),
        Arc::new(batch.payload),
        &context.policy,
    )
    .await;
    context.duration.observe(started.elapsed().as_secs_f64());
    count_outcome(&context.id, m, items, result);
    for id in batch.ids {
        context.queue.ack(id);
    }
}
