//! Builds the running collector from a validated config and runs it until shutdown.
//!
//! [`run`] lists the stages in the order data flows through them; [`Running::shutdown`] stops them in
//! the same order, so that everything accepted is exported before exit (or counted as dropped at the
//! deadline).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use weir_config::{
    ComponentId, Config, ExporterConfig, PipelineId, ProcessorConfig, ReceiverConfig, SamplingMode,
};
use weir_exporters::Exporter;
use weir_exporters::prometheus::RemoteWriteExporter;
use weir_exporters::retry::RetryPolicy;
use weir_proto::Signal;
use weir_sampler::golden::GoldenSignals;

use crate::admin::{self, AdminState};
use crate::admission::{self, MemoryBudget};
use crate::batch::{self, Batcher};
use crate::channel;
use crate::golden::{self, GoldenStage};
use crate::pipeline::{Consumer, Envelope, Input, PIPELINE_CHANNEL_CAPACITY};
use crate::queue::{DurableInput, DurableQueue, ExportQueue, QueueInput};
use crate::receive::{self, Routes, SignalRoute};
use crate::reload;
use crate::sample::tail::{TailOutputs, TailStage};
use crate::sample::{SampleStage, TuneRequests};
use crate::telemetry::Telemetry;

/// Why weir could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A listen address could not be bound.
    #[error(
        "cannot listen on {address} for {what}: {source}; choose a free address or stop what holds it"
    )]
    Bind {
        /// The configured address.
        address: String,
        /// The server it was for.
        what: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A processor could not be built from its config.
    #[error("processor {id}: {reason}")]
    Processor {
        /// The processor's id.
        id: ComponentId,
        /// What was wrong.
        reason: String,
    },
    /// An exporter could not be built from its config.
    #[error("exporter {id}: {reason}")]
    Exporter {
        /// The exporter's id.
        id: ComponentId,
        /// What was wrong.
        reason: String,
    },
    /// A server stopped with an error while running.
    #[error("{what} failed: {reason}")]
    Server {
        /// The server.
        what: String,
        /// The error.
        reason: String,
    },
}

/// Runs weir with `config` until `shutdown` completes, then drains and returns; each config
/// received from `reloads` (read again and validated) is applied as far as it can be while running.
pub async fn run(
    config: Config,
    shutdown: impl Future<Output = ()>,
    reloads: tokio::sync::mpsc::Receiver<Config>,
) -> Result<(), AppError> {
    let mut running = start(&config).await?;
    let failed = running.wait(shutdown, reloads, config.clone()).await;
    running.shutdown(&config).await;
    failed.map_or(Ok(()), Err)
}

/// A started collector.
struct Running {
    admin_state: Arc<AdminState>,
    receivers: JoinSet<Result<(), AppError>>,
    stop_receivers: CancellationToken,
    batchers: JoinSet<()>,
    queues: Vec<ExportQueue>,
    durable_queues: Vec<DurableQueue>,
    admin: tokio::task::JoinHandle<()>,
    stop_admin: CancellationToken,
    /// Housekeeping beside the data path: golden-signal expiry and saturation, sampling decisions.
    background: JoinSet<()>,
    stop_background: CancellationToken,
    /// Golden signals flushed into metrics pipelines: sources like the receivers, stopped with them.
    feeds: JoinSet<()>,
    stop_feeds: CancellationToken,
}

