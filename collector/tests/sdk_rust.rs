//! The Rust OpenTelemetry SDK (`opentelemetry-otlp` 0.33) as a real client: traces, metrics and logs
//! sent over OTLP/gRPC, OTLP/HTTP protobuf and OTLP/HTTP JSON, each uncompressed, gzip and zstd,
//! arrive at the downstream server exactly as the application recorded them.
//!
//! The SDK talks to weir through a transparent recording proxy, so each case also proves that the SDK
//! really sent what it was configured to send (content type, compression): without that, a client
//! that silently fell back to uncompressed bodies would make the compressed cases pass untested.
// The recording proxy's lock is held for a push per request, far from any hot path.
#![allow(clippy::disallowed_types)]

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use common::sink::Sink;
use common::{Ports, Weir, config_to_sink, eventually};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::{TokioExecutor, TokioIo};
use opentelemetry::logs::{AnyValue as LogValue, LogRecord as _, Logger as _, LoggerProvider as _};
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::trace::{
    Event, Link, SpanContext, SpanId, SpanKind, Status, TraceContextExt as _, TraceFlags, TraceId,
    TraceState, Tracer as _, TracerProvider as _,
};
use opentelemetry::{Array, InstrumentationScope, KeyValue, StringValue, Value};
use opentelemetry_otlp::{
    Compression, LogExporter, MetricExporter, Protocol, SpanExporter, WithExportConfig as _,
    WithHttpConfig as _, WithTonicConfig as _,
};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::logs::SdkLoggerProvider;
use opentelemetry_sdk::logs::log_processor_with_async_runtime::BatchLogProcessor;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::metrics::periodic_reader_with_async_runtime::PeriodicReader;
use opentelemetry_sdk::runtime::Tokio;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor;
use weir_proto::Payload;
use weir_proto::otlp::common::v1 as pc;
use weir_proto::otlp::logs::v1::LogRecord as PLogRecord;
use weir_proto::otlp::metrics::v1::{Metric as PMetric, metric::Data, number_data_point};
use weir_proto::otlp::resource::v1::Resource as PResource;
use weir_proto::otlp::trace::v1::{Span as PSpan, span::SpanKind as PSpanKind};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Transport {
    Grpc,
    HttpProtobuf,
    HttpJson,
}

#[derive(Clone, Copy, Debug)]
struct Client {
    transport: Transport,
    compression: Option<Compression>,
}

impl Client {
    /// Every compression the SDK offers for `transport` (it has gzip and zstd for both).
    fn all(transport: Transport) -> [Client; 3] {
        [None, Some(Compression::Gzip), Some(Compression::Zstd)].map(|compression| Client {
            transport,
            compression,
        })
    }

    /// Tells this client's data apart from the others' at the sink, as a resource attribute.
    fn label(&self) -> String {
        let compression = self
            .compression
            .map_or("none".to_owned(), |c| c.to_string());
        format!("{:?}/{compression}", self.transport)
    }

    /// The encoding header this client must put on every request.
    fn encoding(&self) -> Option<String> {
        self.compression.map(|c| c.to_string())
    }

    fn content_type(&self) -> &'static str {
        match self.transport {
            Transport::Grpc => "application/grpc",
            Transport::HttpProtobuf => "application/x-protobuf",
            Transport::HttpJson => "application/json",
        }
    }
}

// What the application records. Fixed timestamps and a fixed (remote) trace make everything but the
// SDK-generated span ids predictable, and those are captured when the spans start.

/// A nanosecond-precise instant, so that a lost digit anywhere (JSON number, float) shows.
fn at(offset_ns: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_nanos(1_700_000_000_123_456_789 + offset_ns)
}

fn nanos(t: SystemTime) -> u64 {
    u64::try_from(
        t.duration_since(SystemTime::UNIX_EPOCH)
            .expect("after the epoch")
            .as_nanos(),
    )
    .expect("fits in u64")
}

const TRACE_ID: u128 = 0x5b8e_fff7_9803_8103_d269_b633_813f_c60c;
const REMOTE_PARENT: u64 = 0xeee1_9b7e_c3c1_b174;
const LINKED_TRACE: u128 = 0x0af7_6519_16cd_43dd_8448_eb21_1c80_319c;
const LINKED_SPAN: u64 = 0xb7ad_6b71_6920_3331;

/// The incoming request's context, as a server would extract it from `traceparent`/`tracestate`.
fn remote_parent() -> SpanContext {
    SpanContext::new(
        TraceId::from(TRACE_ID),
        SpanId::from(REMOTE_PARENT),
        TraceFlags::SAMPLED,
        true,
        TraceState::from_key_value([("congo", "t61rcWkgMzE")]).expect("trace state"),
    )
}

fn resource(label: &str) -> Resource {
    // `builder()`, not `builder_empty()`: the SDK's own attributes (telemetry.sdk.*) are part of what
    // a real application sends.
    Resource::builder()
        .with_service_name("checkout")
        .with_attributes([
            KeyValue::new("service.version", "2.4.1"),
            KeyValue::new("deployment.environment.name", "staging"),
            KeyValue::new("host.cpu.count", 16_i64),
            KeyValue::new("process.runtime.load", 0.1),
            KeyValue::new("canary", true),
            KeyValue::new(
                "cloud.regions",
                Value::Array(Array::String(vec![
                    StringValue::from("eu-west-1"),
                    StringValue::from("eu-central-1"),
                ])),
            ),
            KeyValue::new("test.client", label.to_owned()),
        ])
        .build()
}

