//! The OTLP rules a decoded request must also follow: trace and span id lengths.
//!
//! Positions in messages use OTLP/JSON's names (`resourceSpans[0].scopeSpans[1].spans[3]`), which also
//! read well for protobuf senders.

use weir_proto::Payload;
use weir_proto::otlp::collector::logs::v1::ExportLogsServiceRequest;
use weir_proto::otlp::collector::metrics::v1::ExportMetricsServiceRequest;
use weir_proto::otlp::collector::trace::v1::ExportTraceServiceRequest;
use weir_proto::otlp::metrics::v1::{Exemplar, metric};

use super::DecodeError;

/// Checks the id rules: spans need a non-zero 16-byte trace id and 8-byte span id; every other id is
/// either absent or of its full length. The first breach found is reported with its position.
pub fn validate(payload: &Payload) -> Result<(), DecodeError> {
    match payload {
        Payload::Traces(request) => validate_traces(request),
        Payload::Metrics(request) => validate_metrics(request),
        Payload::Logs(request) => validate_logs(request),
    }
}

/// An id field: its protobuf name, its length, and what its kind is called in messages.
struct IdField {
    name: &'static str,
    len: usize,
    kind: &'static str,
}

const TRACE_ID: IdField = IdField {
    name: "trace_id",
    len: 16,
    kind: "trace ids",
};
const SPAN_ID: IdField = IdField {
    name: "span_id",
    len: 8,
    kind: "span ids",
};
const PARENT_SPAN_ID: IdField = IdField {
    name: "parent_span_id",
    len: 8,
    kind: "span ids",
};

#[derive(Clone, Copy, PartialEq)]
enum Rule {
    /// Full length and not all zero: the span's own identity.
    Identity,
    /// Full length: a reference that must be there.
    Required,
    /// Full length or empty: a reference that may be absent.
    Optional,
}

/// What is wrong with an id, if anything, phrased to follow "span ... ".
fn id_problem(bytes: &[u8], field: &IdField, rule: Rule) -> Option<String> {
    let IdField { name, len, kind } = *field;
    if bytes.is_empty() && rule == Rule::Optional {
        return None;
    }
    if bytes.len() != len {
        let allowed = if rule == Rule::Optional {
            format!("{len} bytes or empty")
        } else {
            format!("{len} bytes")
        };
        return Some(if bytes.is_empty() {
            format!("has no {name}: {kind} are {allowed}")
        } else {
            format!("has a {}-byte {name}: {kind} are {allowed}", bytes.len())
        });
    }
    (rule == Rule::Identity && bytes.iter().all(|b| *b == 0))
        .then(|| format!("has an all-zero {name}: {kind} need at least one non-zero byte"))
}

fn invalid(item: &str, at: String, problem: String) -> DecodeError {
    DecodeError::Invalid(format!("{item} {at} {problem}"))
}

fn validate_traces(request: &ExportTraceServiceRequest) -> Result<(), DecodeError> {
    for (r, resource) in request.resource_spans.iter().enumerate() {
        for (s, scope) in resource.scope_spans.iter().enumerate() {
            for (i, span) in scope.spans.iter().enumerate() {
                let at = || format!("resourceSpans[{r}].scopeSpans[{s}].spans[{i}]");
                let problem = id_problem(&span.trace_id, &TRACE_ID, Rule::Identity)
                    .or_else(|| id_problem(&span.span_id, &SPAN_ID, Rule::Identity))
                    .or_else(|| id_problem(&span.parent_span_id, &PARENT_SPAN_ID, Rule::Optional));
                if let Some(problem) = problem {
                    return Err(invalid("span", at(), problem));
                }
                for (l, link) in span.links.iter().enumerate() {
                    let problem = id_problem(&link.trace_id, &TRACE_ID, Rule::Required)
                        .or_else(|| id_problem(&link.span_id, &SPAN_ID, Rule::Required));
                    if let Some(problem) = problem {
                        return Err(invalid(
                            "span link",
                            format!("{}.links[{l}]", at()),
                            problem,
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

fn validate_logs(request: &ExportLogsServiceRequest) -> Result<(), DecodeError> {
    for (r, resource) in request.resource_logs.iter().enumerate() {
        for (s, scope) in resource.scope_logs.iter().enumerate() {
            for (i, record) in scope.log_records.iter().enumerate() {
                let problem = id_problem(&record.trace_id, &TRACE_ID, Rule::Optional)
                    .or_else(|| id_problem(&record.span_id, &SPAN_ID, Rule::Optional));
                if let Some(problem) = problem {
                    let at = format!("resourceLogs[{r}].scopeLogs[{s}].logRecords[{i}]");
                    return Err(invalid("log record", at, problem));
                }
            }
        }
    }
    Ok(())
}

fn validate_metrics(request: &ExportMetricsServiceRequest) -> Result<(), DecodeError> {
    for (r, resource) in request.resource_metrics.iter().enumerate() {
        for (s, scope) in resource.scope_metrics.iter().enumerate() {
            for (m, metric) in scope.metrics.iter().enumerate() {
                let at = || format!("resourceMetrics[{r}].scopeMetrics[{s}].metrics[{m}]");
                match &metric.data {
                    Some(metric::Data::Gauge(g)) => {
                        check_exemplars(g.data_points.iter().map(|p| &p.exemplars), || {
                            format!("{}.gauge", at())
                        })
                    }
                    Some(metric::Data::Sum(sum)) => {
                        check_exemplars(sum.data_points.iter().map(|p| &p.exemplars), || {
                            format!("{}.sum", at())
                        })
                    }
                    Some(metric::Data::Histogram(h)) => {
                        check_exemplars(h.data_points.iter().map(|p| &p.exemplars), || {
                            format!("{}.histogram", at())
                        })
                    }
                    Some(metric::Data::ExponentialHistogram(h)) => {
                        check_exemplars(h.data_points.iter().map(|p| &p.exemplars), || {
                            format!("{}.exponentialHistogram", at())
                        })
                    }
                    // Summary points carry no exemplars.
                    Some(metric::Data::Summary(_)) | None => Ok(()),
                }?;
            }
        }
    }
    Ok(())
}

fn check_exemplars<'a>(
    points: impl Iterator<Item = &'a Vec<Exemplar>>,
    at: impl Fn() -> String,
) -> Result<(), DecodeError> {
    for (p, exemplars) in points.enumerate() {
        for (e, exemplar) in exemplars.iter().enumerate() {
            let problem = id_problem(&exemplar.trace_id, &TRACE_ID, Rule::Optional)
                .or_else(|| id_problem(&exemplar.span_id, &SPAN_ID, Rule::Optional));
            if let Some(problem) = problem {
                return Err(invalid(
                    "exemplar",
                    format!("{}.dataPoints[{p}].exemplars[{e}]", at()),
                    problem,
                ));
            }
        }
    }
    Ok(())
}
