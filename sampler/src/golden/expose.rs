//! The golden signals in the Prometheus text format, named as the spanmetrics connector's series
//! reach Prometheus: `<namespace>_calls_total`, `<namespace>_duration_milliseconds` (a histogram)
//! and, weir's own, `<namespace>_errors_total`.

use std::fmt::Write;
use std::sync::atomic::Ordering::Relaxed;

use super::GoldenSignals;
use super::labels::{Labels, kind_name, status_name};
use super::series::{Snapshot, count_text};
use crate::exposition::{Format, escape_into, family};

/// `Span.kind` SERVER: the spans whose time is a service's time serving requests.
const SPAN_KIND_SERVER: i32 = 2;

impl GoldenSignals {
    /// Appends every series, and the processor's own counters, to `out` in the Prometheus format.
    pub fn write_prometheus(&self, out: &mut String) {
        self.write(out, Format::Prometheus);
    }

    /// Appends every series, and the processor's own counters, to `out` in `format`; in OpenMetrics
    /// a series' latest exemplar rides on the bucket its duration falls in.
    pub fn write(&self, out: &mut String, format: Format) {
        let map = self.series.pin();
        let mut rows: Vec<(&[u8], Snapshot)> = map
            .iter()
            .map(|(key, series)| (key.as_bytes(), series.snapshot()))
            .collect();
        // Sorted, so a series keeps its place from scrape to scrape and tests read a stable text.
        rows.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let rows: Vec<(String, Snapshot)> = rows
            .into_iter()
            .filter_map(|(key, snapshot)| Some((self.label_text(&Labels::decode(key)?), snapshot)))
            .chain((self.overflow_spans.load(Relaxed) > 0).then(|| {
                (
                    "otel_metric_overflow=\"true\"".to_owned(),
                    self.overflow.snapshot(),
                )
            }))
            .collect();
        let ns = &self.namespace;

        family(
            out,
            format,
            &format!("{ns}_calls_total"),
            "counter",
            "Spans, every one counted before sampling (a span sampled upstream with probability p counts 1/p).",
        );
        for (labels, snapshot) in &rows {
            let _ = writeln!(
                out,
                "{ns}_calls_total{{{labels}}} {}",
                count_text(snapshot.buckets.iter().sum())
            );
        }

        family(
            out,
            format,
            &format!("{ns}_duration_milliseconds"),
            "histogram",
            "Span durations in milliseconds.",
        );
        for (labels, snapshot) in &rows {
            let separator = if labels.is_empty() { "" } else { "," };
            let exemplar = snapshot.exemplar.filter(|_| format == Format::OpenMetrics);
            let exemplar_bucket = exemplar.map(|e| self.buckets.index((e.value_ms * 1e6) as u64));
            let mut cumulative = 0;
            for (i, (count, bound)) in snapshot
                .buckets
                .iter()
                .zip(self.buckets.bounds_ms().map(Some).chain([None]))
                .enumerate()
            {
                cumulative += count;
                let le = bound.map_or_else(|| "+Inf".to_owned(), |b| b.to_string());
                let _ = write!(
                    out,
                    "{ns}_duration_milliseconds_bucket{{{labels}{separator}le=\"{le}\"}} {}",
                    count_text(cumulative)
                );
                if let Some(e) = exemplar.filter(|_| exemplar_bucket == Some(i)) {
                    let trace_id: String = e.trace_id.iter().map(|b| format!("{b:02x}")).collect();
                    let seconds = e.at_ms as f64 / 1e3;
                    let _ = write!(
                        out,
                        " # {{trace_id=\"{trace_id}\"}} {} {seconds:.3}",
                        e.value_ms
                    );
                }
                out.push('\n');
            }
            let _ = writeln!(
                out,
                "{ns}_duration_milliseconds_sum{{{labels}}} {}",
                snapshot.sum_ms
            );
            let _ = writeln!(
                out,
                "{ns}_duration_milliseconds_count{{{labels}}} {}",
                count_text(cumulative)
            );
        }

        family(
            out,
            format,
            &format!("{ns}_errors_total"),
            "counter",
            "Spans with status ERROR (and, when configured, an HTTP 5xx response).",
        );
        for (labels, snapshot) in &rows {
            let _ = writeln!(
                out,
                "{ns}_errors_total{{{labels}}} {}",
                count_text(snapshot.errors)
            );
        }

        self.write_saturation(out, format);

        let counters = [
            (
                "weir_golden_signals_series",
                "gauge",
                "Series kept by the golden signals, the overflow series not counted.",
                self.series_count() as f64,
            ),
            (
                "weir_golden_signals_overflow_spans_total",
                "counter",
                "Spans counted in the overflow series because max_series was reached.",
                self.overflow_spans.load(Relaxed) as f64,
            ),
            (
                "weir_golden_signals_expired_series_total",
                "counter",
                "Series dropped after series_idle_timeout without a span.",
                self.expired.load(Relaxed) as f64,
            ),
        ];
        for (name, kind, help, value) in counters {
            family(out, format, name, kind, help);
            let _ = writeln!(out, "{name}{{namespace=\"{ns}\"}} {value}");
        }
    }

    /// Requests in flight per service and server operation, from the last saturation measurement:
    /// the SERVER series of every status and dimension value summed.
    fn write_saturation(&self, out: &mut String, format: Format) {
        let map = self.series.pin();
        let mut inflight: Vec<((&str, &str), f64)> = map
            .iter()
            .filter_map(|(key, series)| {
                let labels = Labels::decode(key.as_bytes())?;
                (labels.kind == SPAN_KIND_SERVER)
                    .then(|| ((labels.service, labels.span_name), series.inflight()))
            })
            .collect();
        inflight.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let name = "weir_golden_signals_inflight_requests";
        family(
            out,
            format,
            name,
            "gauge",
            "Requests in flight per service and server span name, by Little's law: server-span time added per second over the last saturation window.",
        );
        let ns = &self.namespace;
        let mut rows = inflight.into_iter().peekable();
        while let Some((operation, mut total)) = rows.next() {
            while let Some((_, more)) = rows.next_if(|(next, _)| *next == operation) {
                total += more;
            }
            let (mut service, mut span) = (String::new(), String::new());
            escape_into(&mut service, operation.0);
            escape_into(&mut span, operation.1);
            let _ = writeln!(
                out,
                "{name}{{namespace=\"{ns}\",service_name=\"{service}\",span_name=\"{span}\"}} {total}"
            );
        }
    }

    /// `service_name="…",span_name="…",…` for one series.
    fn label_text(&self, labels: &Labels<'_>) -> String {
        let mut text = String::new();
        let mut pair = |name: &str, value: &str| {
            if !text.is_empty() {
                text.push(',');
            }
            text.push_str(name);
            text.push_str("=\"");
            escape_into(&mut text, value);
            text.push('"');
        };
        pair("service_name", labels.service);
        pair("span_name", labels.span_name);
        pair("span_kind", kind_name(labels.kind));
        pair("status_code", status_name(labels.status));
        for (dimension, value) in self.dimensions.iter().zip(&labels.dimensions) {
            if let Some(value) = value {
                pair(&dimension.label, value);
            }
        }
        text
    }
}