fn scope() -> InstrumentationScope {
    InstrumentationScope::builder("weir.tests.sdk_rust")
        .with_version("1.2.3")
        .with_schema_url("https://opentelemetry.io/schemas/1.36.0")
        .with_attributes([KeyValue::new("scope.kind", "integration")])
        .build()
}

/// One span the application records; `parent: None` is the remote parent.
struct SpanSpec {
    name: &'static str,
    kind: SpanKind,
    parent: Option<usize>,
    attributes: Vec<KeyValue>,
    events: Vec<Event>,
    links: Vec<Link>,
    status: Status,
    start: SystemTime,
    end: SystemTime,
}

fn span_specs() -> Vec<SpanSpec> {
    vec![
        SpanSpec {
            name: "GET /cart",
            kind: SpanKind::Server,
            parent: None,
            attributes: vec![
                KeyValue::new("http.request.method", "GET"),
                KeyValue::new("http.response.status_code", 200_i64),
                KeyValue::new("url.path", "/cart/🛒 café"),
                KeyValue::new("cart.total", 1234.5678),
                KeyValue::new("cart.discount", -0.1),
                KeyValue::new("cart.empty", false),
                // Beyond 2^53: survives only if JSON carries int64 as a string.
                KeyValue::new("cart.id", i64::MAX),
                KeyValue::new("cart.offset", i64::MIN),
                KeyValue::new("cart.flags", Value::Array(Array::Bool(vec![true, false]))),
                KeyValue::new("cart.counts", Value::Array(Array::I64(vec![1, -2, 3]))),
                KeyValue::new(
                    "cart.prices",
                    Value::Array(Array::F64(vec![9.99, 0.5, 1e-7])),
                ),
                KeyValue::new(
                    "cart.skus",
                    Value::Array(Array::String(vec![
                        StringValue::from("A-1"),
                        StringValue::from(""),
                    ])),
                ),
            ],
            events: vec![Event::new(
                "cache.miss",
                at(1_000),
                vec![
                    KeyValue::new("cache.key", "cart:42"),
                    KeyValue::new("cache.ttl_s", 30_i64),
                ],
                0,
            )],
            links: vec![],
            status: Status::Ok,
            start: at(0),
            end: at(900_000_001),
        },
        SpanSpec {
            name: "SELECT cart",
            kind: SpanKind::Client,
            parent: Some(0),
            attributes: vec![
                KeyValue::new("db.system.name", "postgresql"),
                KeyValue::new("db.query.text", "SELECT * FROM cart WHERE id = $1"),
            ],
            events: vec![Event::new(
                "exception",
                at(2_000),
                vec![
                    KeyValue::new("exception.type", "TimeoutError"),
                    KeyValue::new("exception.message", "deadline exceeded after 250ms"),
                    KeyValue::new("exception.escaped", true),
                ],
                0,
            )],
            links: vec![
                Link::new(
                    SpanContext::new(
                        TraceId::from(LINKED_TRACE),
                        SpanId::from(LINKED_SPAN),
                        TraceFlags::SAMPLED,
                        true,
                        TraceState::from_key_value([("vendor", "blue")]).expect("trace state"),
                    ),
                    vec![
                        KeyValue::new("link.reason", "retry of"),
                        KeyValue::new("link.attempt", 2_i64),
                    ],
                    0,
                ),
                Link::new(
                    SpanContext::new(
                        TraceId::from(LINKED_TRACE + 1),
                        SpanId::from(LINKED_SPAN + 1),
                        TraceFlags::NOT_SAMPLED,
                        false,
                        TraceState::NONE,
                    ),
                    vec![],
                    0,
                ),
            ],
            status: Status::error("deadline exceeded"),
            start: at(500),
            end: at(250_000_500),
        },
        SpanSpec {
            name: "publish cart.updated",
            kind: SpanKind::Producer,
            parent: Some(0),
            attributes: vec![KeyValue::new("messaging.system", "kafka")],
            events: vec![],
            links: vec![],
            status: Status::Unset,
            start: at(300_000_000),
            end: at(300_000_100),
        },
        SpanSpec {
            name: "process cart.updated",
            kind: SpanKind::Consumer,
            parent: Some(2),
            attributes: vec![KeyValue::new("messaging.batch.message_count", 3_i64)],
            events: vec![],
            links: vec![],
            status: Status::Unset,
            start: at(300_000_050),
            end: at(400_000_000),
        },
        SpanSpec {
            name: "render",
            kind: SpanKind::Internal,
            parent: Some(0),
            attributes: vec![],
            events: vec![
                Event::new("first", at(800_000_000), vec![], 0),
                Event::new("second", at(800_000_001), vec![], 0),
            ],
            links: vec![],
            status: Status::Ok,
            start: at(800_000_000),
            end: at(900_000_000),
        },
    ]
}

