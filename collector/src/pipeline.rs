//! The pipeline: receive → decode → golden signals → sample → batch → queue → export.
//!
//! Receivers hand each checked request to a [`Consumer`], which offers it to every pipeline the
//! receiver feeds. Stage 3, golden signals ([`crate::golden`]), runs in [`Consumer::offer`], on the
//! receiver's own task, so that it sees every span and scales with the connections; stage 4, the
//! adaptive sampler ([`crate::sample`]), follows it there, per pipeline, or in `mode: trace` hands
//! the spans to its trace buffer ([`crate::sample::tail`]), which sends kept traces on later. A
//! request then goes to the pipeline's batch stage ([`crate::batch`]), whose batches go to every
//! exporter's queue ([`crate::queue`]); an exporter whose queue is on disk gets the request in its
//! queue before the receiver answers ([`crate::queue::durable`]).

use std::sync::Arc;

use tokio::sync::oneshot;

use weir_proto::Encoded;

use crate::admission::Reservation;
use crate::channel::{Permit, Sender, TrySendError};
use crate::golden::GoldenStage;
use crate::queue::DurableInput;
use crate::queue::disk::DiskQueueError;
use crate::sample::SampleStage;
use crate::sample::tail::{TailPermits, TailStage};

/// Requests a pipeline's batch stage may have waiting before receivers refuse more; the memory
/// budget, not this count, is what bounds bytes.
pub const PIPELINE_CHANNEL_CAPACITY: usize = 256;

/// Held by every part of a request whose client waits until it is durable: the receiver answers
/// once every clone is dropped (written to the disk queues, or dropped by the sampler).
#[derive(Clone, Debug)]
pub struct Pending {
    // Never sent on: dropping the last clone is the signal.
    _written: Arc<oneshot::Sender<()>>,
}

impl Pending {
    /// A new handle, and what resolves once it and all its clones are gone.
    pub fn new() -> (Pending, oneshot::Receiver<()>) {
        let (done, written) = oneshot::channel();
        let pending = Pending {
            _written: Arc::new(done),
        };
        (pending, written)
    }
}

/// A checked request on its way through a pipeline, holding its share of the memory budget.
#[derive(Debug)]
pub struct Envelope {
    /// The request.
    pub payload: Encoded,
    /// Budget held until the last exporter is done.
    pub reservation: Reservation,
    /// Behind a trace buffer, the requests whose clients wait for these spans to be written to
    /// the pipeline's disk queues.
    pub pending: Vec<Pending>,
}

impl Envelope {
    /// Wraps a checked request.
    pub fn new(payload: Encoded, reservation: Reservation) -> Envelope {
        Envelope {
            payload,
            reservation,
            pending: Vec::new(),
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
            pending: self.pending.clone(),
        }
    }

