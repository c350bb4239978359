//! The remote-write exporters' own counters on `/metrics`, read from the exporter's atomics at each
//! scrape, so the exporter crate needs no metrics library and its hot path no handle lookups.

use std::collections::HashMap;
use std::sync::Arc;

use prometheus::core::{Collector, Desc};
use prometheus::proto::{Counter, LabelPair, Metric, MetricFamily, MetricType};
use weir_exporters::prometheus::{DROP_REASONS, RemoteWriteStats};

const FALLBACKS: (&str, &str) = (
    "weir_exporter_compression_fallbacks_total",
    "Times a remote-write receiver refused zstd and the exporter switched to snappy for good.",
);
const PROTOCOL_FALLBACKS: (&str, &str) = (
    "weir_exporter_protocol_fallbacks_total",
    "Times a remote-write receiver answered a Remote-Write 2.0 request 2xx without \
     X-Prometheus-Remote-Write-Samples-Written, as a 1.0 receiver that read nothing answers, and the \
     exporter sent it again as 1.0 and switched to 1.0 for good.",
);
const REFUSED_NATIVE_HISTOGRAMS: (&str, &str) = (
    "weir_exporter_refused_native_histograms_total",
    "Native-histogram samples dropped because the remote-write receiver refused them (Prometheus \
     without --enable-feature=native-histograms); the rest of their requests was sent.",
);
const UNTRANSLATED: (&str, &str) = (
    "weir_exporter_untranslated_points_total",
    "Data points a remote-write exporter could not turn into Prometheus samples, by reason.",
);

/// One remote-write exporter's counters, labelled `exporter`.
pub(super) struct RemoteWriteCollector {
    exporter: String,
    stats: Arc<RemoteWriteStats>,
    descs: [Desc; 4],
}

impl RemoteWriteCollector {
    /// The collector of exporter `exporter`'s `stats`.
    pub(super) fn new(exporter: &str, stats: Arc<RemoteWriteStats>) -> prometheus::Result<Self> {
        let desc = |(name, help): (&str, &str), variable: &[&str]| {
            Desc::new(
                name.to_owned(),
                help.to_owned(),
                variable.iter().map(|label| (*label).to_owned()).collect(),
                HashMap::from([("exporter".to_owned(), exporter.to_owned())]),
            )
        };
        Ok(RemoteWriteCollector {
            exporter: exporter.to_owned(),
            stats,
            descs: [
                desc(FALLBACKS, &[])?,
                desc(PROTOCOL_FALLBACKS, &[])?,
                desc(REFUSED_NATIVE_HISTOGRAMS, &[])?,
                desc(UNTRANSLATED, &["reason"])?,
            ],
        })
    }

    /// A counter sample labelled with the exporter and `labels`.
    fn counter(&self, value: u64, labels: &[(&str, &str)]) -> Metric {
        let pair = |name: &str, value: &str| {
            let mut pair = LabelPair::default();
            pair.set_name(name.to_owned());
            pair.set_value(value.to_owned());
            pair
        };
        let mut counter = Counter::default();
        counter.set_value(value as f64);
        let mut metric = Metric::default();
        metric.set_label(
            std::iter::once(pair("exporter", &self.exporter))
                .chain(labels.iter().map(|(name, value)| pair(name, value)))
                .collect(),
        );
        metric.set_counter(counter);
        metric
    }
}

fn family((name, help): (&str, &str), metrics: Vec<Metric>) -> MetricFamily {
    let mut family = MetricFamily::default();
    family.set_name(name.to_owned());
    family.set_help(help.to_owned());
    family.set_field_type(MetricType::COUNTER);
    family.set_metric(metrics);
    family
}

impl Collector for RemoteWriteCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.descs.iter().collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let untranslated = DROP_REASONS
            .iter()
            .zip(self.stats.dropped())
            .map(|(reason, n)| self.counter(n, &[("reason", reason)]))
            .collect();
        vec![
            family(
                FALLBACKS,
                vec![self.counter(self.stats.compression_fallbacks(), &[])],
            ),
            family(
                PROTOCOL_FALLBACKS,
                vec![self.counter(self.stats.protocol_fallbacks(), &[])],
            ),
            family(
                REFUSED_NATIVE_HISTOGRAMS,
                vec![self.counter(self.stats.refused_native_histograms(), &[])],
            ),
            family(UNTRANSLATED, untranslated),
        ]
    }
}
