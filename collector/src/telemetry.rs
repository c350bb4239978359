//! weir's own metrics, served on the admin server's `/metrics`.
//!
//! Every stage reports received, refused, sent, failed and dropped items under one naming scheme.
//! Label lookups happen once, when a component is built: the handles stages keep are plain atomics, so
//! recording costs no lock and no hashing on the data path.

mod remote_write;

use std::sync::Arc;

use prometheus::{
    Encoder, Gauge, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};
use weir_exporters::prometheus::RemoteWriteStats;
use weir_proto::Signal;
use weir_sampler::tail::Reason;

use self::remote_write::RemoteWriteCollector;

/// All of weir's metric families, registered in one registry.
#[derive(Clone)]
pub struct Telemetry {
    registry: Registry,
    accepted: IntCounterVec,
    refused: IntCounterVec,
    refused_requests: IntCounterVec,
    bad_requests: IntCounterVec,
    batch_size: HistogramVec,
    batch_sends: IntCounterVec,
    channel_depth: IntGaugeVec,
    sent: IntCounterVec,
    rejected: IntCounterVec,
    failed: IntCounterVec,
    dropped: IntCounterVec,
    queue_size: IntGaugeVec,
    queue_capacity: IntGaugeVec,
    export_duration: HistogramVec,
    disk_bytes: IntGaugeVec,
    disk_capacity: IntGaugeVec,
    disk_corrupt: IntCounterVec,
    disk_full: IntCounterVec,
    tail_buffered: IntGaugeVec,
    tail_inbox: IntGaugeVec,
    tail_decisions: IntCounterVec,
    tail_late_spans: IntCounterVec,
    checkpoint_writes: IntCounterVec,
    checkpoint_write_failures: IntCounterVec,
    checkpoint_restored_keys: IntGaugeVec,
    budget_used: IntGauge,
    budget_limit: IntGauge,
    budget_utilization: Gauge,
}

// Registration only fails on a duplicate or malformed name, which the constants below rule out.
fn register<C: prometheus::core::Collector + Clone + 'static>(registry: &Registry, c: C) -> C {
    registry
        .register(Box::new(c.clone()))
        .unwrap_or_else(|e| panic!("metric registration: {e}"));
    c
}

fn counter(r: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    register(
        r,
        IntCounterVec::new(Opts::new(name, help), labels).unwrap_or_else(|e| panic!("{name}: {e}")),
    )
}

fn gauge(r: &Registry, name: &str, help: &str, labels: &[&str]) -> IntGaugeVec {
    register(
        r,
        IntGaugeVec::new(Opts::new(name, help), labels).unwrap_or_else(|e| panic!("{name}: {e}")),
    )
}

fn histogram(
    r: &Registry,
    name: &str,
    help: &str,
    labels: &[&str],
    buckets: Vec<f64>,
) -> HistogramVec {
    let opts = HistogramOpts::new(name, help).buckets(buckets);
    register(
        r,
        HistogramVec::new(opts, labels).unwrap_or_else(|e| panic!("{name}: {e}")),
    )
}

impl Default for Telemetry {
    fn default() -> Self {
        Telemetry::new()
    }
}

