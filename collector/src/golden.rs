//! Stage 3: golden signals from every span of an accepted traces request, before any sampling.
//!
//! Runs on the receiver's task, inside [`crate::pipeline::Consumer::offer`], once the request has
//! room in every pipeline: a request counted is a request accepted, so a client's retry of a
//! refused one is not counted twice.

pub mod flush;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use weir_proto::otlp::collector::metrics::v1::ExportMetricsServiceRequest;
use weir_proto::wire::{self, Value};
use weir_proto::{Encoded, Signal};
use weir_sampler::golden::{AttributeValue, GoldenSignals, SpanFacts, Weight};
use weir_sampler::sample::read_ot;

/// How long a saturation measurement averages over: long enough to hold many requests, short
/// enough to show a load change within a scrape or two.
pub const SATURATION_WINDOW: Duration = Duration::from_secs(10);

/// Longest wait between two expiry passes, whatever the idle timeout.
const MAX_EXPIRY_PERIOD: Duration = Duration::from_secs(30);

/// A `golden_signals` processor as the pipelines run it.
pub struct GoldenStage {
    signals: GoldenSignals,
    /// Series age by this monotonic clock, in whole seconds: the wall clock may step back.
    started: Instant,
    /// When counting began, as the start time of the cumulative metrics sent on.
    started_unix_ns: u64,
    expiry_period: Duration,
}

impl GoldenStage {
    /// A stage recording into `signals`, whose idle series expire after `idle_timeout`.
    pub fn new(signals: GoldenSignals, idle_timeout: Duration) -> GoldenStage {
        GoldenStage {
            signals,
            started: Instant::now(),
            started_unix_ns: unix_ns(),
            expiry_period: (idle_timeout / 4).clamp(Duration::from_secs(1), MAX_EXPIRY_PERIOD),
        }
    }

    /// The signals, for `/metrics`.
    pub fn signals(&self) -> &GoldenSignals {
        &self.signals
    }

    /// Every series now, as cumulative OTLP metrics counted since the stage started.
    pub fn to_otlp(&self) -> ExportMetricsServiceRequest {
        self.signals.to_otlp(self.started_unix_ns, unix_ns())
    }

    /// Counts every span of `request`; other signals pass untouched. With `exemplars`, every span
    /// may become its series' exemplar: for requests no pipeline samples, whose traces all go on.
    pub fn record(&self, request: &Encoded, exemplars: bool) {
        let mut recorder = self.signals.recorder(self.now());
        if exemplars {
            recorder = recorder.with_exemplars(unix_ms());
        }
        self.each_span(request, |facts, attribute| {
            recorder.record(facts, attribute)
        });
    }

    /// Offers the spans of `kept`, what a sampler let through, as their series' exemplars, so an
    /// exemplar always points at a trace that exists.
    pub fn offer_exemplars(&self, kept: &Encoded) {
        let mut recorder = self.signals.recorder(self.now());
        let now = unix_ms();
        self.each_span(kept, |facts, attribute| {
            recorder.offer_exemplar(facts, now, attribute)
        });
    }

    /// Calls `visit` with the facts of every span of a traces `request` and a lookup of its
    /// attributes (the span's, then its resource's, read once per resource entry).
    fn each_span<'r>(
        &self,
        request: &'r Encoded,
        mut visit: impl FnMut(&SpanFacts<'_>, &dyn Fn(&str) -> Option<AttributeValue<'r>>),
    ) {
        if request.signal() != Signal::Traces {
            return;
        }
        let mut from_resource: Vec<(&str, Option<Value<'r>>)> = Vec::new();
        for block in request.blocks() {
            let mut resource_read = false;
            wire::for_each_span(block, |resource, span| {
                if !resource_read {
                    from_resource.clear();
                    from_resource.extend(
                        self.signals
                            .attribute_keys()
                            .map(|key| (key, resource.attribute(key))),
                    );
                    resource_read = true;
                }
                let facts = SpanFacts {
                    service: resource.service_name(),
                    name: span.name(),
                    kind: span.kind(),
                    status: span.status_code(),
                    duration_ns: span
                        .end_time_unix_nano()
                        .saturating_sub(span.start_time_unix_nano()),
                    weight: weight(span.trace_state()),
                    trace_id: span.trace_id(),
                };
                visit(&facts, &|key| {
                    attribute(span.attribute(key).or_else(|| {
                        from_resource
                            .iter()
                            .find(|(known, _)| *known == key)
                            .and_then(|(_, value)| *value)
                    }))
                });
            });
        }
    }

    /// Until `stop` is cancelled: drops idle series every quarter of the idle timeout, and
    /// measures saturation every [`SATURATION_WINDOW`].
    pub async fn maintain_until(self: Arc<Self>, stop: CancellationToken) {
        let mut expiry = tokio::time::interval(self.expiry_period);
        expiry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut saturation = tokio::time::interval_at(
            tokio::time::Instant::now() + SATURATION_WINDOW,
            SATURATION_WINDOW,
        );
        saturation.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut measured = Instant::now();
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                _ = expiry.tick() => {
                    let expired = self.signals.expire(self.now());
                    if expired > 0 {
                        tracing::debug!(message = "Golden-signal series expired.", expired);
                    }
                }
                _ = saturation.tick() => {
                    self.signals.measure_saturation(measured.elapsed().as_secs_f64());
                    measured = Instant::now();
                }
            }
        }
    }

    fn now(&self) -> u64 {
        self.started.elapsed().as_secs()
    }
}

/// How many spans one stands for: 1/p when an upstream sampler kept it with probability p and said
/// so in its tracestate's `th`, so the signals stay right behind head sampling.
fn weight(trace_state: &str) -> Weight {
    if trace_state.is_empty() {
        return Weight::ONE;
    }
    read_ot(trace_state)
        .threshold
        .map_or(Weight::ONE, |threshold| {
            Weight::from_adjusted_count(threshold.adjusted_count())
        })
}

/// The wall clock in Unix milliseconds, as exemplars are stamped.
fn unix_ms() -> u64 {
    unix_ns() / 1_000_000
}

/// The wall clock in Unix nanoseconds, as OTLP stamps points.
fn unix_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// An attribute as a dimension's value; arrays, maps and bytes make no label.
fn attribute(value: Option<Value<'_>>) -> Option<AttributeValue<'_>> {
    match value? {
        Value::Str(text) => Some(AttributeValue::Str(text)),
        Value::Int(n) => Some(AttributeValue::Int(n)),
        Value::Double(x) => Some(AttributeValue::Double(x)),
        Value::Bool(b) => Some(AttributeValue::Bool(b)),
        Value::Other => None,
    }
}

#[cfg(test)]
mod tests;
