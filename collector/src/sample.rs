//! Stage 4: the adaptive sampler, run per pipeline on the receiver's task right after golden
//! signals, and its decision task, which sets each key's probability once per interval.

use std::sync::Arc;
use std::time::Instant;

use tokio_util::sync::CancellationToken;
use weir_config::{AdaptiveSamplerConfig, ComponentId};
use weir_proto::Encoded;
use weir_sampler::adaptive::{AdaptiveSampler, Controllers};

/// An `adaptive_sampler` processor as the pipelines run it.
pub struct SampleStage {
    id: String,
    sampler: AdaptiveSampler,
    /// The decisions' clock: monotonic, since the wall clock may step.
    started: Instant,
}

impl SampleStage {
    /// The stage of processor `id`.
    pub fn new(id: &ComponentId, config: &AdaptiveSamplerConfig) -> SampleStage {
        SampleStage {
            id: id.to_string(),
            sampler: AdaptiveSampler::new(config),
            started: Instant::now(),
        }
    }

    /// The spans of `request` the sampler keeps.
    pub fn sample(&self, request: Encoded) -> Encoded {
        self.sampler.sample(request)
    }

    /// Appends the sampler's series to `/metrics` text.
    pub fn write_prometheus(&self, out: &mut String) {
        self.sampler.write_prometheus(&self.id, out);
    }

    /// Sets new probabilities every decision interval until `stop` is cancelled; the task owns the
    /// policies' state, so deciding takes no lock.
    pub async fn decide_until(self: Arc<Self>, stop: CancellationToken) {
        let mut controllers = Controllers::new();
        let period = self.sampler.decision_interval();
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                _ = ticks.tick() => self.sampler.decide(&mut controllers, self.started.elapsed()),
            }
        }
    }
}
