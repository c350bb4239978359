//! Cutting a [`SeriesSet`] into requests of at most `max_samples_per_send` samples and about
//! `max_bytes_per_send` bytes.
//!
//! Series are taken in order; a series that does not fit in the room left gives its oldest samples to
//! this request and the rest to the next ones. Sent in the order returned, every series' samples
//! arrive in timestamp order, which receivers require.

use std::num::NonZeroUsize;

use super::model::{Labels, NativeHistogram, Series, SeriesSet};

/// Bytes a float sample takes in a 1.0 message at most: its tag and length, the value and the
/// longest timestamp varint.
const SAMPLE_BYTES: usize = 2 + 9 + 11;
/// Bytes a series takes besides its labels and points at most: its tag and length.
const SERIES_BYTES: usize = 6;

/// How large one request may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most samples, float and native histogram samples alike (`max_samples_per_send`).
    pub samples: NonZeroUsize,
    /// Most bytes as an uncompressed 1.0 message (`max_batch_size_bytes`); 2.0, with its symbol
    /// table, is smaller.
    pub bytes: NonZeroUsize,
}

/// `set` cut into sets within `limits`, to be sent in the order returned. A single sample larger
/// than the byte limit goes alone.
///
/// Exemplars do not count as samples; they travel with the last piece of their series, which holds
/// the newest samples they usually belong to, and their bytes are counted in every piece. Series
/// without samples are left out, as receivers reject them.
pub fn split(set: SeriesSet, limits: Limits) -> Vec<SeriesSet> {
    let (max, max_bytes) = (limits.samples.get(), limits.bytes.get());
    let mut requests = Vec::with_capacity(set.point_count() / max + 1);
    let mut current = SeriesSet::default();
    let (mut room, mut bytes_left) = (max, max_bytes);
    for mut series in set
        .series
        .into_iter()
        .filter(|series| series.point_count() > 0)
    {
        let header = header_bytes(&series);
        let per_point = point_bytes(&series).div_ceil(series.point_count());
        loop {
            let mut fit = room.min(bytes_left.saturating_sub(header) / per_point);
            if fit == 0 && current.is_empty() {
                // Not even one point fits an empty request: it goes alone.
                fit = 1;
            }
            if series.point_count() <= fit {
                room -= series.point_count();
                bytes_left = bytes_left.saturating_sub(header + series.point_count() * per_point);
                current.series.push(series);
                break;
            }
            if fit > 0 {
                current.series.push(split_front(&mut series, fit));
            }
            requests.push(std::mem::take(&mut current));
            (room, bytes_left) = (max, max_bytes);
        }
    }
    if !current.is_empty() {
        requests.push(current);
    }
    requests
}

/// Most bytes `series` takes besides its points: its labels and its exemplars.
fn header_bytes(series: &Series) -> usize {
    let exemplars: usize = series
        .exemplars
        .iter()
        .map(|exemplar| label_bytes(&exemplar.labels) + SAMPLE_BYTES + 2)
        .sum();
    SERIES_BYTES + label_bytes(&series.labels) + exemplars
}

fn label_bytes(labels: &Labels) -> usize {
    // Per label: its tag and length, and the name's and the value's.
    labels
        .iter()
        .map(|label| 3 * 6 + label.name.len() + label.value.len())
        .sum()
}

/// Most bytes `series`' points take.
fn point_bytes(series: &Series) -> usize {
    series.samples.len() * SAMPLE_BYTES
        + series.histograms.iter().map(histogram_bytes).sum::<usize>()
}

fn histogram_bytes(histogram: &NativeHistogram) -> usize {
    // Tag and length, count, sum, schema, zero threshold and count, timestamp, reset hint: each
    // with its tag; then every span (two varints) and every delta.
    let spans = histogram.positive_spans.len() + histogram.negative_spans.len();
    let deltas = histogram.positive_deltas.len() + histogram.negative_deltas.len();
    6 + 11 + 9 + 6 + 9 + 11 + 11 + 3 + spans * (6 + 6 + 11) + deltas * 11 + 4 * 6
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
