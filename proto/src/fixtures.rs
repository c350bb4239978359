//! OTLP requests for tests and benches (feature `fixtures`, and proto's own unit tests): generated
//! requests of any size with every field set, a normal form that compares what was sent with what
//! arrived regardless of batching, and hand-built rich requests holding the edge values codecs and
//! validation must carry (NaN, infinities, extreme integers, empty and unicode strings, deep nesting).

use crate::otlp::collector::logs::v1::ExportLogsServiceRequest;
use crate::otlp::collector::metrics::v1::ExportMetricsServiceRequest;
use crate::otlp::collector::trace::v1::ExportTraceServiceRequest;
use crate::otlp::common::v1::any_value::Value;
use crate::otlp::common::v1::{
    AnyValue, ArrayValue, EntityRef, InstrumentationScope, KeyValue, KeyValueList,
};
use crate::otlp::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use crate::otlp::metrics::v1::{
    Exemplar, ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Histogram,
    HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, Summary,
    SummaryDataPoint, exemplar, exponential_histogram_data_point, metric, number_data_point,
    summary_data_point,
};
use crate::otlp::resource::v1::Resource;
use crate::otlp::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, span};
use crate::{Payload, Signal};

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

/// Trace ids spread over the whole randomness range (xorshift64* from `seed`), the same every run:
/// for tests whose sampling decisions must not flake.
pub fn random_trace_ids(mut seed: u64) -> impl Iterator<Item = [u8; 16]> {
    std::iter::repeat_with(move || {
        let mut id = [0u8; 16];
        for half in id.chunks_mut(8) {
            seed ^= seed >> 12;
            seed ^= seed << 25;
            seed ^= seed >> 27;
            half.copy_from_slice(&seed.wrapping_mul(0x2545_f491_4f6c_dd1d).to_be_bytes());
        }
        id
    })
}

/// `spans` as one traces request from one resource whose `service.name` is `service`.
pub fn service_spans(service: &str, spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![kv("service.name", string(service))],
                ..Resource::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans,
                ..ScopeSpans::default()
            }],
            ..ResourceSpans::default()
        }],
    }
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
            value: Some(exemplar::Value::AsDouble(1.5)),
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

/// The trace id of the spec's OTLP/JSON examples, and of the rich span, log record and exemplar.
pub const TRACE_ID: [u8; 16] = [
    0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03, 0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c,
];

/// The span id of the spec's OTLP/JSON examples, and of the rich span, log record and exemplar.
pub const SPAN_ID: [u8; 8] = [0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74];

fn any(value: Value) -> AnyValue {
    AnyValue { value: Some(value) }
}

/// `levels` AnyValues nested inside each other, arrays and key-value lists in turn, around a string.
fn nested(levels: usize) -> Value {
    (0..levels).fold(string("bottom"), |inner, level| {
        if level % 2 == 0 {
            Value::ArrayValue(ArrayValue {
                values: vec![any(inner), any(Value::IntValue(level as i64))],
            })
        } else {
            Value::KvlistValue(KeyValueList {
                values: vec![kv(&format!("level{level}"), inner)],
            })
        }
    })
}

/// Attributes of every AnyValue kind under distinct keys, with every edge value a codec can get wrong.
pub fn edge_attributes() -> Vec<KeyValue> {
    vec![
        kv("s", string("héllo \"quoted\" \u{1F600}")),
        kv("empty", string("")),
        kv("b", Value::BoolValue(false)),
        kv("i", Value::IntValue(i64::MIN)),
        kv("zero", Value::IntValue(0)),
        kv("d", Value::DoubleValue(-0.0)),
        kv("nan", Value::DoubleValue(f64::NAN)),
        kv("inf", Value::DoubleValue(f64::INFINITY)),
        kv("bytes", Value::BytesValue(vec![0, 0xff, 0xfe, 1, 2])),
        kv(
            "array",
            Value::ArrayValue(ArrayValue {
                values: vec![
                    any(Value::IntValue(7)),
                    AnyValue { value: None },
                    any(Value::KvlistValue(KeyValueList {
                        values: vec![kv("deep", Value::DoubleValue(f64::NEG_INFINITY))],
                    })),
                ],
            }),
        ),
        KeyValue {
            key: "no value".to_owned(),
            value: None,
            ..Default::default()
        },
        kv("unicode", string("ünïcode ✓ 日本 \u{10FFFF}")),
        kv("escapes", string("tab\tnewline\nnul\u{0}backslash\\/")),
        kv("t", Value::BoolValue(true)),
        kv("max", Value::IntValue(i64::MAX)),
        kv("negative", Value::IntValue(-42)),
        kv("-inf", Value::DoubleValue(f64::NEG_INFINITY)),
        kv("tiny", Value::DoubleValue(f64::MIN_POSITIVE / 4.0)),
        kv("huge", Value::DoubleValue(f64::MAX)),
        kv("no bytes", Value::BytesValue(Vec::new())),
        kv("empty array", Value::ArrayValue(ArrayValue::default())),
        kv("empty kvlist", Value::KvlistValue(KeyValueList::default())),
        kv("nested", nested(8)),
        kv("", string("empty key")),
    ]
}

