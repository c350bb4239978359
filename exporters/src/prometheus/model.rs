//! What translation makes and the encoders read: series of samples or native histograms, their
//! exemplars, and their metric family's metadata, in Prometheus terms but tied to neither
//! remote-write message.

use std::collections::BTreeMap;
use std::sync::Arc;

/// The label that holds a series' metric name.
pub const METRIC_NAME_LABEL: &str = "__name__";

/// Bits of the NaN that marks a series stale; remote-write reserves it for that use alone.
pub const STALE_NAN_BITS: u64 = 0x7ff0_0000_0000_0002;

/// The staleness marker as a sample value.
pub fn stale_nan() -> f64 {
    f64::from_bits(STALE_NAN_BITS)
}

/// Whether `value` is the staleness marker (and not some other NaN).
pub fn is_stale(value: f64) -> bool {
    value.to_bits() == STALE_NAN_BITS
}

/// One label of a series or an exemplar.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label {
    /// The label name.
    pub name: String,
    /// The label value, never empty.
    pub value: String,
}

/// A label set: sorted by name, names unique, no empty values, as both remote-write versions require.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Labels(Vec<Label>);

impl Labels {
    /// The labels in name order.
    pub fn iter(&self) -> std::slice::Iter<'_, Label> {
        self.0.iter()
    }

    /// Number of labels.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no labels.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value of label `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .binary_search_by(|label| label.name.as_str().cmp(name))
            .ok()
            .map(|index| self.0[index].value.as_str())
    }

    /// The set made of `base` (a map's sorted, unique names) with `added` put in, each added label
    /// replacing one of `base` of its name; labels with empty values are left out. Built straight
    /// into its vector: translation makes one per sample, and going through a map costs a node
    /// per label.
    pub(crate) fn with_added<'a>(
        base: impl ExactSizeIterator<Item = (&'a String, &'a String)>,
        added: &[(&str, &str)],
    ) -> Labels {
        let mut labels = Vec::with_capacity(base.len() + added.len());
        for (name, value) in base {
            if !value.is_empty() && !added.iter().any(|(added, _)| *added == name) {
                labels.push(Label {
                    name: name.clone(),
                    value: value.clone(),
                });
            }
        }
        for (name, value) in added.iter().filter(|(_, value)| !value.is_empty()) {
            let at = labels
                .binary_search_by(|label| label.name.as_str().cmp(name))
                .unwrap_or_else(|at| at);
            labels.insert(
                at,
                Label {
                    name: (*name).to_owned(),
                    value: (*value).to_owned(),
                },
            );
        }
        Labels(labels)
    }

    /// The metric name (`__name__`), if present.
    pub fn metric_name(&self) -> Option<&str> {
        self.get(METRIC_NAME_LABEL)
    }

    /// Adds each label of `defaults` whose name this set lacks: a series' own label wins, as it
    /// does over Prometheus' external labels.
    pub fn add_missing(&mut self, defaults: &Labels) {
        for label in defaults {
            if let Err(at) = self
                .0
                .binary_search_by(|own| own.name.as_str().cmp(&label.name))
            {
                self.0.insert(at, label.clone());
            }
        }
    }
}

/// An empty value means "no such label" to Prometheus, and 2.0 forbids sending one, so it is dropped.
impl From<BTreeMap<String, String>> for Labels {
    fn from(map: BTreeMap<String, String>) -> Self {
        Labels(
            map.into_iter()
                .filter(|(_, value)| !value.is_empty())
                .map(|(name, value)| Label { name, value })
                .collect(),
        )
    }
}

/// Collects name-value pairs; a later pair wins over an earlier one with the same name.
impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Labels {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(pairs: I) -> Self {
        let map: BTreeMap<String, String> = pairs
            .into_iter()
            .map(|(name, value)| (name.into(), value.into()))
            .collect();
        Labels::from(map)
    }
}

impl<'a> IntoIterator for &'a Labels {
    type Item = &'a Label;
    type IntoIter = std::slice::Iter<'a, Label>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// A metric family's type, as its metadata reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MetricType {
    /// A monotonic counter (`_total`).
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// A cumulative histogram: classic (`_bucket`, `_sum`, `_count`) or native.
    Histogram,
    /// Quantiles with `_sum` and `_count`.
    Summary,
}

/// The metadata of one metric family, shared by all its series.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Family {
    /// The family name: the metric name without `_bucket`, `_sum`, `_count` or `quantile` series.
    pub name: String,
    /// The family's type.
    pub kind: MetricType,
    /// The help text (the OTLP description), possibly empty.
    pub help: String,
    /// The Prometheus unit (`seconds`, `bytes_per_second`), possibly empty.
    pub unit: String,
}

/// A float sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
    /// The value, or [`stale_nan`] for a series that ended.
    pub value: f64,
}

/// A run of consecutive native-histogram buckets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BucketSpan {
    /// Gap from the end of the previous span, or the first bucket's index for the first span.
    pub offset: i32,
    /// Buckets in the run.
    pub length: u32,
}

/// A native (exponential) histogram sample with integer counts.
#[derive(Clone, Debug, PartialEq)]
pub struct NativeHistogram {
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
    /// Observations; [`STALE_NAN_BITS`] in a staleness marker, as the OTel spec prescribes.
    pub count: u64,
    /// Sum of the observations, or [`stale_nan`] in a staleness marker.
    pub sum: f64,
    /// Each power of two is split into `2^schema` buckets; always within -4..=8.
    pub schema: i32,
    /// Width of the zero bucket.
    pub zero_threshold: f64,
    /// Observations in the zero bucket.
    pub zero_count: u64,
    /// Runs of positive buckets.
    pub positive_spans: Vec<BucketSpan>,
    /// Each positive bucket's count minus the previous one's (the first minus 0).
    pub positive_deltas: Vec<i64>,
    /// Runs of negative buckets.
    pub negative_spans: Vec<BucketSpan>,
    /// Each negative bucket's count minus the previous one's (the first minus 0).
    pub negative_deltas: Vec<i64>,
}

/// An example observation attached to a series.
#[derive(Clone, Debug, PartialEq)]
pub struct Exemplar {
    /// `trace_id`, `span_id` and the exemplar's filtered attributes.
    pub labels: Labels,
    /// The observed value.
    pub value: f64,
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
}

/// One series: a label set and its samples, native histograms and exemplars, oldest first.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The label set, `__name__` included.
    pub labels: Labels,
    /// The metric family the series belongs to.
    pub family: Arc<Family>,
    /// Float samples in timestamp order.
    pub samples: Vec<Sample>,
    /// Native histogram samples in timestamp order.
    pub histograms: Vec<NativeHistogram>,
    /// Exemplars in timestamp order.
    pub exemplars: Vec<Exemplar>,
    /// When the counter started counting (the OTLP start time), in ms since the Unix epoch.
    pub created_timestamp_ms: Option<i64>,
}

impl Series {
    /// Samples plus native histogram samples: what `max_samples_per_send` counts.
    pub fn point_count(&self) -> usize {
        self.samples.len() + self.histograms.len()
    }
}

/// The series of one or more export requests, each label set once.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SeriesSet {
    /// The series, in the order they were first seen.
    pub series: Vec<Series>,
}

impl SeriesSet {
    /// Samples plus native histogram samples in all series.
    pub fn point_count(&self) -> usize {
        self.series.iter().map(Series::point_count).sum()
    }

    /// Whether there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// Whether any series holds native-histogram samples.
    pub fn has_histograms(&self) -> bool {
        self.series
            .iter()
            .any(|series| !series.histograms.is_empty())
    }
}
