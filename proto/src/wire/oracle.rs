//! The reference [`super::scan`] is held to, for its tests and the fuzz target `scan_vs_prost`: prost's
//! decode into the generated structs, then the id rules written over those structs (as weir applied
//! them before the scan existed). The scan must accept exactly what these accept and refuse an id
//! breach with the same message.

use prost::Message;

use crate::otlp::collector::logs::v1::ExportLogsServiceRequest;
use crate::otlp::collector::metrics::v1::ExportMetricsServiceRequest;
use crate::otlp::collector::trace::v1::ExportTraceServiceRequest;
use crate::otlp::metrics::v1::{Exemplar, metric};
use crate::{Payload, Signal};

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
    Identity,
    Required,
    Optional,
}

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

/// The first id breach of `payload` in document order, worded as the collector words it.
/// A protobuf export request of `signal`, decoded by prost.
pub fn decode(signal: Signal, body: &[u8]) -> Result<Payload, prost::DecodeError> {
    Ok(match signal {
        Signal::Traces => Payload::Traces(ExportTraceServiceRequest::decode(body)?),
        Signal::Metrics => Payload::Metrics(ExportMetricsServiceRequest::decode(body)?),
        Signal::Logs => Payload::Logs(ExportLogsServiceRequest::decode(body)?),
    })
}

/// The id rules over a decoded request: the first breach, in document order, as the scan words it.
pub fn validate(payload: &Payload) -> Result<(), String> {
    match payload {
        Payload::Traces(request) => {
            for (r, resource) in request.resource_spans.iter().enumerate() {
                for (s, scope) in resource.scope_spans.iter().enumerate() {
                    for (i, span) in scope.spans.iter().enumerate() {
                        let at = format!("resourceSpans[{r}].scopeSpans[{s}].spans[{i}]");
                        if let Some(problem) = id_problem(&span.trace_id, &TRACE_ID, Rule::Identity)
                            .or_else(|| id_problem(&span.span_id, &SPAN_ID, Rule::Identity))
                            .or_else(|| {
                                id_problem(&span.parent_span_id, &PARENT_SPAN_ID, Rule::Optional)
                            })
                        {
                            return Err(format!("span {at} {problem}"));
                        }
                        for (l, link) in span.links.iter().enumerate() {
                            if let Some(problem) =
                                id_problem(&link.trace_id, &TRACE_ID, Rule::Required)
                                    .or_else(|| id_problem(&link.span_id, &SPAN_ID, Rule::Required))
                            {
                                return Err(format!("span link {at}.links[{l}] {problem}"));
                            }
                        }
                    }
                }
            }
        }
        Payload::Logs(request) => {
            for (r, resource) in request.resource_logs.iter().enumerate() {
                for (s, scope) in resource.scope_logs.iter().enumerate() {
                    for (i, record) in scope.log_records.iter().enumerate() {
                        if let Some(problem) =
                            id_problem(&record.trace_id, &TRACE_ID, Rule::Optional)
                                .or_else(|| id_problem(&record.span_id, &SPAN_ID, Rule::Optional))
                        {
                            return Err(format!(
                                "log record resourceLogs[{r}].scopeLogs[{s}].logRecords[{i}] {problem}"
                            ));
                        }
                    }
                }
            }
        }
        Payload::Metrics(request) => {
            for (r, resource) in request.resource_metrics.iter().enumerate() {
                for (s, scope) in resource.scope_metrics.iter().enumerate() {
                    for (m, metric) in scope.metrics.iter().enumerate() {
                        let at = format!("resourceMetrics[{r}].scopeMetrics[{s}].metrics[{m}]");
                        let (kind, points): (_, Vec<&Vec<Exemplar>>) = match &metric.data {
                            Some(metric::Data::Gauge(g)) => (
                                "gauge",
                                g.data_points.iter().map(|p| &p.exemplars).collect(),
                            ),
                            Some(metric::Data::Sum(g)) => {
                                ("sum", g.data_points.iter().map(|p| &p.exemplars).collect())
                            }
                            Some(metric::Data::Histogram(g)) => (
                                "histogram",
                                g.data_points.iter().map(|p| &p.exemplars).collect(),
                            ),
                            Some(metric::Data::ExponentialHistogram(g)) => (
                                "exponentialHistogram",
                                g.data_points.iter().map(|p| &p.exemplars).collect(),
                            ),
                            Some(metric::Data::Summary(_)) | None => continue,
                        };
                        for (p, exemplars) in points.into_iter().enumerate() {
                            for (e, exemplar) in exemplars.iter().enumerate() {
                                if let Some(problem) =
                                    id_problem(&exemplar.trace_id, &TRACE_ID, Rule::Optional)
                                        .or_else(|| {
                                            id_problem(&exemplar.span_id, &SPAN_ID, Rule::Optional)
                                        })
                                {
                                    return Err(format!(
                                        "exemplar {at}.{kind}.dataPoints[{p}].exemplars[{e}] {problem}"
                                    ));
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(())
}
