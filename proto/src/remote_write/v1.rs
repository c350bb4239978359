//! Remote-Write 1.0: `prometheus.WriteRequest` and the `prometheus` package types it carries.
//!
//! Native histograms and exemplars were added to the 1.0 message after the spec was published;
//! receivers that predate them skip the unknown fields.

/// `prometheus.WriteRequest` (Remote-Write 1.0, `prompb/remote.proto`): the body of one request.
#[derive(Clone, PartialEq, prost::Message)]
pub struct WriteRequest {
    /// Every series in the request, each with its full label set.
    #[prost(message, repeated, tag = "1")]
    pub timeseries: Vec<TimeSeries>,
    /// Type, help and unit per metric family (field 2 is reserved: Cortex used it).
    #[prost(message, repeated, tag = "3")]
    pub metadata: Vec<MetricMetadata>,
}

/// `prometheus.TimeSeries` (`prompb/types.proto`): one label set and its samples, oldest first.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TimeSeries {
    /// Labels sorted by name, `__name__` among them.
    #[prost(message, repeated, tag = "1")]
    pub labels: Vec<Label>,
    /// Float samples in timestamp order.
    #[prost(message, repeated, tag = "2")]
    pub samples: Vec<Sample>,
    /// Exemplars attached to this series' samples.
    #[prost(message, repeated, tag = "3")]
    pub exemplars: Vec<Exemplar>,
    /// Native histogram samples in timestamp order.
    #[prost(message, repeated, tag = "4")]
    pub histograms: Vec<Histogram>,
}

/// `prometheus.Label` (`prompb/types.proto`): one name-value pair.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Message)]
pub struct Label {
    /// The label name; `__name__` holds the metric name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// The label value, never empty (an empty value means the label is absent).
    #[prost(string, tag = "2")]
    pub value: String,
}

/// `prometheus.Sample` (`prompb/types.proto`); the 2.0 `io.prometheus.write.v2.Sample` has the same
/// fields and numbers.
#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Sample {
    /// The value; the staleness marker is the NaN with bits `0x7ff0000000000002`.
    #[prost(double, tag = "1")]
    pub value: f64,
    /// Milliseconds since the Unix epoch.
    #[prost(int64, tag = "2")]
    pub timestamp: i64,
}

/// `prometheus.Exemplar` (`prompb/types.proto`): an example observation, typically naming a trace.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Exemplar {
    /// Optional labels, by convention `trace_id` and `span_id`.
    #[prost(message, repeated, tag = "1")]
    pub labels: Vec<Label>,
    /// The observed value.
    #[prost(double, tag = "2")]
    pub value: f64,
    /// Milliseconds since the Unix epoch.
    #[prost(int64, tag = "3")]
    pub timestamp: i64,
}

/// `prometheus.Histogram` (`prompb/types.proto`): a native (sparse, exponential) histogram sample.
///
/// The 2.0 `io.prometheus.write.v2.Histogram` has the same fields and numbers, so [`super::v2`] uses
/// this type too.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Histogram {
    /// Observations in the histogram, as an integer or a float.
    #[prost(oneof = "histogram::Count", tags = "1, 2")]
    pub count: Option<histogram::Count>,
    /// Sum of the observations.
    #[prost(double, tag = "3")]
    pub sum: f64,
    /// Bucket layout: each power of two is split into `2^schema` buckets; -4..=8 are exponential.
    #[prost(sint32, tag = "4")]
    pub schema: i32,
    /// Width of the zero bucket around zero.
    #[prost(double, tag = "5")]
    pub zero_threshold: f64,
    /// Observations in the zero bucket, as an integer or a float.
    #[prost(oneof = "histogram::ZeroCount", tags = "6, 7")]
    pub zero_count: Option<histogram::ZeroCount>,
    /// Runs of consecutive negative buckets.
    #[prost(message, repeated, tag = "8")]
    pub negative_spans: Vec<BucketSpan>,
    /// Integer histograms: each negative bucket's count minus the previous bucket's (the first minus 0).
    #[prost(sint64, repeated, tag = "9")]
    pub negative_deltas: Vec<i64>,
    /// Float histograms: each negative bucket's absolute count.
    #[prost(double, repeated, tag = "10")]
    pub negative_counts: Vec<f64>,
    /// Runs of consecutive positive buckets.
    #[prost(message, repeated, tag = "11")]
    pub positive_spans: Vec<BucketSpan>,
    /// Integer histograms: each positive bucket's count minus the previous bucket's (the first minus 0).
    #[prost(sint64, repeated, tag = "12")]
    pub positive_deltas: Vec<i64>,
    /// Float histograms: each positive bucket's absolute count.
    #[prost(double, repeated, tag = "13")]
    pub positive_counts: Vec<f64>,
    /// Whether a counter reset happened before this sample ([`histogram::ResetHint`]).
    #[prost(enumeration = "histogram::ResetHint", tag = "14")]
    pub reset_hint: i32,
    /// Milliseconds since the Unix epoch.
    #[prost(int64, tag = "15")]
    pub timestamp: i64,
    /// Upper bounds of custom buckets (schema -53), unused by exponential schemas.
    #[prost(double, repeated, tag = "16")]
    pub custom_values: Vec<f64>,
}

