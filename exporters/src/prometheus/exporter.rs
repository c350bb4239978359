//! The Prometheus remote-write exporter: each metrics batch translated, cut into requests of at most
//! `max_samples_per_send` samples and `max_batch_size_bytes` bytes, compressed off the async runtime
//! and POSTed in order.

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use futures::future::BoxFuture;
use tokio::sync::Mutex;
use tracing::{debug, error, info, warn};
use weir_config::{
    ExponentialHistograms, RemoteWriteCompression, RemoteWriteExporterConfig, RemoteWriteMessage,
};
use weir_proto::{Encoded, Signal};

use super::body::{Body, Compression, Protocol};
use super::classify::{Answer, SAMPLES_WRITTEN_HEADER};
use super::model::Labels;
use super::native::{NativeHistograms, RETRY_AFTER};
use super::outbox::{Lane, Outbox, drop_native_histograms};
use super::send::Sender;
use super::split::Limits;
use super::stats::RemoteWriteStats;
use super::translate::Settings;
use crate::{BuildError, ExportError, ExportOutcome, Exporter};

/// Sends metrics batches to a Prometheus remote-write receiver.
///
/// # Order
///
/// Receivers reject a sample older than the newest one they have of its series, so one series'
/// samples must leave in timestamp order, retries included. Four things keep them so: the
/// collector runs this exporter's queue with a single consumer, which retries a batch until it is
/// written or given up before it takes the next; the [`Outbox`] deals each batch's series whole
/// into `num_consumers` lanes, sent concurrently but each in order, so a series' requests never
/// race each other; [`split`](super::split::split) cuts a lane so that its requests, sent in turn,
/// keep every series in order; and the outbox keeps each lane's unwritten requests, so a retry
/// resumes at the one that failed rather than sending the written ones again. The outbox sits
/// behind an async mutex that an export holds from start to end: with one consumer it is never
/// contended, yet two exports could never interleave even with more. Its CPU work (decoding,
/// translating, compressing) runs on the blocking pool, the lock's owned guard moved there and
/// back, so the runtime's workers never wait on it.
pub struct RemoteWriteExporter {
    sender: Sender,
    /// True while requests are Remote-Write 2.0; cleared for good when the receiver reads them as 1.0.
    v2: AtomicBool,
    /// True while bodies are zstd-compressed; cleared for good when the receiver refuses zstd.
    zstd: AtomicBool,
    native_histograms: NativeHistograms,
    outbox: Arc<Mutex<Outbox>>,
    stats: Arc<RemoteWriteStats>,
}

impl RemoteWriteExporter {
    /// Checks `config` and prepares the client; nothing connects until the first export.
    pub fn new(config: &RemoteWriteExporterConfig) -> Result<Self, BuildError> {
        let settings = Settings {
            resource_to_telemetry_conversion: config.resource_to_telemetry_conversion.enabled,
            target_info: config.target_info.enabled,
            scope_labels: true,
            classic_exponential_histograms: config.exponential_histograms
                == ExponentialHistograms::Classic,
        };
        let external_labels: Labels = config
            .external_labels
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        // Validation refuses 0.
        let positive = |n: u64| {
            NonZeroUsize::new(usize::try_from(n).unwrap_or(usize::MAX)).unwrap_or(NonZeroUsize::MIN)
        };
        let limits = Limits {
            samples: positive(config.max_samples_per_send),
            bytes: positive(config.max_batch_size_bytes),
        };
        let senders = positive(config.sending_queue.num_consumers);
        Ok(RemoteWriteExporter {
            sender: Sender::new(config)?,
            v2: AtomicBool::new(config.protobuf_message == RemoteWriteMessage::V2),
            zstd: AtomicBool::new(config.compression == RemoteWriteCompression::Zstd),
            native_histograms: NativeHistograms::default(),
            outbox: Arc::new(Mutex::new(Outbox::new(
                settings,
                external_labels,
                limits,
                senders,
            ))),
            stats: Arc::default(),
        })
    }

    /// The exporter's counters, for `/metrics`.
    pub fn stats(&self) -> Arc<RemoteWriteStats> {
        Arc::clone(&self.stats)
    }

    async fn send(&self, batch: Arc<Encoded>) -> Result<ExportOutcome, ExportError> {
        if batch.signal() != Signal::Metrics {
            return Err(ExportError::Permanent {
                reason: format!(
                    "remote write carries metrics, not {}: list this exporter in metrics pipelines only",
                    batch.signal()
                ),
            });
        }
        let mut outbox = Arc::clone(&self.outbox).lock_owned().await;
        if !outbox.holds(&batch) {
            outbox = off_runtime(move || {
                outbox.fill(&batch);
                outbox
            })
            .await?;
            self.stats.count_dropped(outbox.dropped());
        }
        let lanes = outbox
            .lanes_mut()
            .iter_mut()
            .map(|lane| self.send_lane(lane));
        let sent = futures::future::join_all(lanes).await;
        let mut failed = None;
        for (result, refused_histograms) in sent {
            if refused_histograms > 0 {
                outbox.refused_histograms(refused_histograms);
                self.stats
                    .count_refused_native_histograms(refused_histograms);
            }
            if let (Err(error), None) = (result, &failed) {
                failed = Some(error);
            }
        }
        if let Some(error) = failed {
            return Err(error);
        }
        Ok(ExportOutcome {
            rejected_items: outbox.rejected(),
        })
    }

