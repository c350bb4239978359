//! The id rules: each breach refused with the collector's words and position, the first one in
//! document order, judged on the values prost keeps.

use prost::Message;

use super::{Msg, accepted, invalid};
use crate::Signal;
use crate::fixtures::{self, one_span, rich_exemplar, rich_log_record, rich_span};
use crate::otlp::collector::metrics::v1::ExportMetricsServiceRequest;
use crate::otlp::logs::v1::LogRecord;
use crate::otlp::metrics::v1::{Exemplar, metric};
use crate::otlp::trace::v1::Span;
use crate::otlp::trace::v1::span::Link;

fn span_message(span: Span) -> String {
    invalid(Signal::Traces, &one_span(span).encode_to_vec())
}

#[test]
fn span_ids_follow_the_rules() {
    let cases: [(Span, &str); 9] = [
        (
            Span {
                trace_id: vec![1; 15],
                ..rich_span()
            },
            "has a 15-byte trace_id: trace ids are 16 bytes",
        ),
        (
            Span {
                trace_id: Vec::new(),
                ..rich_span()
            },
            "has no trace_id: trace ids are 16 bytes",
        ),
        (
            Span {
                trace_id: vec![0; 16],
                ..rich_span()
            },
            "has an all-zero trace_id: trace ids need at least one non-zero byte",
        ),
        (
            Span {
                span_id: vec![1; 9],
                ..rich_span()
            },
            "has a 9-byte span_id: span ids are 8 bytes",
        ),
        (
            Span {
                span_id: Vec::new(),
                ..rich_span()
            },
            "has no span_id: span ids are 8 bytes",
        ),
        (
            Span {
                span_id: vec![0; 8],
                ..rich_span()
            },
            "has an all-zero span_id: span ids need at least one non-zero byte",
        ),
        (
            Span {
                parent_span_id: vec![1; 7],
                ..rich_span()
            },
            "has a 7-byte parent_span_id: span ids are 8 bytes or empty",
        ),
        (
            Span {
                trace_id: Vec::new(),
                span_id: Vec::new(),
                ..rich_span()
            },
            "has no trace_id: trace ids are 16 bytes",
        ),
        (
            Span {
                parent_span_id: vec![1; 7],
                links: vec![Link::default()],
                ..rich_span()
            },
            "has a 7-byte parent_span_id: span ids are 8 bytes or empty",
        ),
    ];
    for (span, problem) in cases {
        assert_eq!(
            span_message(span),
            format!("span resourceSpans[0].scopeSpans[0].spans[0] {problem}")
        );
    }
    let link = |trace_id: Vec<u8>, span_id: Vec<u8>| Span {
        links: vec![
            rich_span().links[0].clone(),
            Link {
                trace_id,
                span_id,
                ..Default::default()
            },
        ],
        ..rich_span()
    };
    let at = "span link resourceSpans[0].scopeSpans[0].spans[0].links[1]";
    assert_eq!(
        span_message(link(Vec::new(), vec![1; 8])),
        format!("{at} has no trace_id: trace ids are 16 bytes")
    );
    assert_eq!(
        span_message(link(vec![0; 16], vec![1; 3])),
        format!("{at} has a 3-byte span_id: span ids are 8 bytes")
    );
    let zero_link = link(vec![0; 16], vec![0; 8]);
    accepted(Signal::Traces, &one_span(zero_link).encode_to_vec());
}

#[test]
fn the_first_breach_in_document_order_is_reported() {
    let mut request = fixtures::traces(2, 6);
    request.resource_spans[1].scope_spans[0].spans[2].span_id = vec![1; 4];
    request.resource_spans[1].scope_spans[1].spans[0].trace_id = Vec::new();
    request.resource_spans[1].scope_spans[0].spans[1].links[0].span_id = Vec::new();
    assert_eq!(
        invalid(Signal::Traces, &request.encode_to_vec()),
        "span link resourceSpans[1].scopeSpans[0].spans[1].links[0] has no span_id: span ids are 8 bytes"
    );
}

#[test]
fn log_record_ids_are_full_or_empty() {
    let body = |record: LogRecord| {
        let mut request = fixtures::rich_logs();
        request.resource_logs[0].scope_logs[0].log_records[2] = record;
        request.encode_to_vec()
    };
    let at = "log record resourceLogs[0].scopeLogs[0].logRecords[2]";
    assert_eq!(
        invalid(
            Signal::Logs,
            &body(LogRecord {
                trace_id: vec![1; 17],
                ..rich_log_record()
            })
        ),
        format!("{at} has a 17-byte trace_id: trace ids are 16 bytes or empty")
    );
    assert_eq!(
        invalid(
            Signal::Logs,
            &body(LogRecord {
                trace_id: Vec::new(),
                span_id: vec![1],
                ..rich_log_record()
            })
        ),
        format!("{at} has a 1-byte span_id: span ids are 8 bytes or empty")
    );
    for record in [
        LogRecord {
            trace_id: vec![0; 16],
            span_id: vec![0; 8],
            ..rich_log_record()
        },
        LogRecord {
            trace_id: Vec::new(),
            span_id: Vec::new(),
            ..rich_log_record()
        },
    ] {
        accepted(Signal::Logs, &body(record));
    }
}

