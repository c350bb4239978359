//! Remote-Write 2.0: `io.prometheus.write.v2.Request`, whose strings are interned in one symbol table.
//!
//! `Sample`, `Histogram` and `BucketSpan` have the same fields and numbers as their 1.0 counterparts,
//! so they are re-exported from [`super::v1`] rather than written twice.

pub use super::v1::{BucketSpan, Histogram, Sample, histogram};

/// `io.prometheus.write.v2.Request` (Remote-Write 2.0, `prompb/io/prometheus/write/v2/types.proto`).
///
/// Fields 1 to 3 are reserved so a 1.0 `WriteRequest` decoded as this message is empty, not garbage.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Request {
    /// Every string the request uses, each once; index 0 is always the empty string.
    #[prost(string, repeated, tag = "4")]
    pub symbols: Vec<String>,
    /// The series, each referring to `symbols` by index.
    #[prost(message, repeated, tag = "5")]
    pub timeseries: Vec<TimeSeries>,
}

/// `io.prometheus.write.v2.TimeSeries`: one label set with float samples or native histograms (never
/// both), its exemplars, metadata and created timestamp.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TimeSeries {
    /// Name and value indexes into `Request.symbols`, pairwise, sorted by label name.
    #[prost(uint32, repeated, tag = "1")]
    pub labels_refs: Vec<u32>,
    /// Float samples in timestamp order.
    #[prost(message, repeated, tag = "2")]
    pub samples: Vec<Sample>,
    /// Native histogram samples in timestamp order.
    #[prost(message, repeated, tag = "3")]
    pub histograms: Vec<Histogram>,
    /// Exemplars attached to this series' samples.
    #[prost(message, repeated, tag = "4")]
    pub exemplars: Vec<Exemplar>,
    /// Type, help and unit of the series' metric family.
    #[prost(message, optional, tag = "5")]
    pub metadata: Option<Metadata>,
    /// When the counter (or histogram) started counting, in ms since the Unix epoch; 0 means unknown.
    #[prost(int64, tag = "6")]
    pub created_timestamp: i64,
}

/// `io.prometheus.write.v2.Exemplar`: an example observation, its labels interned.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Exemplar {
    /// Name and value indexes into `Request.symbols`, pairwise; by convention `trace_id`, `span_id`.
    #[prost(uint32, repeated, tag = "1")]
    pub labels_refs: Vec<u32>,
    /// The observed value.
    #[prost(double, tag = "2")]
    pub value: f64,
    /// Milliseconds since the Unix epoch; 0 means unknown.
    #[prost(int64, tag = "3")]
    pub timestamp: i64,
}

/// `io.prometheus.write.v2.Metadata`: type, help and unit of a series, the strings interned.
#[derive(Clone, Copy, PartialEq, Eq, Hash, prost::Message)]
pub struct Metadata {
    /// The series' type ([`metadata::MetricType`]).
    #[prost(enumeration = "metadata::MetricType", tag = "1")]
    pub r#type: i32,
    /// Index of the help text in `Request.symbols` (0, the empty string, when there is none).
    #[prost(uint32, tag = "3")]
    pub help_ref: u32,
    /// Index of the unit in `Request.symbols` (0, the empty string, when there is none).
    #[prost(uint32, tag = "4")]
    pub unit_ref: u32,
}

/// The enum of [`Metadata`].
pub mod metadata {
    /// `Metadata.MetricType`, as in OpenMetrics.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum MetricType {
        /// No type known; receivers may reject it.
        Unspecified = 0,
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