/// Builds every stage, in the order data flows: receive → decode → golden signals → sample → batch →
/// queue → export.
async fn start(config: &Config) -> Result<Running, AppError> {
    let telemetry = Telemetry::new();
    let budget = memory_budget(config);

    // Listeners are bound before anything starts, so a taken port fails fast with nothing to undo.
    let admin_address = &config.service.telemetry.metrics.address;
    let admin_listener = bind(admin_address, "the admin server").await?;
    let mut listeners = BTreeMap::new();
    for id in used_receivers(config) {
        let Some(ReceiverConfig::Otlp(otlp)) = config.receivers.get(&id) else {
            continue;
        };
        let grpc = match &otlp.protocols.grpc {
            Some(grpc) => Some(bind(&grpc.endpoint, &format!("receiver {id} (gRPC)")).await?),
            None => None,
        };
        let http = match &otlp.protocols.http {
            Some(http) => Some(bind(&http.endpoint, &format!("receiver {id} (HTTP)")).await?),
            None => None,
        };
        listeners.insert(id, (grpc, http));
    }

    // Export and queue: one queue and its workers per exporter, shared by the pipelines that list it.
    let mut queues = Vec::new();
    let mut queue_inputs: BTreeMap<ComponentId, QueueInput> = BTreeMap::new();
    let mut durable_queues = Vec::new();
    let mut durable_inputs: BTreeMap<ComponentId, DurableInput> = BTreeMap::new();
    for id in used_exporters(config) {
        let Some(exporter_config) = config.exporters.get(&id) else {
            continue;
        };
        let Built {
            exporter,
            policy,
            queue_size,
            consumers,
        } = build_exporter(&id, exporter_config, &telemetry)?;
        let queue_size = usize::try_from(queue_size).unwrap_or(usize::MAX);
        let consumers = usize::try_from(consumers).unwrap_or(usize::MAX);
        if let Some(disk) = exporter_config.disk_queue() {
            let (queue, input) = DurableQueue::start(
                &id.to_string(),
                &disk,
                exporter,
                policy,
                consumers,
                &telemetry,
            )
            .await
            .map_err(|error| AppError::Exporter {
                id: id.clone(),
                reason: error.to_string(),
            })?;
            durable_queues.push(queue);
            durable_inputs.insert(id, input);
            continue;
        }
        let (queue, input) = ExportQueue::start(
            &id.to_string(),
            exporter,
            policy,
            queue_size,
            consumers,
            &telemetry,
        );
        queues.push(queue);
        queue_inputs.insert(id, input);
    }

    // Golden signals: one stage per golden_signals processor a pipeline lists, shared by those pipelines.
    let golden = golden_stages(config)?;
    let mut background = JoinSet::new();
    let stop_background = CancellationToken::new();
    for stage in golden.values() {
        background.spawn(Arc::clone(stage).maintain_until(stop_background.clone()));
    }
    // Sample: one stage per adaptive_sampler processor, shared by the pipelines that list it.
    let mut samplers = BTreeMap::new();
    for (id, (stage, requests)) in sample_stages(config, &telemetry) {
        let stage = Arc::new(stage);
        let controllers = stage.resume().await;
        let decide =
            Arc::clone(&stage).decide_until(controllers, requests, stop_background.clone());
        background.spawn(decide);
        samplers.insert(id, stage);
    }

    // Batch: one stage per pipeline, feeding its exporters' queues.
    let mut batchers = JoinSet::new();
    let mut batch_inputs = BTreeMap::new();
    for (pipeline_id, pipeline) in &config.service.pipelines {
        let metrics = telemetry.batch(&pipeline_id.to_string());
        let (input, output) =
            channel::bounded(PIPELINE_CHANNEL_CAPACITY, metrics.channel_depth.clone());
        let batcher = pipeline
            .processors
            .iter()
            .find_map(|id| match config.processors.get(id) {
                Some(ProcessorConfig::Batch(batch)) => Some(Batcher::new(batch)),
                _ => None,
            })
            .unwrap_or_else(Batcher::pass_through);
        // Disk queues take requests from the receivers, before the client is answered; only
        // behind a trace buffer, which holds spans until their trace is decided, does the batch
        // stage write to them.
        let trace_mode = buffers_traces(config, pipeline);
        let outputs = pipeline
            .exporters
            .iter()
            .filter_map(|id| match (queue_inputs.get(id), durable_inputs.get(id)) {
                (Some(memory), _) => Some(memory.clone()),
                (None, Some(disk)) if trace_mode => Some(QueueInput::Disk(disk.clone())),
                _ => None,
            })
            .collect();
        batchers.spawn(batch::task::run(output, batcher, outputs, metrics));
        batch_inputs.insert(pipeline_id.clone(), input);
    }
    // Trace-mode samplers buffer traces in shard tasks that feed the batch stages, so the batch
    // stages wait for them at shutdown like for any other sender.
    let tails = tail_stages(
        config,
        &samplers,
        &batch_inputs,
        &golden,
        &telemetry,
        &budget,
        &mut batchers,
    );

    // What each receiver's requests feed: per pipeline, its sampler's buffer or its batch stage.
    let mut pipeline_inputs: BTreeMap<(ComponentId, Signal), PipelineInputs> = BTreeMap::new();
    for (pipeline_id, pipeline) in &config.service.pipelines {
        let sampler_id = pipeline
            .processors
            .iter()
            .find(|id| samplers.contains_key(*id));
        let input = match sampler_id.and_then(|id| tails.get(id)) {
            Some(tail) => Input::Tail(Arc::clone(tail)),
            None => Input::Batch {
                sender: pipeline
                    .exporters
                    .iter()
                    .any(|id| queue_inputs.contains_key(id))
                    .then(|| batch_inputs[pipeline_id].clone()),
                sampler: sampler_id.and_then(|id| samplers.get(id)).cloned(),
                durable: pipeline
                    .exporters
                    .iter()
                    .filter_map(|id| durable_inputs.get(id).cloned())
                    .collect(),
            },
        };
        let stages: Vec<&Arc<GoldenStage>> = pipeline
            .processors
            .iter()
            .filter_map(|id| golden.get(id))
            .collect();
        for receiver in &pipeline.receivers {
            let inputs = pipeline_inputs
                .entry((receiver.clone(), pipeline_id.signal()))
                .or_default();
            // A buffer listed by several pipelines takes a request once and feeds them all.
            let known = |i: &Input| matches!((i, &input), (Input::Tail(a), Input::Tail(b)) if Arc::ptr_eq(a, b));
            if !inputs.senders.iter().any(known) {
                inputs.senders.push(input.clone());
            }
            for stage in &stages {
                if !inputs.golden.iter().any(|known| Arc::ptr_eq(known, stage)) {
                    inputs.golden.push(Arc::clone(stage));
                }
            }
        }
    }
    // Only the inputs built above, and the trace buffers' tasks, send to the batch stages now.
    drop((batch_inputs, tails));
    // The batch stages now hold the only queue senders besides the routes built below.
    drop((queue_inputs, durable_inputs));

    // Receive (and decode, inside each request): one gRPC and one HTTP server per receiver.
    let stop_receivers = CancellationToken::new();
    let mut receivers = JoinSet::new();
    for (id, (grpc_listener, http_listener)) in listeners {
        let Some(ReceiverConfig::Otlp(otlp)) = config.receivers.get(&id) else {
            continue;
        };
        let routes = |transport: &'static str| Routes {
            traces: route(
                &pipeline_inputs,
                &id,
                Signal::Traces,
                transport,
                &telemetry,
                &budget,
            ),
            metrics: route(
                &pipeline_inputs,
                &id,
                Signal::Metrics,
                transport,
                &telemetry,
                &budget,
            ),
            logs: route(
                &pipeline_inputs,
                &id,
                Signal::Logs,
                transport,
                &telemetry,
                &budget,
            ),
        };
        if let (Some(listener), Some(grpc)) = (grpc_listener, otlp.protocols.grpc.clone()) {
            let (routes, stop, what) = (
                routes("grpc"),
                stop_receivers.clone(),
                format!("receiver {id} (gRPC)"),
            );
            receivers.spawn(async move {
                receive::grpc::serve(listener, &grpc, routes, stop.cancelled_owned())
                    .await
                    .map_err(|e| AppError::Server {
                        what,
                        reason: e.to_string(),
                    })
            });
        }
        if let (Some(listener), Some(http)) = (http_listener, otlp.protocols.http.clone()) {
            let (routes, stop, what) = (
                routes("http"),
                stop_receivers.clone(),
                format!("receiver {id} (HTTP)"),
            );
            receivers.spawn(async move {
                receive::http::serve(listener, &http, routes, stop.cancelled_owned())
                    .await
                    .map_err(|e| AppError::Server {
                        what,
                        reason: e.to_string(),
                    })
            });
        }
    }
    // Golden signals into the metrics pipelines that list their processor among the receivers.
    let stop_feeds = CancellationToken::new();
    let mut feeds = JoinSet::new();
    for (id, stage) in &golden {
        let Some(ProcessorConfig::GoldenSignals(settings)) = config.processors.get(id) else {
            continue;
        };
        let Some(route) = route(
            &pipeline_inputs,
            id,
            Signal::Metrics,
            "internal",
            &telemetry,
            &budget,
        ) else {
            continue;
        };
        feeds.spawn(golden::flush::flush_until(
            Arc::clone(stage),
            route,
            settings.metrics_flush_interval,
            stop_feeds.clone(),
        ));
    }
    // Only the servers and the feeds hold pipeline inputs now: when they stop, the pipelines see
    // their input close.
    drop(pipeline_inputs);

    let admin_state = Arc::new(AdminState {
        telemetry,
        budget,
        golden: golden.into_values().collect(),
        samplers: samplers.into_values().collect(),
        ready: Default::default(),
    });
    let stop_admin = CancellationToken::new();
    let admin = {
        let (state, stop) = (Arc::clone(&admin_state), stop_admin.clone());
        tokio::spawn(async move {
            if let Err(error) = admin::serve(admin_listener, state, stop.cancelled_owned()).await {
                tracing::error!(message = "Admin server failed.", %error);
            }
        })
    };
    admin_state.ready.store(true, Ordering::Relaxed);
    tracing::info!(message = "weir is ready.", admin = %admin_address, receivers = %describe_receivers(config));
    Ok(Running {
        admin_state,
        receivers,
        stop_receivers,
        batchers,
        queues,
        durable_queues,
        admin,
        stop_admin,
        background,
        stop_background,
        feeds,
        stop_feeds,
    })
}

