//! Stage 4 in `mode: trace`: tail sampling. Each request's spans are split by trace on the
//! receiver's task and handed to the shard that owns their trace id, so every trace is buffered by
//! exactly one task and no lock is taken. A shard decides its traces as their time comes (see
//! [`weir_sampler::tail`]) and sends what it keeps on to the batch stages, holding the spans' share
//! of the memory budget until then, so buffered traces count against the admission budget.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use weir_config::TraceModeConfig;
use weir_proto::wire::{self, Block, ResourceView};
use weir_proto::{Encoded, Signal};
use weir_sampler::golden::UNKNOWN_SERVICE;
use weir_sampler::tail::{Decided, Limits, TraceBuffer, TraceId, TraceSummary};

use super::SampleStage;
use crate::admission::Reservation;
use crate::channel::{self, Permit, Receiver, Sender, TrySendError};
use crate::golden::GoldenStage;
use crate::pipeline::{Envelope, Pending};
use crate::telemetry::TailMetrics;

/// How often a shard looks for traces whose time has come: the most a decision runs late.
const TICK: Duration = Duration::from_millis(100);

/// Requests' worth of spans a shard may have waiting before receivers refuse more.
const SHARD_CHANNEL_CAPACITY: usize = 64;

/// Spans of one trace from one resource entry, on their way to the trace's shard.
struct Piece {
    trace_id: TraceId,
    block: Block,
    summary: TraceSummary,
    held: Held,
}

/// What a buffered fragment holds besides its spans.
struct Held {
    reservation: Reservation,
    /// The requests whose clients wait for this fragment to be decided and, if kept, written.
    pending: Vec<Pending>,
}

/// A trace-mode sampler's front: where receivers hand spans, split by trace and shard.
pub struct TailStage {
    shards: Vec<Sender<Vec<Piece>>>,
    durable: bool,
}

/// Slots reserved in every shard of a [`TailStage`], so a request accepted can be handed over whole.
pub struct TailPermits<'a>(Vec<Permit<'a, Vec<Piece>>>);

/// Where a trace-mode sampler's kept traces go, and what it counts.
pub struct TailOutputs {
    /// The batch stages of the pipelines that list the sampler.
    pub batches: Vec<Sender<Envelope>>,
    /// Whether one of those pipelines keeps an exporter's queue on disk: a client is then
    /// answered once its spans are decided and the kept ones written.
    pub durable: bool,
    /// Their golden-signal stages, offered the kept spans as exemplars.
    pub golden: Vec<Arc<GoldenStage>>,
    /// The sampler's instruments.
    pub metrics: TailMetrics,
}

impl TailStage {
    /// Starts `shards` buffer tasks for `sampler` (a trace-mode one), within `config` and at most
    /// `max_bytes` of buffered spans in all, sending kept traces to `outputs`; returns the stage and
    /// the tasks, which end once every receiver has dropped the stage and they have decided all.
    pub fn start(
        sampler: Arc<SampleStage>,
        config: &TraceModeConfig,
        shards: usize,
        max_bytes: usize,
        outputs: TailOutputs,
        tasks: &mut tokio::task::JoinSet<()>,
    ) -> TailStage {
        let shards = shards.max(1);
        let share = |total: u64| {
            usize::try_from(total)
                .unwrap_or(usize::MAX)
                .div_ceil(shards)
        };
        let limits = Limits {
            decision_wait: config.decision_wait,
            root_grace: config.root_grace,
            max_traces: share(config.max_traces),
            max_spans_per_trace: usize::try_from(config.max_spans_per_trace).unwrap_or(usize::MAX),
            max_bytes: max_bytes / shards,
            cache_size: share(config.decision_cache_size),
        };
        let durable = outputs.durable;
        let outputs = Arc::new(outputs);
        let started = Instant::now();
        let senders = (0..shards)
            .map(|_| {
                let (sender, receiver) =
                    channel::bounded(SHARD_CHANNEL_CAPACITY, outputs.metrics.inbox.clone());
                let shard = Shard {
                    buffer: TraceBuffer::new(limits),
                    sampler: Arc::clone(&sampler),
                    outputs: Arc::clone(&outputs),
                    started,
                    reported: (0, 0, 0),
                };
                tasks.spawn(shard.run(receiver));
                sender
            })
            .collect();
        TailStage {
            shards: senders,
            durable,
        }
    }

    /// Whether a client must wait for its spans to be decided and written (see [`TailOutputs`]).
    pub fn durable(&self) -> bool {
        self.durable
    }

