//! Delta to cumulative: running totals per series, kept across requests, because Prometheus only
//! understands counters that count from their start.

use std::collections::HashMap;

use weir_proto::otlp::metrics::v1::{ExponentialHistogramDataPoint, HistogramDataPoint};

use super::{DropReason, exponential};
use crate::prometheus::model::Labels;

/// Running totals of delta sums and histograms, keyed by the series they become.
///
/// A delta point is added to its series' total when it starts no earlier than the previous point
/// ended; an older or overlapping point is dropped, since adding it would count something twice.
/// A point whose bucket layout differs from the total's starts the total over, which Prometheus sees
/// as a counter reset. A point flagged "no recorded value" forgets its series.
#[derive(Debug)]
pub struct DeltaAccumulator {
    sums: HashMap<Labels, Running<f64>>,
    histograms: HashMap<Labels, Running<HistogramDataPoint>>,
    exponentials: HashMap<Labels, Running<ExponentialHistogramDataPoint>>,
    max_series: usize,
}

/// One series' total since `start_ns`, last added to at `last_ns`.
#[derive(Debug)]
struct Running<T> {
    start_ns: u64,
    last_ns: u64,
    total: T,
}

impl DeltaAccumulator {
    /// An accumulator that holds at most `max_series` series; points of further series are dropped
    /// until [`Self::forget_before`] makes room.
    pub fn new(max_series: usize) -> Self {
        DeltaAccumulator {
            sums: HashMap::new(),
            histograms: HashMap::new(),
            exponentials: HashMap::new(),
            max_series,
        }
    }

    /// Series currently accumulated.
    pub fn len(&self) -> usize {
        self.sums.len() + self.histograms.len() + self.exponentials.len()
    }

    /// Whether no series is accumulated.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets the series whose last point ended before `cutoff_unix_nano` and returns how many there
    /// were; a forgotten series that comes back starts counting from zero again.
    pub fn forget_before(&mut self, cutoff_unix_nano: u64) -> usize {
        let before = self.len();
        self.sums
            .retain(|_, running| running.last_ns >= cutoff_unix_nano);
        self.histograms
            .retain(|_, running| running.last_ns >= cutoff_unix_nano);
        self.exponentials
            .retain(|_, running| running.last_ns >= cutoff_unix_nano);
        before - self.len()
    }

    /// The total of series `key` after adding `delta`, with its start time; `stale` forgets the series.
    pub(super) fn sum(
        &mut self,
        key: &Labels,
        (start_ns, time_ns): (u64, u64),
        delta: f64,
        stale: bool,
    ) -> Result<(u64, f64), DropReason> {
        if stale {
            self.sums.remove(key);
            return Ok((start_ns, delta));
        }
        let room = self.len() < self.max_series;
        advance(
            &mut self.sums,
            room,
            key,
            (start_ns, time_ns),
            || delta,
            |total| {
                *total += delta;
                true
            },
            |running| (running.start_ns, running.total),
        )
    }

    /// `point` made cumulative: the series' total after adding it, with the point's time, flags and
    /// exemplars (and no attributes: the series is known by `key`).
    pub(super) fn histogram(
        &mut self,
        key: &Labels,
        point: &HistogramDataPoint,
        stale: bool,
    ) -> Result<HistogramDataPoint, DropReason> {
        if stale {
            self.histograms.remove(key);
            return Ok(point.clone());
        }
        let room = self.len() < self.max_series;
        advance(
            &mut self.histograms,
            room,
            key,
            (point.start_time_unix_nano, point.time_unix_nano),
            || HistogramDataPoint {
                attributes: Vec::new(),
                exemplars: Vec::new(),
                min: None,
                max: None,
                ..point.clone()
            },
            |total| add_histogram(total, point),
            |running| HistogramDataPoint {
                start_time_unix_nano: running.start_ns,
                time_unix_nano: running.last_ns,
                exemplars: point.exemplars.clone(),
                flags: point.flags,
                ..running.total.clone()
            },
        )
    }

    /// Like [`Self::histogram`], for exponential histograms; totals keep the coarsest scale seen.
    pub(super) fn exponential(
        &mut self,
        key: &Labels,
        point: &ExponentialHistogramDataPoint,
        stale: bool,
    ) -> Result<ExponentialHistogramDataPoint, DropReason> {
        if stale {
            self.exponentials.remove(key);
            return Ok(point.clone());
        }
        let room = self.len() < self.max_series;
        advance(
            &mut self.exponentials,
            room,
            key,
            (point.start_time_unix_nano, point.time_unix_nano),
            || ExponentialHistogramDataPoint {
                attributes: Vec::new(),
                exemplars: Vec::new(),
                min: None,
                max: None,
                ..point.clone()
            },
            |total| exponential::merge(total, point),
            |running| ExponentialHistogramDataPoint {
                start_time_unix_nano: running.start_ns,
                time_unix_nano: running.last_ns,
                exemplars: point.exemplars.clone(),
                flags: point.flags,
                ..running.total.clone()
            },
        )
    }
}

/// Adds the point spanning `(start_ns, time_ns)` to series `key` of `series` with `merge` (or starts
/// the series with `fresh`, also when `merge` finds the point incompatible) and reads the result with
/// `output`.
fn advance<T, R>(
    series: &mut HashMap<Labels, Running<T>>,
    room: bool,
    key: &Labels,
    (start_ns, time_ns): (u64, u64),
    fresh: impl FnOnce() -> T,
    merge: impl FnOnce(&mut T) -> bool,
    output: impl FnOnce(&Running<T>) -> R,
) -> Result<R, DropReason> {
    if let Some(running) = series.get_mut(key) {
        // A start of 0 means "unknown", which cannot overlap anything.
        let overlaps = start_ns != 0 && start_ns < running.last_ns;
        if time_ns <= running.last_ns || overlaps {
            return Err(DropReason::DeltaOutOfOrder);
        }
        if !merge(&mut running.total) {
            running.total = fresh();
            running.start_ns = start_ns;
        }
        running.last_ns = time_ns;
        return Ok(output(running));
    }
    if !room {
        return Err(DropReason::DeltaSeriesLimit);
    }
    let running = Running {
        start_ns,
        last_ns: time_ns,
        total: fresh(),
    };
    let result = output(&running);
    series.insert(key.clone(), running);
    Ok(result)
}

/// Adds `point`'s counts to `total`; false when their buckets differ, so they cannot be added.
fn add_histogram(total: &mut HistogramDataPoint, point: &HistogramDataPoint) -> bool {
    if total.explicit_bounds != point.explicit_bounds
        || total.bucket_counts.len() != point.bucket_counts.len()
    {
        return false;
    }
    for (sum, add) in total.bucket_counts.iter_mut().zip(&point.bucket_counts) {
        *sum = sum.saturating_add(*add);
    }
    total.count = total.count.saturating_add(point.count);
    total.sum = total.sum.zip(point.sum).map(|(a, b)| a + b);
    true
}
