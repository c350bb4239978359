//! Stage 4: the adaptive sampler, run per pipeline on the receiver's task right after golden
//! signals (or, in `mode: trace`, in the shards of [`tail`]), and its decision task, which sets each
//! key's probability once per interval, applies changes made through `PUT /sampling` and writes the
//! [`checkpoint`] of what the policies learned.

mod checkpoint;
pub mod tail;

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use weir_config::{AdaptiveSamplerConfig, ComponentId, SamplingMode};
use weir_proto::Encoded;
use weir_proto::wire::Block;
use weir_sampler::adaptive::{AdaptiveSampler, Controllers, Tuning, TuningError};
use weir_sampler::exposition::Format;
use weir_sampler::tail::{TraceId, TraceSummary, Verdict};

use self::checkpoint::CheckpointFile;
use crate::telemetry::Telemetry;

/// Longest shutdown waits for the sampler's last checkpoint write.
const LAST_SAVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// A change for the decision task, and where its answer goes: the tuning in force after it.
type TuneRequest = (Tuning, oneshot::Sender<Result<Tuning, TuningError>>);

/// An `adaptive_sampler` processor as the pipelines run it.
pub struct SampleStage {
    id: String,
    mode: SamplingMode,
    sampler: AdaptiveSampler,
    /// The decisions' clock: monotonic, since the wall clock may step.
    started: Instant,
    tune: mpsc::Sender<TuneRequest>,
    checkpoint: Option<Arc<CheckpointFile>>,
}

/// The decision task's end of a stage's tuning channel.
pub struct TuneRequests(mpsc::Receiver<TuneRequest>);

impl SampleStage {
    /// The stage of processor `id`, and the requests its decision task must serve.
    pub fn new(
        id: &ComponentId,
        config: &AdaptiveSamplerConfig,
        telemetry: &Telemetry,
    ) -> (SampleStage, TuneRequests) {
        let (tune, requests) = mpsc::channel(8);
        let id = id.to_string();
        let checkpoint = config.checkpoint.as_ref().map(|checkpoint| {
            Arc::new(CheckpointFile::new(
                &id,
                checkpoint,
                telemetry.checkpoint(&id),
            ))
        });
        let stage = SampleStage {
            id,
            mode: config.mode,
            sampler: AdaptiveSampler::new(config),
            started: Instant::now(),
            tune,
            checkpoint,
        };
        (stage, TuneRequests(requests))
    }

    /// The processor's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether it decides spans alone or whole traces.
    pub fn mode(&self) -> SamplingMode {
        self.mode
    }

    /// The spans of `request` the sampler keeps, each decided alone (`mode: span`).
    pub fn sample(&self, request: Encoded) -> Encoded {
        self.sampler.sample(request)
    }

    /// The verdict on a whole trace (`mode: trace`).
    pub fn judge(&self, trace_id: &TraceId, summary: &TraceSummary) -> Verdict {
        self.sampler.judge(trace_id, summary)
    }

    /// Spans of a trace judged `verdict`, as they go on; `None` if dropped.
    pub fn stamp(&self, fragment: &Block, verdict: Verdict) -> Option<Block> {
        self.sampler.stamp(fragment, verdict)
    }

    /// Appends the sampler's series to `/metrics` text in `format`.
    pub fn write(&self, out: &mut String, format: Format) {
        self.sampler.write(&self.id, out, format);
    }

    /// Applies `change` (an empty one only reads) and returns the tuning in force after it; `None`
    /// if the decision task has stopped.
    pub async fn tune(&self, change: Tuning) -> Option<Result<Tuning, TuningError>> {
        let (reply, answer) = oneshot::channel();
        self.tune.send((change, reply)).await.ok()?;
        answer.await.ok()
    }

    /// The decision task's controllers, resumed from the checkpoint if there is a usable one: run
    /// before the first span, so every span is sampled at the learned probability.
    pub async fn resume(&self) -> Controllers {
        match &self.checkpoint {
            Some(file) => file.resume(&self.sampler, self.started.elapsed()).await,
            None => Controllers::new(),
        }
    }

    /// Sets new probabilities every decision interval, applies tuning requests at once, and writes
    /// the checkpoint every `checkpoint.interval` and once more when `stop` is cancelled; the task
    /// owns the policies' state, so deciding takes no lock.
    pub async fn decide_until(
        self: Arc<Self>,
        mut controllers: Controllers,
        mut requests: TuneRequests,
        stop: CancellationToken,
    ) {
        let period = self.sampler.decision_interval();
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let every = self
            .checkpoint
            .as_ref()
            .map_or(period, |file| file.interval());
        let mut saves = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        saves.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut saving: Option<JoinHandle<()>> = None;
        loop {
            tokio::select! {
                () = stop.cancelled() => break,
                _ = ticks.tick() => self.sampler.decide(&mut controllers, self.started.elapsed()),
                _ = saves.tick(), if self.checkpoint.is_some() => {
                    // A write still going on a slow disk is let finish; this one is skipped.
                    if saving.as_ref().is_none_or(JoinHandle::is_finished) {
                        saving = self.save(&controllers);
                    }
                }
                Some((change, reply)) = requests.0.recv() => {
                    let result = self.sampler.tune(&mut controllers, &change).map(|()| {
                        if change != Tuning::default() {
                            self.sampler.decide(&mut controllers, self.started.elapsed());
                        }
                        self.sampler.tuning(&mut controllers)
                    });
                    // The asker may have given up; the change holds either way.
                    let _ = reply.send(result);
                }
            }
        }
        // The last write starts after any still going has ended: both use the same temporary file,
        // and the file must end with the newest state. A hung disk must not hold shutdown up.
        let last = async {
            if let Some(write) = saving {
                let _ = write.await;
            }
            if let Some(write) = self.save(&controllers) {
                let _ = write.await;
            }
        };
        if tokio::time::timeout(LAST_SAVE_TIMEOUT, last).await.is_err() {
            tracing::warn!(message = "The sampler's last checkpoint write did not finish in time; the previous checkpoint stays.", sampler = %self.id);
        }
    }

    /// Starts writing what the controllers learned to the checkpoint file, if there is one.
    fn save(&self, controllers: &Controllers) -> Option<JoinHandle<()>> {
        let file = self.checkpoint.as_ref()?;
        Some(file.spawn_save(self.sampler.checkpoint(controllers, SystemTime::now())))
    }
}
