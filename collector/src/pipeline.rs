//! The pipeline: receive → decode → golden signals → sample → batch → queue → export.
//!
//! Receivers hand each checked request to a [`Consumer`], which offers it to every pipeline the
//! receiver feeds. Stage 3, golden signals ([`crate::golden`]), runs in [`Consumer::offer`], on the
//! receiver's own task, so that it sees every span and scales with the connections; stage 4, the
//! adaptive sampler ([`crate::sample`]), follows it there, per pipeline, or in `mode: trace` hands
//! the spans to its trace buffer ([`crate::sample::tail`]), which sends kept traces on later. A
//! request then goes to the pipeline's batch stage ([`crate::batch`]), whose batches go to every
//! exporter's queue ([`crate::queue`]).

use std::sync::Arc;

use weir_proto::Encoded;

use crate::admission::Reservation;
use crate::channel::{Permit, Sender, TrySendError};
use crate::golden::GoldenStage;
use crate::sample::SampleStage;
use crate::sample::tail::{TailPermits, TailStage};

/// Requests a pipeline's batch stage may have waiting before receivers refuse more; the memory
/// budget, not this count, is what bounds bytes.
pub const PIPELINE_CHANNEL_CAPACITY: usize = 256;

/// A checked request on its way through a pipeline, holding its share of the memory budget.
#[derive(Debug)]
pub struct Envelope {
    /// The request.
    pub payload: Encoded,
    /// Budget held until the last exporter is done.
    pub reservation: Reservation,
}

impl Envelope {
    /// Wraps a checked request.
    pub fn new(payload: Encoded, reservation: Reservation) -> Envelope {
        Envelope {
            payload,
            reservation,
        }
    }

    /// Items in the request.
    pub fn items(&self) -> usize {
        self.payload.item_count()
    }

    /// Moves the first `n` items, and their share of the reservation, into a new envelope.
    pub fn split_front(&mut self, n: usize) -> Envelope {
        let items = self.items();
        let bytes = (self.reservation.bytes() * n.min(items))
            .checked_div(items)
            .unwrap_or(0);
        Envelope {
            payload: self.payload.split_front(n),
            reservation: self.reservation.split_off(bytes),
        }
    }

    /// Appends `other` to this envelope.
    pub fn append(&mut self, other: Envelope) {
        self.payload.append(other.payload);
        self.reservation.absorb(other.reservation);
    }
}

/// A batch on its way to the exporters: shared by every exporter queue of the pipeline, and giving its
/// bytes back to the budget when the last one drops it.
#[derive(Debug)]
pub struct Batch {
    /// The batched request.
    pub payload: Arc<Encoded>,
    _reservation: Reservation,
}

impl Batch {
    /// Items in the batch.
    pub fn items(&self) -> usize {
        self.payload.item_count()
    }
}

impl From<Envelope> for Batch {
    fn from(e: Envelope) -> Batch {
        Batch {
            payload: Arc::new(e.payload),
            _reservation: e.reservation,
        }
    }
}

/// One pipeline's input as a receiver sees it.
#[derive(Clone)]
pub enum Input {
    /// The pipeline's batch stage, behind the span-mode sampler the pipeline lists, if any.
    Batch {
        /// The batch stage.
        sender: Sender<Envelope>,
        /// The pipeline's adaptive sampler in `mode: span`.
        sampler: Option<Arc<SampleStage>>,
    },
    /// A trace-mode sampler's buffer, which feeds the batch stages of every pipeline listing it.
    Tail(Arc<TailStage>),
}

/// Room reserved in one input.
enum Reserved<'a> {
    Batch(Permit<'a, Envelope>),
    Tail(TailPermits<'a>),
}

impl Input {
    fn try_reserve(&self) -> Result<Reserved<'_>, TrySendError> {
        match self {
            Input::Batch { sender, .. } => sender.try_reserve().map(Reserved::Batch),
            Input::Tail(stage) => stage.try_reserve().map(Reserved::Tail),
        }
    }

    /// Whether every span offered here goes on unsampled.
    fn takes_all(&self) -> bool {
        matches!(self, Input::Batch { sampler: None, .. })
    }
}