    /// Reserves a slot in every shard without waiting.
    pub fn try_reserve(&self) -> Result<TailPermits<'_>, TrySendError> {
        self.shards
            .iter()
            .map(Sender::try_reserve)
            .collect::<Result<_, _>>()
            .map(TailPermits)
    }

    /// Splits `envelope`'s spans by trace and hands each trace's to its shard, with a share of the
    /// reservation as large as its share of the bytes.
    pub fn deliver(&self, permits: TailPermits<'_>, envelope: Envelope) {
        let Envelope {
            payload,
            mut reservation,
            pending,
        } = envelope;
        let mut pieces: Vec<Vec<Piece>> = (0..self.shards.len()).map(|_| Vec::new()).collect();
        if payload.signal() == Signal::Traces {
            let total = payload
                .blocks()
                .iter()
                .map(|b| b.bytes.len())
                .sum::<usize>()
                .max(1);
            let held = reservation.bytes();
            let mut index: HashMap<TraceId, usize> = HashMap::new();
            let mut traces: Vec<(TraceId, TraceSummary)> = Vec::new();
            for block in payload.blocks() {
                let service = ResourceView::of(block)
                    .service_name()
                    .unwrap_or(UNKNOWN_SERVICE);
                index.clear();
                traces.clear();
                let parts = wire::partition_spans(block, |span| {
                    // The scan admits only 16-byte trace ids.
                    let trace_id = TraceId::try_from(span.trace_id()).unwrap_or_default();
                    let at = *index.entry(trace_id).or_insert_with(|| {
                        traces.push((trace_id, TraceSummary::default()));
                        traces.len() - 1
                    });
                    traces[at].1.observe(service, span);
                    at
                });
                for (at, part) in parts {
                    let (trace_id, summary) = std::mem::take(&mut traces[at]);
                    // A piece owns its bytes: a slice would keep the whole request body alive.
                    let block = Block {
                        bytes: bytes::Bytes::copy_from_slice(&part.bytes),
                        items: part.items,
                    };
                    let share = held * block.bytes.len() / total;
                    pieces[shard_of(&trace_id, self.shards.len())].push(Piece {
                        trace_id,
                        block,
                        summary,
                        held: Held {
                            reservation: reservation.split_off(share),
                            pending: pending.clone(),
                        },
                    });
                }
            }
        }
        for (permit, pieces) in permits.0.into_iter().zip(pieces) {
            if !pieces.is_empty() {
                permit.send(pieces);
            }
        }
    }
}

/// The shard owning `trace_id`: its low bytes are random by the W3C trace id rules.
fn shard_of(trace_id: &TraceId, shards: usize) -> usize {
    let low = u64::from_le_bytes(trace_id[8..].try_into().unwrap_or_default());
    (low % shards as u64) as usize
}

/// One shard's task: owns its buffer, so nothing in it is shared.
struct Shard {
    buffer: TraceBuffer<Held>,
    sampler: Arc<SampleStage>,
    outputs: Arc<TailOutputs>,
    started: Instant,
    /// Traces, spans and bytes last added to the shared gauges.
    reported: (usize, usize, usize),
}

impl Shard {
    /// Buffers what comes and decides what is due, until every receiver is gone; then decides
    /// everything left, so nothing accepted is left behind.
    async fn run(mut self, mut inbox: Receiver<Vec<Piece>>) {
        let mut ticks = tokio::time::interval(TICK);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut decided = Vec::new();
        loop {
            tokio::select! {
                pieces = inbox.recv() => match pieces {
                    Some(pieces) => {
                        let now = self.started.elapsed();
                        // The closure borrows only the sampler field, so the buffer stays free to lend.
                        let sampler = &self.sampler;
                        let mut judge = |id: &TraceId, s: &TraceSummary| sampler.judge(id, s);
                        for piece in pieces {
                            self.buffer.add(
                                piece.trace_id,
                                (piece.block, piece.held),
                                piece.summary,
                                now,
                                &mut judge,
                                &mut decided,
                            );
                        }
                    }
                    None => {
                        let sampler = &self.sampler;
                        self.buffer.decide_all(&mut |id, s| sampler.judge(id, s), &mut decided);
                        self.send(&mut decided).await;
                        self.report();
                        return;
                    }
                },
                _ = ticks.tick() => {
                    let sampler = &self.sampler;
                    let now = self.started.elapsed();
                    self.buffer.decide_due(now, &mut |id, s| sampler.judge(id, s), &mut decided);
                }
            }
            self.send(&mut decided).await;
            self.report();
        }
    }

    /// Sends the kept spans of `decided` on as one request, and counts every decision; a dropped
    /// trace's reservation goes back to the budget here.
    async fn send(&self, decided: &mut Vec<Decided<Held>>) {
        if decided.is_empty() {
            return;
        }
        let metrics = &self.outputs.metrics;
        let mut kept = Vec::new();
        let mut held: Option<Reservation> = None;
        let mut pending = Vec::new();
        for trace in decided.drain(..) {
            let keep = trace.verdict.kept();
            if trace.reason == weir_sampler::tail::Reason::Late {
                let spans = trace.summary.spans as u64;
                if keep {
                    &metrics.late_kept
                } else {
                    &metrics.late_dropped
                }
                .inc_by(spans);
            } else {
                metrics.decided(trace.reason, keep);
            }
            for (block, fragment) in trace.fragments {
                if let Some(block) = self.sampler.stamp(&block, trace.verdict) {
                    kept.push(block);
                    pending.extend(fragment.pending);
                    match &mut held {
                        Some(all) => all.absorb(fragment.reservation),
                        None => held = Some(fragment.reservation),
                    }
                }
            }
        }
        let Some(mut reservation) = held else {
            return;
        };
        let payload = Encoded::from_blocks(Signal::Traces, kept);
        for golden in &self.outputs.golden {
            golden.offer_exemplars(&payload);
        }
        let batches = &self.outputs.batches;
        for (i, batch) in batches.iter().enumerate() {
            let reservation = if i + 1 == batches.len() {
                reservation.split_off(reservation.bytes())
            } else {
                reservation.duplicate()
            };
            // A batch stage that has stopped has nothing left to flush into; nothing is lost that
            // was not already lost to it.
            let mut envelope = Envelope::new(payload.clone(), reservation);
            envelope.pending.clone_from(&pending);
            let _ = batch.send(envelope).await;
        }
    }

    /// Moves the shared gauges by what this shard's buffer changed since the last report.
    fn report(&mut self) {
        let now = (
            self.buffer.traces(),
            self.buffer.spans(),
            self.buffer.bytes(),
        );
        let metrics = &self.outputs.metrics;
        let delta = |new: usize, old: usize| new as i64 - old as i64;
        metrics.traces.add(delta(now.0, self.reported.0));
        metrics.spans.add(delta(now.1, self.reported.1));
        metrics.bytes.add(delta(now.2, self.reported.2));
        self.reported = now;
    }
}