impl Running {
    /// Waits for `shutdown`, or for a receiver to fail (returned, and weir shuts down too),
    /// applying each reloaded config on the way; `in_force` is the config running now.
    async fn wait(
        &mut self,
        shutdown: impl Future<Output = ()>,
        mut reloads: tokio::sync::mpsc::Receiver<Config>,
        mut in_force: Config,
    ) -> Option<AppError> {
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => return None,
                Some(ended) = self.receivers.join_next() => return match ended {
                    Ok(Err(error)) => Some(error),
                    Ok(Ok(())) => None,
                    Err(join) => Some(AppError::Server { what: "a receiver".to_owned(), reason: join.to_string() }),
                },
                Some(new) = reloads.recv() => {
                    in_force = reload::apply(&self.admin_state.samplers, &in_force, new).await;
                }
            }
        }
    }

    /// Stops in flow order: receivers stop taking requests and finish those in flight; with their
    /// inputs closed, batch stages flush; with the batch stages gone, queues drain; exporters shut down.
    /// Everything after the receivers shares one deadline, `service.shutdown_timeout`.
    async fn shutdown(mut self, config: &Config) {
        tracing::info!(
            message = "Shutting down: no new requests; flushing batches and draining queues."
        );
        self.admin_state.ready.store(false, Ordering::Relaxed);
        let deadline = tokio::time::Instant::now() + config.service.shutdown_timeout;
        self.stop_receivers.cancel();
        let _ = tokio::time::timeout_at(deadline, async {
            while let Some(result) = self.receivers.join_next().await {
                if let Ok(Err(error)) = result {
                    tracing::error!(message = "Receiver stopped with an error.", %error);
                }
            }
        })
        .await;
        // Receivers still running past the deadline are cut off; their requests were not acknowledged.
        self.receivers.abort_all();
        while self.receivers.join_next().await.is_some() {}
        // The golden-signal feeds flush once more and let go of the metrics pipelines' inputs.
        self.stop_feeds.cancel();
        while self.feeds.join_next().await.is_some() {}
        // Batch stages and queues drain together: a batch stage may be waiting for room in a queue.
        let batchers = async {
            let flushed = tokio::time::timeout_at(deadline, async {
                while self.batchers.join_next().await.is_some() {}
            })
            .await;
            if flushed.is_err() {
                // Only a batch stage waiting for room in a full disk queue is still running.
                tracing::warn!(
                    message = "Shutdown deadline passed while a batch stage waited for a full disk queue; its batch is dropped."
                );
                self.batchers.abort_all();
                while self.batchers.join_next().await.is_some() {}
            }
        };
        let queues =
            futures::future::join_all(self.queues.into_iter().map(|queue| queue.drain(deadline)));
        futures::join!(batchers, queues);
        // Disk queues stop last: the batch stages behind trace buffers wrote to them until now.
        futures::future::join_all(
            self.durable_queues
                .into_iter()
                .map(|queue| queue.drain(deadline)),
        )
        .await;
        self.stop_background.cancel();
        while self.background.join_next().await.is_some() {}
        self.stop_admin.cancel();
        let _ = self.admin.await;
        tracing::info!(message = "weir stopped.");
    }
}

