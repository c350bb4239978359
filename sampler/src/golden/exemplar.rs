//! A series' exemplar: the trace id, duration and time of a recent span whose trace was kept, so a
//! latency spike on a dashboard links to a trace that exists.
//!
//! One writer at a time claims the cell through a sequence number (a seqlock); a writer that finds
//! it claimed skips, since any recent span will do, and readers retry a torn read.

use std::sync::atomic::{AtomicU64, Ordering, fence};

/// How often a series' exemplar is replaced: keeps the per-span cost to one load.
const REFRESH_MS: u64 = 1_000;

/// One exemplar, as read.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Exemplar {
    pub(crate) trace_id: [u8; 16],
    pub(crate) value_ms: f64,
    /// Unix time in milliseconds.
    pub(crate) at_ms: u64,
}

/// The cell a series keeps its exemplar in.
#[derive(Debug, Default)]
pub(crate) struct ExemplarCell {
    /// Odd while a writer is filling the cell.
    sequence: AtomicU64,
    trace_high: AtomicU64,
    trace_low: AtomicU64,
    value_ms: AtomicU64,
    /// 0 while empty.
    at_ms: AtomicU64,
}

impl ExemplarCell {
    /// Offers a kept span; taken if the cell's exemplar is older than a second and no other writer
    /// holds the cell.
    pub(crate) fn offer(&self, trace_id: &[u8; 16], value_ms: f64, now_ms: u64) {
        if now_ms.saturating_sub(self.at_ms.load(Ordering::Relaxed)) < REFRESH_MS {
            return;
        }
        let sequence = self.sequence.load(Ordering::Relaxed);
        if sequence % 2 == 1
            || self
                .sequence
                .compare_exchange(sequence, sequence + 1, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        let (high, low) = trace_id.split_at(8);
        self.trace_high.store(
            u64::from_be_bytes(high.try_into().unwrap_or_default()),
            Ordering::Relaxed,
        );
        self.trace_low.store(
            u64::from_be_bytes(low.try_into().unwrap_or_default()),
            Ordering::Relaxed,
        );
        self.value_ms.store(value_ms.to_bits(), Ordering::Relaxed);
        self.at_ms.store(now_ms, Ordering::Relaxed);
        self.sequence.store(sequence + 2, Ordering::Release);
    }

    /// The exemplar, if any; `None` too if writers kept the cell busy through three tries.
    pub(crate) fn read(&self) -> Option<Exemplar> {
        for _ in 0..3 {
            let before = self.sequence.load(Ordering::Acquire);
            if before % 2 == 1 {
                continue;
            }
            let high = self.trace_high.load(Ordering::Relaxed);
            let low = self.trace_low.load(Ordering::Relaxed);
            let value_ms = f64::from_bits(self.value_ms.load(Ordering::Relaxed));
            let at_ms = self.at_ms.load(Ordering::Relaxed);
            fence(Ordering::Acquire);
            if self.sequence.load(Ordering::Relaxed) == before {
                let mut trace_id = [0u8; 16];
                trace_id[..8].copy_from_slice(&high.to_be_bytes());
                trace_id[8..].copy_from_slice(&low.to_be_bytes());
                return (at_ms > 0).then_some(Exemplar {
                    trace_id,
                    value_ms,
                    at_ms,
                });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exemplar_is_kept_for_a_second_then_replaced() {
        let cell = ExemplarCell::default();
        assert_eq!(cell.read(), None);
        cell.offer(&[1; 16], 12.5, 10_000);
        cell.offer(&[2; 16], 99.0, 10_500);
        assert_eq!(
            cell.read(),
            Some(Exemplar {
                trace_id: [1; 16],
                value_ms: 12.5,
                at_ms: 10_000
            })
        );
        cell.offer(&[3; 16], 7.0, 11_000);
        assert_eq!(cell.read().map(|e| e.trace_id), Some([3; 16]));
    }

    #[test]
    fn readers_never_see_a_torn_exemplar() {
        let cell = ExemplarCell::default();
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for n in 1..20_000u64 {
                    let byte = (n % 250) as u8 + 1;
                    cell.offer(&[byte; 16], f64::from(byte), n * 1_000);
                }
            });
            for _ in 0..20_000 {
                if let Some(exemplar) = cell.read() {
                    let byte = exemplar.trace_id[0];
                    assert!(exemplar.trace_id.iter().all(|&b| b == byte), "{exemplar:?}");
                    assert_eq!(exemplar.value_ms, f64::from(byte));
                }
            }
        });
    }
}