/// One log record the application emits.
struct LogSpec {
    body: LogValue,
    severity: opentelemetry::logs::Severity,
    severity_text: Option<&'static str>,
    event_name: Option<&'static str>,
    attributes: Vec<(&'static str, LogValue)>,
    /// Correlates the record with the span of `span_specs()` at this index.
    span: Option<usize>,
    time: SystemTime,
}

fn log_specs() -> Vec<LogSpec> {
    use opentelemetry::logs::Severity;
    vec![
        LogSpec {
            body: LogValue::from("checkout failed: card declined"),
            severity: Severity::Error,
            severity_text: Some("ERROR"),
            event_name: Some("checkout.failed"),
            attributes: vec![
                ("user.id", LogValue::from("u-1842")),
                ("attempt", LogValue::Int(3)),
                ("amount", LogValue::Double(12.75)),
                ("retryable", LogValue::Boolean(false)),
                // Bytes travel as base64 in OTLP/JSON.
                ("token", LogValue::Bytes(Box::new(vec![0, 1, 0xfe, 0xff]))),
                (
                    "codes",
                    LogValue::ListAny(Box::new(vec![
                        LogValue::Int(51),
                        LogValue::from("do_not_honor"),
                    ])),
                ),
            ],
            span: Some(1),
            time: at(100_000_000),
        },
        LogSpec {
            body: LogValue::Map(Box::new(HashMap::from([
                ("order".into(), LogValue::from("A-1")),
                (
                    "lines".into(),
                    LogValue::ListAny(Box::new(vec![LogValue::Int(1), LogValue::Double(2.5)])),
                ),
                (
                    "shipping".into(),
                    LogValue::Map(Box::new(HashMap::from([(
                        "express".into(),
                        LogValue::Boolean(true),
                    )]))),
                ),
            ]))),
            severity: Severity::Info,
            severity_text: Some("INFO"),
            event_name: None,
            attributes: vec![("i64.max", LogValue::Int(i64::MAX))],
            span: Some(0),
            time: at(200_000_000),
        },
        LogSpec {
            body: LogValue::Bytes(Box::new(b"\x00raw\xffpayload".to_vec())),
            severity: Severity::Debug2,
            severity_text: None,
            event_name: None,
            attributes: vec![],
            span: None,
            time: at(300_000_000),
        },
    ]
}

const DATA_POINTS: usize = 5;

/// What the application recorded, and the ids the SDK chose.
struct Sent {
    label: String,
    resource: Resource,
    span_ids: Vec<SpanId>,
}

/// Runs the SDK the way an application on Tokio does, then shuts it down, which exports everything.
/// Blocking: `force_flush` and `shutdown` wait for the exports running on the runtime.
fn run_application(client: Client, target: SocketAddr) -> Sent {
    let label = client.label();
    let resource = resource(&label);
    let compression = client.compression;
    let url = |path: &str| format!("http://{target}{path}");
    let http_protocol = match client.transport {
        Transport::HttpJson => Protocol::HttpJson,
        _ => Protocol::HttpBinary,
    };
    macro_rules! exporter {
        ($exporter:ident, $path:literal) => {{
            let builder = $exporter::builder();
            let built = if client.transport == Transport::Grpc {
                let mut b = builder.with_tonic().with_endpoint(url(""));
                if let Some(c) = compression {
                    b = b.with_compression(c);
                }
                b.build()
            } else {
                let mut b = builder
                    .with_http()
                    .with_protocol(http_protocol)
                    .with_endpoint(url($path));
                if let Some(c) = compression {
                    b = b.with_compression(c);
                }
                b.build()
            };
            built.unwrap_or_else(|e| panic!("{label}: build the {} exporter: {e}", $path))
        }};
    }

    let tracer_provider = SdkTracerProvider::builder()
        .with_resource(resource.clone())
        .with_span_processor(
            BatchSpanProcessor::builder(exporter!(SpanExporter, "/v1/traces"), Tokio).build(),
        )
        .build();
    let logger_provider = SdkLoggerProvider::builder()
        .with_resource(resource.clone())
        .with_log_processor(
            BatchLogProcessor::builder(exporter!(LogExporter, "/v1/logs"), Tokio).build(),
        )
        .build();
    let meter_provider = SdkMeterProvider::builder()
        .with_resource(resource.clone())
        .with_reader(
            PeriodicReader::builder(exporter!(MetricExporter, "/v1/metrics"), Tokio).build(),
        )
        .build();

    let tracer = tracer_provider.tracer_with_scope(scope());
    let root = opentelemetry::Context::new().with_remote_span_context(remote_parent());
    let mut contexts: Vec<opentelemetry::Context> = Vec::new();
    for spec in span_specs() {
        let parent = spec.parent.map_or(&root, |i| &contexts[i]);
        let span = tracer
            .span_builder(spec.name)
            .with_kind(spec.kind.clone())
            .with_start_time(spec.start)
            .with_attributes(spec.attributes)
            .with_events(spec.events)
            .with_links(spec.links)
            .start_with_context(&tracer, parent);
        contexts.push(parent.with_span(span));
    }
    let span_ids = contexts
        .iter()
        .map(|cx| cx.span().span_context().span_id())
        .collect();
    // Children first, as an application's scopes close.
    for (spec, cx) in span_specs().into_iter().zip(&contexts).rev() {
        cx.span().set_status(spec.status);
        cx.span().end_with_timestamp(spec.end);
    }

    let logger = logger_provider.logger_with_scope(scope());
    for spec in log_specs() {
        let mut record = logger.create_log_record();
        record.set_timestamp(spec.time);
        record.set_observed_timestamp(spec.time + Duration::from_nanos(7));
        record.set_severity_number(spec.severity);
        if let Some(text) = spec.severity_text {
            record.set_severity_text(text);
        }
        if let Some(name) = spec.event_name {
            record.set_event_name(name);
        }
        record.set_body(spec.body);
        for (key, value) in spec.attributes {
            record.add_attribute(key, value);
        }
        if let Some(i) = spec.span {
            let span = contexts[i].span();
            let sc = span.span_context();
            record.set_trace_context(sc.trace_id(), sc.span_id(), Some(sc.trace_flags()));
        }
        logger.emit(record);
    }

    let meter = meter_provider.meter_with_scope(scope());
    let checkouts = meter
        .u64_counter("cart.checkouts")
        .with_unit("{checkout}")
        .with_description("Checkouts completed")
        .build();
    checkouts.add(3, &[KeyValue::new("payment", "card")]);
    checkouts.add(4, &[KeyValue::new("payment", "card")]);
    checkouts.add(5, &[KeyValue::new("payment", "cash")]);
    let value = meter
        .f64_histogram("cart.value")
        .with_unit("EUR")
        .with_boundaries(vec![10.0, 50.0, 100.0])
        .build();
    for v in [10.0, 20.5, 100.0, 250.0] {
        value.record(v, &[KeyValue::new("currency", "EUR")]);
    }
    let active = meter.i64_up_down_counter("cart.active").build();
    active.add(5, &[]);
    active.add(-2, &[]);
    let fill = meter.f64_gauge("cart.fill_ratio").build();
    fill.record(0.25, &[KeyValue::new("shelf", 7_i64)]);
    fill.record(0.75, &[KeyValue::new("shelf", 7_i64)]);

    // Each result is the export's: an error is weir refusing or failing to read a request.
    let check = |result: opentelemetry_sdk::error::OTelSdkResult, what: &str| {
        result.unwrap_or_else(|e| panic!("{label}: {what}: {e}"));
    };
    check(tracer_provider.force_flush(), "export spans");
    check(logger_provider.force_flush(), "export logs");
    // Shutdown alone for metrics: a flush and then the shutdown's final collection would export the
    // cumulative points twice.
    check(meter_provider.shutdown(), "export metrics");
    check(tracer_provider.shutdown(), "shut down tracing");
    check(logger_provider.shutdown(), "shut down logging");

    Sent {
        label,
        resource,
        span_ids,
    }
}

// The expected OTLP form is built here from what the application recorded, not by the SDK's own
// conversion, so that the test does not share a bug with the exporter.

fn any(value: pc::any_value::Value) -> pc::AnyValue {
    pc::AnyValue { value: Some(value) }
}

fn attribute_value(value: &Value) -> pc::AnyValue {
    use pc::any_value::Value as V;
    let array = |values: Vec<V>| {
        V::ArrayValue(pc::ArrayValue {
            values: values.into_iter().map(any).collect(),
        })
    };
    any(match value {
        Value::Bool(b) => V::BoolValue(*b),
        Value::I64(i) => V::IntValue(*i),
        Value::F64(f) => V::DoubleValue(*f),
        Value::String(s) => V::StringValue(s.to_string()),
        Value::Array(Array::Bool(a)) => array(a.iter().map(|b| V::BoolValue(*b)).collect()),
        Value::Array(Array::I64(a)) => array(a.iter().map(|i| V::IntValue(*i)).collect()),
        Value::Array(Array::F64(a)) => array(a.iter().map(|f| V::DoubleValue(*f)).collect()),
        Value::Array(Array::String(a)) => {
            array(a.iter().map(|s| V::StringValue(s.to_string())).collect())
        }
        other => panic!("no OTLP form for {other:?}"),
    })
}

fn attributes<'a>(kvs: impl IntoIterator<Item = &'a KeyValue>) -> Vec<pc::KeyValue> {
    kvs.into_iter()
        .map(|kv| kv_proto(kv.key.as_str(), attribute_value(&kv.value)))
        .collect()
}

