//! Cutting a [`SeriesSet`] into requests of at most `max_samples_per_send` samples.
//!
//! Series are taken in order; a series that does not fit in the room left gives its oldest samples to
//! this request and the rest to the next ones. Sent in the order returned, every series' samples
//! arrive in timestamp order, which receivers require.

use std::num::NonZeroUsize;

use super::model::{Series, SeriesSet};

/// `set` cut into sets of at most `max_samples_per_send` samples (float and native histogram samples
/// alike), to be sent in the order returned.
///
/// Exemplars do not count; they travel with the last piece of their series, which holds the newest
/// samples they usually belong to. Series without samples are left out, as receivers reject them.
pub fn split(set: SeriesSet, max_samples_per_send: NonZeroUsize) -> Vec<SeriesSet> {
    let max = max_samples_per_send.get();
    let mut requests = Vec::with_capacity(set.point_count() / max + 1);
    let mut current = SeriesSet::default();
    let mut room = max;
    for mut series in set
        .series
        .into_iter()
        .filter(|series| series.point_count() > 0)
    {
        while series.point_count() > room {
            if room > 0 {
                current.series.push(split_front(&mut series, room));
            }
            requests.push(std::mem::take(&mut current));
            room = max;
        }
        room -= series.point_count();
        current.series.push(series);
    }
    if !current.is_empty() {
        requests.push(current);
    }
    requests
}

/// Moves the first `n` samples of `series` (float samples, then histograms) into a new series with
/// the same labels, family and created timestamp.
fn split_front(series: &mut Series, n: usize) -> Series {
    let samples = n.min(series.samples.len());
    let histograms = (n - samples).min(series.histograms.len());
    Series {
        labels: series.labels.clone(),
        family: series.family.clone(),
        samples: series.samples.drain(..samples).collect(),
        histograms: series.histograms.drain(..histograms).collect(),
        exemplars: Vec::new(),
        created_timestamp_ms: series.created_timestamp_ms,
    }
}

#[cfg(test)]
mod tests;
