//! What the remote-write end-to-end tests send: OTLP metrics of each kind, spans for the golden
//! signals, and a weir config that exports both by remote write.

use std::time::{SystemTime, UNIX_EPOCH};

use weir_proto::otlp::collector::metrics::v1::ExportMetricsServiceRequest;
use weir_proto::otlp::common::v1::{KeyValue, any_value};
use weir_proto::otlp::metrics::v1::exponential_histogram_data_point::Buckets;
use weir_proto::otlp::metrics::v1::{
    AggregationTemporality, ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Histogram,
    HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, metric,
    number_data_point,
};
use weir_proto::otlp::resource::v1::Resource;
use weir_proto::otlp::trace::v1::Span;
use weir_proto::{Payload, fixtures};

use super::Ports;

pub fn text(key: &str, value: &str) -> KeyValue {
    fixtures::kv(key, any_value::Value::StringValue(value.to_owned()))
}

pub fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// One request of each kind of instrument, as an SDK with resource `eu/shop` on `host-1` sends them:
/// a counter of 42, an up-down counter at 7, a gauge at 61.5 and a histogram of 6 sizes, stamped
/// `at_ns`.
pub fn instruments(at_ns: u64) -> Payload {
    let start = at_ns - 60_000_000_000;
    let number = |value: f64, attributes: Vec<KeyValue>| NumberDataPoint {
        attributes,
        start_time_unix_nano: start,
        time_unix_nano: at_ns,
        value: Some(number_data_point::Value::AsDouble(value)),
        ..NumberDataPoint::default()
    };
    let sum = |name: &str, monotonic: bool, point: NumberDataPoint| Metric {
        name: name.to_owned(),
        data: Some(metric::Data::Sum(Sum {
            data_points: vec![point],
            aggregation_temporality: AggregationTemporality::Cumulative as i32,
            is_monotonic: monotonic,
        })),
        ..Metric::default()
    };
    let metrics = vec![
        sum(
            "orders.placed",
            true,
            number(42.0, vec![text("payment.method", "card")]),
        ),
        sum("queue.items", false, number(7.0, vec![])),
        Metric {
            name: "cpu.temperature".to_owned(),
            unit: "Cel".to_owned(),
            data: Some(metric::Data::Gauge(Gauge {
                data_points: vec![number(61.5, vec![])],
            })),
            ..Metric::default()
        },
        Metric {
            name: "request.size".to_owned(),
            unit: "By".to_owned(),
            data: Some(metric::Data::Histogram(Histogram {
                data_points: vec![HistogramDataPoint {
                    start_time_unix_nano: start,
                    time_unix_nano: at_ns,
                    count: 6,
                    sum: Some(12_345.0),
                    bucket_counts: vec![1, 2, 3],
                    explicit_bounds: vec![100.0, 1000.0],
                    ..HistogramDataPoint::default()
                }],
                aggregation_temporality: AggregationTemporality::Cumulative as i32,
            })),
            ..Metric::default()
        },
    ];
    Payload::Metrics(ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(Resource {
                attributes: vec![
                    text("service.name", "shop"),
                    text("service.namespace", "eu"),
                    text("service.instance.id", "host-1"),
                    text("host.arch", "amd64"),
                ],
                ..Resource::default()
            }),
            scope_metrics: vec![ScopeMetrics {
                metrics,
                ..ScopeMetrics::default()
            }],
            ..ResourceMetrics::default()
        }],
    })
}

/// An exponential histogram `rpc.latency` in ms of `shop`, stamped `at_ns`: 6 observations, 1 in
/// (1, 2], 2 in (2, 4] and 3 in (4, 8].
pub fn exponential(at_ns: u64) -> Payload {
    let point = ExponentialHistogramDataPoint {
        start_time_unix_nano: at_ns - 60_000_000_000,
        time_unix_nano: at_ns,
        count: 6,
        sum: Some(30.0),
        scale: 0,
        positive: Some(Buckets {
            offset: 0,
            bucket_counts: vec![1, 2, 3],
        }),
        ..ExponentialHistogramDataPoint::default()
    };
    let metric = Metric {
        name: "rpc.latency".to_owned(),
        unit: "ms".to_owned(),
        data: Some(metric::Data::ExponentialHistogram(ExponentialHistogram {
            data_points: vec![point],
            aggregation_temporality: AggregationTemporality::Cumulative as i32,
        })),
        ..Metric::default()
    };
    service_metrics("shop", vec![metric])
}

/// `metrics` as one request from one resource whose `service.name` is `service`.
pub fn service_metrics(service: &str, metrics: Vec<Metric>) -> Payload {
    Payload::Metrics(ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(Resource {
                attributes: vec![text("service.name", service)],
                ..Resource::default()
            }),
            scope_metrics: vec![ScopeMetrics {
                metrics,
                ..ScopeMetrics::default()
            }],
            ..ResourceMetrics::default()
        }],
    })
}

/// `durations_ms.len()` SERVER spans of `checkout`'s `GET /cart`, one per duration.
pub fn spans(durations_ms: &[u64]) -> Payload {
    let start = now_ns() - 10_000_000_000;
    let spans = (0u64..)
        .zip(durations_ms)
        .map(|(n, ms)| Span {
            trace_id: fixtures::trace_id(n),
            span_id: fixtures::span_id(n),
            name: "GET /cart".to_owned(),
            kind: 2,
            start_time_unix_nano: start,
            end_time_unix_nano: start + ms * 1_000_000,
            ..Span::default()
        })
        .collect();
    Payload::Traces(fixtures::service_spans("checkout", spans))
}

/// weir with an OTLP receiver, golden signals on its traces pipeline, and a metrics pipeline fed by
/// both that ends in the exporters `ids`, defined by `exporters` (YAML under `exporters:`).
pub fn config(ports: &Ports, exporters: &str, ids: &[&str]) -> String {
    format!(
        r#"
receivers:
  otlp:
    protocols:
      grpc: {{ endpoint: "{grpc}" }}
      http: {{ endpoint: "{http}" }}
processors:
  golden_signals: {{ metrics_flush_interval: 1s }}
  batch: {{ timeout: 50ms }}
exporters:
  file/traces: {{ path: traces.jsonl }}
{exporters}
service:
  telemetry:
    metrics: {{ address: "{admin}" }}
  pipelines:
    traces: {{ receivers: [otlp], processors: [golden_signals, batch], exporters: [file/traces] }}
    metrics: {{ receivers: [otlp, golden_signals], processors: [batch], exporters: [{ids}] }}
"#,
        grpc = ports.grpc,
        http = ports.http,
        admin = ports.admin,
        ids = ids.join(", "),
    )
}