/// The `oneof` fields and the enum of [`Histogram`].
pub mod histogram {
    /// `oneof count`: observations in the histogram.
    #[derive(Clone, Copy, PartialEq, prost::Oneof)]
    pub enum Count {
        /// Integer histograms.
        #[prost(uint64, tag = "1")]
        CountInt(u64),
        /// Float histograms.
        #[prost(double, tag = "2")]
        CountFloat(f64),
    }

    /// `oneof zero_count`: observations in the zero bucket.
    #[derive(Clone, Copy, PartialEq, prost::Oneof)]
    pub enum ZeroCount {
        /// Integer histograms.
        #[prost(uint64, tag = "6")]
        ZeroCountInt(u64),
        /// Float histograms.
        #[prost(double, tag = "7")]
        ZeroCountFloat(f64),
    }

    /// `Histogram.ResetHint`: what the receiver may assume about counter resets.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum ResetHint {
        /// The receiver must compare with the previous sample.
        Unknown = 0,
        /// This is the first sample after a reset.
        Yes = 1,
        /// No reset happened since the previous sample.
        No = 2,
        /// A gauge histogram, which never resets.
        Gauge = 3,
    }
}

/// `prometheus.BucketSpan` (`prompb/types.proto`): a run of consecutive native-histogram buckets.
#[derive(Clone, Copy, PartialEq, Eq, Hash, prost::Message)]
pub struct BucketSpan {
    /// Gap from the end of the previous span, or the first bucket's index for the first span.
    #[prost(sint32, tag = "1")]
    pub offset: i32,
    /// Buckets in the run.
    #[prost(uint32, tag = "2")]
    pub length: u32,
}

/// `prometheus.MetricMetadata` (`prompb/types.proto`): type, help and unit of one metric family.
#[derive(Clone, PartialEq, Eq, Hash, prost::Message)]
pub struct MetricMetadata {
    /// The family's type ([`metric_metadata::MetricType`]).
    #[prost(enumeration = "metric_metadata::MetricType", tag = "1")]
    pub r#type: i32,
    /// The family name: the metric name without `_bucket`, `_sum` or `_count`.
    #[prost(string, tag = "2")]
    pub metric_family_name: String,
    /// The help text.
    #[prost(string, tag = "4")]
    pub help: String,
    /// The unit, as in the OpenMetrics `# UNIT` line.
    #[prost(string, tag = "5")]
    pub unit: String,
}

/// The enum of [`MetricMetadata`].
pub mod metric_metadata {
    /// `MetricMetadata.MetricType`, as in OpenMetrics.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum MetricType {
        /// No type known.
        Unknown = 0,
        /// A monotonic counter.
        Counter = 1,
        /// A value that goes up and down.
        Gauge = 2,
        /// A cumulative histogram, classic or native.
        Histogram = 3,
        /// A histogram of current values.
        Gaugehistogram = 4,
        /// Pre-computed quantiles.
        Summary = 5,
        /// Constant labels describing a target.
        Info = 6,
        /// A set of boolean states.
        Stateset = 7,
    }
}
