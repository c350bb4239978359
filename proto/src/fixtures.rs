//! OTLP requests for tests and benches (feature `fixtures`): rich enough to exercise every field, and
//! a normal form that compares what was sent with what arrived regardless of batching.

use crate::Payload;
use crate::otlp::collector::logs::v1::ExportLogsServiceRequest;
use crate::otlp::collector::metrics::v1::ExportMetricsServiceRequest;
use crate::otlp::collector::trace::v1::ExportTraceServiceRequest;
use crate::otlp::common::v1::any_value::Value;
use crate::otlp::common::v1::{AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList};
use crate::otlp::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use crate::otlp::metrics::v1::{
    Exemplar, ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Histogram,
    HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, Summary,
    SummaryDataPoint, exponential_histogram_data_point, metric, number_data_point,
    summary_data_point,
};
use crate::otlp::resource::v1::Resource;
use crate::otlp::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, span};

/// An attribute.
pub fn kv(key: &str, value: Value) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}

fn string(s: &str) -> Value {
    Value::StringValue(s.to_owned())
}

fn resource(service: &str, r: usize) -> Resource {
    Resource {
        attributes: vec![
            kv("service.name", string(service)),
            kv("service.instance.id", string(&format!("instance-{r}"))),
            kv("host.name", string("node-7")),
            kv("telemetry.sdk.language", string("go")),
        ],
        dropped_attributes_count: 1,
        entity_refs: Vec::new(),
    }
}

fn scope() -> InstrumentationScope {
    InstrumentationScope {
        name: "weir.fixtures".to_owned(),
        version: "1.2.3".to_owned(),
        attributes: vec![kv("scope.kind", string("test"))],
        dropped_attributes_count: 0,
    }
}

/// A 16-byte trace id derived from `n` (never all zero).
pub fn trace_id(n: u64) -> Vec<u8> {
    let mut id = (n + 1).to_be_bytes().to_vec();
    id.extend_from_slice(&(n.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1).to_be_bytes());
    id
}

/// An 8-byte span id derived from `n` (never all zero).
pub fn span_id(n: u64) -> Vec<u8> {
    (n.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1)
        .to_be_bytes()
        .to_vec()
}

fn rich_attributes(i: usize) -> Vec<KeyValue> {
    vec![
        kv(
            "http.request.method",
            string(if i.is_multiple_of(2) { "GET" } else { "POST" }),
        ),
        kv("http.route", string(&format!("/api/v1/items/{}", i % 7))),
        kv(
            "http.response.status_code",
            Value::IntValue(200 + (i as i64 % 3) * 100),
        ),
        kv("server.address", string("api.internal")),
        kv("network.peer.port", Value::IntValue(-(i as i64) - 1)),
        kv("sampling.ratio", Value::DoubleValue(0.25)),
        kv("retry", Value::BoolValue(i.is_multiple_of(3))),
        kv(
            "payload",
            Value::BytesValue(vec![0, 159, 146, 150, i as u8]),
        ),
        kv(
            "tags",
            Value::ArrayValue(ArrayValue {
                values: vec![
                    AnyValue {
                        value: Some(string("a")),
                    },
                    AnyValue {
                        value: Some(Value::IntValue(i64::MAX)),
                    },
                ],
            }),
        ),
        kv(
            "nested",
            Value::KvlistValue(KeyValueList {
                values: vec![kv("inner", string("ü✓")), kv("empty", string(""))],
            }),
        ),
    ]
}

