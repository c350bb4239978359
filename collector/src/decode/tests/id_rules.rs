use weir_proto::fixtures;
use weir_proto::otlp::collector::logs::v1::ExportLogsServiceRequest;
use weir_proto::otlp::collector::metrics::v1::ExportMetricsServiceRequest;
use weir_proto::otlp::collector::trace::v1::ExportTraceServiceRequest;
use weir_proto::otlp::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use weir_proto::otlp::metrics::v1::{Metric, ResourceMetrics, ScopeMetrics, metric};
use weir_proto::otlp::trace::v1::Span;
use weir_proto::{Payload, Signal};

use super::decode_to_structs;
use crate::decode::{DecodeError, Format};

/// The id rules, as a protobuf receiver applies them.
fn validate(payload: &Payload) -> Result<(), DecodeError> {
    decode_to_structs(payload.signal(), Format::Protobuf, &payload.encode_to_vec()).map(drop)
}

fn invalid(payload: &Payload) -> String {
    match validate(payload) {
        Ok(()) => panic!("{payload:#?} passed validation"),
        Err(e @ DecodeError::Invalid(_)) => e.to_string(),
        Err(e) => panic!("not an Invalid error: {e:?}"),
    }
}

fn span_with(change: impl FnOnce(&mut Span)) -> Payload {
    let mut span = fixtures::rich_span();
    change(&mut span);
    fixtures::one_span(span)
}

fn log_with(change: impl FnOnce(&mut LogRecord)) -> Payload {
    let mut record = fixtures::rich_log_record();
    change(&mut record);
    Payload::Logs(ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            scope_logs: vec![
                ScopeLogs::default(),
                ScopeLogs {
                    log_records: vec![LogRecord::default(), record],
                    ..Default::default()
                },
            ],
            ..Default::default()
        }],
    })
}

#[test]
fn valid_and_empty_requests_pass() {
    for signal in Signal::ALL {
        assert!(validate(&fixtures::rich(signal)).is_ok(), "{signal}");
        assert!(validate(&Payload::empty(signal)).is_ok(), "{signal}");
    }
}

#[test]
fn the_error_names_the_span_by_position() {
    let mut request = fixtures::rich_traces();
    request.resource_spans[0].scope_spans[1].spans[3]
        .trace_id
        .truncate(12);
    assert_eq!(
        invalid(&Payload::Traces(request)),
        "span resourceSpans[0].scopeSpans[1].spans[3] has a 12-byte trace_id: trace ids are 16 bytes"
    );
}

#[test]
fn span_ids() {
    let at = "span resourceSpans[0].scopeSpans[0].spans[0]";
    for (payload, problem) in [
        (
            span_with(|s| s.trace_id.clear()),
            "has no trace_id: trace ids are 16 bytes",
        ),
        (
            span_with(|s| s.trace_id.push(1)),
            "has a 17-byte trace_id: trace ids are 16 bytes",
        ),
        (
            span_with(|s| s.trace_id = vec![0; 16]),
            "has an all-zero trace_id: trace ids need at least one non-zero byte",
        ),
        (
            span_with(|s| s.span_id.clear()),
            "has no span_id: span ids are 8 bytes",
        ),
        (
            span_with(|s| s.span_id = vec![1; 16]),
            "has a 16-byte span_id: span ids are 8 bytes",
        ),
        (
            span_with(|s| s.span_id = vec![0; 8]),
            "has an all-zero span_id: span ids need at least one non-zero byte",
        ),
        (
            span_with(|s| s.parent_span_id = vec![1; 4]),
            "has a 4-byte parent_span_id: span ids are 8 bytes or empty",
        ),
    ] {
        assert_eq!(invalid(&payload), format!("{at} {problem}"));
    }
    assert!(
        validate(&span_with(|s| s.parent_span_id.clear())).is_ok(),
        "root spans have no parent"
    );
}

#[test]
fn link_ids() {
    let at = "span link resourceSpans[0].scopeSpans[0].spans[0].links[1]";
    let with_link = |change: fn(&mut weir_proto::otlp::trace::v1::span::Link)| {
        span_with(|s| {
            let mut link = s.links[0].clone();
            change(&mut link);
            s.links.push(link);
        })
    };
    assert_eq!(
        invalid(&with_link(|l| l.trace_id.truncate(15))),
        format!("{at} has a 15-byte trace_id: trace ids are 16 bytes")
    );
    assert_eq!(
        invalid(&with_link(|l| l.span_id.clear())),
        format!("{at} has no span_id: span ids are 8 bytes")
    );
}

