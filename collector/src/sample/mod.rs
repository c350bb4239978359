//! Stage 4: the adaptive sampler, run per pipeline on the receiver's task right after golden
//! signals (or, in `mode: trace`, in the shards of [`tail`]), and its decision task, which sets each
//! key's probability once per interval and applies changes made through `PUT /sampling`.

pub mod tail;

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use weir_config::{AdaptiveSamplerConfig, ComponentId, SamplingMode};
use weir_proto::Encoded;
use weir_proto::wire::Block;
use weir_sampler::adaptive::{AdaptiveSampler, Controllers, Tuning, TuningError};
use weir_sampler::exposition::Format;
use weir_sampler::tail::{TraceId, TraceSummary, Verdict};

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
}

/// The decision task's end of a stage's tuning channel.
pub struct TuneRequests(mpsc::Receiver<TuneRequest>);

impl SampleStage {
    /// The stage of processor `id`, and the requests its decision task must serve.
    pub fn new(id: &ComponentId, config: &AdaptiveSamplerConfig) -> (SampleStage, TuneRequests) {
        let (tune, requests) = mpsc::channel(8);
        let stage = SampleStage {
            id: id.to_string(),
            mode: config.mode,
            sampler: AdaptiveSampler::new(config),
            started: Instant::now(),
            tune,
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

    /// Sets new probabilities every decision interval, and applies tuning requests at once, until
    /// `stop` is cancelled; the task owns the policies' state, so deciding takes no lock.
    pub async fn decide_until(
        self: Arc<Self>,
        mut requests: TuneRequests,
        stop: CancellationToken,
    ) {
        let mut controllers = Controllers::new();
        let period = self.sampler.decision_interval();
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                _ = ticks.tick() => self.sampler.decide(&mut controllers, self.started.elapsed()),
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
    }
}
