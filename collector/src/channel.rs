//! The one bounded channel between stages, with its depth exposed as a gauge.
//!
//! Senders never wait on the receivers' side of the pipeline: receivers use [`Sender::try_send`] and
//! turn a full channel into a retryable refusal; stages further down use [`Sender::send`] and wait,
//! which is how a slow exporter pushes back all the way to the clients.

use prometheus::IntGauge;
use tokio::sync::mpsc;

/// Creates a channel holding at most `capacity` messages, reporting its depth in `depth`.
pub fn bounded<T>(capacity: usize, depth: IntGauge) -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = mpsc::channel(capacity.max(1));
    (
        Sender {
            tx,
            depth: depth.clone(),
        },
        Receiver { rx, depth },
    )
}

/// Why a message could not be sent without waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrySendError {
    /// The channel is at capacity.
    Full,
    /// The receiving stage has stopped.
    Closed,
}

/// The sending half.
#[derive(Debug)]
pub struct Sender<T> {
    tx: mpsc::Sender<T>,
    depth: IntGauge,
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            tx: self.tx.clone(),
            depth: self.depth.clone(),
        }
    }
}

/// A slot reserved in a channel: sending through it cannot fail.
pub struct Permit<'a, T> {
    permit: mpsc::Permit<'a, T>,
    depth: &'a IntGauge,
}

impl<T> Permit<'_, T> {
    /// Sends `value` into the reserved slot.
    pub fn send(self, value: T) {
        self.depth.inc();
        self.permit.send(value);
    }
}

impl<T> Sender<T> {
    /// Reserves a slot without waiting.
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError> {
        match self.tx.try_reserve() {
            Ok(permit) => Ok(Permit {
                permit,
                depth: &self.depth,
            }),
            Err(mpsc::error::TrySendError::Full(())) => Err(TrySendError::Full),
            Err(mpsc::error::TrySendError::Closed(())) => Err(TrySendError::Closed),
        }
    }

    /// Sends `value`, waiting for room; gives the value back if the receiver is gone.
    pub async fn send(&self, value: T) -> Result<(), T> {
        match self.tx.send(value).await {
            Ok(()) => {
                self.depth.inc();
                Ok(())
            }
            Err(mpsc::error::SendError(value)) => Err(value),
        }
    }

    /// The channel's capacity.
    pub fn capacity(&self) -> usize {
        self.tx.max_capacity()
    }
}

/// The receiving half.
#[derive(Debug)]
pub struct Receiver<T> {
    rx: mpsc::Receiver<T>,
    depth: IntGauge,
}

impl<T> Receiver<T> {
    /// The next message, or `None` once every sender is gone and the channel is empty.
    pub async fn recv(&mut self) -> Option<T> {
        let value = self.rx.recv().await;
        if value.is_some() {
            self.depth.dec();
        }
        value
    }

    /// The next message if one is waiting.
    pub fn try_recv(&mut self) -> Option<T> {
        let value = self.rx.try_recv().ok();
        if value.is_some() {
            self.depth.dec();
        }
        value
    }
}