/// Rich metrics with exemplar `e` of point 0 of every metric replaced.
fn metrics_with_exemplar(e: usize, exemplar: Exemplar) -> ExportMetricsServiceRequest {
    let mut request = fixtures::rich_metrics();
    for metric in &mut request.resource_metrics[0].scope_metrics[0].metrics {
        let exemplars = match metric.data.as_mut() {
            Some(metric::Data::Gauge(g)) => &mut g.data_points[0].exemplars,
            Some(metric::Data::Sum(s)) => &mut s.data_points[0].exemplars,
            Some(metric::Data::Histogram(h)) => &mut h.data_points[0].exemplars,
            Some(metric::Data::ExponentialHistogram(h)) => &mut h.data_points[0].exemplars,
            _ => continue,
        };
        exemplars[e] = exemplar.clone();
    }
    request
}

#[test]
fn exemplar_ids_are_full_or_empty_in_every_kind_of_metric() {
    let bad = Exemplar {
        span_id: vec![1; 2],
        ..rich_exemplar()
    };
    let mut request = metrics_with_exemplar(1, bad);
    for (m, kind) in ["gauge", "sum", "histogram", "exponentialHistogram"]
        .into_iter()
        .enumerate()
    {
        assert_eq!(
            invalid(Signal::Metrics, &request.encode_to_vec()),
            format!(
                "exemplar resourceMetrics[0].scopeMetrics[0].metrics[{m}].{kind}.dataPoints[0].exemplars[1] \
                 has a 2-byte span_id: span ids are 8 bytes or empty"
            )
        );
        request.resource_metrics[0].scope_metrics[0].metrics[m] =
            fixtures::rich_metrics().resource_metrics[0].scope_metrics[0].metrics[m].clone();
    }
    accepted(Signal::Metrics, &request.encode_to_vec());
    let empty = Exemplar {
        trace_id: Vec::new(),
        span_id: Vec::new(),
        ..rich_exemplar()
    };
    accepted(
        Signal::Metrics,
        &metrics_with_exemplar(0, empty).encode_to_vec(),
    );
}

fn span_fields(trace_ids: &[&[u8]]) -> Vec<u8> {
    let span = trace_ids
        .iter()
        .fold(Msg::new().bytes(2, &[7; 8]), |m, id| m.bytes(1, id));
    let scope = Msg::new().msg(2, span);
    Msg::new().msg(1, Msg::new().msg(2, scope)).0
}

#[test]
fn the_last_occurrence_of_an_id_is_the_one_checked() {
    accepted(Signal::Traces, &span_fields(&[&[1; 3], &[1; 16]]));
    assert_eq!(
        invalid(Signal::Traces, &span_fields(&[&[1; 16], &[0; 16]])),
        "span resourceSpans[0].scopeSpans[0].spans[0] has an all-zero trace_id: trace ids need at least \
         one non-zero byte"
    );
    let record = Msg::new().bytes(10, &[1; 3]).bytes(10, &[]);
    let logs = Msg::new()
        .msg(1, Msg::new().msg(2, Msg::new().msg(2, record)))
        .0;
    accepted(Signal::Logs, &logs);
}

#[test]
fn exemplars_of_data_prost_drops_are_not_checked() {
    let bad_point = Msg::new().msg(5, Msg::new().bytes(5, &[1; 3]));
    let metric = |kinds: &[u32]| {
        let metric = kinds.iter().fold(Msg::new(), |m, kind| {
            m.msg(*kind, Msg::new().msg(1, bad_point.clone()))
        });
        let metric = metric.msg(7, Msg::new().msg(1, Msg::new()));
        let scope = Msg::new().msg(2, metric);
        Msg::new().msg(1, Msg::new().msg(2, scope)).0
    };
    let blocks = accepted(Signal::Metrics, &metric(&[5, 5]));
    assert_eq!(blocks[0].items, 1);
    assert_eq!(
        invalid(Signal::Metrics, &metric(&[5, 7])),
        "exemplar resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints[0].exemplars[0] has a \
         3-byte trace_id: trace ids are 16 bytes or empty"
    );
    // Points of a merged run are numbered on from the fields before.
    let split_run = Msg::new()
        .msg(5, Msg::new().msg(1, Msg::new()).msg(1, Msg::new()))
        .msg(5, Msg::new().msg(1, bad_point.clone()));
    let body = Msg::new()
        .msg(1, Msg::new().msg(2, Msg::new().msg(2, split_run)))
        .0;
    assert_eq!(
        invalid(Signal::Metrics, &body),
        "exemplar resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[2].exemplars[0] has a \
         3-byte trace_id: trace ids are 16 bytes or empty"
    );
}
