//! The golden signals as OTLP metrics, so a metrics pipeline can send them anywhere metrics go
//! (Prometheus remote write, OTLP). Named and attributed as the spanmetrics connector emits them, so
//! the OpenTelemetry-to-Prometheus translation gives the very names and labels `/metrics` shows:
//! `<namespace>_calls` (a monotonic sum, `_total` once translated), `<namespace>_duration` in `ms`
//! (a histogram, `_milliseconds_bucket` once translated) and `<namespace>_errors`.

use weir_proto::otlp::collector::metrics::v1::ExportMetricsServiceRequest;
use weir_proto::otlp::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use weir_proto::otlp::metrics::v1::{
    AggregationTemporality, Exemplar, Histogram, HistogramDataPoint, Metric, NumberDataPoint,
    ResourceMetrics, ScopeMetrics, Sum, exemplar, metric, number_data_point,
};
use weir_proto::otlp::resource::v1::Resource;

use super::GoldenSignals;
use super::labels::{Labels, kind_name, status_name};
use super::series::{Snapshot, spans};

/// The `service.name` of the resource the series are reported under: weir itself computed them.
const REPORTER: &str = "weir";

impl GoldenSignals {
    /// Every series now, as one request of cumulative metrics that started at `start_unix_ns` and are
    /// read at `now_unix_ns`. Counts are whole spans: weights of spans sampled upstream (1/p) are
    /// rounded, as OTLP histogram counts are integers.
    pub fn to_otlp(&self, start_unix_ns: u64, now_unix_ns: u64) -> ExportMetricsServiceRequest {
        let map = self.series.pin();
        let mut rows: Vec<(Vec<KeyValue>, Snapshot)> = map
            .iter()
            .filter_map(|(key, series)| {
                Some((
                    self.attributes(&Labels::decode(key.as_bytes())?),
                    series.snapshot(),
                ))
            })
            .collect();
        if self
            .overflow_spans
            .load(std::sync::atomic::Ordering::Relaxed)
            > 0
        {
            rows.push((
                vec![text("otel.metric.overflow", "true")],
                self.overflow.snapshot(),
            ));
        }
        let ns = &self.namespace;
        let point = |attributes: &[KeyValue], value: u64| NumberDataPoint {
            attributes: attributes.to_vec(),
            start_time_unix_nano: start_unix_ns,
            time_unix_nano: now_unix_ns,
            value: Some(number_data_point::Value::AsDouble(spans(value))),
            ..NumberDataPoint::default()
        };
        let counter = |name: String, description: &str, points: Vec<NumberDataPoint>| Metric {
            name,
            description: description.to_owned(),
            data: Some(metric::Data::Sum(Sum {
                data_points: points,
                aggregation_temporality: AggregationTemporality::Cumulative as i32,
                is_monotonic: true,
            })),
            ..Metric::default()
        };
        let calls = rows
            .iter()
            .map(|(attributes, s)| point(attributes, s.buckets.iter().sum()))
            .collect();
        let errors = rows
            .iter()
            .map(|(attributes, s)| point(attributes, s.errors))
            .collect();
        let bounds: Vec<f64> = self.buckets.bounds_ms().collect();
        let durations = rows
            .iter()
            .map(|(attributes, s)| HistogramDataPoint {
                attributes: attributes.clone(),
                start_time_unix_nano: start_unix_ns,
                time_unix_nano: now_unix_ns,
                count: s.buckets.iter().map(|&c| whole(c)).sum(),
                sum: Some(s.sum_ms),
                bucket_counts: s.buckets.iter().map(|&c| whole(c)).collect(),
                explicit_bounds: bounds.clone(),
                exemplars: s
                    .exemplar
                    .map(|e| Exemplar {
                        time_unix_nano: e.at_ms.saturating_mul(1_000_000),
                        trace_id: e.trace_id.to_vec(),
                        value: Some(exemplar::Value::AsDouble(e.value_ms)),
                        ..Exemplar::default()
                    })
                    .into_iter()
                    .collect(),
                ..HistogramDataPoint::default()
            })
            .collect();
        let metrics = vec![
            counter(
                format!("{ns}_calls"),
                "Spans, every one counted before sampling.",
                calls,
            ),
            Metric {
                name: format!("{ns}_duration"),
                description: "Span durations.".to_owned(),
                unit: "ms".to_owned(),
                data: Some(metric::Data::Histogram(Histogram {
                    data_points: durations,
                    aggregation_temporality: AggregationTemporality::Cumulative as i32,
                })),
                ..Metric::default()
            },
            counter(format!("{ns}_errors"), "Spans with status ERROR.", errors),
        ];
        ExportMetricsServiceRequest {
            resource_metrics: vec![ResourceMetrics {
                resource: Some(Resource {
                    attributes: vec![text("service.name", REPORTER)],
                    ..Resource::default()
                }),
                scope_metrics: vec![ScopeMetrics {
                    scope: Some(InstrumentationScope {
                        name: "weir.golden_signals".to_owned(),
                        version: env!("CARGO_PKG_VERSION").to_owned(),
                        ..InstrumentationScope::default()
                    }),
                    metrics,
                    ..ScopeMetrics::default()
                }],
                ..ResourceMetrics::default()
            }],
        }
    }

    /// A series' labels as the spanmetrics connector's data point attributes.
    fn attributes(&self, labels: &Labels<'_>) -> Vec<KeyValue> {
        let mut attributes = vec![
            text("service.name", labels.service),
            text("span.name", labels.span_name),
            text("span.kind", kind_name(labels.kind)),
            text("status.code", status_name(labels.status)),
        ];
        for (dimension, value) in self.dimensions.iter().zip(&labels.dimensions) {
            if let Some(value) = value {
                attributes.push(text(&dimension.key, value));
            }
        }
        attributes
    }
}

fn text(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_owned())),
        }),
        ..KeyValue::default()
    }
}

/// A weighted count rounded to whole spans.
fn whole(count: u64) -> u64 {
    spans(count).round() as u64
}