/// Where one receiver sends one signal: the inputs of every pipeline that lists the receiver, and
/// the golden-signal stages of those pipelines.
#[derive(Clone)]
pub struct Consumer {
    inputs: Vec<Input>,
    /// Each stage once, however many of the pipelines list it: a span is counted once per stage.
    golden: Vec<Arc<GoldenStage>>,
}

impl Consumer {
    /// A consumer feeding `inputs`, counting golden signals in `golden` first.
    pub fn new(inputs: Vec<Input>, golden: Vec<Arc<GoldenStage>>) -> Consumer {
        Consumer { inputs, golden }
    }

    /// Passes a request to every pipeline, or to none: room is reserved in all of them first, so a
    /// refused request was accepted nowhere and the client's retry cannot duplicate data (nor its
    /// golden signals, counted only once room is reserved). Golden signals see every span; each
    /// pipeline then gets what its sampler keeps.
    pub fn offer(&self, mut envelope: Envelope) -> Result<(), TrySendError> {
        if let [only] = self.inputs.as_slice() {
            let permit = only.try_reserve()?;
            self.count(&envelope);
            match (only, permit) {
                (Input::Batch { sampler, .. }, Reserved::Batch(permit)) => {
                    if let Some(payload) = self.sampled(sampler.as_ref(), envelope.payload) {
                        envelope.payload = payload;
                        permit.send(envelope);
                    }
                }
                (Input::Tail(stage), Reserved::Tail(permits)) => stage.deliver(permits, envelope),
                _ => unreachable!("an input reserves room of its own kind"),
            }
            return Ok(());
        }
        let permits = self
            .inputs
            .iter()
            .map(Input::try_reserve)
            .collect::<Result<Vec<_>, _>>()?;
        self.count(&envelope);
        // A sampler listed by several of these pipelines decides the request once.
        let mut decided: Vec<(&Arc<SampleStage>, Option<Encoded>)> = Vec::new();
        for (input, permit) in self.inputs.iter().zip(permits) {
            let (sampler, permit) = match (input, permit) {
                (Input::Batch { sampler, .. }, Reserved::Batch(permit)) => (sampler, permit),
                (Input::Tail(stage), Reserved::Tail(permits)) => {
                    stage.deliver(
                        permits,
                        Envelope::new(envelope.payload.clone(), envelope.reservation.duplicate()),
                    );
                    continue;
                }
                _ => unreachable!("an input reserves room of its own kind"),
            };
            let payload = match sampler {
                None => Some(envelope.payload.clone()),
                Some(stage) => match decided.iter().find(|(known, _)| Arc::ptr_eq(known, stage)) {
                    Some((_, done)) => done.clone(),
                    None => {
                        let done = self.sampled(Some(stage), envelope.payload.clone());
                        decided.push((stage, done.clone()));
                        done
                    }
                },
            };
            if let Some(payload) = payload {
                permit.send(Envelope {
                    payload,
                    reservation: envelope.reservation.duplicate(),
                });
            }
        }
        Ok(())
    }

    /// Counts the request's spans in every golden-signal stage. When some pipeline takes it
    /// unsampled, every trace in it goes on, so any span may be an exemplar; otherwise exemplars
    /// wait for what a sampler keeps.
    fn count(&self, envelope: &Envelope) {
        let all_kept = self.inputs.iter().any(Input::takes_all);
        for stage in &self.golden {
            stage.record(&envelope.payload, all_kept);
        }
    }

    /// What `sampler` keeps of `payload`: all of it without a sampler, `None` if it keeps no span
    /// of a request that had some. Kept spans are offered to the golden signals as exemplars.
    fn sampled(&self, sampler: Option<&Arc<SampleStage>>, payload: Encoded) -> Option<Encoded> {
        let Some(stage) = sampler else {
            return Some(payload);
        };
        let items = payload.item_count();
        let kept = stage.sample(payload);
        for golden in &self.golden {
            golden.offer_exemplars(&kept);
        }
        (kept.item_count() > 0 || items == 0).then_some(kept)
    }
}

impl std::fmt::Debug for Consumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consumer")
            .field("inputs", &self.inputs.len())
            .field("golden", &self.golden.len())
            .finish()
    }
}