/// Traces: `resources` resources, each with `spans` spans in two scopes, every field set.
pub fn traces(resources: usize, spans: usize) -> ExportTraceServiceRequest {
    let mut n = 0u64;
    let resource_spans = (0..resources)
        .map(|r| ResourceSpans {
            resource: Some(resource(&format!("svc-{r}"), r)),
            scope_spans: [0, 1]
                .iter()
                .map(|half| ScopeSpans {
                    scope: Some(scope()),
                    spans: (0..spans)
                        .filter(|i| i % 2 == *half)
                        .map(|i| {
                            n += 1;
                            Span {
                                trace_id: trace_id(n / 3),
                                span_id: span_id(n),
                                trace_state: if i % 4 == 0 {
                                    "ot=th:8".to_owned()
                                } else {
                                    String::new()
                                },
                                parent_span_id: if i % 3 == 0 {
                                    Vec::new()
                                } else {
                                    span_id(n - 1)
                                },
                                flags: 0x101,
                                name: format!("GET /api/v1/items/{}", i % 7),
                                kind: (i % 6) as i32,
                                start_time_unix_nano: 1_700_000_000_000_000_000 + n * 1_000,
                                end_time_unix_nano: 1_700_000_000_000_000_000
                                    + n * 1_000
                                    + 1_234_567,
                                attributes: rich_attributes(i),
                                dropped_attributes_count: 2,
                                events: vec![span::Event {
                                    time_unix_nano: 1_700_000_000_000_000_500,
                                    name: "exception".to_owned(),
                                    attributes: vec![kv("exception.message", string("boom"))],
                                    dropped_attributes_count: 0,
                                }],
                                dropped_events_count: 1,
                                links: vec![span::Link {
                                    trace_id: trace_id(n + 1000),
                                    span_id: span_id(n + 1000),
                                    trace_state: "k=v".to_owned(),
                                    attributes: vec![kv("link.kind", string("follows"))],
                                    dropped_attributes_count: 0,
                                    flags: 0x301,
                                }],
                                dropped_links_count: 0,
                                status: Some(Status {
                                    message: if i % 5 == 0 {
                                        "failed".to_owned()
                                    } else {
                                        String::new()
                                    },
                                    code: (i % 3) as i32,
                                }),
                            }
                        })
                        .collect(),
                    schema_url: "https://opentelemetry.io/schemas/1.26.0".to_owned(),
                })
                .collect(),
            schema_url: "https://opentelemetry.io/schemas/1.26.0".to_owned(),
        })
        .collect();
    ExportTraceServiceRequest { resource_spans }
}

fn number_point(i: usize, value: number_data_point::Value) -> NumberDataPoint {
    NumberDataPoint {
        attributes: vec![kv("point", Value::IntValue(i as i64))],
        start_time_unix_nano: 1_700_000_000_000_000_000,
        time_unix_nano: 1_700_000_001_000_000_000 + i as u64,
        exemplars: vec![Exemplar {
            filtered_attributes: vec![kv("user", string("u1"))],
            time_unix_nano: 1_700_000_000_500_000_000,
            span_id: span_id(i as u64),
            trace_id: trace_id(i as u64),
            value: Some(crate::otlp::metrics::v1::exemplar::Value::AsDouble(1.5)),
        }],
        flags: 0,
        value: Some(value),
    }
}