fn kv_proto(key: &str, value: pc::AnyValue) -> pc::KeyValue {
    pc::KeyValue {
        key: key.to_owned(),
        value: Some(value),
        ..Default::default()
    }
}

fn log_value(value: &LogValue) -> pc::AnyValue {
    use pc::any_value::Value as V;
    any(match value {
        LogValue::Int(i) => V::IntValue(*i),
        LogValue::Double(f) => V::DoubleValue(*f),
        LogValue::String(s) => V::StringValue(s.to_string()),
        LogValue::Boolean(b) => V::BoolValue(*b),
        LogValue::Bytes(b) => V::BytesValue(b.to_vec()),
        LogValue::ListAny(list) => V::ArrayValue(pc::ArrayValue {
            values: list.iter().map(log_value).collect(),
        }),
        LogValue::Map(map) => V::KvlistValue(pc::KeyValueList {
            values: map
                .iter()
                .map(|(k, v)| kv_proto(k.as_str(), log_value(v)))
                .collect(),
        }),
        other => panic!("no OTLP form for {other:?}"),
    })
}

/// Attributes (and nested key-value lists) are maps in OTLP: their order carries no meaning, and the
/// SDK takes the resource's and a map body's from a `HashMap`.
fn unordered(kvs: &[pc::KeyValue]) -> Vec<pc::KeyValue> {
    let mut kvs: Vec<pc::KeyValue> = kvs
        .iter()
        .map(|kv| pc::KeyValue {
            value: kv.value.as_ref().map(unordered_value),
            ..kv.clone()
        })
        .collect();
    kvs.sort_by(|a, b| a.key.cmp(&b.key));
    kvs
}

