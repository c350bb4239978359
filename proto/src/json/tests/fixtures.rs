//! Requests with every kind of content, built without the codec under test.

use crate::otlp::collector::logs::v1::ExportLogsServiceRequest;
use crate::otlp::collector::metrics::v1::ExportMetricsServiceRequest;
use crate::otlp::collector::trace::v1::ExportTraceServiceRequest;
use crate::otlp::common::v1::any_value::Value;
use crate::otlp::common::v1::{
    AnyValue, ArrayValue, EntityRef, InstrumentationScope, KeyValue, KeyValueList,
};
use crate::otlp::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use crate::otlp::metrics::v1::exponential_histogram_data_point::Buckets;
use crate::otlp::metrics::v1::summary_data_point::ValueAtQuantile;
use crate::otlp::metrics::v1::{
    Exemplar, ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Histogram,
    HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, Summary,
    SummaryDataPoint, exemplar, metric, number_data_point,
};
use crate::otlp::resource::v1::Resource;
use crate::otlp::trace::v1::span::{Event, Link};
use crate::otlp::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};
use crate::{Payload, Signal};

pub(super) fn kv(key: &str, value: Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        key_strindex: 0,
    }
}

/// Attributes of every AnyValue kind, nested, including values JSON cannot hold as plain numbers.
fn attributes() -> Vec<KeyValue> {
    vec![
        kv("s", Value::StringValue("héllo \"quoted\" \u{1F600}".into())),
        kv("empty", Value::StringValue(String::new())),
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
                    AnyValue {
                        value: Some(Value::IntValue(7)),
                    },
                    AnyValue { value: None },
                    AnyValue {
                        value: Some(Value::KvlistValue(KeyValueList {
                            values: vec![kv("deep", Value::DoubleValue(f64::NEG_INFINITY))],
                        })),
                    },
                ],
            }),
        ),
        KeyValue {
            key: "no value".into(),
            value: None,
            key_strindex: 0,
        },
    ]
}

fn resource() -> Option<Resource> {
    Some(Resource {
        attributes: attributes(),
        dropped_attributes_count: 3,
        entity_refs: vec![EntityRef {
            schema_url: "https://schema".into(),
            r#type: "service".into(),
            id_keys: vec!["service.name".into()],
            description_keys: vec!["a".into(), "b".into()],
        }],
    })
}

fn scope() -> Option<InstrumentationScope> {
    Some(InstrumentationScope {
        name: "lib".into(),
        version: "1.2.3".into(),
        attributes: attributes(),
        dropped_attributes_count: 1,
    })
}

pub(super) fn rich_traces() -> ExportTraceServiceRequest {
    let span = Span {
        trace_id: (1..=16).collect(),
        span_id: vec![0xab; 8],
        trace_state: "k=v".into(),
        parent_span_id: vec![0xcd; 8],
        flags: 0x301,
        name: "GET /".into(),
        kind: 2,
        start_time_unix_nano: u64::MAX,
        end_time_unix_nano: 1,
        attributes: attributes(),
        dropped_attributes_count: 4,
        events: vec![Event {
            time_unix_nano: 1_544_712_660_000_000_000,
            name: "exception".into(),
            attributes: attributes(),
            dropped_attributes_count: 5,
        }],
        dropped_events_count: 6,
        links: vec![Link {
            trace_id: vec![0xff; 16],
            span_id: vec![1; 8],
            trace_state: "a=b".into(),
            attributes: attributes(),
            dropped_attributes_count: 7,
            flags: 1,
        }],
        dropped_links_count: 8,
        status: Some(Status {
            message: "boom".into(),
            code: 2,
        }),
    };
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: resource(),
            scope_spans: vec![
                ScopeSpans {
                    scope: scope(),
                    spans: vec![span, Span::default()],
                    schema_url: "s1".into(),
                },
                ScopeSpans::default(),
            ],
            schema_url: "s0".into(),
        }],
    }
}

fn exemplars() -> Vec<Exemplar> {
    vec![
        Exemplar {
            filtered_attributes: attributes(),
            time_unix_nano: 9,
            span_id: vec![2; 8],
            trace_id: vec![3; 16],
            value: Some(exemplar::Value::AsDouble(f64::NAN)),
        },
        Exemplar {
            value: Some(exemplar::Value::AsInt(0)),
            ..Default::default()
        },
    ]
}