/// The byte budget of the config's `memory_limiter`, or none.
fn memory_budget(config: &Config) -> Arc<MemoryBudget> {
    let limit_mib = config.processors.values().find_map(|p| match p {
        ProcessorConfig::MemoryLimiter(m) => Some(m.limit_mib),
        _ => None,
    });
    let Some(limit_mib) = limit_mib else {
        return MemoryBudget::unlimited();
    };
    let limit = usize::try_from(limit_mib.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX);
    let resident = admission::resident_bytes().unwrap_or(0);
    let budget = MemoryBudget::within_process_limit(limit, resident);
    tracing::info!(
        message = "Memory budget set.",
        limit_mib,
        resident_mib = resident >> 20,
        budget_mib = budget.limit() >> 20,
    );
    budget
}

async fn bind(address: &str, what: &str) -> Result<TcpListener, AppError> {
    TcpListener::bind(address)
        .await
        .map_err(|source| AppError::Bind {
            address: address.to_owned(),
            what: what.to_owned(),
            source,
        })
}

/// Receivers listed by some pipeline; a defined but unused one is not started, as in the Collector.
fn used_receivers(config: &Config) -> BTreeSet<ComponentId> {
    config
        .service
        .pipelines
        .values()
        .flat_map(|p| p.receivers.iter().cloned())
        .collect()
}

