//! The model as remote-write messages: [`to_v1`] for a 1.0 `WriteRequest`, [`to_v2`] for a 2.0
//! `Request` with its strings interned.

use std::collections::{HashMap, HashSet};

use weir_proto::remote_write::v1::{histogram, metric_metadata};
use weir_proto::remote_write::v2::metadata;
use weir_proto::remote_write::{v1, v2};

use super::model::{
    BucketSpan, Exemplar, Label, Labels, MetricType, NativeHistogram, Sample, SeriesSet,
};

/// `set` as a Remote-Write 1.0 `WriteRequest`, with the metadata of each family it holds.
///
/// 1.0 has no field for created timestamps, so they are not sent; series without samples are left
/// out, as receivers reject them.
pub fn to_v1(set: &SeriesSet) -> v1::WriteRequest {
    let mut families = HashSet::new();
    let mut metadata = Vec::new();
    let mut timeseries = Vec::with_capacity(set.series.len());
    for series in set.series.iter().filter(|series| series.point_count() > 0) {
        let family = &series.family;
        if families.insert(family.name.as_str()) {
            metadata.push(v1::MetricMetadata {
                r#type: v1_type(family.kind) as i32,
                metric_family_name: family.name.clone(),
                help: family.help.clone(),
                unit: family.unit.clone(),
            });
        }
        timeseries.push(v1::TimeSeries {
            labels: v1_labels(&series.labels),
            samples: series.samples.iter().map(sample).collect(),
            exemplars: series
                .exemplars
                .iter()
                .map(|exemplar| v1::Exemplar {
                    labels: v1_labels(&exemplar.labels),
                    value: exemplar.value,
                    timestamp: exemplar.timestamp_ms,
                })
                .collect(),
            histograms: series.histograms.iter().map(native_histogram).collect(),
        });
    }
    v1::WriteRequest {
        timeseries,
        metadata,
    }
}

/// `set` as a Remote-Write 2.0 `Request`: every string once in the symbol table (index 0 the empty
/// string), each series with its family's metadata and its created timestamp.
///
/// 2.0 forbids samples and histograms in one `TimeSeries`, so a series holding both (two metrics
/// whose names collided) is sent as two, the exemplars with the first.
pub fn to_v2(set: &SeriesSet) -> v2::Request {
    let mut symbols = Symbols::default();
    let mut timeseries = Vec::with_capacity(set.series.len());
    for series in set.series.iter().filter(|series| series.point_count() > 0) {
        let labels_refs = symbols.labels(&series.labels);
        let metadata = v2::Metadata {
            r#type: v2_type(series.family.kind) as i32,
            help_ref: symbols.intern(&series.family.help),
            unit_ref: symbols.intern(&series.family.unit),
        };
        let mut exemplars: Vec<v2::Exemplar> = series
            .exemplars
            .iter()
            .map(|exemplar| v2_exemplar(exemplar, &mut symbols))
            .collect();
        let created_timestamp = series.created_timestamp_ms.unwrap_or(0);
        let base = v2::TimeSeries {
            labels_refs,
            metadata: Some(metadata),
            created_timestamp,
            ..Default::default()
        };
        if !series.samples.is_empty() {
            timeseries.push(v2::TimeSeries {
                samples: series.samples.iter().map(sample).collect(),
                exemplars: std::mem::take(&mut exemplars),
                ..base.clone()
            });
        }
        if !series.histograms.is_empty() {
            timeseries.push(v2::TimeSeries {
                histograms: series.histograms.iter().map(native_histogram).collect(),
                exemplars,
                ..base
            });
        }
    }
    v2::Request {
        symbols: symbols.table,
        timeseries,
    }
}

/// The 2.0 symbol table being built: each string once, the empty string first.
struct Symbols<'a> {
    index: HashMap<&'a str, u32>,
    table: Vec<String>,
}

impl Default for Symbols<'_> {
    fn default() -> Self {
        Symbols {
            index: HashMap::from([("", 0)]),
            table: vec![String::new()],
        }
    }
}

impl<'a> Symbols<'a> {
    fn intern(&mut self, symbol: &'a str) -> u32 {
        if let Some(&index) = self.index.get(symbol) {
            return index;
        }
        // A table of 2^32 strings would be a request of more than 4 GiB, which nothing sends.
        let index = self.table.len() as u32;
        self.index.insert(symbol, index);
        self.table.push(symbol.to_owned());
        index
    }

    fn labels(&mut self, labels: &'a Labels) -> Vec<u32> {
        let mut refs = Vec::with_capacity(labels.len() * 2);
        for Label { name, value } in labels {
            refs.push(self.intern(name));
            refs.push(self.intern(value));
        }
        refs
    }
}

fn v2_exemplar<'a>(exemplar: &'a Exemplar, symbols: &mut Symbols<'a>) -> v2::Exemplar {
    v2::Exemplar {
        labels_refs: symbols.labels(&exemplar.labels),
        value: exemplar.value,
        timestamp: exemplar.timestamp_ms,
    }
}

fn v1_labels(labels: &Labels) -> Vec<v1::Label> {
    labels
        .iter()
        .map(|label| v1::Label {
            name: label.name.clone(),
            value: label.value.clone(),
        })
        .collect()
}

fn sample(sample: &Sample) -> v1::Sample {
    v1::Sample {
        value: sample.value,
        timestamp: sample.timestamp_ms,
    }
}

fn native_histogram(h: &NativeHistogram) -> v1::Histogram {
    let spans = |spans: &[BucketSpan]| {
        spans
            .iter()
            .map(|span| v1::BucketSpan {
                offset: span.offset,
                length: span.length,
            })
            .collect()
    };
    v1::Histogram {
        count: Some(histogram::Count::CountInt(h.count)),
        sum: h.sum,
        schema: h.schema,
        zero_threshold: h.zero_threshold,
        zero_count: Some(histogram::ZeroCount::ZeroCountInt(h.zero_count)),
        negative_spans: spans(&h.negative_spans),
        negative_deltas: h.negative_deltas.clone(),
        negative_counts: Vec::new(),
        positive_spans: spans(&h.positive_spans),
        positive_deltas: h.positive_deltas.clone(),
        positive_counts: Vec::new(),
        reset_hint: histogram::ResetHint::Unknown as i32,
        timestamp: h.timestamp_ms,
        custom_values: Vec::new(),
    }
}

fn v1_type(kind: MetricType) -> metric_metadata::MetricType {
    match kind {
        MetricType::Counter => metric_metadata::MetricType::Counter,
        MetricType::Gauge => metric_metadata::MetricType::Gauge,
        MetricType::Histogram => metric_metadata::MetricType::Histogram,
        MetricType::Summary => metric_metadata::MetricType::Summary,
    }
}

fn v2_type(kind: MetricType) -> metadata::MetricType {
    match kind {
        MetricType::Counter => metadata::MetricType::Counter,
        MetricType::Gauge => metadata::MetricType::Gauge,
        MetricType::Histogram => metadata::MetricType::Histogram,
        MetricType::Summary => metadata::MetricType::Summary,
    }
}

#[cfg(test)]
mod tests;
