//! The batching rules, as a plain struct: no tasks, no timers, so tests need no runtime.

use std::time::{Duration, Instant};

use weir_config::BatchConfig;

use crate::pipeline::Envelope;

/// Why a batch left the batcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// It reached `send_batch_size`.
    Size,
    /// Its oldest item waited `timeout`.
    Timeout,
    /// The pipeline is shutting down.
    Shutdown,
}

/// Accumulates envelopes into batches.
#[derive(Debug)]
pub struct Batcher {
    send_batch_size: usize,
    send_batch_max_size: usize,
    timeout: Duration,
    pending: Option<Envelope>,
    deadline: Option<Instant>,
}

impl Batcher {
    /// A batcher following `config`; without a batch processor, use [`Batcher::pass_through`].
    pub fn new(config: &BatchConfig) -> Batcher {
        Batcher {
            send_batch_size: usize::try_from(config.send_batch_size).unwrap_or(usize::MAX),
            send_batch_max_size: usize::try_from(config.send_batch_max_size).unwrap_or(usize::MAX),
            timeout: config.timeout,
            pending: None,
            deadline: None,
        }
    }

    /// A batcher that sends every request on as it comes, for pipelines without `batch`.
    pub fn pass_through() -> Batcher {
        Batcher {
            send_batch_size: 0,
            send_batch_max_size: 0,
            timeout: Duration::ZERO,
            pending: None,
            deadline: None,
        }
    }

    /// When the pending batch must be sent even if it is not full.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Adds `envelope`; returns the batches that became ready, in order.
    pub fn offer(&mut self, envelope: Envelope, now: Instant) -> Vec<Envelope> {
        match &mut self.pending {
            Some(pending) => pending.append(envelope),
            None => {
                self.pending = Some(envelope);
                self.deadline = Some(now + self.timeout);
            }
        }
        let mut ready = Vec::new();
        let cap = self.cap();
        while let Some(pending) = &mut self.pending {
            let full = self.send_batch_size == 0 || pending.items() >= self.send_batch_size;
            if !full {
                break;
            }
            match cap {
                Some(max) if pending.items() > max => ready.push(pending.split_front(max)),
                _ => ready.extend(self.pending.take()),
            }
        }
        self.deadline = match &self.pending {
            Some(_) if !ready.is_empty() => Some(now + self.timeout),
            Some(_) => self.deadline,
            None => None,
        };
        ready
    }

    /// Takes everything pending, split to the size cap: at a deadline or at shutdown.
    pub fn take(&mut self) -> Vec<Envelope> {
        self.deadline = None;
        let Some(mut pending) = self.pending.take() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let Some(max) = self.cap() {
            while pending.items() > max {
                out.push(pending.split_front(max));
            }
        }
        out.push(pending);
        out
    }

    fn cap(&self) -> Option<usize> {
        (self.send_batch_max_size > 0).then_some(self.send_batch_max_size)
    }
}

#[cfg(test)]
mod tests;