/// Metrics: `resources` resources, each with one metric of every kind, each of `points` data points.
pub fn metrics(resources: usize, points: usize) -> ExportMetricsServiceRequest {
    let metric = |name: &str, data: metric::Data| Metric {
        name: name.to_owned(),
        description: format!("{name} description"),
        unit: "ms".to_owned(),
        metadata: vec![kv("meta", string("x"))],
        data: Some(data),
    };
    let resource_metrics = (0..resources)
        .map(|r| ResourceMetrics {
            resource: Some(resource(&format!("svc-{r}"), r)),
            scope_metrics: vec![ScopeMetrics {
                scope: Some(scope()),
                metrics: vec![
                    metric(
                        "queue.depth",
                        metric::Data::Gauge(Gauge {
                            data_points: (0..points)
                                .map(|i| {
                                    number_point(
                                        i,
                                        number_data_point::Value::AsDouble(i as f64 * 0.5),
                                    )
                                })
                                .collect(),
                        }),
                    ),
                    metric(
                        "requests",
                        metric::Data::Sum(Sum {
                            data_points: (0..points)
                                .map(|i| {
                                    number_point(i, number_data_point::Value::AsInt(i as i64 - 3))
                                })
                                .collect(),
                            aggregation_temporality: 2,
                            is_monotonic: true,
                        }),
                    ),
                    metric(
                        "latency",
                        metric::Data::Histogram(Histogram {
                            data_points: (0..points)
                                .map(|i| HistogramDataPoint {
                                    attributes: vec![kv("route", string("/a"))],
                                    start_time_unix_nano: 1_700_000_000_000_000_000,
                                    time_unix_nano: 1_700_000_001_000_000_000 + i as u64,
                                    count: 6,
                                    sum: Some(123.5),
                                    bucket_counts: vec![1, 2, 3],
                                    explicit_bounds: vec![10.0, 100.0],
                                    exemplars: Vec::new(),
                                    flags: 0,
                                    min: Some(0.5),
                                    max: Some(99.0),
                                })
                                .collect(),
                            aggregation_temporality: 1,
                        }),
                    ),
                    metric(
                        "latency.exp",
                        metric::Data::ExponentialHistogram(ExponentialHistogram {
                            data_points: (0..points)
                                .map(|i| ExponentialHistogramDataPoint {
                                    attributes: Vec::new(),
                                    start_time_unix_nano: 1_700_000_000_000_000_000,
                                    time_unix_nano: 1_700_000_001_000_000_000 + i as u64,
                                    count: 10,
                                    sum: Some(55.0),
                                    scale: 3,
                                    zero_count: 1,
                                    positive: Some(exponential_histogram_data_point::Buckets {
                                        offset: -2,
                                        bucket_counts: vec![1, 2, 3],
                                    }),
                                    negative: Some(exponential_histogram_data_point::Buckets {
                                        offset: 1,
                                        bucket_counts: vec![3],
                                    }),
                                    flags: 0,
                                    exemplars: Vec::new(),
                                    min: Some(-4.0),
                                    max: Some(20.0),
                                    zero_threshold: 1e-9,
                                })
                                .collect(),
                            aggregation_temporality: 2,
                        }),
                    ),
                    metric(
                        "rpc.summary",
                        metric::Data::Summary(Summary {
                            data_points: (0..points)
                                .map(|i| SummaryDataPoint {
                                    attributes: Vec::new(),
                                    start_time_unix_nano: 1_700_000_000_000_000_000,
                                    time_unix_nano: 1_700_000_001_000_000_000 + i as u64,
                                    count: 4,
                                    sum: 10.0,
                                    quantile_values: vec![summary_data_point::ValueAtQuantile {
                                        quantile: 0.99,
                                        value: 9.5,
                                    }],
                                    flags: 0,
                                })
                                .collect(),
                        }),
                    ),
                ],
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        })
        .collect();
    ExportMetricsServiceRequest { resource_metrics }
}

/// Logs: `resources` resources, each with `records` log records, every field set.
pub fn logs(resources: usize, records: usize) -> ExportLogsServiceRequest {
    let resource_logs = (0..resources)
        .map(|r| ResourceLogs {
            resource: Some(resource(&format!("svc-{r}"), r)),
            scope_logs: vec![ScopeLogs {
                scope: Some(scope()),
                log_records: (0..records)
                    .map(|i| LogRecord {
                        time_unix_nano: 1_700_000_000_000_000_000 + i as u64,
                        observed_time_unix_nano: 1_700_000_000_000_100_000 + i as u64,
                        severity_number: 9 + (i % 12) as i32,
                        severity_text: "INFO".to_owned(),
                        body: Some(AnyValue {
                            value: Some(if i % 2 == 0 {
                                string(&format!("request {i} done"))
                            } else {
                                Value::KvlistValue(KeyValueList {
                                    values: vec![kv("msg", string("structured"))],
                                })
                            }),
                        }),
                        attributes: rich_attributes(i),
                        dropped_attributes_count: 0,
                        flags: 1,
                        trace_id: if i % 3 == 0 {
                            Vec::new()
                        } else {
                            trace_id(i as u64)
                        },
                        span_id: if i % 3 == 0 {
                            Vec::new()
                        } else {
                            span_id(i as u64)
                        },
                        event_name: if i % 4 == 0 {
                            "app.start".to_owned()
                        } else {
                            String::new()
                        },
                    })
                    .collect(),
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        })
        .collect();
    ExportLogsServiceRequest { resource_logs }
}

/// Every item of `payloads` as a one-item request in protobuf bytes, sorted: two lists of requests
/// carry the same data, whatever their batching and order, exactly when their normal forms are equal.
pub fn normal_form(payloads: &[Payload]) -> Vec<Vec<u8>> {
    let mut items = Vec::new();
    for payload in payloads {
        let mut rest = payload.clone();
        while rest.item_count() > 0 {
            let one = rest.split_front(1);
            items.push(one.encode_to_vec());
        }
    }
    items.sort();
    items
}
