//! Small OTLP requests for the tests.

use std::sync::Arc;

use weir_proto::otlp::collector::logs::v1::ExportLogsServiceRequest;
use weir_proto::otlp::collector::metrics::v1::ExportMetricsServiceRequest;
use weir_proto::otlp::collector::trace::v1::ExportTraceServiceRequest;
use weir_proto::otlp::common::v1::{AnyValue, KeyValue, any_value};
use weir_proto::otlp::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use weir_proto::otlp::metrics::v1::{
    Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, metric, number_data_point,
};
use weir_proto::otlp::resource::v1::Resource;
use weir_proto::otlp::trace::v1::{ResourceSpans, ScopeSpans, Span};
use weir_proto::{Encoded, Payload};

/// `payload` as the exporters get it.
pub(crate) fn encoded(payload: &Payload) -> Arc<Encoded> {
    Arc::new(Encoded::from_payload(payload).expect("fixtures follow the OTLP rules"))
}

fn string(value: &str) -> AnyValue {
    AnyValue {
        value: Some(any_value::Value::StringValue(value.to_owned())),
    }
}

fn resource(service: &str) -> Option<Resource> {
    Some(Resource {
        attributes: vec![KeyValue {
            key: "service.name".into(),
            value: Some(string(service)),
            ..Default::default()
        }],
        ..Default::default()
    })
}

/// A trace request with `spans` spans.
pub(crate) fn traces(spans: u64) -> Payload {
    let spans = (1..=spans)
        .map(|n| Span {
            trace_id: [(n % 255 + 1) as u8; 16].to_vec(),
            span_id: [(n % 255 + 1) as u8; 8].to_vec(),
            name: format!("span-{n}"),
            start_time_unix_nano: 1_700_000_000_000_000_000 + n,
            end_time_unix_nano: 1_700_000_000_000_000_000 + 2 * n,
            kind: 2,
            ..Default::default()
        })
        .collect();
    Payload::Traces(ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: resource("checkout"),
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    })
}

/// A metrics request with one gauge of `points` data points.
pub(crate) fn metrics(points: u64) -> Payload {
    let data_points = (1..=points)
        .map(|n| NumberDataPoint {
            time_unix_nano: 1_700_000_000_000_000_000 + n,
            value: Some(number_data_point::Value::AsDouble(n as f64 / 4.0)),
            ..Default::default()
        })
        .collect();
    Payload::Metrics(ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: resource("checkout"),
            scope_metrics: vec![ScopeMetrics {
                metrics: vec![Metric {
                    name: "queue.depth".into(),
                    data: Some(metric::Data::Gauge(Gauge { data_points })),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    })
}

/// A metrics request of `series` gauges (`queue.depth.<i>`) of `points` points each.
pub(crate) fn gauges(series: u64, points: u64) -> Payload {
    let Payload::Metrics(mut request) = metrics(points) else {
        unreachable!("metrics() is a metrics request")
    };
    let scope = &mut request.resource_metrics[0].scope_metrics[0];
    let template = scope.metrics[0].clone();
    scope.metrics = (0..series)
        .map(|i| Metric {
            name: format!("queue.depth.{i}"),
            ..template.clone()
        })
        .collect();
    Payload::Metrics(request)
}

/// A logs request with one record whose body is `body`.
pub(crate) fn log(body: &str) -> Payload {
    Payload::Logs(ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: resource("checkout"),
            scope_logs: vec![ScopeLogs {
                log_records: vec![LogRecord {
                    time_unix_nano: 1_700_000_000_000_000_000,
                    severity_number: 9,
                    severity_text: "INFO".into(),
                    body: Some(string(body)),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    })
}