/// Exporters listed by some pipeline.
fn used_exporters(config: &Config) -> BTreeSet<ComponentId> {
    config
        .service
        .pipelines
        .values()
        .flat_map(|p| p.exporters.iter().cloned())
        .collect()
}

/// An exporter, and how its queue in memory is worked.
struct Built {
    exporter: Arc<dyn Exporter>,
    policy: RetryPolicy,
    queue_size: u64,
    consumers: u64,
}

/// The exporter `config` describes, its retry policy, and its queue's size and workers; a
/// remote-write exporter's counters are registered with `telemetry`.
fn build_exporter(
    id: &ComponentId,
    config: &ExporterConfig,
    telemetry: &Telemetry,
) -> Result<Built, AppError> {
    let failed = |reason: String| AppError::Exporter {
        id: id.clone(),
        reason,
    };
    Ok(match config {
        ExporterConfig::Otlp(otlp) => Built {
            exporter: Arc::new(
                weir_exporters::otlp::OtlpExporter::new(otlp).map_err(|e| failed(e.to_string()))?,
            ),
            policy: RetryPolicy::from(&otlp.retry_on_failure),
            queue_size: otlp.sending_queue.queue_size,
            consumers: otlp.sending_queue.num_consumers,
        },
        ExporterConfig::File(file) => Built {
            exporter: Arc::new(
                weir_exporters::file::FileExporter::new(file).map_err(|e| failed(e.to_string()))?,
            ),
            policy: RetryPolicy::from(&weir_config::RetryConfig::default()),
            queue_size: file.sending_queue.queue_size,
            consumers: file.sending_queue.num_consumers,
        },
        ExporterConfig::PrometheusRemoteWrite(remote_write) => {
            let exporter =
                RemoteWriteExporter::new(remote_write).map_err(|e| failed(e.to_string()))?;
            telemetry.remote_write(&id.to_string(), exporter.stats());
            Built {
                exporter: Arc::new(exporter),
                policy: RetryPolicy::from(&remote_write.retry_on_failure),
                queue_size: remote_write.sending_queue.queue_size,
                // One consumer, so each series' samples leave in order; the exporter sends
                // `num_consumers` lanes of series at once itself (see RemoteWriteExporter).
                consumers: 1,
            }
        }
    })
}

/// What one receiver's requests of one signal feed: the pipelines' inputs and golden-signal stages.
#[derive(Default)]
struct PipelineInputs {
    senders: Vec<Input>,
    golden: Vec<Arc<GoldenStage>>,
}

/// A stage for every golden_signals processor some pipeline lists.
fn golden_stages(config: &Config) -> Result<BTreeMap<ComponentId, Arc<GoldenStage>>, AppError> {
    let mut stages = BTreeMap::new();
    for pipeline in config.service.pipelines.values() {
        for id in &pipeline.processors {
            let Some(ProcessorConfig::GoldenSignals(golden)) = config.processors.get(id) else {
                continue;
            };
            if stages.contains_key(id) {
                continue;
            }
            let signals = GoldenSignals::new(golden).map_err(|reason| AppError::Processor {
                id: id.clone(),
                reason,
            })?;
            let stage = GoldenStage::new(signals, golden.series_idle_timeout);
            stages.insert(id.clone(), Arc::new(stage));
        }
    }
    Ok(stages)
}