impl Telemetry {
    /// Registers every family in a fresh registry.
    pub fn new() -> Telemetry {
        let r = Registry::new();
        let rx = &["receiver", "transport", "signal"];
        let build_info = gauge(
            &r,
            "weir_build_info",
            "weir's version; always 1.",
            &["version"],
        );
        build_info
            .with_label_values(&[env!("CARGO_PKG_VERSION")])
            .set(1);
        let budget_used = IntGauge::new(
            "weir_memory_budget_used_bytes",
            "Bytes held against the memory_limiter budget: bodies being read, batches and queues.",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let budget_limit = IntGauge::new(
            "weir_memory_budget_limit_bytes",
            "The memory_limiter budget in bytes.",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let budget_utilization = Gauge::new(
            "weir_memory_budget_utilization_ratio",
            "Share of the memory_limiter budget held: at 1, receivers refuse new requests (saturation).",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        Telemetry {
            accepted: counter(
                &r,
                "weir_receiver_accepted_items_total",
                "Items (spans, data points, log records) accepted and passed on to the pipelines.",
                rx,
            ),
            refused: counter(
                &r,
                "weir_receiver_refused_items_total",
                "Decoded items refused with a retryable error because a pipeline was full or shutting down.",
                &["receiver", "transport", "signal", "reason"],
            ),
            refused_requests: counter(
                &r,
                "weir_receiver_refused_requests_total",
                "Requests refused with a retryable error (memory budget spent, pipeline full, shutting down).",
                &["receiver", "transport", "signal", "reason"],
            ),
            bad_requests: counter(
                &r,
                "weir_receiver_bad_requests_total",
                "Requests refused for good: malformed, too large, unsupported encoding or type.",
                &["receiver", "transport", "signal", "reason"],
            ),
            batch_size: histogram(
                &r,
                "weir_processor_batch_send_size",
                "Items per batch sent on by the batch processor.",
                &["pipeline"],
                prometheus::exponential_buckets(1.0, 4.0, 10).unwrap_or_default(),
            ),
            batch_sends: counter(
                &r,
                "weir_processor_batch_sends_total",
                "Batches sent on, by what triggered them (size, timeout, shutdown).",
                &["pipeline", "trigger"],
            ),
            channel_depth: gauge(
                &r,
                "weir_pipeline_channel_depth",
                "Requests waiting between a pipeline's receivers and its batch stage.",
                &["pipeline"],
            ),
            sent: counter(
                &r,
                "weir_exporter_sent_items_total",
                "Items the destination accepted.",
                &["exporter", "signal"],
            ),
            rejected: counter(
                &r,
                "weir_exporter_rejected_items_total",
                "Items the destination rejected in a partial-success answer; not retried.",
                &["exporter", "signal"],
            ),
            failed: counter(
                &r,
                "weir_exporter_send_failed_items_total",
                "Items whose export failed for good (permanent error, retries exhausted); see weir_exporter_dropped_items_total for why.",
                &["exporter", "signal"],
            ),
            dropped: counter(
                &r,
                "weir_exporter_dropped_items_total",
                "Items given up on: permanent errors, retries exhausted, shutdown deadline.",
                &["exporter", "signal", "reason"],
            ),
            queue_size: gauge(
                &r,
                "weir_exporter_queue_size",
                "Batches waiting in an exporter's queue; in a disk queue, requests not yet exported.",
                &["exporter"],
            ),
            queue_capacity: gauge(
                &r,
                "weir_exporter_queue_capacity",
                "Capacity of an exporter's queue in batches.",
                &["exporter"],
            ),
            export_duration: histogram(
                &r,
                "weir_exporter_send_duration_seconds",
                "Time to export one batch, retries included.",
                &["exporter"],
                prometheus::exponential_buckets(0.0005, 2.0, 18).unwrap_or_default(),
            ),
            disk_bytes: gauge(
                &r,
                "weir_exporter_queue_disk_bytes",
                "Bytes an exporter's disk queue holds in its files.",
                &["exporter"],
            ),
            disk_capacity: gauge(
                &r,
                "weir_exporter_queue_disk_capacity_bytes",
                "Most bytes an exporter's disk queue may hold (max_size_mib).",
                &["exporter"],
            ),
            disk_corrupt: counter(
                &r,
                "weir_exporter_queue_disk_corrupt_total",
                "Damaged records (and their bytes) an exporter's disk queue skipped, by unit: records, bytes.",
                &["exporter", "unit"],
            ),
            disk_full: counter(
                &r,
                "weir_exporter_queue_disk_full_total",
                "Requests refused because an exporter's disk queue was full (max_size_mib or the disk).",
                &["exporter"],
            ),
            tail_buffered: gauge(
                &r,
                "weir_sampler_buffered",
                "What a trace-mode sampler holds undecided, by unit: traces, spans, bytes.",
                &["sampler", "unit"],
            ),
            tail_inbox: gauge(
                &r,
                "weir_sampler_channel_depth",
                "Requests' worth of spans waiting for a trace-mode sampler's shards.",
                &["sampler"],
            ),
            tail_decisions: counter(
                &r,
                "weir_sampler_trace_decisions_total",
                "Traces a trace-mode sampler decided, by decision and by what decided them when: \
                 decision_wait and root_grace on time, the others early (max_traces, max_spans_per_trace, max_bytes, shutdown).",
                &["sampler", "reason", "decision"],
            ),
            tail_late_spans: counter(
                &r,
                "weir_sampler_late_spans_total",
                "Spans that came after their trace was decided and followed its decision.",
                &["sampler", "decision"],
            ),
            checkpoint_writes: counter(
                &r,
                "weir_sampler_checkpoint_writes_total",
                "Checkpoints of a sampler's learned probabilities written.",
                &["sampler"],
            ),
            checkpoint_write_failures: counter(
                &r,
                "weir_sampler_checkpoint_write_failures_total",
                "Checkpoint writes that failed; the file keeps the last checkpoint written.",
                &["sampler"],
            ),
            checkpoint_restored_keys: gauge(
                &r,
                "weir_sampler_checkpoint_restored_keys",
                "Keys that resumed at start from the checkpoint's learned state.",
                &["sampler"],
            ),
            budget_used: register(&r, budget_used),
            budget_limit: register(&r, budget_limit),
            budget_utilization: register(&r, budget_utilization),
            registry: r,
        }
    }

    /// The Prometheus text exposition of every family.
    pub fn render(&self, budget: &crate::admission::MemoryBudget) -> String {
        self.budget_used
            .set(i64::try_from(budget.used()).unwrap_or(i64::MAX));
        self.budget_limit
            .set(i64::try_from(budget.limit()).unwrap_or(i64::MAX));
        // An unlimited budget (no memory_limiter) is never saturated.
        self.budget_utilization
            .set(budget.used() as f64 / budget.limit().max(1) as f64);
        let mut out = Vec::new();
        // Text encoding into a Vec cannot fail on well-formed families.
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::warn!(message = "Metrics encoding failed.", error = %e);
        }
        String::from_utf8(out).unwrap_or_default()
    }

    /// Handles for one receiver transport and signal.
    pub fn receiver(
        &self,
        receiver: &str,
        transport: &'static str,
        signal: Signal,
    ) -> ReceiverMetrics {
        let labels = [receiver, transport, signal.as_str()];
        let with_reason = |vec: &IntCounterVec, reason: &str| {
            vec.with_label_values(&[receiver, transport, signal.as_str(), reason])
        };
        ReceiverMetrics {
            accepted: self.accepted.with_label_values(&labels),
            refused_full: with_reason(&self.refused, "pipeline_full"),
            refused_closed: with_reason(&self.refused, "shutting_down"),
            requests_refused_memory: with_reason(&self.refused_requests, "memory_limit"),
            requests_refused_full: with_reason(&self.refused_requests, "pipeline_full"),
            requests_refused_closed: with_reason(&self.refused_requests, "shutting_down"),
            bad_requests: self.bad_requests.clone(),
            labels: [
                receiver.to_owned(),
                transport.to_owned(),
                signal.as_str().to_owned(),
            ],
        }
    }

    /// Handles for one pipeline's batch stage.
    pub fn batch(&self, pipeline: &str) -> BatchMetrics {
        BatchMetrics {
            size: self.batch_size.with_label_values(&[pipeline]),
            by_size: self.batch_sends.with_label_values(&[pipeline, "size"]),
            by_timeout: self.batch_sends.with_label_values(&[pipeline, "timeout"]),
            by_shutdown: self.batch_sends.with_label_values(&[pipeline, "shutdown"]),
            channel_depth: self.channel_depth.with_label_values(&[pipeline]),
        }
    }

    /// Handles for one exporter and signal.
    pub fn exporter(&self, exporter: &str, signal: Signal) -> ExporterMetrics {
        let labels = [exporter, signal.as_str()];
        let dropped = |reason: &str| {
            self.dropped
                .with_label_values(&[exporter, signal.as_str(), reason])
        };
        ExporterMetrics {
            sent: self.sent.with_label_values(&labels),
            rejected: self.rejected.with_label_values(&labels),
            failed: self.failed.with_label_values(&labels),
            dropped_permanent: dropped("permanent_error"),
            dropped_retries: dropped("retries_exhausted"),
            dropped_shutdown: dropped("shutdown"),
        }
    }

    /// Handles for one trace-mode sampler.
    pub fn tail(&self, sampler: &str) -> TailMetrics {
        let buffered = |unit: &str| self.tail_buffered.with_label_values(&[sampler, unit]);
        let decisions = |kept: bool| {
            Reason::ALL.map(|reason| {
                self.tail_decisions.with_label_values(&[
                    sampler,
                    reason.as_str(),
                    if kept { "kept" } else { "dropped" },
                ])
            })
        };
        TailMetrics {
            traces: buffered("traces"),
            spans: buffered("spans"),
            bytes: buffered("bytes"),
            inbox: self.tail_inbox.with_label_values(&[sampler]),
            kept: decisions(true),
            dropped: decisions(false),
            late_kept: self.tail_late_spans.with_label_values(&[sampler, "kept"]),
            late_dropped: self
                .tail_late_spans
                .with_label_values(&[sampler, "dropped"]),
        }
    }

    /// Handles for one sampler's checkpoint.
    pub fn checkpoint(&self, sampler: &str) -> CheckpointMetrics {
        CheckpointMetrics {
            writes: self.checkpoint_writes.with_label_values(&[sampler]),
            write_failures: self.checkpoint_write_failures.with_label_values(&[sampler]),
            restored_keys: self.checkpoint_restored_keys.with_label_values(&[sampler]),
        }
    }

    /// Serves the counters of remote-write exporter `exporter` (zstd and 2.0 fallbacks, refused
    /// native histograms, untranslated points), read from `stats` at each scrape.
    pub fn remote_write(&self, exporter: &str, stats: Arc<RemoteWriteStats>) {
        // Only a second exporter of the same id could clash, and ids are unique.
        let registered = RemoteWriteCollector::new(exporter, stats)
            .and_then(|collector| self.registry.register(Box::new(collector)));
        if let Err(error) = registered {
            tracing::warn!(message = "Remote-write metrics not registered.", exporter, %error);
        }
    }

    /// The instruments of one exporter's disk queue.
    pub fn disk_queue(&self, exporter: &str) -> DiskQueueMetrics {
        DiskQueueMetrics {
            pending: self.queue_size.with_label_values(&[exporter]),
            bytes: self.disk_bytes.with_label_values(&[exporter]),
            capacity: self.disk_capacity.with_label_values(&[exporter]),
            corrupt_records: self.disk_corrupt.with_label_values(&[exporter, "records"]),
            corrupt_bytes: self.disk_corrupt.with_label_values(&[exporter, "bytes"]),
            full: self.disk_full.with_label_values(&[exporter]),
        }
    }

    /// Handles for one exporter's queue.
    pub fn queue(&self, exporter: &str) -> QueueMetrics {
        QueueMetrics {
            size: self.queue_size.with_label_values(&[exporter]),
            capacity: self.queue_capacity.with_label_values(&[exporter]),
            duration: self.export_duration.with_label_values(&[exporter]),
        }
    }
}

/// A receiver's counters for one transport and signal.
#[derive(Clone)]
pub struct ReceiverMetrics {
    /// Items accepted.
    pub accepted: IntCounter,
    /// Items refused because the pipeline was full.
    pub refused_full: IntCounter,
    /// Items refused because weir is shutting down.
    pub refused_closed: IntCounter,
    /// Requests refused before decoding because the memory budget was spent.
    pub requests_refused_memory: IntCounter,
    /// Requests refused because the pipeline was full.
    pub requests_refused_full: IntCounter,
    /// Requests refused because weir is shutting down.
    pub requests_refused_closed: IntCounter,
    bad_requests: IntCounterVec,
    labels: [String; 3],
}

impl ReceiverMetrics {
    /// Counts a request refused for good, by a stable reason label.
    pub fn bad_request(&self, reason: &str) {
        let [receiver, transport, signal] = &self.labels;
        self.bad_requests
            .with_label_values(&[receiver, transport, signal, reason])
            .inc();
    }
}

/// A batch stage's instruments.
#[derive(Clone)]
pub struct BatchMetrics {
    /// Items per batch sent.
    pub size: Histogram,
    /// Batches sent because they reached `send_batch_size`.
    pub by_size: IntCounter,
    /// Batches sent because `timeout` passed.
    pub by_timeout: IntCounter,
    /// Batches flushed at shutdown.
    pub by_shutdown: IntCounter,
    /// Requests waiting in the stage's input channel.
    pub channel_depth: IntGauge,
}

/// An exporter's counters for one signal.
#[derive(Clone)]
pub struct ExporterMetrics {
    /// Items accepted by the destination.
    pub sent: IntCounter,
    /// Items rejected in partial-success answers.
    pub rejected: IntCounter,
    /// Items whose export failed for good.
    pub failed: IntCounter,
    /// Items dropped after a permanent error.
    pub dropped_permanent: IntCounter,
    /// Items dropped when retries ran out.
    pub dropped_retries: IntCounter,
    /// Items dropped at the shutdown deadline.
    pub dropped_shutdown: IntCounter,
}

/// A trace-mode sampler's instruments, shared by its shards.
#[derive(Clone)]
pub struct TailMetrics {
    /// Traces buffered.
    pub traces: IntGauge,
    /// Spans buffered.
    pub spans: IntGauge,
    /// Bytes of spans buffered.
    pub bytes: IntGauge,
    /// Requests' worth of spans waiting for the shards.
    pub inbox: IntGauge,
    /// Traces kept, by [`Reason`] in the order of [`Reason::ALL`].
    pub kept: [IntCounter; Reason::ALL.len()],
    /// Traces dropped, likewise.
    pub dropped: [IntCounter; Reason::ALL.len()],
    /// Late spans kept.
    pub late_kept: IntCounter,
    /// Late spans dropped.
    pub late_dropped: IntCounter,
}

impl TailMetrics {
    /// Counts a trace decided for `reason`.
    pub fn decided(&self, reason: Reason, kept: bool) {
        let at = Reason::ALL.iter().position(|r| *r == reason).unwrap_or(0);
        if kept {
            &self.kept[at]
        } else {
            &self.dropped[at]
        }
        .inc();
    }
}

/// An exporter's disk queue's instruments.
#[derive(Clone)]
pub struct DiskQueueMetrics {
    /// Requests written and not yet exported (`weir_exporter_queue_size`).
    pub pending: IntGauge,
    /// Bytes in the queue's files.
    pub bytes: IntGauge,
    /// `max_size_mib` in bytes.
    pub capacity: IntGauge,
    /// Damaged records skipped.
    pub corrupt_records: IntCounter,
    /// Bytes of damaged records skipped.
    pub corrupt_bytes: IntCounter,
    /// Requests refused for want of room.
    pub full: IntCounter,
}

/// A sampler checkpoint's instruments.
#[derive(Clone)]
pub struct CheckpointMetrics {
    /// Checkpoints written.
    pub writes: IntCounter,
    /// Writes that failed.
    pub write_failures: IntCounter,
    /// Keys restored at start.
    pub restored_keys: IntGauge,
}

/// An exporter queue's instruments.
#[derive(Clone)]
pub struct QueueMetrics {
    /// Batches waiting.
    pub size: IntGauge,
    /// Capacity in batches.
    pub capacity: IntGauge,
    /// Export time per batch, retries included.
    pub duration: Histogram,
}