fn number_points() -> Vec<NumberDataPoint> {
    vec![
        NumberDataPoint {
            attributes: attributes(),
            start_time_unix_nano: 1,
            time_unix_nano: 2,
            exemplars: exemplars(),
            flags: 1,
            value: Some(number_data_point::Value::AsInt(i64::MAX)),
        },
        NumberDataPoint {
            value: Some(number_data_point::Value::AsDouble(0.0)),
            ..Default::default()
        },
        NumberDataPoint::default(),
    ]
}

fn metric(name: &str, data: metric::Data) -> Metric {
    Metric {
        name: name.into(),
        description: "d".into(),
        unit: "ms".into(),
        metadata: attributes(),
        data: Some(data),
    }
}

fn rich_metrics() -> ExportMetricsServiceRequest {
    let metrics = vec![
        metric(
            "gauge",
            metric::Data::Gauge(Gauge {
                data_points: number_points(),
            }),
        ),
        metric(
            "sum",
            metric::Data::Sum(Sum {
                data_points: number_points(),
                aggregation_temporality: 2,
                is_monotonic: true,
            }),
        ),
        metric(
            "histogram",
            metric::Data::Histogram(Histogram {
                data_points: vec![HistogramDataPoint {
                    attributes: attributes(),
                    start_time_unix_nano: 1,
                    time_unix_nano: 2,
                    count: 6,
                    sum: Some(f64::INFINITY),
                    bucket_counts: vec![1, 2, 3, u64::MAX],
                    explicit_bounds: vec![f64::NEG_INFINITY, 0.5, 1e300],
                    exemplars: exemplars(),
                    flags: 1,
                    min: Some(0.0),
                    max: None,
                }],
                aggregation_temporality: 1,
            }),
        ),
        metric(
            "exponential",
            metric::Data::ExponentialHistogram(ExponentialHistogram {
                data_points: vec![ExponentialHistogramDataPoint {
                    attributes: attributes(),
                    start_time_unix_nano: 1,
                    time_unix_nano: 2,
                    count: 10,
                    sum: Some(12.5),
                    scale: -3,
                    zero_count: 1,
                    positive: Some(Buckets {
                        offset: -2,
                        bucket_counts: vec![1, 0, 4],
                    }),
                    negative: Some(Buckets::default()),
                    flags: 0,
                    exemplars: exemplars(),
                    min: Some(-1.0),
                    max: Some(f64::NAN),
                    zero_threshold: 1e-9,
                }],
                aggregation_temporality: 2,
            }),
        ),
        metric(
            "summary",
            metric::Data::Summary(Summary {
                data_points: vec![SummaryDataPoint {
                    attributes: attributes(),
                    start_time_unix_nano: 1,
                    time_unix_nano: 2,
                    count: 3,
                    sum: f64::NAN,
                    quantile_values: vec![
                        ValueAtQuantile {
                            quantile: 0.0,
                            value: 1.0,
                        },
                        ValueAtQuantile {
                            quantile: 0.99,
                            value: f64::INFINITY,
                        },
                    ],
                    flags: 0,
                }],
            }),
        ),
        Metric {
            name: "no data".into(),
            ..Default::default()
        },
    ];
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: resource(),
            scope_metrics: vec![ScopeMetrics {
                scope: scope(),
                metrics,
                schema_url: "s".into(),
            }],
            schema_url: "r".into(),
        }],
    }
}

fn rich_logs() -> ExportLogsServiceRequest {
    let record = LogRecord {
        time_unix_nano: 1,
        observed_time_unix_nano: 2,
        severity_number: 17,
        severity_text: "ERROR".into(),
        body: Some(AnyValue {
            value: Some(Value::KvlistValue(KeyValueList {
                values: attributes(),
            })),
        }),
        attributes: attributes(),
        dropped_attributes_count: 1,
        flags: 1,
        trace_id: vec![9; 16],
        span_id: vec![8; 8],
        event_name: "browser.page_view".into(),
    };
    let bodiless = LogRecord {
        body: Some(AnyValue { value: None }),
        ..Default::default()
    };
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: resource(),
            scope_logs: vec![ScopeLogs {
                scope: scope(),
                log_records: vec![record, bodiless, LogRecord::default()],
                schema_url: "s".into(),
            }],
            schema_url: "r".into(),
        }],
    }
}

pub(super) fn rich(signal: Signal) -> Payload {
    match signal {
        Signal::Traces => Payload::Traces(rich_traces()),
        Signal::Metrics => Payload::Metrics(rich_metrics()),
        Signal::Logs => Payload::Logs(rich_logs()),
    }
}
