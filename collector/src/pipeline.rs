//! The pipeline: receive → decode → golden signals → sample → batch → queue → export.
//!
//! Receivers hand each checked request to a [`Consumer`], which offers it to every pipeline the
//! receiver feeds. Stage 3, golden signals ([`crate::golden`]), runs in [`Consumer::offer`], on the
//! receiver's own task, so that it sees every span and scales with the connections; stage 4
//! (sampling) will join it there. A request then goes to the pipeline's batch stage
//! ([`crate::batch`]), whose batches go to every exporter's queue ([`crate::queue`]).

use std::sync::Arc;

use weir_proto::Encoded;

use crate::admission::Reservation;
use crate::channel::{Permit, Sender, TrySendError};
use crate::golden::GoldenStage;

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

/// Where one receiver sends one signal: the inputs of every pipeline that lists the receiver, and
/// the golden-signal stages of those pipelines.
#[derive(Clone)]
pub struct Consumer {
    inputs: Vec<Sender<Envelope>>,
    /// Each stage once, however many of the pipelines list it: a span is counted once per stage.
    golden: Vec<Arc<GoldenStage>>,
}

impl Consumer {
    /// A consumer feeding `inputs`, counting golden signals in `golden` first.
    pub fn new(inputs: Vec<Sender<Envelope>>, golden: Vec<Arc<GoldenStage>>) -> Consumer {
        Consumer { inputs, golden }
    }

    /// Passes a request to every pipeline, or to none: room is reserved in all of them first, so a
    /// refused request was accepted nowhere and the client's retry cannot duplicate data (nor its
    /// golden signals, counted only once room is reserved).
    pub fn offer(&self, envelope: Envelope) -> Result<(), TrySendError> {
        if let [only] = self.inputs.as_slice() {
            let permit = only.try_reserve()?;
            self.count(&envelope);
            permit.send(envelope);
            return Ok(());
        }
        let permits = self
            .inputs
            .iter()
            .map(Sender::try_reserve)
            .collect::<Result<Vec<Permit<'_, Envelope>>, _>>()?;
        self.count(&envelope);
        let mut permits = permits.into_iter();
        let last = permits.next_back();
        for permit in permits {
            permit.send(Envelope {
                payload: envelope.payload.clone(),
                reservation: envelope.reservation.duplicate(),
            });
        }
        if let Some(permit) = last {
            permit.send(envelope);
        }
        Ok(())
    }

    fn count(&self, envelope: &Envelope) {
        for stage in &self.golden {
            stage.record(&envelope.payload);
        }
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
