//! One series' counters, which a span updates with a few atomic operations and no lock.

use std::sync::atomic::{AtomicU64, Ordering};

use super::exemplar::{Exemplar, ExemplarCell};

/// Counts are kept in 1/1024ths of a span: a span sampled upstream with probability p counts 1/p,
/// which is rarely whole, and integer atomics add faster than a float's compare-and-swap.
const COUNT_SCALE: f64 = 1024.0;

/// How much one span counts for, in 1/1024ths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Weight(u64);

impl Weight {
    /// A span that stands for itself alone.
    pub const ONE: Weight = Weight(COUNT_SCALE as u64);

    /// A span standing for `adjusted_count` spans (1/p for a span sampled with probability p).
    pub fn from_adjusted_count(adjusted_count: f64) -> Weight {
        if adjusted_count == 1.0 {
            return Weight::ONE;
        }
        // `as` saturates: NaN and negative counts become 0, absurdly large ones u64::MAX.
        Weight((adjusted_count * COUNT_SCALE).round() as u64)
    }

    /// The count as a number of spans.
    pub fn spans(self) -> f64 {
        self.0 as f64 / COUNT_SCALE
    }
}

/// The cells of one series.
#[derive(Debug)]
pub(crate) struct Series {
    /// Weighted spans per bucket, not cumulative: one add per span touches one cell.
    buckets: Box<[AtomicU64]>,
    /// Weighted sum of durations in milliseconds, as `f64` bits.
    sum_ms: AtomicU64,
    /// Weighted error spans.
    errors: AtomicU64,
    /// When the series last saw a span, in whole seconds on a monotonic clock, or [`RETIRED`].
    ///
    /// It is also the handshake with expiry: a span claims the series by making this its second
    /// before adding, and expiry retires it only by swapping an old second for [`RETIRED`], so no
    /// span is ever added to a series on its way out.
    last_seen: AtomicU64,
    /// Saturation, read and written only by [`Series::measure_inflight`]: the sum of durations at
    /// the last measurement, and the requests in flight it found (both `f64` bits).
    measured_sum_ms: AtomicU64,
    inflight: AtomicU64,
    /// A recent span of a kept trace.
    pub(crate) exemplar: ExemplarCell,
}

/// `last_seen` of a series that expired: spans go to its successor.
const RETIRED: u64 = u64::MAX;

/// What a series held at one moment, for `/metrics`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Snapshot {
    /// Weighted spans per bucket, not cumulative, in 1/1024ths.
    pub(crate) buckets: Vec<u64>,
    /// Weighted sum of durations in milliseconds.
    pub(crate) sum_ms: f64,
    /// Weighted error spans, in 1/1024ths.
    pub(crate) errors: u64,
    /// The latest exemplar.
    pub(crate) exemplar: Option<Exemplar>,
}

impl Series {
    /// An empty series with `buckets` buckets, seen at `now`.
    pub(crate) fn new(buckets: usize, now: u64) -> Series {
        Series {
            buckets: (0..buckets).map(|_| AtomicU64::new(0)).collect(),
            sum_ms: AtomicU64::new(0f64.to_bits()),
            errors: AtomicU64::new(0),
            last_seen: AtomicU64::new(now),
            measured_sum_ms: AtomicU64::new(0f64.to_bits()),
            inflight: AtomicU64::new(0f64.to_bits()),
            exemplar: ExemplarCell::default(),
        }
    }

    /// Measures requests in flight over the last `seconds` by Little's law: the span-milliseconds
    /// added since the last measurement, per second of it, are the average number in flight.
    pub(crate) fn measure_inflight(&self, seconds: f64) {
        let sum = f64::from_bits(self.sum_ms.load(Ordering::Relaxed));
        let before = f64::from_bits(self.measured_sum_ms.swap(sum.to_bits(), Ordering::Relaxed));
        let inflight = if seconds > 0.0 {
            (sum - before) / 1e3 / seconds
        } else {
            0.0
        };
        self.inflight.store(inflight.to_bits(), Ordering::Relaxed);
    }

    /// The requests in flight the last measurement found.
    pub(crate) fn inflight(&self) -> f64 {
        f64::from_bits(self.inflight.load(Ordering::Relaxed))
    }

    /// Claims the series for a span seen at `now`; false if it has expired, and the span belongs
    /// in its successor.
    pub(crate) fn enter(&self, now: u64) -> bool {
        let mut seen = self.last_seen.load(Ordering::Acquire);
        // Only the first span of each second writes: the line is not bounced between cores per span.
        while seen != now {
            if seen == RETIRED {
                return false;
            }
            match self.last_seen.compare_exchange_weak(
                seen,
                now,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(current) => seen = current,
            }
        }
        true
    }

    /// Counts one span in a series it has [entered](Series::enter).
    pub(crate) fn record(&self, bucket: usize, duration_ms: f64, weight: Weight, error: bool) {
        if let Some(cell) = self.buckets.get(bucket) {
            cell.fetch_add(weight.0, Ordering::Relaxed);
        }
        let add = duration_ms * weight.spans();
        // Relaxed: a scrape may see one span's bucket before its sum, as a scrape a moment earlier
        // or later could; nothing else is ordered by these cells.
        let _ = self
            .sum_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                Some((f64::from_bits(bits) + add).to_bits())
            });
        if error {
            self.errors.fetch_add(weight.0, Ordering::Relaxed);
        }
    }

    /// Retires the series if it has seen no span since `cutoff`; returns whether it is retired.
    pub(crate) fn retire_if_idle_since(&self, cutoff: u64) -> bool {
        let mut seen = self.last_seen.load(Ordering::Acquire);
        loop {
            if seen == RETIRED {
                return true;
            }
            if seen >= cutoff {
                return false;
            }
            match self.last_seen.compare_exchange_weak(
                seen,
                RETIRED,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(current) => seen = current,
            }
        }
    }

    /// Whether the series has expired.
    pub(crate) fn is_retired(&self) -> bool {
        self.last_seen.load(Ordering::Acquire) == RETIRED
    }

    /// The series' counts now.
    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot {
            buckets: self
                .buckets
                .iter()
                .map(|b| b.load(Ordering::Relaxed))
                .collect(),
            sum_ms: f64::from_bits(self.sum_ms.load(Ordering::Relaxed)),
            errors: self.errors.load(Ordering::Relaxed),
            exemplar: self.exemplar.read(),
        }
    }
}

/// A count in 1/1024ths of a span as a number of spans.
pub(crate) fn spans(count: u64) -> f64 {
    count as f64 / COUNT_SCALE
}

/// A count in 1/1024ths of a span as `/metrics` writes it: a whole number when it is one.
pub(crate) fn count_text(count: u64) -> String {
    let scale = Weight::ONE.0;
    if count.is_multiple_of(scale) {
        (count / scale).to_string()
    } else {
        (count as f64 / COUNT_SCALE).to_string()
    }
}