    /// Sends `lane`'s requests in order, popping each once written, until it is empty or one
    /// fails; returns how it ended and how many native-histogram samples it took out.
    async fn send_lane(&self, lane: &mut Lane) -> (Result<(), ExportError>, u64) {
        let mut refused_histograms = 0;
        loop {
            // Another lane may have just learned that the receiver refuses them.
            if self.native_histograms.left_out(Instant::now()) {
                refused_histograms += drop_native_histograms(lane);
            }
            let Some(set) = lane.front().map(Arc::clone) else {
                return (Ok(()), refused_histograms);
            };
            let (protocol, compression) = (self.protocol(), self.compression());
            let has_histograms = set.has_histograms();
            let body = match off_runtime(move || Body::encode(&set, protocol, compression)).await {
                Ok(Ok(body)) => body,
                Ok(Err(error)) => {
                    let reason = error.to_string();
                    return (Err(ExportError::Permanent { reason }), refused_histograms);
                }
                Err(error) => return (Err(error), refused_histograms),
            };
            match self.sender.post(body).await {
                Answer::Written => {
                    if has_histograms && self.native_histograms.accepted() {
                        info!(
                            message = "The remote-write receiver now stores native histograms; sending them again.",
                            url = %self.sender.url(),
                        );
                    }
                    lane.pop_front();
                }
                // The same request goes again at once, now as 1.0 or with snappy.
                Answer::ReadAsV1 => self.fall_back_to_v1(),
                Answer::ZstdRefused => self.fall_back_to_snappy(),
                // The rest of the request goes again at once, without its native histograms.
                Answer::NativeHistogramsRefused(_) if has_histograms => {
                    self.native_histograms_refused();
                    refused_histograms += drop_native_histograms(lane);
                }
                Answer::NativeHistogramsRefused(error) | Answer::Failed(error) => {
                    return (Err(error), refused_histograms);
                }
            }
        }
    }

    fn protocol(&self) -> Protocol {
        if self.v2.load(Ordering::Relaxed) {
            Protocol::V2
        } else {
            Protocol::V1
        }
    }

    fn compression(&self) -> Compression {
        if self.zstd.load(Ordering::Relaxed) {
            Compression::Zstd
        } else {
            Compression::Snappy
        }
    }

    fn fall_back_to_v1(&self) {
        if self.v2.swap(false, Ordering::Relaxed) {
            self.stats.count_protocol_fallback();
            warn!(
                message = "The remote-write receiver answered a Remote-Write 2.0 request without saying what it wrote, as only a 1.0 receiver does, which reads a 2.0 request as an empty one and writes nothing: the request goes again as 1.0, and 1.0 is sent from now on. Set `protobuf_message: prometheus.WriteRequest` to skip the lost attempt at startup.",
                url = %self.sender.url(),
                missing_header = SAMPLES_WRITTEN_HEADER,
            );
        }
    }

    fn fall_back_to_snappy(&self) {
        if self.zstd.swap(false, Ordering::Relaxed) {
            self.stats.count_fallback();
            warn!(
                message = "The remote-write receiver cannot decompress zstd; sending snappy from now on. Set `compression: snappy` to skip the failed attempt at startup.",
                url = %self.sender.url(),
            );
        }
    }

    fn native_histograms_refused(&self) {
        let url = self.sender.url();
        let retry_in_s = RETRY_AFTER.as_secs();
        if self.native_histograms.refused(Instant::now()) {
            error!(
                message = "The remote-write receiver does not store native histograms (from OTLP exponential histograms) and refused requests holding any: they are dropped and counted in weir_exporter_refused_native_histograms_total, and the rest is sent. Start Prometheus with `--enable-feature=native-histograms`, or set `exponential_histograms: classic` on this exporter to send them as classic histograms.",
                %url,
                retry_in_s,
            );
        } else {
            debug!(message = "Native histograms still refused.", %url, retry_in_s);
        }
    }
}

impl Exporter for RemoteWriteExporter {
    fn export(&self, batch: Arc<Encoded>) -> BoxFuture<'_, Result<ExportOutcome, ExportError>> {
        Box::pin(self.send(batch))
    }
}

/// Runs `work` on the blocking pool: translating or compressing a large batch takes milliseconds,
/// which would stall every connection served by the runtime's worker.
async fn off_runtime<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ExportError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ExportError::Permanent {
            reason: format!("preparing the remote-write request failed: {e}"),
        })
}

#[cfg(test)]
mod tests;
