//! Admission control: one byte budget for everything weir holds.
//!
//! Request bodies count against the budget as their bytes are read, before any decoding; decoded
//! payloads hold their share while they wait in batches and queues, and give it back when the last
//! exporter is done with them. Receivers refuse new requests while the budget is spent, so memory is
//! bounded by admission rather than by reacting to the heap after the fact. Reserving never fails:
//! data already read or accepted is never dropped for lack of budget; only new requests are refused.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A request is kept in the buffer its body was read or decompressed into, and such buffers grow by
/// doubling, so one may hold up to twice its length: the budget charges a body at that rate so that
/// it bounds real memory, not wire size.
pub const HELD_BYTES_PER_BODY_BYTE: usize = 2;

/// The process-wide byte budget (`processors.memory_limiter.limit_mib`).
#[derive(Debug)]
pub struct MemoryBudget {
    used: AtomicUsize,
    limit: usize,
}

impl MemoryBudget {
    /// A budget of `limit` bytes.
    pub fn new(limit: usize) -> Arc<MemoryBudget> {
        Arc::new(MemoryBudget {
            used: AtomicUsize::new(0),
            limit,
        })
    }

    /// The budget for data when the whole process must stay under `limit` bytes: what the process
    /// already holds (`resident`) is set aside, and a third of the rest is left to the allocator's
    /// slack, to freed memory it has not yet returned, and to work outside the budget (encoding and
    /// compressing exports): the Collector's memory_limiter leaves a fifth by default, and measured
    /// peaks under load here needed more.
    pub fn within_process_limit(limit: usize, resident: usize) -> Arc<MemoryBudget> {
        MemoryBudget::new(limit.saturating_sub(resident) / 3 * 2)
    }

    /// A budget that never refuses, for configs without a `memory_limiter`.
    pub fn unlimited() -> Arc<MemoryBudget> {
        MemoryBudget::new(usize::MAX)
    }

    /// Whether a new request may be admitted now.
    pub fn has_room(&self) -> bool {
        self.used.load(Ordering::Relaxed) < self.limit
    }

    /// Bytes currently held.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// The configured limit in bytes.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Takes `bytes` from the budget if they fit under the limit: the check made before decoding, so
    /// that what a request will take once decoded is known to fit before the work is done.
    pub fn try_reserve(self: &Arc<Self>, bytes: usize) -> Option<Reservation> {
        self.used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                used.checked_add(bytes).filter(|&total| total <= self.limit)
            })
            .ok()
            .map(|_| Reservation {
                budget: Arc::clone(self),
                bytes,
            })
    }

    /// Takes `bytes` from the budget, even past the limit: only admission is refused, never data
    /// already in hand.
    pub fn reserve(self: &Arc<Self>, bytes: usize) -> Reservation {
        self.used.fetch_add(bytes, Ordering::Relaxed);
        Reservation {
            budget: Arc::clone(self),
            bytes,
        }
    }
}

/// The process's resident memory in bytes, where the OS says (Linux `/proc/self/status`).
pub fn resident_bytes() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse::<usize>()
        .ok()?;
    Some(kib * 1024)
}

/// Bytes held from a [`MemoryBudget`]; given back when dropped.
#[derive(Debug)]
pub struct Reservation {
    budget: Arc<MemoryBudget>,
    bytes: usize,
}

impl Reservation {
    /// Bytes this reservation holds.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Holds `more` bytes in addition.
    pub fn grow(&mut self, more: usize) {
        self.budget.used.fetch_add(more, Ordering::Relaxed);
        self.bytes += more;
    }

    /// Takes over `other`'s bytes, as when two payloads are batched together.
    pub fn absorb(&mut self, mut other: Reservation) {
        self.bytes += std::mem::take(&mut other.bytes);
    }

    /// A second reservation of the same size from the same budget, for a copy of the data.
    pub fn duplicate(&self) -> Reservation {
        self.budget.reserve(self.bytes)
    }

    /// Moves `bytes` (at most all held) into a new reservation, as when a batch is split.
    pub fn split_off(&mut self, bytes: usize) -> Reservation {
        let moved = bytes.min(self.bytes);
        self.bytes -= moved;
        Reservation {
            budget: Arc::clone(&self.budget),
            bytes: moved,
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.bytes, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_return_their_bytes() {
        let budget = MemoryBudget::new(100);
        let mut a = budget.reserve(60);
        assert!(budget.has_room());
        a.grow(50);
        assert!(!budget.has_room(), "110 of 100 bytes held");
        let b = a.split_off(30);
        let mut c = budget.reserve(5);
        c.absorb(b);
        assert_eq!((a.bytes(), c.bytes(), budget.used()), (80, 35, 115));
        drop(a);
        drop(c);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn try_reserve_only_fits_under_the_limit() {
        let budget = MemoryBudget::new(100);
        let held = budget.try_reserve(70).expect("fits");
        assert!(budget.try_reserve(31).is_none());
        let more = budget.try_reserve(30).expect("fits exactly");
        assert_eq!(budget.used(), 100);
        drop((held, more));
        assert_eq!(budget.used(), 0);
    }
}
