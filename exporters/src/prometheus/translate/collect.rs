//! Gathers translated points into series, one per label set, however many OTLP points feed it.

use std::hash::BuildHasher;
use std::sync::Arc;

use foldhash::fast::RandomState;
use hashbrown::HashTable;

use super::{DropReason, Dropped};
use crate::prometheus::model::{
    Exemplar, Family, Labels, NativeHistogram, Sample, Series, SeriesSet,
};

/// The series made so far from one request, and what was dropped on the way.
#[derive(Default)]
pub(super) struct Collector {
    /// Indexes into `series`, hashed by their labels: the labels live only in the series, not
    /// cloned into a key (one label set per series made, and freed, for nothing).
    index: HashTable<usize>,
    hasher: RandomState,
    series: Vec<Series>,
    dropped: Dropped,
}

impl Collector {
    /// Adds a float sample to the series `labels`, which belongs to `family`.
    pub(super) fn sample(
        &mut self,
        labels: Labels,
        family: &Arc<Family>,
        sample: Sample,
        created_ms: Option<i64>,
    ) -> usize {
        let index = self.series(labels, family, created_ms);
        self.series[index].samples.push(sample);
        index
    }

    /// Adds a native histogram sample to the series `labels`, which belongs to `family`.
    pub(super) fn histogram(
        &mut self,
        labels: Labels,
        family: &Arc<Family>,
        histogram: NativeHistogram,
        created_ms: Option<i64>,
    ) -> usize {
        let index = self.series(labels, family, created_ms);
        self.series[index].histograms.push(histogram);
        index
    }

    /// Attaches `exemplar` to the series at `index` (as returned by [`Self::sample`]).
    pub(super) fn exemplar(&mut self, index: usize, exemplar: Exemplar) {
        self.series[index].exemplars.push(exemplar);
    }

    /// Counts `points` data points dropped for `reason`.
    pub(super) fn drop_points(&mut self, reason: DropReason, points: usize) {
        self.dropped.count(reason, points as u64);
    }

    /// The series with their samples in timestamp order, and the drop counts.
    pub(super) fn finish(mut self) -> (SeriesSet, Dropped) {
        for series in &mut self.series {
            by_time_last_wins(&mut series.samples, |s| s.timestamp_ms);
            by_time_last_wins(&mut series.histograms, |h| h.timestamp_ms);
            series.exemplars.sort_by_key(|e| e.timestamp_ms);
        }
        (
            SeriesSet {
                series: self.series,
            },
            self.dropped,
        )
    }

    fn series(&mut self, labels: Labels, family: &Arc<Family>, created_ms: Option<i64>) -> usize {
        let hash = self.hasher.hash_one(&labels);
        let series = &self.series;
        if let Some(&index) = self.index.find(hash, |&i| series[i].labels == labels) {
            let series = &mut self.series[index];
            // A later start time means the counter was reset; receivers place the reset with it.
            series.created_timestamp_ms = series.created_timestamp_ms.max(created_ms);
            return index;
        }
        let index = self.series.len();
        let (hasher, series) = (&self.hasher, &self.series);
        self.index
            .insert_unique(hash, index, |&i| hasher.hash_one(&series[i].labels));
        self.series.push(Series {
            labels,
            family: Arc::clone(family),
            samples: Vec::new(),
            histograms: Vec::new(),
            exemplars: Vec::new(),
            created_timestamp_ms: created_ms,
        });
        index
    }
}

/// Sorts `items` by time, keeping only the last of those with the same time: receivers reject a
/// second sample at a timestamp as a duplicate, failing the whole request.
fn by_time_last_wins<T>(items: &mut Vec<T>, time: impl Fn(&T) -> i64) {
    items.sort_by_key(&time);
    let mut kept: Vec<T> = Vec::with_capacity(items.len());
    for item in items.drain(..) {
        match kept.last_mut() {
            Some(last) if time(last) == time(&item) => *last = item,
            _ => kept.push(item),
        }
    }
    *items = kept;
}