fn unordered_value(value: &pc::AnyValue) -> pc::AnyValue {
    use pc::any_value::Value as V;
    any(match &value.value {
        Some(V::KvlistValue(list)) => V::KvlistValue(pc::KeyValueList {
            values: unordered(&list.values),
        }),
        Some(V::ArrayValue(array)) => V::ArrayValue(pc::ArrayValue {
            values: array.values.iter().map(unordered_value).collect(),
        }),
        Some(other) => other.clone(),
        None => return pc::AnyValue::default(),
    })
}

fn proto_kind(kind: &SpanKind) -> i32 {
    (match kind {
        SpanKind::Client => PSpanKind::Client,
        SpanKind::Server => PSpanKind::Server,
        SpanKind::Producer => PSpanKind::Producer,
        SpanKind::Consumer => PSpanKind::Consumer,
        SpanKind::Internal => PSpanKind::Internal,
    }) as i32
}

/// `SpanFlags`: the low byte is the W3C trace flags; 0x100 says whether the parent's remoteness is
/// known and 0x200 that it is remote.
fn span_flags(trace_flags: TraceFlags, remote: bool) -> u32 {
    u32::from(trace_flags.to_u8()) | 0x100 | if remote { 0x200 } else { 0 }
}

fn expected_spans(sent: &Sent) -> Vec<PSpan> {
    let trace_id = TraceId::from(TRACE_ID).to_bytes().to_vec();
    span_specs()
        .into_iter()
        .enumerate()
        .map(|(i, spec)| {
            let parent = spec
                .parent
                .map_or(SpanId::from(REMOTE_PARENT), |p| sent.span_ids[p]);
            let (status_code, status_message) = match &spec.status {
                Status::Unset => (0, String::new()),
                Status::Ok => (1, String::new()),
                Status::Error { description } => (2, description.to_string()),
            };
            PSpan {
                trace_id: trace_id.clone(),
                span_id: sent.span_ids[i].to_bytes().to_vec(),
                // A child inherits its parent's trace state: here the remote caller's.
                trace_state: "congo=t61rcWkgMzE".to_owned(),
                parent_span_id: parent.to_bytes().to_vec(),
                flags: span_flags(TraceFlags::SAMPLED, spec.parent.is_none()),
                name: spec.name.to_owned(),
                kind: proto_kind(&spec.kind),
                start_time_unix_nano: nanos(spec.start),
                end_time_unix_nano: nanos(spec.end),
                attributes: attributes(&spec.attributes),
                dropped_attributes_count: 0,
                events: spec
                    .events
                    .iter()
                    .map(|e| weir_proto::otlp::trace::v1::span::Event {
                        time_unix_nano: nanos(e.timestamp),
                        name: e.name.to_string(),
                        attributes: attributes(&e.attributes),
                        dropped_attributes_count: 0,
                    })
                    .collect(),
                dropped_events_count: 0,
                links: spec
                    .links
                    .iter()
                    .map(|l| weir_proto::otlp::trace::v1::span::Link {
                        trace_id: l.span_context.trace_id().to_bytes().to_vec(),
                        span_id: l.span_context.span_id().to_bytes().to_vec(),
                        trace_state: l.span_context.trace_state().header(),
                        attributes: attributes(&l.attributes),
                        dropped_attributes_count: 0,
                        flags: span_flags(l.span_context.trace_flags(), l.span_context.is_remote()),
                    })
                    .collect(),
                dropped_links_count: 0,
                status: Some(weir_proto::otlp::trace::v1::Status {
                    message: status_message,
                    code: status_code,
                }),
            }
        })
        .collect()
}

fn expected_logs(sent: &Sent) -> Vec<PLogRecord> {
    log_specs()
        .into_iter()
        .map(|spec| PLogRecord {
            time_unix_nano: nanos(spec.time),
            observed_time_unix_nano: nanos(spec.time) + 7,
            severity_number: spec.severity as i32,
            severity_text: spec.severity_text.unwrap_or_default().to_owned(),
            body: Some(log_value(&spec.body)),
            attributes: spec
                .attributes
                .iter()
                .map(|(k, v)| kv_proto(k, log_value(v)))
                .collect(),
            dropped_attributes_count: 0,
            flags: spec
                .span
                .map_or(0, |_| u32::from(TraceFlags::SAMPLED.to_u8())),
            trace_id: spec
                .span
                .map_or(Vec::new(), |_| TraceId::from(TRACE_ID).to_bytes().to_vec()),
            span_id: spec
                .span
                .map_or(Vec::new(), |i| sent.span_ids[i].to_bytes().to_vec()),
            event_name: spec.event_name.unwrap_or_default().to_owned(),
        })
        .collect()
}

