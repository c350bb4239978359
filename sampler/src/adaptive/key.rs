//! One key's shared state: the threshold the per-span path reads, the counters it adds to, and the
//! gauges the last decision left for `/metrics`.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use super::controller::Reading;
use super::tally::Counters;
use crate::golden::Buckets;
use crate::sample::Threshold;

/// Joins a service and a root operation into one key name; `key: service` keys have no operation.
/// NUL cannot be typed in a config file, and a service name holding one only mislabels its series.
const OPERATION_SEPARATOR: char = '\0';

/// The name of the key of `service`, or of its root `operation`.
pub(crate) fn key_name(service: &str, operation: Option<&str>) -> String {
    match operation {
        Some(operation) => format!("{service}{OPERATION_SEPARATOR}{operation}"),
        None => service.to_owned(),
    }
}

/// The service and operation a key name joins.
pub(crate) fn split_key(name: &str) -> (&str, Option<&str>) {
    match name.split_once(OPERATION_SEPARATOR) {
        Some((service, operation)) => (service, Some(operation)),
        None => (name, None),
    }
}

/// The service of a key name.
pub(crate) fn service_of(name: &str) -> &str {
    split_key(name).0
}

/// One key (a service, or a service and root operation).
#[derive(Debug)]
pub(crate) struct KeyState {
    /// The current [`Threshold`], as bits: the one value the per-span path reads.
    threshold: AtomicU64,
    pub(crate) counters: Counters,
    pub(crate) gauges: Gauges,
}

/// What the last decision saw and chose, as `f64` bits, for `/metrics`.
#[derive(Debug, Default)]
pub(crate) struct Gauges {
    pub(crate) probability: AtomicU64,
    pub(crate) observed_traces_per_second: AtomicU64,
    pub(crate) observed_spans_per_second: AtomicU64,
    pub(crate) kept_traces_per_second: AtomicU64,
    pub(crate) error_rate: AtomicU64,
}

impl KeyState {
    pub(crate) fn new(initial_probability: f64, buckets: &Buckets) -> KeyState {
        let key = KeyState {
            threshold: AtomicU64::new(0),
            counters: Counters::new(buckets),
            gauges: Gauges::default(),
        };
        key.set_probability(initial_probability);
        key
    }

    /// The threshold spans of this key are decided by.
    pub(crate) fn threshold(&self) -> Threshold {
        Threshold::from_bits(self.threshold.load(Relaxed))
    }

    /// Applies a decision: the new probability, and what it was made from.
    pub(crate) fn publish(&self, p: f64, reading: &Reading) {
        self.set_probability(p);
        let gauges = &self.gauges;
        gauges
            .observed_traces_per_second
            .store(reading.traces_per_second.to_bits(), Relaxed);
        gauges
            .observed_spans_per_second
            .store(reading.spans_per_second.to_bits(), Relaxed);
        gauges
            .kept_traces_per_second
            .store(reading.kept_traces_per_second.to_bits(), Relaxed);
        gauges
            .error_rate
            .store(reading.error_rate.to_bits(), Relaxed);
    }

    /// Sets the threshold spans are decided by, and the gauge that shows it.
    pub(crate) fn set_probability(&self, p: f64) {
        self.threshold
            .store(Threshold::from_probability(p).to_bits(), Relaxed);
        self.gauges.probability.store(p.to_bits(), Relaxed);
    }
}
