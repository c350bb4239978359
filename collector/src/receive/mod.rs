//! Stage 1, receive: OTLP over gRPC ([`grpc`]) and HTTP ([`http`]).
//!
//! Both transports share the steps after decoding: check the budget, wrap the request with its share of
//! the budget, offer it to the pipelines, and turn a refusal into the transport's retryable answer.

pub mod body;
pub mod grpc;
pub mod http;

use std::sync::Arc;

use weir_proto::wire::Block;
use weir_proto::{Encoded, Signal};

use crate::admission::{HELD_BYTES_PER_BODY_BYTE, MemoryBudget, Reservation};
use crate::channel::TrySendError;
use crate::pipeline::{Consumer, Envelope, OfferError};
use crate::telemetry::ReceiverMetrics;

/// Seconds a refused client is asked to wait before retrying (`Retry-After`, gRPC `RetryInfo`).
pub const RETRY_AFTER_SECS: u64 = 1;

/// Where one receiver's requests of one signal go, and how they are counted.
#[derive(Clone)]
pub struct SignalRoute {
    /// The pipelines fed.
    pub consumer: Consumer,
    /// The receiver's counters for this transport and signal.
    pub metrics: ReceiverMetrics,
    /// The process-wide byte budget.
    pub budget: Arc<MemoryBudget>,
}

/// The routes of one receiver transport, by signal; a signal no pipeline takes from this receiver has none.
#[derive(Clone, Default)]
pub struct Routes {
    /// Traces.
    pub traces: Option<SignalRoute>,
    /// Metrics.
    pub metrics: Option<SignalRoute>,
    /// Logs.
    pub logs: Option<SignalRoute>,
}

impl Routes {
    /// The route for `signal`, if any pipeline takes it.
    pub fn get(&self, signal: Signal) -> Option<&SignalRoute> {
        match signal {
            Signal::Traces => self.traces.as_ref(),
            Signal::Metrics => self.metrics.as_ref(),
            Signal::Logs => self.logs.as_ref(),
        }
    }
}

/// Why a well-formed request was refused; every variant is worth retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The memory budget is spent.
    #[error("weir's memory budget is spent; retry later")]
    MemoryLimit,
    /// A pipeline's input is full because its exporters are behind.
    #[error("weir's pipeline is full because its exporters are behind; retry later")]
    PipelineFull,
    /// weir is shutting down.
    #[error("weir is shutting down; retry against another instance or later")]
    ShuttingDown,
    /// An exporter's disk queue is full because the exporter is behind.
    #[error("weir's disk queue is full because its exporters are behind; retry later")]
    QueueFull,
    /// An exporter's disk queue could not store the request.
    #[error(
        "weir could not store the request in its disk queue; retry later (weir's log says why)"
    )]
    QueueFailed,
}

impl SignalRoute {
    /// Refuses a new request before reading it when the budget is spent.
    pub fn admit(&self) -> Result<(), Refusal> {
        if self.budget.has_room() {
            Ok(())
        } else {
            self.metrics.requests_refused_memory.inc();
            Err(Refusal::MemoryLimit)
        }
    }

    /// Reserves what an uncompressed body of `len` bytes holds while it is in the pipeline, or refuses
    /// the request before it is scanned when that does not fit in the budget.
    pub fn reserve_body(&self, len: usize) -> Result<Reservation, Refusal> {
        self.budget
            .try_reserve(len.saturating_mul(HELD_BYTES_PER_BODY_BYTE))
            .ok_or_else(|| {
                self.metrics.requests_refused_memory.inc();
                Refusal::MemoryLimit
            })
    }

    /// Passes a checked request, holding `reservation`, to the pipelines.
    pub async fn accept(
        &self,
        payload: Encoded,
        mut reservation: Reservation,
    ) -> Result<(), Refusal> {
        let items = payload.item_count();
        // An empty request is valid OTLP and needs nothing done.
        if items == 0 {
            return Ok(());
        }
        // An empty resource entry is two bytes on the wire but a slice handle in memory: charge the
        // handles (and their vector's growth room), so crafted input cannot hold many times its size.
        reservation.grow(payload.blocks().len() * 2 * std::mem::size_of::<Block>());
        let envelope = Envelope::new(payload, reservation);
        let items = items as u64;
        match self.consumer.offer(envelope).await {
            Ok(()) => {
                self.metrics.accepted.inc_by(items);
                Ok(())
            }
            Err(OfferError::Channel(TrySendError::Full)) => {
                self.refused_full(items);
                Err(Refusal::PipelineFull)
            }
            Err(OfferError::Disk(error)) if error.is_full() => {
                self.refused_full(items);
                Err(Refusal::QueueFull)
            }
            Err(OfferError::Disk(error)) => {
                tracing::error!(message = "A request could not be written to a disk queue; refused with a retryable error.", %error);
                self.refused_full(items);
                Err(Refusal::QueueFailed)
            }
            Err(OfferError::Channel(TrySendError::Closed)) => {
                self.metrics.refused_closed.inc_by(items);
                self.metrics.requests_refused_closed.inc();
                Err(Refusal::ShuttingDown)
            }
        }
    }

    fn refused_full(&self, items: u64) {
        self.metrics.refused_full.inc_by(items);
        self.metrics.requests_refused_full.inc();
    }
}