/// Everything that arrived at the sink under one client's resource.
#[derive(Default)]
struct Arrived {
    resources: Vec<PResource>,
    scopes: Vec<(pc::InstrumentationScope, String)>,
    spans: Vec<PSpan>,
    logs: Vec<PLogRecord>,
    metrics: Vec<PMetric>,
}

fn is_client(resource: Option<&PResource>, label: &str) -> bool {
    resource.is_some_and(|r| {
        r.attributes.iter().any(|kv| {
            kv.key == "test.client"
                && kv.value.as_ref().and_then(|v| v.value.as_ref())
                    == Some(&pc::any_value::Value::StringValue(label.to_owned()))
        })
    })
}

fn arrived(received: &[Payload], label: &str) -> Arrived {
    let mut out = Arrived::default();
    for payload in received {
        match payload {
            Payload::Traces(request) => {
                for rs in &request.resource_spans {
                    if !is_client(rs.resource.as_ref(), label) {
                        continue;
                    }
                    out.resources.extend(rs.resource.clone());
                    for ss in &rs.scope_spans {
                        out.scopes
                            .extend(ss.scope.clone().map(|s| (s, ss.schema_url.clone())));
                        out.spans.extend(ss.spans.iter().cloned());
                    }
                }
            }
            Payload::Logs(request) => {
                for rl in &request.resource_logs {
                    if !is_client(rl.resource.as_ref(), label) {
                        continue;
                    }
                    out.resources.extend(rl.resource.clone());
                    for sl in &rl.scope_logs {
                        out.scopes
                            .extend(sl.scope.clone().map(|s| (s, sl.schema_url.clone())));
                        out.logs.extend(sl.log_records.iter().cloned());
                    }
                }
            }
            Payload::Metrics(request) => {
                for rm in &request.resource_metrics {
                    if !is_client(rm.resource.as_ref(), label) {
                        continue;
                    }
                    out.resources.extend(rm.resource.clone());
                    for sm in &rm.scope_metrics {
                        out.scopes
                            .extend(sm.scope.clone().map(|s| (s, sm.schema_url.clone())));
                        out.metrics.extend(sm.metrics.iter().cloned());
                    }
                }
            }
        }
    }
    out
}

fn data_points(metric: &PMetric) -> usize {
    match &metric.data {
        Some(Data::Sum(s)) => s.data_points.len(),
        Some(Data::Gauge(g)) => g.data_points.len(),
        Some(Data::Histogram(h)) => h.data_points.len(),
        Some(Data::ExponentialHistogram(h)) => h.data_points.len(),
        Some(Data::Summary(s)) => s.data_points.len(),
        None => 0,
    }
}

fn is_complete(arrived: &Arrived) -> bool {
    arrived.spans.len() >= span_specs().len()
        && arrived.logs.len() >= log_specs().len()
        && arrived.metrics.iter().map(data_points).sum::<usize>() >= DATA_POINTS
}

fn assert_unchanged(sent: &Sent, arrived: &Arrived) {
    let label = &sent.label;

    let resource: Vec<pc::KeyValue> = sent
        .resource
        .iter()
        .map(|(k, v)| kv_proto(k.as_str(), attribute_value(v)))
        .collect();
    let resource = unordered(&resource);
    // How many resource and scope entries there are is weir's batching; what each says is not.
    assert!(!arrived.resources.is_empty(), "{label}");
    for r in &arrived.resources {
        assert_eq!(unordered(&r.attributes), resource, "{label}: resource");
        assert_eq!(r.dropped_attributes_count, 0, "{label}");
    }
    let service = resource.iter().find(|kv| kv.key == "service.name");
    assert_eq!(
        service.and_then(|kv| kv.value.clone()),
        Some(any(pc::any_value::Value::StringValue("checkout".into()))),
        "{label}: service.name"
    );
    for key in [
        "telemetry.sdk.name",
        "telemetry.sdk.language",
        "telemetry.sdk.version",
    ] {
        assert!(
            resource.iter().any(|kv| kv.key == key),
            "{label}: the SDK's {key} is part of the resource"
        );
    }

    let scope = scope();
    let expected_scope = pc::InstrumentationScope {
        name: scope.name().to_owned(),
        version: scope.version().unwrap_or_default().to_owned(),
        attributes: attributes(scope.attributes()),
        dropped_attributes_count: 0,
    };
    for (s, schema_url) in &arrived.scopes {
        assert_eq!(s, &expected_scope, "{label}: scope");
        assert_eq!(Some(schema_url.as_str()), scope.schema_url(), "{label}");
    }

    // Paired by start time, which the specs keep unique: the SDK exports spans in the order they end.
    let mut spans = arrived.spans.clone();
    spans.sort_by_key(|s| s.start_time_unix_nano);
    let mut expected = expected_spans(sent);
    expected.sort_by_key(|s| s.start_time_unix_nano);
    assert_eq!(spans.len(), expected.len(), "{label}: span count");
    for (got, want) in spans.iter().zip(&expected) {
        assert_eq!(got, want, "{label}: span {:?}", want.name);
    }
    let kinds: Vec<i32> = spans.iter().map(|s| s.kind).collect();
    assert!(
        (1..=5).all(|k| kinds.contains(&k)),
        "{label}: every span kind is covered: {kinds:?}"
    );

    let mut logs = arrived.logs.clone();
    logs.sort_by_key(|l| l.time_unix_nano);
    let expected = expected_logs(sent);
    assert_eq!(logs.len(), expected.len(), "{label}: log record count");
    for (got, want) in logs.iter().zip(&expected) {
        let normal = |l: &PLogRecord| PLogRecord {
            attributes: unordered(&l.attributes),
            body: l.body.as_ref().map(unordered_value),
            ..l.clone()
        };
        assert_eq!(
            normal(got),
            normal(want),
            "{label}: log record {:?}",
            want.body
        );
    }

    assert_metrics(label, &arrived.metrics);
}