fn rich_resource() -> Option<Resource> {
    Some(Resource {
        attributes: edge_attributes(),
        dropped_attributes_count: 3,
        entity_refs: vec![EntityRef {
            schema_url: "https://schema".to_owned(),
            r#type: "service".to_owned(),
            id_keys: vec!["service.name".to_owned()],
            description_keys: vec!["a".to_owned(), "b".to_owned()],
        }],
    })
}

fn rich_scope() -> Option<InstrumentationScope> {
    Some(InstrumentationScope {
        name: "lib".to_owned(),
        version: "1.2.3".to_owned(),
        attributes: edge_attributes(),
        dropped_attributes_count: 1,
    })
}

/// A valid span with every field set: ids `TRACE_ID`/`SPAN_ID`, start `u64::MAX`, edge attributes.
pub fn rich_span() -> Span {
    Span {
        trace_id: TRACE_ID.to_vec(),
        span_id: SPAN_ID.to_vec(),
        trace_state: "k=v".to_owned(),
        parent_span_id: vec![0xcd; 8],
        flags: 0x301,
        name: "GET /".to_owned(),
        kind: 2,
        start_time_unix_nano: u64::MAX,
        end_time_unix_nano: 1,
        attributes: edge_attributes(),
        dropped_attributes_count: 4,
        events: vec![span::Event {
            time_unix_nano: 1_544_712_660_000_000_000,
            name: "exception".to_owned(),
            attributes: edge_attributes(),
            dropped_attributes_count: 5,
        }],
        dropped_events_count: 6,
        links: vec![span::Link {
            trace_id: vec![0xff; 16],
            span_id: vec![1; 8],
            trace_state: "a=b".to_owned(),
            attributes: edge_attributes(),
            dropped_attributes_count: 7,
            flags: 1,
        }],
        dropped_links_count: 8,
        status: Some(Status {
            message: "boom".to_owned(),
            code: 2,
        }),
    }
}

/// Valid traces in one resource: `rich_span()` alone in scope 0, four spans in scope 1, an empty scope 2.
pub fn rich_traces() -> ExportTraceServiceRequest {
    let family = (0..4u64)
        .map(|n| Span {
            span_id: span_id(n),
            parent_span_id: if n == 0 { Vec::new() } else { span_id(0) },
            status: None,
            ..rich_span()
        })
        .collect();
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: rich_resource(),
            scope_spans: vec![
                ScopeSpans {
                    scope: rich_scope(),
                    spans: vec![rich_span()],
                    schema_url: "s1".to_owned(),
                },
                ScopeSpans {
                    scope: rich_scope(),
                    spans: family,
                    schema_url: String::new(),
                },
                ScopeSpans::default(),
            ],
            schema_url: "s0".to_owned(),
        }],
    }
}

/// A valid exemplar with every field set: ids `TRACE_ID`/`SPAN_ID`, value NaN, edge attributes.
pub fn rich_exemplar() -> Exemplar {
    Exemplar {
        filtered_attributes: edge_attributes(),
        time_unix_nano: 9,
        span_id: SPAN_ID.to_vec(),
        trace_id: TRACE_ID.to_vec(),
        value: Some(exemplar::Value::AsDouble(f64::NAN)),
    }
}

fn rich_exemplars() -> Vec<Exemplar> {
    vec![
        rich_exemplar(),
        Exemplar {
            value: Some(exemplar::Value::AsInt(0)),
            ..Default::default()
        },
    ]
}

fn rich_number_points() -> Vec<NumberDataPoint> {
    let only = |value| NumberDataPoint {
        value: Some(value),
        ..Default::default()
    };
    vec![
        NumberDataPoint {
            attributes: edge_attributes(),
            start_time_unix_nano: 1,
            time_unix_nano: 2,
            exemplars: rich_exemplars(),
            flags: 1,
            value: Some(number_data_point::Value::AsInt(i64::MAX)),
        },
        only(number_data_point::Value::AsDouble(f64::NAN)),
        only(number_data_point::Value::AsInt(-1)),
        only(number_data_point::Value::AsDouble(0.0)),
        NumberDataPoint::default(),
    ]
}

fn rich_metric(name: &str, data: metric::Data) -> Metric {
    Metric {
        name: name.to_owned(),
        description: "d".to_owned(),
        unit: "ms".to_owned(),
        metadata: edge_attributes(),
        data: Some(data),
    }
}