/// A trace buffer for every `mode: trace` sampler, feeding the batch stages and golden-signal stages
/// of the pipelines that list it; its shard tasks join `tasks`. Buffered spans may hold half the
/// memory budget (each body byte holds [`admission::HELD_BYTES_PER_BODY_BYTE`]), the rest staying
/// for batches and queues.
fn tail_stages(
    config: &Config,
    samplers: &BTreeMap<ComponentId, Arc<SampleStage>>,
    batch_inputs: &BTreeMap<PipelineId, channel::Sender<Envelope>>,
    golden: &BTreeMap<ComponentId, Arc<GoldenStage>>,
    telemetry: &Telemetry,
    budget: &MemoryBudget,
    tasks: &mut JoinSet<()>,
) -> BTreeMap<ComponentId, Arc<TailStage>> {
    let shards = std::thread::available_parallelism().map_or(1, usize::from);
    let mut tails = BTreeMap::new();
    for (id, stage) in samplers {
        let Some(ProcessorConfig::AdaptiveSampler(sampler)) = config.processors.get(id) else {
            continue;
        };
        if stage.mode() != SamplingMode::Trace {
            continue;
        }
        let listing: Vec<_> = config
            .service
            .pipelines
            .iter()
            .filter(|(_, p)| p.processors.contains(id))
            .collect();
        let mut stages: Vec<Arc<GoldenStage>> = Vec::new();
        for gold in listing
            .iter()
            .flat_map(|(_, p)| p.processors.iter().filter_map(|g| golden.get(g)))
        {
            if !stages.iter().any(|known| Arc::ptr_eq(known, gold)) {
                stages.push(Arc::clone(gold));
            }
        }
        let outputs = TailOutputs {
            batches: listing
                .iter()
                .map(|(pid, _)| batch_inputs[*pid].clone())
                .collect(),
            durable: listing
                .iter()
                .any(|(_, p)| p.exporters.iter().any(|e| disk_backed(config, e))),
            golden: stages,
            metrics: telemetry.tail(&id.to_string()),
        };
        let tail = TailStage::start(
            Arc::clone(stage),
            &sampler.trace,
            shards,
            budget.limit() / 2 / admission::HELD_BYTES_PER_BODY_BYTE,
            outputs,
            tasks,
        );
        tails.insert(id.clone(), Arc::new(tail));
    }
    tails
}

/// Whether exporter `id` keeps its queue on disk.
fn disk_backed(config: &Config, id: &ComponentId) -> bool {
    config
        .exporters
        .get(id)
        .and_then(ExporterConfig::disk_queue)
        .is_some()
}

/// Whether `pipeline` lists a trace-mode sampler, whose buffer then feeds its batch stage.
fn buffers_traces(config: &Config, pipeline: &weir_config::PipelineConfig) -> bool {
    pipeline.processors.iter().any(|id| {
        matches!(config.processors.get(id), Some(ProcessorConfig::AdaptiveSampler(s)) if s.mode == SamplingMode::Trace)
    })
}

/// A stage for every adaptive_sampler processor some pipeline lists, with its tuning requests.
fn sample_stages(
    config: &Config,
    telemetry: &Telemetry,
) -> BTreeMap<ComponentId, (SampleStage, TuneRequests)> {
    let mut stages = BTreeMap::new();
    for id in config
        .service
        .pipelines
        .values()
        .flat_map(|p| &p.processors)
    {
        if let Some(ProcessorConfig::AdaptiveSampler(sampler)) = config.processors.get(id) {
            stages
                .entry(id.clone())
                .or_insert_with(|| SampleStage::new(id, sampler, telemetry));
        }
    }
    stages
}

fn route(
    inputs: &BTreeMap<(ComponentId, Signal), PipelineInputs>,
    receiver: &ComponentId,
    signal: Signal,
    transport: &'static str,
    telemetry: &Telemetry,
    budget: &Arc<MemoryBudget>,
) -> Option<SignalRoute> {
    let inputs = inputs.get(&(receiver.clone(), signal))?;
    Some(SignalRoute {
        consumer: Consumer::new(inputs.senders.clone(), inputs.golden.clone()),
        metrics: telemetry.receiver(&receiver.to_string(), transport, signal),
        budget: Arc::clone(budget),
    })
}

fn describe_receivers(config: &Config) -> String {
    let mut parts = Vec::new();
    for id in used_receivers(config) {
        if let Some(ReceiverConfig::Otlp(otlp)) = config.receivers.get(&id) {
            if let Some(grpc) = &otlp.protocols.grpc {
                parts.push(format!("{id} gRPC {}", grpc.endpoint));
            }
            if let Some(http) = &otlp.protocols.http {
                parts.push(format!("{id} HTTP {}", http.endpoint));
            }
        }
    }
    parts.join(", ")
}