fn assert_metrics(label: &str, metrics: &[PMetric]) {
    let by_name: HashMap<&str, &PMetric> = metrics.iter().map(|m| (m.name.as_str(), m)).collect();
    assert_eq!(metrics.len(), 4, "{label}: metrics {:?}", by_name.keys());
    assert_eq!(
        metrics.iter().map(data_points).sum::<usize>(),
        DATA_POINTS,
        "{label}"
    );
    let metric = |name: &str| {
        *by_name
            .get(name)
            .unwrap_or_else(|| panic!("{label}: {name}"))
    };
    let str_attr = |key: &str, value: &str| {
        vec![kv_proto(
            key,
            any(pc::any_value::Value::StringValue(value.to_owned())),
        )]
    };
    const CUMULATIVE: i32 = 2;

    let checkouts = metric("cart.checkouts");
    assert_eq!(checkouts.unit, "{checkout}", "{label}");
    assert_eq!(checkouts.description, "Checkouts completed", "{label}");
    let Some(Data::Sum(sum)) = &checkouts.data else {
        panic!("{label}: cart.checkouts is a sum: {checkouts:?}")
    };
    assert!(sum.is_monotonic, "{label}");
    assert_eq!(sum.aggregation_temporality, CUMULATIVE, "{label}");
    let mut points: Vec<(Vec<pc::KeyValue>, Option<number_data_point::Value>)> = sum
        .data_points
        .iter()
        .map(|p| (p.attributes.clone(), p.value))
        .collect();
    points.sort_by(|a, b| format!("{:?}", a.0).cmp(&format!("{:?}", b.0)));
    assert_eq!(
        points,
        vec![
            (
                str_attr("payment", "card"),
                Some(number_data_point::Value::AsInt(7))
            ),
            (
                str_attr("payment", "cash"),
                Some(number_data_point::Value::AsInt(5))
            ),
        ],
        "{label}: cart.checkouts"
    );
    for p in &sum.data_points {
        assert!(
            p.start_time_unix_nano > 0 && p.time_unix_nano >= p.start_time_unix_nano,
            "{label}: {p:?}"
        );
    }

    let value = metric("cart.value");
    assert_eq!(value.unit, "EUR", "{label}");
    let Some(Data::Histogram(histogram)) = &value.data else {
        panic!("{label}: cart.value is a histogram: {value:?}")
    };
    assert_eq!(histogram.aggregation_temporality, CUMULATIVE, "{label}");
    let [point] = histogram.data_points.as_slice() else {
        panic!("{label}: one histogram point: {histogram:?}")
    };
    assert_eq!(point.count, 4, "{label}");
    assert_eq!(point.sum, Some(380.5), "{label}");
    assert_eq!(point.min, Some(10.0), "{label}");
    assert_eq!(point.max, Some(250.0), "{label}");
    assert_eq!(point.explicit_bounds, vec![10.0, 50.0, 100.0], "{label}");
    // Upper bounds are inclusive: 10 | 20.5 | 100 | 250.
    assert_eq!(point.bucket_counts, vec![1, 1, 1, 1], "{label}");
    assert_eq!(point.attributes, str_attr("currency", "EUR"), "{label}");

    let active = metric("cart.active");
    let Some(Data::Sum(sum)) = &active.data else {
        panic!("{label}: cart.active is a sum: {active:?}")
    };
    assert!(!sum.is_monotonic, "{label}: an up-down counter");
    let [point] = sum.data_points.as_slice() else {
        panic!("{label}: one point: {sum:?}")
    };
    assert_eq!(
        point.value,
        Some(number_data_point::Value::AsInt(3)),
        "{label}"
    );
    assert!(point.attributes.is_empty(), "{label}");

    let fill = metric("cart.fill_ratio");
    let Some(Data::Gauge(gauge)) = &fill.data else {
        panic!("{label}: cart.fill_ratio is a gauge: {fill:?}")
    };
    let [point] = gauge.data_points.as_slice() else {
        panic!("{label}: one point: {gauge:?}")
    };
    assert_eq!(
        point.value,
        Some(number_data_point::Value::AsDouble(0.75)),
        "{label}"
    );
    assert_eq!(
        point.attributes,
        vec![kv_proto("shelf", any(pc::any_value::Value::IntValue(7)))],
        "{label}"
    );
}