/// Valid metrics: gauge, sum, histogram, exponential histogram (exemplars on point 0), summary, no data.
pub fn rich_metrics() -> ExportMetricsServiceRequest {
    let metrics = vec![
        rich_metric(
            "gauge",
            metric::Data::Gauge(Gauge {
                data_points: rich_number_points(),
            }),
        ),
        rich_metric(
            "sum",
            metric::Data::Sum(Sum {
                data_points: rich_number_points(),
                aggregation_temporality: 2,
                is_monotonic: true,
            }),
        ),
        rich_metric(
            "histogram",
            metric::Data::Histogram(Histogram {
                data_points: vec![HistogramDataPoint {
                    attributes: edge_attributes(),
                    start_time_unix_nano: 1,
                    time_unix_nano: 2,
                    count: 6,
                    sum: Some(f64::INFINITY),
                    bucket_counts: vec![1, 2, 3, u64::MAX, 0],
                    explicit_bounds: vec![f64::NEG_INFINITY, 0.5, 1e300, f64::INFINITY],
                    exemplars: rich_exemplars(),
                    flags: 1,
                    min: Some(0.0),
                    max: None,
                }],
                aggregation_temporality: 1,
            }),
        ),
        rich_metric(
            "exponential",
            metric::Data::ExponentialHistogram(ExponentialHistogram {
                data_points: vec![
                    ExponentialHistogramDataPoint {
                        attributes: edge_attributes(),
                        start_time_unix_nano: 1,
                        time_unix_nano: 2,
                        count: 10,
                        sum: Some(12.5),
                        scale: -3,
                        zero_count: 1,
                        positive: Some(exponential_histogram_data_point::Buckets {
                            offset: -2,
                            bucket_counts: vec![1, 0, 4],
                        }),
                        negative: Some(exponential_histogram_data_point::Buckets::default()),
                        flags: 0,
                        exemplars: rich_exemplars(),
                        min: Some(-1.0),
                        max: Some(f64::NAN),
                        zero_threshold: 1e-9,
                    },
                    ExponentialHistogramDataPoint {
                        count: 4,
                        scale: 20,
                        positive: Some(exponential_histogram_data_point::Buckets {
                            offset: i32::MAX,
                            bucket_counts: vec![4],
                        }),
                        flags: 1,
                        ..Default::default()
                    },
                ],
                aggregation_temporality: 2,
            }),
        ),
        rich_metric(
            "summary",
            metric::Data::Summary(Summary {
                data_points: vec![SummaryDataPoint {
                    attributes: edge_attributes(),
                    start_time_unix_nano: 1,
                    time_unix_nano: 2,
                    count: 3,
                    sum: f64::NAN,
                    quantile_values: vec![
                        summary_data_point::ValueAtQuantile {
                            quantile: 0.0,
                            value: 1.0,
                        },
                        summary_data_point::ValueAtQuantile {
                            quantile: 0.99,
                            value: f64::INFINITY,
                        },
                    ],
                    flags: 0,
                }],
            }),
        ),
        Metric {
            name: "no data".to_owned(),
            ..Default::default()
        },
    ];
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: rich_resource(),
            scope_metrics: vec![
                ScopeMetrics {
                    scope: rich_scope(),
                    metrics,
                    schema_url: "s".to_owned(),
                },
                ScopeMetrics::default(),
            ],
            schema_url: "r".to_owned(),
        }],
    }
}

/// A valid log record with every field set: ids `TRACE_ID`/`SPAN_ID`, a body of edge values.
pub fn rich_log_record() -> LogRecord {
    LogRecord {
        time_unix_nano: 1,
        observed_time_unix_nano: 2,
        severity_number: 17,
        severity_text: "ERROR".to_owned(),
        body: Some(any(Value::KvlistValue(KeyValueList {
            values: edge_attributes(),
        }))),
        attributes: edge_attributes(),
        dropped_attributes_count: 1,
        flags: 1,
        trace_id: TRACE_ID.to_vec(),
        span_id: SPAN_ID.to_vec(),
        event_name: "browser.page_view".to_owned(),
    }
}

/// Valid logs: `rich_log_record()`, a record with an empty body, a default one, then an empty scope.
pub fn rich_logs() -> ExportLogsServiceRequest {
    let bodiless = LogRecord {
        body: Some(AnyValue { value: None }),
        ..Default::default()
    };
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: rich_resource(),
            scope_logs: vec![
                ScopeLogs {
                    scope: rich_scope(),
                    log_records: vec![rich_log_record(), bodiless, LogRecord::default()],
                    schema_url: "s".to_owned(),
                },
                ScopeLogs::default(),
            ],
            schema_url: "r".to_owned(),
        }],
    }
}

/// A valid request of `signal` holding every edge value in one resource: `rich_traces` and the like.
pub fn rich(signal: Signal) -> Payload {
    match signal {
        Signal::Traces => Payload::Traces(rich_traces()),
        Signal::Metrics => Payload::Metrics(rich_metrics()),
        Signal::Logs => Payload::Logs(rich_logs()),
    }
}

/// `rich(signal)`, plus for traces an all-default span (invalid: no ids) as span 1 of scope 0, for codecs.
pub fn rich_with_empty_span(signal: Signal) -> Payload {
    let mut payload = rich(signal);
    if let Payload::Traces(request) = &mut payload {
        request.resource_spans[0].scope_spans[0]
            .spans
            .insert(1, Span::default());
    }
    payload
}

/// Traces holding just `span`, in an empty resource and scope: for tests that break one of its fields.
pub fn one_span(span: Span) -> Payload {
    Payload::Traces(ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans: vec![span],
                ..Default::default()
            }],
            ..Default::default()
        }],
    })
}