#[test]
fn log_record_ids() {
    let at = "log record resourceLogs[0].scopeLogs[1].logRecords[1]";
    assert_eq!(
        invalid(&log_with(|r| r.trace_id.truncate(8))),
        format!("{at} has a 8-byte trace_id: trace ids are 16 bytes or empty")
    );
    assert_eq!(
        invalid(&log_with(|r| r.span_id = vec![1; 16])),
        format!("{at} has a 16-byte span_id: span ids are 8 bytes or empty")
    );
    assert!(
        validate(&log_with(|r| {
            r.trace_id.clear();
            r.span_id.clear();
        }))
        .is_ok(),
        "logs outside a trace have no ids"
    );
}

#[test]
fn exemplar_ids() {
    let request = fixtures::rich_metrics();
    let kinds = ["gauge", "sum", "histogram", "exponentialHistogram"];
    for (m, kind) in kinds.iter().enumerate() {
        let mut broken = request.clone();
        let metric = &mut broken.resource_metrics[0].scope_metrics[0].metrics[m];
        let exemplars = match &mut metric.data {
            Some(metric::Data::Gauge(g)) => &mut g.data_points[0].exemplars,
            Some(metric::Data::Sum(s)) => &mut s.data_points[0].exemplars,
            Some(metric::Data::Histogram(h)) => &mut h.data_points[0].exemplars,
            Some(metric::Data::ExponentialHistogram(h)) => &mut h.data_points[0].exemplars,
            other => panic!("fixture metric {m} is {other:?}"),
        };
        exemplars[0].trace_id.truncate(3);
        assert_eq!(
            invalid(&Payload::Metrics(broken)),
            format!(
                "exemplar resourceMetrics[0].scopeMetrics[0].metrics[{m}].{kind}.dataPoints[0].exemplars[0] has a \
                 3-byte trace_id: trace ids are 16 bytes or empty"
            )
        );
    }
    let mut no_ids = fixtures::rich_exemplar();
    no_ids.trace_id.clear();
    no_ids.span_id.clear();
    let mut bad_span = fixtures::rich_exemplar();
    bad_span.span_id.push(0);
    let with = |exemplar| {
        let mut request = ExportMetricsServiceRequest::default();
        let gauge = metric::Data::Gauge(weir_proto::otlp::metrics::v1::Gauge {
            data_points: vec![
                Default::default(),
                weir_proto::otlp::metrics::v1::NumberDataPoint {
                    exemplars: vec![exemplar],
                    ..Default::default()
                },
            ],
        });
        let metrics = vec![
            Metric::default(),
            Metric {
                data: Some(gauge),
                ..Default::default()
            },
        ];
        request.resource_metrics.push(ResourceMetrics {
            scope_metrics: vec![ScopeMetrics {
                metrics,
                ..Default::default()
            }],
            ..Default::default()
        });
        Payload::Metrics(request)
    };
    assert!(
        validate(&with(no_ids)).is_ok(),
        "exemplars outside a trace have no ids"
    );
    assert_eq!(
        invalid(&with(bad_span)),
        "exemplar resourceMetrics[0].scopeMetrics[0].metrics[1].gauge.dataPoints[1].exemplars[0] has a 9-byte \
         span_id: span ids are 8 bytes or empty"
    );
}

#[test]
fn the_first_breach_is_reported() {
    let mut request = ExportTraceServiceRequest {
        resource_spans: fixtures::rich_traces()
            .resource_spans
            .into_iter()
            .cycle()
            .take(2)
            .collect(),
    };
    request.resource_spans[1].scope_spans[0].spans[0]
        .span_id
        .clear();
    request.resource_spans[1].scope_spans[1].spans[0]
        .trace_id
        .clear();
    assert!(
        invalid(&Payload::Traces(request))
            .starts_with("span resourceSpans[1].scopeSpans[0].spans[0] has no span_id")
    );
}