#[derive(Clone, Debug)]
struct Seen {
    path: String,
    content_type: String,
    encoding: Option<String>,
}

/// A transparent proxy in front of weir that notes how each request was sent.
struct Spy {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for Spy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl Spy {
    /// Forwards to `target`, speaking HTTP/2 (gRPC) or HTTP/1.1 on both sides, as the SDK does.
    async fn start(target: SocketAddr, http2: bool) -> Spy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind spy");
        let addr = listener.local_addr().expect("spy address");
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let client = HyperClient::builder(TokioExecutor::new())
            .http2_only(http2)
            .build_http::<Incoming>();
        let record = Arc::clone(&seen);
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let client = client.clone();
                let record = Arc::clone(&record);
                let service =
                    hyper::service::service_fn(move |mut request: http::Request<Incoming>| {
                        let header = |name: &str| {
                            request
                                .headers()
                                .get(name)
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_owned)
                        };
                        let encoding_header = if http2 {
                            "grpc-encoding"
                        } else {
                            "content-encoding"
                        };
                        record.lock().expect("spy record").push(Seen {
                            path: request.uri().path().to_owned(),
                            content_type: header("content-type").unwrap_or_default(),
                            encoding: header(encoding_header),
                        });
                        let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
                        let uri = format!("http://{target}{path}");
                        *request.uri_mut() = uri.parse().expect("forward uri");
                        let client = client.clone();
                        async move { client.request(request).await }
                    });
                let io = TokioIo::new(stream);
                tokio::spawn(async move {
                    let _ = if http2 {
                        hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                            .serve_connection(io, service)
                            .await
                    } else {
                        hyper::server::conn::http1::Builder::new()
                            .serve_connection(io, service)
                            .await
                    };
                });
            }
        });
        Spy { addr, seen, accept }
    }

    fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.seen.lock().expect("spy record"))
    }
}

/// Runs every compression of `transport` against one weir and checks what the sink received.
async fn transport_roundtrip(transport: Transport) {
    let sink = Sink::start().await;
    let ports = Ports::new();
    let config = config_to_sink(&ports, sink.addr, &[("batch", "{ timeout: 20ms }")], "");
    let weir = Weir::start(&ports, &config).await;
    let spy = match transport {
        Transport::Grpc => Spy::start(weir.grpc, true).await,
        _ => Spy::start(weir.http, false).await,
    };

    let mut sent = Vec::new();
    for client in Client::all(transport) {
        let target = spy.addr;
        let one = tokio::task::spawn_blocking(move || run_application(client, target))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}\nweir logs:\n{}", client.label(), weir.logs()));

        let requests = spy.take();
        let mut paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
        paths.sort_unstable();
        paths.dedup();
        let expected_paths: Vec<&str> = match transport {
            Transport::Grpc => vec![
                "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
                "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
                "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
            ],
            _ => vec!["/v1/logs", "/v1/metrics", "/v1/traces"],
        };
        assert_eq!(paths, expected_paths, "{}: {requests:?}", one.label);
        for request in &requests {
            assert!(
                request.content_type.starts_with(client.content_type()),
                "{}: sent as {request:?}",
                one.label
            );
            assert_eq!(
                request.encoding,
                client.encoding(),
                "{}: {request:?}",
                one.label
            );
        }
        sent.push(one);
    }

    let complete = eventually(Duration::from_secs(20), async || {
        let received = sink.received();
        sent.iter()
            .all(|s| is_complete(&arrived(&received, &s.label)))
    })
    .await;
    assert!(
        complete,
        "not everything arrived: {} items at the sink; weir logs:\n{}",
        sink.items(),
        weir.logs()
    );
    let received = sink.received();
    for one in &sent {
        assert_unchanged(one, &arrived(&received, &one.label));
    }

    let per_client = span_specs().len() + log_specs().len() + DATA_POINTS;
    let total = per_client * sent.len();
    assert_eq!(sink.items(), total, "nothing else arrived");
    let label = match transport {
        Transport::Grpc => "transport=\"grpc\"",
        _ => "transport=\"http\"",
    };
    let accepted = weir
        .metric("weir_receiver_accepted_items_total", &[label])
        .await;
    assert_eq!(accepted as usize, total, "weir counted what the SDK sent");
    // Once weir counts every item as delivered, no send or retry of them is pending: the sink's count
    // is final.
    let all_sent = eventually(Duration::from_secs(5), async || {
        weir.metric("weir_exporter_sent_items_total", &[]).await as usize == total
    })
    .await;
    assert!(all_sent, "{}", weir.metrics().await);
    assert_eq!(sink.items(), total, "nothing duplicated");
}

#[tokio::test(flavor = "multi_thread")]
async fn grpc_uncompressed_gzip_and_zstd() {
    transport_roundtrip(Transport::Grpc).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn http_protobuf_uncompressed_gzip_and_zstd() {
    transport_roundtrip(Transport::HttpProtobuf).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn http_json_uncompressed_gzip_and_zstd() {
    transport_roundtrip(Transport::HttpJson).await;
}