    /// Appends `other` to this envelope.
    pub fn append(&mut self, other: Envelope) {
        self.payload.append(other.payload);
        self.reservation.absorb(other.reservation);
        self.pending.extend(other.pending);
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
    /// The pipeline's batch stage and disk queues, behind the span-mode sampler the pipeline lists,
    /// if any.
    Batch {
        /// The batch stage; `None` when every exporter of the pipeline keeps its queue on disk.
        sender: Option<Sender<Envelope>>,
        /// The pipeline's adaptive sampler in `mode: span`.
        sampler: Option<Arc<SampleStage>>,
        /// The disk queues of the pipeline's `storage: disk` exporters: a request is in each of
        /// them before the client is answered.
        durable: Arc<[DurableInput]>,
    },
    /// A trace-mode sampler's buffer, which feeds the batch stages of every pipeline listing it.
    Tail(Arc<TailStage>),
}

/// Room reserved in one input.
enum Reserved<'a> {
    Batch(Option<Permit<'a, Envelope>>),
    Tail(TailPermits<'a>),
}

impl Input {
    fn try_reserve(&self) -> Result<Reserved<'_>, TrySendError> {
        match self {
            Input::Batch { sender, .. } => sender
                .as_ref()
                .map(Sender::try_reserve)
                .transpose()
                .map(Reserved::Batch),
            Input::Tail(stage) => stage.try_reserve().map(Reserved::Tail),
        }
    }

    /// Whether every span offered here goes on unsampled.
    fn takes_all(&self) -> bool {
        matches!(self, Input::Batch { sampler: None, .. })
    }

    fn durable(&self) -> &[DurableInput] {
        match self {
            Input::Batch { durable, .. } => durable,
            Input::Tail(_) => &[],
        }
    }
}

/// Why a request was not taken; nothing of it was passed on.
#[derive(Debug, thiserror::Error)]
pub enum OfferError {
    /// A pipeline's input is full or closed.
    #[error("a pipeline's input is {0:?}")]
    Channel(TrySendError),
    /// A disk queue did not take the request.
    #[error(transparent)]
    Disk(#[from] DiskQueueError),
}

impl From<TrySendError> for OfferError {
    fn from(error: TrySendError) -> Self {
        OfferError::Channel(error)
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
    /// golden signals, counted only once the request is taken). Golden signals see every span;
    /// each pipeline then gets what its sampler keeps, written to its disk queues before this
    /// returns.
    pub async fn offer(&self, mut envelope: Envelope) -> Result<(), OfferError> {
        if let [
            only @ Input::Batch {
                sampler, durable, ..
            },
        ] = self.inputs.as_slice()
            && durable.is_empty()
        {
            let permit = only.try_reserve()?;
            self.count(&envelope);
            if let Reserved::Batch(Some(permit)) = permit
                && let Some(payload) = self.sampled(sampler.as_ref(), envelope.payload)
            {
                envelope.payload = payload;
                permit.send(envelope);
            }
            return Ok(());
        }
        let permits = self
            .inputs
            .iter()
            .map(Input::try_reserve)
            .collect::<Result<Vec<_>, _>>()?;
        // A sampler listed by several of these pipelines decides the request once.
        let mut decided: Vec<(&Arc<SampleStage>, Option<Encoded>)> = Vec::new();
        let shares: Vec<Option<Encoded>> = self
            .inputs
            .iter()
            .map(|input| match input {
                Input::Batch { sampler: None, .. } => Some(envelope.payload.clone()),
                Input::Batch {
                    sampler: Some(stage),
                    ..
                } => {
                    if let Some((_, done)) =
                        decided.iter().find(|(known, _)| Arc::ptr_eq(known, stage))
                    {
                        return done.clone();
                    }
                    let done = kept(stage, envelope.payload.clone());
                    decided.push((stage, done.clone()));
                    done
                }
                Input::Tail(_) => None,
            })
            .collect();
        // The client is answered only once every disk queue holds the request: a failure here
        // refuses it whole, before anything is counted or sent on.
        let appends = self
            .inputs
            .iter()
            .zip(&shares)
            .filter_map(|(input, share)| Some((input.durable(), share.as_ref()?)))
            .flat_map(|(queues, share)| queues.iter().map(move |queue| queue.append(share)));
        futures::future::try_join_all(appends).await?;
        self.count(&envelope);
        for (_, kept) in &decided {
            if let Some(kept) = kept {
                for golden in &self.golden {
                    golden.offer_exemplars(kept);
                }
            }
        }
        let mut waits = Vec::new();
        for ((input, permit), share) in self.inputs.iter().zip(permits).zip(shares) {
            match (input, permit) {
                (Input::Tail(stage), Reserved::Tail(permits)) => {
                    let mut part =
                        Envelope::new(envelope.payload.clone(), envelope.reservation.duplicate());
                    if stage.durable() {
                        let (pending, written) = Pending::new();
                        part.pending.push(pending);
                        waits.push(written);
                    }
                    stage.deliver(permits, part);
                }
                (Input::Batch { .. }, Reserved::Batch(permit)) => {
                    if let (Some(permit), Some(payload)) = (permit, share) {
                        permit.send(Envelope::new(payload, envelope.reservation.duplicate()));
                    }
                }
                _ => unreachable!("an input reserves room of its own kind"),
            }
        }
        // Behind a trace buffer, spans reach the disk queues once their traces are decided.
        for written in waits {
            let _ = written.await;
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
        let kept = kept(stage, payload);
        if let Some(kept) = &kept {
            for golden in &self.golden {
                golden.offer_exemplars(kept);
            }
        }
        kept
    }
}

/// What `stage` keeps of `payload`; `None` if it keeps no span of a request that had some.
fn kept(stage: &SampleStage, payload: Encoded) -> Option<Encoded> {
    let items = payload.item_count();
    let kept = stage.sample(payload);
    (kept.item_count() > 0 || items == 0).then_some(kept)
}

impl std::fmt::Debug for Consumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consumer")
            .field("inputs", &self.inputs.len())
            .field("golden", &self.golden.len())
            .finish()
    }
}
