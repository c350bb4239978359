//! The sampler's state on `/metrics`: per key, the probability, the observed and kept rates and the
//! error rate of the last interval, and the spans kept and dropped since start.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use super::key::{Gauges, KeyState, split_key};
use super::{AdaptiveSampler, OTHER_KEY};
use crate::exposition::{Format, escape_into, family};

/// A gauge of every key: name, help, and the cell it reads.
type GaugeOf = (&'static str, &'static str, fn(&Gauges) -> &AtomicU64);

const GAUGES: [GaugeOf; 5] = [
    (
        "weir_sampler_probability",
        "The probability a trace of the key is kept with.",
        |g| &g.probability,
    ),
    (
        "weir_sampler_observed_traces_per_second",
        "Traces (entry spans) per second the key received, smoothed.",
        |g| &g.observed_traces_per_second,
    ),
    (
        "weir_sampler_observed_spans_per_second",
        "Spans per second the key received in the last interval.",
        |g| &g.observed_spans_per_second,
    ),
    (
        "weir_sampler_kept_traces_per_second",
        "Traces (entry spans) per second kept in the last interval.",
        |g| &g.kept_traces_per_second,
    ),
    (
        "weir_sampler_error_rate",
        "Share of the key's traces whose entry span has status ERROR, smoothed.",
        |g| &g.error_rate,
    ),
];

impl AdaptiveSampler {
    /// Appends the sampler's series to `out` in the Prometheus format, labelled `sampler` (the
    /// processor's id), `service` and, keyed by operation, `operation`.
    pub fn write_prometheus(&self, sampler: &str, out: &mut String) {
        self.write(sampler, out, Format::Prometheus);
    }

    /// Appends the sampler's series to `out` in `format`.
    pub fn write(&self, sampler: &str, out: &mut String, format: Format) {
        let keys = self.keys.pin();
        let mut rows: Vec<(&str, &KeyState)> =
            keys.iter().map(|(name, key)| (&**name, key)).collect();
        rows.sort_unstable_by_key(|(name, _)| *name);
        rows.push((OTHER_KEY, &self.other));
        let labels = |key: &str| {
            let (service, operation) = split_key(key);
            let mut text = String::from("sampler=\"");
            escape_into(&mut text, sampler);
            text.push_str("\",service=\"");
            escape_into(&mut text, service);
            if let Some(operation) = operation {
                text.push_str("\",operation=\"");
                escape_into(&mut text, operation);
            }
            text.push('"');
            text
        };
        for (name, help, cell) in GAUGES {
            family(out, format, name, "gauge", help);
            for (service, key) in &rows {
                let _ = writeln!(
                    out,
                    "{name}{{{}}} {}",
                    labels(service),
                    f64::from_bits(cell(&key.gauges).load(Relaxed))
                );
            }
        }
        let name = "weir_sampler_spans_total";
        family(
            out,
            format,
            name,
            "counter",
            "Spans the sampler decided, by decision.",
        );
        for (service, key) in &rows {
            for (decision, cell) in [
                ("kept", &key.counters.total_kept_spans),
                ("dropped", &key.counters.total_dropped_spans),
            ] {
                let _ = writeln!(
                    out,
                    "{name}{{{},decision=\"{decision}\"}} {}",
                    labels(service),
                    cell.load(Relaxed)
                );
            }
        }
    }
}
