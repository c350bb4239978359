//! Valid requests with every kind of content, and shortcuts to reach into them.

use weir_proto::otlp::collector::logs::v1::ExportLogsServiceRequest;
use weir_proto::otlp::collector::metrics::v1::ExportMetricsServiceRequest;
use weir_proto::otlp::collector::trace::v1::ExportTraceServiceRequest;
use weir_proto::otlp::common::v1::any_value::Value;
use weir_proto::otlp::common::v1::{
    AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList,
};
use weir_proto::otlp::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use weir_proto::otlp::metrics::v1::exponential_histogram_data_point::Buckets;
use weir_proto::otlp::metrics::v1::summary_data_point::ValueAtQuantile;
use weir_proto::otlp::metrics::v1::{
    Exemplar, ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Histogram,
    HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, Summary,
    SummaryDataPoint, exemplar, metric, number_data_point,
};
use weir_proto::otlp::resource::v1::Resource;
use weir_proto::otlp::trace::v1::span::{Event, Link};
use weir_proto::otlp::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};
use weir_proto::{Payload, Signal};

pub(super) const TRACE_ID: [u8; 16] = [
    0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03, 0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c,
];
pub(super) const SPAN_ID: [u8; 8] = [0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74];

fn kv(key: &str, value: Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        key_strindex: 0,
    }
}

fn attributes() -> Vec<KeyValue> {
    vec![
        kv("string", Value::StringValue("ünïcode ✓".into())),
        kv("bool", Value::BoolValue(true)),
        kv("int", Value::IntValue(-42)),
        kv("double", Value::DoubleValue(f64::NAN)),
        kv("inf", Value::DoubleValue(f64::NEG_INFINITY)),
        kv("bytes", Value::BytesValue(vec![0, 1, 0xfe, 0xff])),
        kv(
            "nested",
            Value::ArrayValue(ArrayValue {
                values: vec![
                    AnyValue {
                        value: Some(Value::IntValue(i64::MAX)),
                    },
                    AnyValue {
                        value: Some(Value::KvlistValue(KeyValueList {
                            values: vec![kv("inner", Value::StringValue("x".into()))],
                        })),
                    },
                ],
            }),
        ),
    ]
}

fn resource() -> Option<Resource> {
    Some(Resource {
        attributes: attributes(),
        dropped_attributes_count: 1,
        entity_refs: Vec::new(),
    })
}

fn scope() -> Option<InstrumentationScope> {
    Some(InstrumentationScope {
        name: "lib".into(),
        version: "1.0".into(),
        attributes: attributes(),
        dropped_attributes_count: 0,
    })
}

pub(super) fn span() -> Span {
    Span {
        trace_id: TRACE_ID.to_vec(),
        span_id: SPAN_ID.to_vec(),
        parent_span_id: vec![1; 8],
        trace_state: "k=v".into(),
        flags: 1,
        name: "GET /users".into(),
        kind: 2,
        start_time_unix_nano: 1_544_712_660_000_000_000,
        end_time_unix_nano: u64::MAX,
        attributes: attributes(),
        dropped_attributes_count: 2,
        events: vec![Event {
            time_unix_nano: 3,
            name: "exception".into(),
            attributes: attributes(),
            dropped_attributes_count: 0,
        }],
        dropped_events_count: 0,
        links: vec![Link {
            trace_id: vec![7; 16],
            span_id: vec![8; 8],
            trace_state: String::new(),
            attributes: attributes(),
            dropped_attributes_count: 0,
            flags: 0,
        }],
        dropped_links_count: 1,
        status: Some(Status {
            message: "failed".into(),
            code: 2,
        }),
    }
}

pub(super) fn traces() -> ExportTraceServiceRequest {
    let scope_spans = |spans| ScopeSpans {
        scope: scope(),
        spans,
        schema_url: String::new(),
    };
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: resource(),
            scope_spans: vec![
                scope_spans(vec![span()]),
                scope_spans(vec![span(), span(), span(), span()]),
            ],
            schema_url: "https://opentelemetry.io/schemas/1.21.0".into(),
        }],
    }
}

pub(super) fn exemplar() -> Exemplar {
    Exemplar {
        filtered_attributes: attributes(),
        time_unix_nano: 5,
        span_id: SPAN_ID.to_vec(),
        trace_id: TRACE_ID.to_vec(),
        value: Some(exemplar::Value::AsDouble(1.5)),
    }
}

fn number_point(value: number_data_point::Value) -> NumberDataPoint {
    NumberDataPoint {
        attributes: attributes(),
        start_time_unix_nano: 1,
        time_unix_nano: 2,
        exemplars: vec![
            exemplar(),
            Exemplar {
                value: Some(exemplar::Value::AsInt(3)),
                ..Default::default()
            },
        ],
        flags: 0,
        value: Some(value),
    }
}

fn metric(name: &str, data: metric::Data) -> Metric {
    Metric {
        name: name.into(),
        description: "d".into(),
        unit: "1".into(),
        metadata: Vec::new(),
        data: Some(data),
    }
}

pub(super) fn metrics() -> ExportMetricsServiceRequest {
    let points = || {
        vec![
            number_point(number_data_point::Value::AsDouble(f64::NAN)),
            number_point(number_data_point::Value::AsInt(-1)),
        ]
    };
    let metrics = vec![
        metric(
            "gauge",
            metric::Data::Gauge(Gauge {
                data_points: points(),
            }),
        ),
        metric(
            "sum",
            metric::Data::Sum(Sum {
                data_points: points(),
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
                    count: 3,
                    sum: Some(6.0),
                    bucket_counts: vec![1, 1, 1],
                    explicit_bounds: vec![1.0, f64::INFINITY],
                    exemplars: vec![exemplar()],
                    flags: 0,
                    min: Some(1.0),
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
                    count: 4,
                    sum: None,
                    scale: -2,
                    zero_count: 1,
                    positive: Some(Buckets {
                        offset: -1,
                        bucket_counts: vec![1, 2],
                    }),
                    negative: None,
                    flags: 1,
                    exemplars: vec![exemplar()],
                    min: None,
                    max: Some(9.0),
                    zero_threshold: 0.001,
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
                    count: 2,
                    sum: 3.0,
                    quantile_values: vec![ValueAtQuantile {
                        quantile: 0.5,
                        value: f64::NAN,
                    }],
                    flags: 0,
                }],
            }),
        ),
    ];
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: resource(),
            scope_metrics: vec![ScopeMetrics {
                scope: scope(),
                metrics,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

pub(super) fn log_record() -> LogRecord {
    LogRecord {
        time_unix_nano: 1,
        observed_time_unix_nano: 2,
        severity_number: 9,
        severity_text: "INFO".into(),
        body: Some(AnyValue {
            value: Some(Value::KvlistValue(KeyValueList {
                values: attributes(),
            })),
        }),
        attributes: attributes(),
        dropped_attributes_count: 0,
        flags: 1,
        trace_id: TRACE_ID.to_vec(),
        span_id: SPAN_ID.to_vec(),
        event_name: "app.started".into(),
    }
}

pub(super) fn logs() -> ExportLogsServiceRequest {
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: resource(),
            scope_logs: vec![ScopeLogs {
                scope: scope(),
                log_records: vec![
                    log_record(),
                    LogRecord {
                        body: Some(AnyValue { value: None }),
                        ..Default::default()
                    },
                ],
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

pub(super) fn rich(signal: Signal) -> Payload {
    match signal {
        Signal::Traces => Payload::Traces(traces()),
        Signal::Metrics => Payload::Metrics(metrics()),
        Signal::Logs => Payload::Logs(logs()),
    }
}

/// Traces with one span, for tests that break one of its fields.
pub(super) fn one_span(span: Span) -> Payload {
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
