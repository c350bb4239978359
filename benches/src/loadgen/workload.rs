//! What the load generator sends: OTLP requests shaped like a fleet of instrumented services.
//!
//! Every request carries a few services' resources (an agent or gateway forwards several at once),
//! each with the resource attributes an SDK sets. Spans form whole traces: an HTTP SERVER root with
//! CLIENT (database, HTTP, gRPC) and INTERNAL children, each with 8–12 attributes from the
//! OpenTelemetry semantic conventions chosen by its kind. Root durations are log-normal; children sit
//! inside their parent's window. Everything is drawn from one seeded PRNG, so a seed always gives the
//! same requests; timestamps are offsets from [`WorkloadConfig::base_time_unix_nano`].

use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use weir_proto::otlp::collector::logs::v1::ExportLogsServiceRequest;
use weir_proto::otlp::collector::metrics::v1::ExportMetricsServiceRequest;
use weir_proto::otlp::collector::trace::v1::ExportTraceServiceRequest;
use weir_proto::otlp::common::v1::any_value::Value;
use weir_proto::otlp::common::v1::{AnyValue, ArrayValue, InstrumentationScope, KeyValue};
use weir_proto::otlp::logs::v1::{LogRecord, ResourceLogs, ScopeLogs, SeverityNumber};
use weir_proto::otlp::metrics::v1::{
    AggregationTemporality, Histogram, HistogramDataPoint, Metric, NumberDataPoint,
    ResourceMetrics, ScopeMetrics, Sum, metric, number_data_point,
};
use weir_proto::otlp::resource::v1::Resource;
use weir_proto::otlp::trace::v1::span::{Event, SpanKind};
use weir_proto::otlp::trace::v1::status::StatusCode;
use weir_proto::otlp::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};
use weir_proto::{Payload, Signal};

/// Fewest attributes a span carries.
pub const MIN_SPAN_ATTRIBUTES: usize = 8;
/// Most attributes a span carries.
pub const MAX_SPAN_ATTRIBUTES: usize = 12;

/// An SDK sends one resource per request and a gateway dozens; four keeps the per-resource work of a
/// collector visible without making every request a gateway's.
const MAX_RESOURCES_PER_REQUEST: usize = 4;
/// Spans of a request started within this window before the base time, as a batch exporter's would.
const START_WINDOW_NS: u64 = 5_000_000_000;
/// Cumulative metrics started this long before the base time.
const METRICS_START_NS: u64 = 60_000_000_000;
const SCHEMA_URL: &str = "https://opentelemetry.io/schemas/1.34.0";

const SERVICE_NAMES: [&str; 20] = [
    "frontend",
    "checkout",
    "cart",
    "payment",
    "shipping",
    "catalog",
    "recommendation",
    "ad",
    "currency",
    "email",
    "auth",
    "search",
    "inventory",
    "orders",
    "notification",
    "pricing",
    "reviews",
    "accounts",
    "gateway",
    "billing",
];
/// Language, SDK version and the instrumentation scope its HTTP instrumentation reports.
const SDKS: [(&str, &str, &str); 6] = [
    (
        "go",
        "1.37.0",
        "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp",
    ),
    ("java", "1.51.0", "io.opentelemetry.tomcat-10.0"),
    ("python", "1.35.0", "opentelemetry.instrumentation.flask"),
    ("nodejs", "2.0.1", "@opentelemetry/instrumentation-http"),
    (
        "dotnet",
        "1.12.0",
        "OpenTelemetry.Instrumentation.AspNetCore",
    ),
    ("rust", "0.30.0", "axum-tracing-opentelemetry"),
];
const RESOURCES: [&str; 16] = [
    "users",
    "orders",
    "carts",
    "payments",
    "products",
    "inventory",
    "shipments",
    "invoices",
    "sessions",
    "reviews",
    "accounts",
    "coupons",
    "prices",
    "recommendations",
    "notifications",
    "addresses",
];
/// Method and route suffix of each operation shape.
const SHAPES: [(&str, &str); 5] = [
    ("GET", ""),
    ("GET", "/{id}"),
    ("POST", ""),
    ("PUT", "/{id}"),
    ("DELETE", "/{id}"),
];
/// Database system, port and the operations it is sent.
const DATABASES: [(&str, i64, [&str; 3]); 4] = [
    ("postgresql", 5432, ["SELECT", "INSERT", "UPDATE"]),
    ("mysql", 3306, ["SELECT", "UPDATE", "DELETE"]),
    ("redis", 6379, ["GET", "SET", "HGETALL"]),
    ("mongodb", 27017, ["find", "insert", "update"]),
];
const USER_AGENTS: [&str; 4] = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "okhttp/4.12.0",
    "Go-http-client/1.1",
];
/// HTTP server answers that are not errors: a server's 4xx is the client's fault (semantic conventions).
const OK_SERVER_STATUS: [i64; 8] = [200, 200, 200, 200, 201, 204, 304, 404];
const OK_CLIENT_STATUS: [i64; 4] = [200, 200, 201, 204];
const ERROR_STATUS: [i64; 4] = [500, 502, 503, 504];
/// Bucket bounds the semantic conventions advise for `http.server.request.duration`, in seconds.
const DURATION_BOUNDS_S: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// What the workload looks like.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadConfig {
    /// Distinct services (resources) the requests come from.
    pub services: usize,
    /// Distinct operations (HTTP route templates), shared by every service.
    pub operations: usize,
    /// Fraction of spans (and log records, histogram points) that are errors.
    pub error_ratio: f64,
    /// Median duration of a trace's root span, in milliseconds.
    pub duration_median_ms: f64,
    /// Sigma of the root durations' underlying normal: 0 gives every root the median.
    pub duration_sigma: f64,
    /// Seed of the PRNG every choice is drawn from.
    pub seed: u64,
    /// Timestamps are offsets back from this time, so the same seed gives the same requests.
    pub base_time_unix_nano: u64,
}

struct Service {
    name: String,
    resource: Resource,
    scope: InstrumentationScope,
    host: String,
}

struct Operation {
    method: &'static str,
    route: String,
    resource: &'static str,
}

/// Which child a trace's root calls.
#[derive(Clone, Copy)]
enum Child {
    Database,
    Http,
    Rpc,
    Internal,
}

/// A span's place in its trace.
struct Frame {
    trace_id: Vec<u8>,
    parent_span_id: Vec<u8>,
    start: u64,
    duration: u64,
}

/// A seeded generator of OTLP requests.
pub struct Workload {
    config: WorkloadConfig,
    rng: SmallRng,
    services: Vec<Service>,
    operations: Vec<Operation>,
    next_service: usize,
}

impl Workload {
    /// A generator for `config`; the services' instance ids come from the seed too.
    pub fn new(config: WorkloadConfig) -> Workload {
        let mut rng = SmallRng::seed_from_u64(config.seed);
        let services = (0..config.services.max(1))
            .map(|i| service(i, &mut rng))
            .collect();
        let operations = (0..config.operations.max(1)).map(operation).collect();
        Workload {
            config,
            rng,
            services,
            operations,
            next_service: 0,
        }
    }

    /// A request of `signal` with exactly `items` spans, data points or log records.
    pub fn request(&mut self, signal: Signal, items: usize) -> Payload {
        let groups = self
            .services
            .len()
            .min(MAX_RESOURCES_PER_REQUEST)
            .min(items.max(1));
        let quotas = (0..groups).map(|g| items / groups + usize::from(g < items % groups));
        let mut payload = Payload::empty(signal);
        for quota in quotas {
            let service = self.next_service;
            self.next_service = (self.next_service + 1) % self.services.len();
            payload.append(match signal {
                Signal::Traces => Payload::Traces(ExportTraceServiceRequest {
                    resource_spans: vec![self.resource_spans(service, quota)],
                }),
                Signal::Metrics => Payload::Metrics(ExportMetricsServiceRequest {
                    resource_metrics: vec![self.resource_metrics(service, quota)],
                }),
                Signal::Logs => Payload::Logs(ExportLogsServiceRequest {
                    resource_logs: vec![self.resource_logs(service, quota)],
                }),
            });
        }
        payload
    }

    fn resource_spans(&mut self, service: usize, quota: usize) -> ResourceSpans {
        let mut spans = Vec::with_capacity(quota);
        while spans.len() < quota {
            self.trace(service, quota, &mut spans);
        }
        let s = &self.services[service];
        ResourceSpans {
            resource: Some(s.resource.clone()),
            scope_spans: vec![ScopeSpans {
                scope: Some(s.scope.clone()),
                spans,
                schema_url: SCHEMA_URL.to_owned(),
            }],
            schema_url: SCHEMA_URL.to_owned(),
        }
    }

    /// Appends one trace, parents before children, stopping at `quota` spans: a cut trace still has
    /// every parent its spans name.
    fn trace(&mut self, service: usize, quota: usize, spans: &mut Vec<Span>) {
        let op = self.rng.random_range(0..self.operations.len());
        let duration = self.root_duration_ns();
        let start = self.config.base_time_unix_nano
            - duration.min(START_WINDOW_NS)
            - self.rng.random_range(0..START_WINDOW_NS);
        let frame = Frame {
            trace_id: self.id::<16>(),
            parent_span_id: Vec::new(),
            start,
            duration,
        };
        let root = self.server_span(service, op, frame);
        let trace_id = root.trace_id.clone();
        let root_id = root.span_id.clone();
        spans.push(root);
        for _ in 0..self.rng.random_range(1..=6) {
            if spans.len() >= quota {
                return;
            }
            let kind = [Child::Database, Child::Http, Child::Rpc, Child::Internal]
                [self.rng.random_range(0..4)];
            let frame = self.inside(&trace_id, &root_id, start, duration);
            let child = self.child_span(kind, service, op, frame);
            let (child_id, child_start, child_duration) = (
                child.span_id.clone(),
                child.start_time_unix_nano,
                child.end_time_unix_nano - child.start_time_unix_nano,
            );
            spans.push(child);
            if let Child::Internal = kind {
                // Work inside a handler's own functions queries the database too: a third level.
                for _ in 0..self.rng.random_range(0..=2) {
                    if spans.len() >= quota {
                        return;
                    }
                    let frame = self.inside(&trace_id, &child_id, child_start, child_duration);
                    let grandchild = self.child_span(Child::Database, service, op, frame);
                    spans.push(grandchild);
                }
            }
        }
    }

    /// A child's window inside its parent's: it starts in the first half and ends before the parent.
    fn inside(&mut self, trace_id: &[u8], parent: &[u8], start: u64, duration: u64) -> Frame {
        let offset = (duration as f64 * self.rng.random_range(0.0..0.5)) as u64;
        let length = (duration as f64 * self.rng.random_range(0.05..0.5)) as u64;
        Frame {
            trace_id: trace_id.to_vec(),
            parent_span_id: parent.to_vec(),
            start: start + offset,
            duration: length.max(1),
        }
    }

    fn server_span(&mut self, service: usize, op: usize, frame: Frame) -> Span {
        let error = self.is_error();
        let status = self.status_code(error, &OK_SERVER_STATUS);
        let o = &self.operations[op];
        let (method, route) = (o.method, o.route.clone());
        let path = route.replace("{id}", &self.rng.random_range(1..100_000).to_string());
        let host = self.services[service].host.clone();
        let required = vec![
            kv("http.request.method", method),
            kv("http.route", &route),
            int("http.response.status_code", status),
            kv("url.path", &path),
            kv("url.scheme", "https"),
            kv("server.address", &host),
            int("server.port", 443),
            kv("network.protocol.version", "1.1"),
        ];
        let optional = vec![
            kv(
                "user_agent.original",
                USER_AGENTS[self.rng.random_range(0..USER_AGENTS.len())],
            ),
            kv("client.address", &self.ip()),
            kv("network.peer.address", &self.ip()),
            int("network.peer.port", self.rng.random_range(32768..61000)),
            kv(
                "url.query",
                &format!("page={}", self.rng.random_range(1..20)),
            ),
            int("http.request.body.size", self.rng.random_range(0..4096)),
            int("http.response.body.size", self.rng.random_range(64..65536)),
        ];
        let error_type = error.then(|| status.to_string());
        let attributes = self.attributes(required, optional, error_type);
        self.span(
            format!("{method} {route}"),
            SpanKind::Server,
            frame,
            attributes,
            error,
        )
    }

    fn child_span(&mut self, kind: Child, service: usize, op: usize, frame: Frame) -> Span {
        let error = self.is_error();
        let resource = self.operations[op].resource;
        let peer = self.rng.random_range(0..self.services.len());
        let peer_host = self.services[peer].host.clone();
        let (name, span_kind, required, optional, error_type) = match kind {
            Child::Database => {
                let (system, port, ops) = DATABASES[self.rng.random_range(0..DATABASES.len())];
                let operation = ops[self.rng.random_range(0..ops.len())];
                let summary = format!("{operation} {resource}");
                let required = vec![
                    kv("db.system.name", system),
                    kv("db.operation.name", operation),
                    kv("db.collection.name", resource),
                    kv("db.namespace", "shop"),
                    kv("db.query.summary", &summary),
                    kv("server.address", &format!("{system}-primary.internal")),
                    int("server.port", port),
                    kv("network.peer.address", &self.ip()),
                ];
                let optional = vec![
                    kv(
                        "db.query.text",
                        &format!("{operation} * FROM {resource} WHERE id = $1"),
                    ),
                    int("db.response.returned_rows", self.rng.random_range(0..200)),
                    int("network.peer.port", port),
                    kv("network.transport", "tcp"),
                ];
                let error_type = error.then(|| "timeout".to_owned());
                (summary, SpanKind::Client, required, optional, error_type)
            }
            Child::Http => {
                let method = if self.rng.random_bool(0.7) {
                    "GET"
                } else {
                    "POST"
                };
                let status = self.status_code(error, &OK_CLIENT_STATUS);
                let template = format!("/internal/{resource}/{{id}}");
                let url = format!(
                    "http://{peer_host}:8080/internal/{resource}/{}",
                    self.rng.random_range(1..100_000)
                );
                let required = vec![
                    kv("http.request.method", method),
                    kv("url.full", &url),
                    kv("url.template", &template),
                    kv("url.scheme", "http"),
                    kv("server.address", &peer_host),
                    int("server.port", 8080),
                    int("http.response.status_code", status),
                    kv("network.protocol.version", "1.1"),
                ];
                let optional = vec![
                    kv(
                        "user_agent.original",
                        USER_AGENTS[2 + self.rng.random_range(0..2)],
                    ),
                    kv("network.peer.address", &self.ip()),
                    int("network.peer.port", 8080),
                    int("http.request.body.size", self.rng.random_range(0..2048)),
                    int("http.response.body.size", self.rng.random_range(64..16384)),
                    int("http.request.resend_count", self.rng.random_range(0..2)),
                ];
                let error_type = error.then(|| status.to_string());
                (
                    format!("{method} {template}"),
                    SpanKind::Client,
                    required,
                    optional,
                    error_type,
                )
            }
            Child::Rpc => {
                let capitalised = capitalise(resource);
                let rpc_service = format!("shop.{capitalised}Service");
                let rpc_method = format!("Get{capitalised}");
                let required = vec![
                    kv("rpc.system", "grpc"),
                    kv("rpc.service", &rpc_service),
                    kv("rpc.method", &rpc_method),
                    int("rpc.grpc.status_code", if error { 14 } else { 0 }),
                    kv("server.address", &peer_host),
                    int("server.port", 50051),
                    kv("network.transport", "tcp"),
                    kv("network.type", "ipv4"),
                ];
                let optional = vec![
                    kv("network.peer.address", &self.ip()),
                    int("network.peer.port", 50051),
                    kv("network.protocol.name", "http"),
                    kv("network.protocol.version", "2"),
                ];
                let error_type = error.then(|| "UNAVAILABLE".to_owned());
                (
                    format!("{rpc_service}/{rpc_method}"),
                    SpanKind::Client,
                    required,
                    optional,
                    error_type,
                )
            }
            Child::Internal => {
                let service_name = &self.services[service].name;
                let function = format!(
                    "shop.{service_name}.{}Handler.validate",
                    capitalise(resource)
                );
                let required = vec![
                    kv("code.function.name", &function),
                    kv("code.file.path", &format!("src/handlers/{resource}.rs")),
                    int("code.line.number", self.rng.random_range(10..900)),
                    int("code.column.number", self.rng.random_range(1..80)),
                    int("thread.id", self.rng.random_range(1..64)),
                    kv(
                        "thread.name",
                        &format!("worker-{}", self.rng.random_range(0..16)),
                    ),
                    kv(
                        "user.id",
                        &format!("u-{}", self.rng.random_range(0..1_000_000)),
                    ),
                    kv("session.id", &hex(&self.id::<8>())),
                ];
                let optional = vec![
                    kv("feature_flag.key", "new-checkout-flow"),
                    kv(
                        "feature_flag.result.variant",
                        if self.rng.random_bool(0.5) {
                            "on"
                        } else {
                            "off"
                        },
                    ),
                    kv("feature_flag.provider.name", "flagd"),
                    KeyValue {
                        key: "user.roles".to_owned(),
                        value: Some(AnyValue {
                            value: Some(Value::ArrayValue(ArrayValue {
                                values: vec![string_value("customer")],
                            })),
                        }),
                        ..Default::default()
                    },
                ];
                let error_type = error.then(|| "ValidationError".to_owned());
                (function, SpanKind::Internal, required, optional, error_type)
            }
        };
        let attributes = self.attributes(required, optional, error_type);
        self.span(name, span_kind, frame, attributes, error)
    }

    /// The required attributes, `error.type` for an error, then optional ones up to a drawn count.
    fn attributes(
        &mut self,
        mut required: Vec<KeyValue>,
        mut optional: Vec<KeyValue>,
        error_type: Option<String>,
    ) -> Vec<KeyValue> {
        let target = self
            .rng
            .random_range(MIN_SPAN_ATTRIBUTES..=MAX_SPAN_ATTRIBUTES);
        if let Some(e) = error_type {
            required.push(kv("error.type", &e));
        }
        optional.shuffle(&mut self.rng);
        let room = target.saturating_sub(required.len());
        required.extend(optional.into_iter().take(room));
        required
    }

    fn span(
        &mut self,
        name: String,
        kind: SpanKind,
        frame: Frame,
        attributes: Vec<KeyValue>,
        error: bool,
    ) -> Span {
        let end = frame.start + frame.duration;
        let (status, events) = if error {
            let event = Event {
                time_unix_nano: end,
                name: "exception".to_owned(),
                attributes: vec![
                    kv("exception.type", "UpstreamError"),
                    kv("exception.message", "upstream answered with an error"),
                ],
                dropped_attributes_count: 0,
            };
            (
                Status {
                    code: StatusCode::Error as i32,
                    message: "upstream answered with an error".to_owned(),
                },
                vec![event],
            )
        } else {
            (Status::default(), Vec::new())
        };
        Span {
            trace_id: frame.trace_id,
            span_id: self.id::<8>(),
            parent_span_id: frame.parent_span_id,
            // Sampled.
            flags: 1,
            name,
            kind: kind as i32,
            start_time_unix_nano: frame.start,
            end_time_unix_nano: end,
            attributes,
            events,
            status: Some(status),
            ..Default::default()
        }
    }

    fn resource_metrics(&mut self, service: usize, quota: usize) -> ResourceMetrics {
        let time = self.config.base_time_unix_nano;
        let start = time - METRICS_START_NS;
        let mut http = Vec::new();
        let mut db = Vec::new();
        let mut connections = Vec::new();
        let mut cpu = Vec::new();
        // Half the points are the HTTP duration histogram, the rest split between a database
        // histogram and two sums: roughly what an instrumented web service exports.
        for i in 0..quota {
            match i % 4 {
                0 | 1 => {
                    let o = &self.operations[(i / 2) % self.operations.len()];
                    let (method, route) = (o.method, o.route.clone());
                    let error = self.is_error();
                    let status = self.status_code(error, &OK_SERVER_STATUS);
                    let attributes = vec![
                        kv("http.request.method", method),
                        kv("http.route", &route),
                        int("http.response.status_code", status),
                        kv("url.scheme", "https"),
                        kv("network.protocol.version", "1.1"),
                    ];
                    http.push(self.histogram_point(attributes, start, time));
                }
                2 => {
                    let (system, _, ops) = DATABASES[(i / 4) % DATABASES.len()];
                    let resource = RESOURCES[(i / 16) % RESOURCES.len()];
                    let attributes = vec![
                        kv("db.system.name", system),
                        kv("db.operation.name", ops[(i / 4) % ops.len()]),
                        kv("db.collection.name", resource),
                        kv("db.namespace", "shop"),
                    ];
                    db.push(self.histogram_point(attributes, start, time));
                }
                _ if (i / 4) % 2 == 0 => {
                    let attributes = vec![
                        kv(
                            "db.client.connection.state",
                            if (i / 8) % 2 == 0 { "idle" } else { "used" },
                        ),
                        kv(
                            "db.client.connection.pool.name",
                            &format!("pool-{}", i / 16),
                        ),
                    ];
                    let value = number_data_point::Value::AsInt(self.rng.random_range(0..64));
                    connections.push(number_point(attributes, start, time, value));
                }
                _ => {
                    let mode = ["user", "system"][(i / 8) % 2];
                    let attributes = vec![
                        kv("cpu.mode", mode),
                        int("cpu.logical_number", (i / 16) as i64),
                    ];
                    let value =
                        number_data_point::Value::AsDouble(self.rng.random_range(10.0..5000.0));
                    cpu.push(number_point(attributes, start, time, value));
                }
            }
        }
        let histogram = |name: &str, description: &str, data_points| Metric {
            name: name.to_owned(),
            description: description.to_owned(),
            unit: "s".to_owned(),
            data: Some(metric::Data::Histogram(Histogram {
                data_points,
                aggregation_temporality: AggregationTemporality::Cumulative as i32,
            })),
            ..Default::default()
        };
        let sum = |name: &str, unit: &str, monotonic, data_points| Metric {
            name: name.to_owned(),
            unit: unit.to_owned(),
            data: Some(metric::Data::Sum(Sum {
                data_points,
                aggregation_temporality: AggregationTemporality::Cumulative as i32,
                is_monotonic: monotonic,
            })),
            ..Default::default()
        };
        let metrics = [
            histogram(
                "http.server.request.duration",
                "Duration of HTTP server requests.",
                http,
            ),
            histogram(
                "db.client.operation.duration",
                "Duration of database client operations.",
                db,
            ),
            sum(
                "db.client.connection.count",
                "{connection}",
                false,
                connections,
            ),
            sum("process.cpu.time", "s", true, cpu),
        ]
        .into_iter()
        .filter(|m| match &m.data {
            Some(metric::Data::Histogram(h)) => !h.data_points.is_empty(),
            Some(metric::Data::Sum(s)) => !s.data_points.is_empty(),
            _ => false,
        })
        .collect();
        let s = &self.services[service];
        ResourceMetrics {
            resource: Some(s.resource.clone()),
            scope_metrics: vec![ScopeMetrics {
                scope: Some(s.scope.clone()),
                metrics,
                schema_url: SCHEMA_URL.to_owned(),
            }],
            schema_url: SCHEMA_URL.to_owned(),
        }
    }

    /// A histogram point over a handful of log-normal durations.
    fn histogram_point(
        &mut self,
        attributes: Vec<KeyValue>,
        start: u64,
        time: u64,
    ) -> HistogramDataPoint {
        let mut bucket_counts = vec![0u64; DURATION_BOUNDS_S.len() + 1];
        let mut sum = 0.0;
        let mut min = f64::MAX;
        let mut max = 0.0f64;
        let count = self.rng.random_range(1..=64u64);
        for _ in 0..count {
            let seconds = self.root_duration_ns() as f64 / 1e9;
            let bucket = DURATION_BOUNDS_S.partition_point(|&b| b < seconds);
            bucket_counts[bucket] += 1;
            sum += seconds;
            min = min.min(seconds);
            max = max.max(seconds);
        }
        HistogramDataPoint {
            attributes,
            start_time_unix_nano: start,
            time_unix_nano: time,
            count,
            sum: Some(sum),
            bucket_counts,
            explicit_bounds: DURATION_BOUNDS_S.to_vec(),
            min: Some(min),
            max: Some(max),
            ..Default::default()
        }
    }

    fn resource_logs(&mut self, service: usize, quota: usize) -> ResourceLogs {
        let mut log_records = Vec::with_capacity(quota);
        while log_records.len() < quota {
            // A handful of records per request handled, all in its trace.
            let trace_id = self.id::<16>();
            let o = &self.operations[self.rng.random_range(0..self.operations.len())];
            let (method, route, resource) = (o.method, o.route.clone(), o.resource);
            let time = self.config.base_time_unix_nano - self.rng.random_range(0..START_WINDOW_NS);
            for n in 0..self.rng.random_range(1..=4u64) {
                if log_records.len() >= quota {
                    break;
                }
                let (severity, text, body) = if self.is_error() {
                    (
                        SeverityNumber::Error,
                        "ERROR",
                        format!("{method} {route} failed: upstream {resource} unavailable"),
                    )
                } else {
                    match self.rng.random_range(0..10) {
                        0 => (
                            SeverityNumber::Debug,
                            "DEBUG",
                            format!(
                                "cache miss for {resource}:{}",
                                self.rng.random_range(0..1000)
                            ),
                        ),
                        1 => (
                            SeverityNumber::Warn,
                            "WARN",
                            format!("slow query on {resource}, retrying"),
                        ),
                        _ => (
                            SeverityNumber::Info,
                            "INFO",
                            format!(
                                "{method} {route} handled in {} ms",
                                self.root_duration_ns() / 1_000_000
                            ),
                        ),
                    }
                };
                let attributes = vec![
                    kv("http.request.method", method),
                    kv("http.route", &route),
                    kv("code.function.name", &format!("handle_{resource}")),
                    kv(
                        "thread.name",
                        &format!("worker-{}", self.rng.random_range(0..16)),
                    ),
                ];
                let at = time + n * 1_000_000;
                log_records.push(LogRecord {
                    time_unix_nano: at,
                    observed_time_unix_nano: at + 250_000,
                    severity_number: severity as i32,
                    severity_text: text.to_owned(),
                    body: Some(string_value(&body)),
                    attributes,
                    flags: 1,
                    trace_id: trace_id.clone(),
                    span_id: self.id::<8>(),
                    ..Default::default()
                });
            }
        }
        let s = &self.services[service];
        ResourceLogs {
            resource: Some(s.resource.clone()),
            scope_logs: vec![ScopeLogs {
                scope: Some(s.scope.clone()),
                log_records,
                schema_url: SCHEMA_URL.to_owned(),
            }],
            schema_url: SCHEMA_URL.to_owned(),
        }
    }

    fn is_error(&mut self) -> bool {
        self.rng
            .random_bool(self.config.error_ratio.clamp(0.0, 1.0))
    }

    fn status_code(&mut self, error: bool, ok: &[i64]) -> i64 {
        let choices = if error { &ERROR_STATUS[..] } else { ok };
        choices[self.rng.random_range(0..choices.len())]
    }

    /// A log-normal duration: `median · e^(σ·Z)` with `Z` standard normal (Box–Muller).
    fn root_duration_ns(&mut self) -> u64 {
        let u1 = 1.0 - self.rng.random::<f64>();
        let u2 = self.rng.random::<f64>();
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        let ms = self.config.duration_median_ms * (self.config.duration_sigma * z).exp();
        ((ms * 1e6) as u64).max(1_000)
    }

    /// A random id of `N` bytes, never all zero (OTLP's "invalid").
    fn id<const N: usize>(&mut self) -> Vec<u8> {
        let mut id = [0u8; N];
        self.rng.fill(&mut id[..]);
        id[N - 1] |= 1;
        id.to_vec()
    }

    fn ip(&mut self) -> String {
        format!(
            "10.{}.{}.{}",
            self.rng.random_range(0..8),
            self.rng.random_range(0..256),
            self.rng.random_range(1..255)
        )
    }
}

fn service(i: usize, rng: &mut SmallRng) -> Service {
    let base = SERVICE_NAMES[i % SERVICE_NAMES.len()];
    let name = match i / SERVICE_NAMES.len() {
        0 => base.to_owned(),
        n => format!("{base}-{n}"),
    };
    let (language, sdk_version, scope) = SDKS[i % SDKS.len()];
    let mut instance = [0u8; 16];
    rng.fill(&mut instance[..]);
    let host = format!("{name}.internal");
    Service {
        resource: Resource {
            attributes: vec![
                kv("service.name", &name),
                kv("service.version", &format!("1.{}.{}", i % 7, i % 3)),
                kv("service.instance.id", &hex(&instance)),
                kv("host.name", &format!("node-{}", i % 5)),
                kv("telemetry.sdk.name", "opentelemetry"),
                kv("telemetry.sdk.language", language),
                kv("telemetry.sdk.version", sdk_version),
                kv("deployment.environment.name", "production"),
            ],
            dropped_attributes_count: 0,
            entity_refs: Vec::new(),
        },
        scope: InstrumentationScope {
            name: scope.to_owned(),
            version: "0.62.0".to_owned(),
            attributes: Vec::new(),
            dropped_attributes_count: 0,
        },
        name,
        host,
    }
}

fn operation(i: usize) -> Operation {
    let resource = RESOURCES[i % RESOURCES.len()];
    let (method, suffix) = SHAPES[(i / RESOURCES.len()) % SHAPES.len()];
    let version = 1 + i / (RESOURCES.len() * SHAPES.len());
    Operation {
        method,
        route: format!("/api/v{version}/{resource}{suffix}"),
        resource,
    }
}

fn number_point(
    attributes: Vec<KeyValue>,
    start: u64,
    time: u64,
    value: number_data_point::Value,
) -> NumberDataPoint {
    NumberDataPoint {
        attributes,
        start_time_unix_nano: start,
        time_unix_nano: time,
        value: Some(value),
        ..Default::default()
    }
}

fn string_value(s: &str) -> AnyValue {
    AnyValue {
        value: Some(Value::StringValue(s.to_owned())),
    }
}

fn kv(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(string_value(value)),
        ..Default::default()
    }
}

fn int(key: &str, value: i64) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(Value::IntValue(value)),
        }),
        ..Default::default()
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;

    fn config(seed: u64) -> WorkloadConfig {
        WorkloadConfig {
            services: 20,
            operations: 50,
            error_ratio: 0.05,
            duration_median_ms: 20.0,
            duration_sigma: 0.8,
            seed,
            base_time_unix_nano: 1_700_000_000_000_000_000,
        }
    }

    fn spans(payload: &Payload) -> Vec<&Span> {
        match payload {
            Payload::Traces(r) => r
                .resource_spans
                .iter()
                .flat_map(|rs| &rs.scope_spans)
                .flat_map(|ss| &ss.spans)
                .collect(),
            _ => panic!("not traces"),
        }
    }

    #[test]
    fn a_seed_gives_the_same_requests_and_another_seed_others() {
        let encode = |seed| {
            let mut w = Workload::new(config(seed));
            Signal::ALL
                .iter()
                .map(|&s| w.request(s, 300).encode_to_vec())
                .collect::<Vec<_>>()
        };
        assert_eq!(encode(7), encode(7));
        assert_ne!(encode(7), encode(8));
    }

    #[test]
    fn requests_hold_exactly_the_items_asked_for() {
        let mut w = Workload::new(config(1));
        for signal in Signal::ALL {
            for items in [1, 3, 7, 512, 1000] {
                assert_eq!(
                    w.request(signal, items).item_count(),
                    items,
                    "{signal} {items}"
                );
            }
        }
    }

    #[test]
    fn resources_carry_the_sdk_attributes_and_requests_rotate_services() {
        let mut w = Workload::new(config(1));
        let mut seen = HashSet::new();
        for _ in 0..5 {
            let Payload::Traces(r) = w.request(Signal::Traces, 512) else {
                panic!("not traces")
            };
            assert_eq!(r.resource_spans.len(), MAX_RESOURCES_PER_REQUEST);
            for rs in &r.resource_spans {
                let keys: Vec<_> = rs
                    .resource
                    .as_ref()
                    .map(|r| r.attributes.iter().map(|a| a.key.as_str()).collect())
                    .unwrap_or_default();
                for key in [
                    "service.name",
                    "service.version",
                    "service.instance.id",
                    "host.name",
                    "telemetry.sdk.name",
                    "telemetry.sdk.language",
                    "telemetry.sdk.version",
                    "deployment.environment.name",
                ] {
                    assert!(keys.contains(&key), "{key} missing");
                }
                let name = &rs.resource.as_ref().map(|r| r.attributes[0].clone());
                seen.insert(format!("{name:?}"));
            }
        }
        assert_eq!(
            seen.len(),
            20,
            "5 requests of 4 resources cover the 20 services"
        );
    }

    #[test]
    fn every_span_has_8_to_12_attributes() {
        let mut w = Workload::new(config(2));
        let payload = w.request(Signal::Traces, 20_000);
        for span in spans(&payload) {
            let n = span.attributes.len();
            assert!(
                (MIN_SPAN_ATTRIBUTES..=MAX_SPAN_ATTRIBUTES).contains(&n),
                "{} has {n} attributes",
                span.name
            );
            let keys: HashSet<_> = span.attributes.iter().map(|a| &a.key).collect();
            assert_eq!(keys.len(), n, "duplicate keys on {}", span.name);
        }
    }

    #[test]
    fn traces_have_one_server_root_and_children_inside_their_parents() {
        let mut w = Workload::new(config(3));
        let payload = w.request(Signal::Traces, 5_000);
        let spans = spans(&payload);
        let by_id: HashMap<&[u8], &Span> =
            spans.iter().map(|s| (s.span_id.as_slice(), *s)).collect();
        assert_eq!(by_id.len(), spans.len(), "span ids are unique");
        let mut roots: HashMap<&[u8], usize> = HashMap::new();
        let mut kinds = HashSet::new();
        for span in &spans {
            assert_eq!(span.trace_id.len(), 16);
            assert_eq!(span.span_id.len(), 8);
            kinds.insert(span.kind);
            if span.parent_span_id.is_empty() {
                assert_eq!(span.kind, SpanKind::Server as i32);
                *roots.entry(&span.trace_id).or_default() += 1;
                continue;
            }
            let parent = by_id[span.parent_span_id.as_slice()];
            assert_eq!(parent.trace_id, span.trace_id);
            assert_ne!(span.kind, SpanKind::Server as i32);
            assert!(parent.start_time_unix_nano <= span.start_time_unix_nano);
            assert!(span.end_time_unix_nano <= parent.end_time_unix_nano);
            assert!(span.start_time_unix_nano < span.end_time_unix_nano);
        }
        let traces: HashSet<_> = spans.iter().map(|s| &s.trace_id).collect();
        assert_eq!(roots.len(), traces.len(), "every trace has a root");
        assert!(roots.values().all(|&n| n == 1), "one root per trace");
        assert!(traces.len() > 500, "several spans per trace, many traces");
        for kind in [SpanKind::Server, SpanKind::Client, SpanKind::Internal] {
            assert!(kinds.contains(&(kind as i32)), "{kind:?} spans");
        }
    }

    #[test]
    fn the_error_ratio_holds_and_errors_are_5xx() {
        let mut w = Workload::new(config(4));
        let payload = w.request(Signal::Traces, 50_000);
        let spans = spans(&payload);
        let mut errors = 0;
        for span in &spans {
            let error = span.status.as_ref().map(|s| s.code) == Some(StatusCode::Error as i32);
            errors += usize::from(error);
            let status = span.attributes.iter().find_map(|a| {
                match (
                    a.key.as_str(),
                    a.value.as_ref().and_then(|v| v.value.as_ref()),
                ) {
                    ("http.response.status_code", Some(Value::IntValue(c))) => Some(*c),
                    _ => None,
                }
            });
            if let Some(code) = status {
                assert_eq!(error, code >= 500, "{} with {code}", span.name);
            }
            let error_type = span.attributes.iter().any(|a| a.key == "error.type");
            assert_eq!(error, error_type, "error.type iff error");
        }
        let ratio = errors as f64 / spans.len() as f64;
        assert!((ratio - 0.05).abs() < 0.005, "error ratio {ratio}");
    }

    #[test]
    fn root_durations_are_positive_around_the_median() {
        let mut w = Workload::new(config(5));
        let payload = w.request(Signal::Traces, 50_000);
        let mut roots: Vec<u64> = spans(&payload)
            .iter()
            .filter(|s| s.parent_span_id.is_empty())
            .map(|s| s.end_time_unix_nano - s.start_time_unix_nano)
            .collect();
        assert!(roots.iter().all(|&d| d > 0));
        roots.sort_unstable();
        let median_ms = roots[roots.len() / 2] as f64 / 1e6;
        assert!((median_ms - 20.0).abs() < 2.0, "median {median_ms} ms");
        // σ = 0.8: the 84th percentile of a log-normal sits at median·e^σ ≈ 44.5 ms.
        let p84_ms = roots[roots.len() * 841 / 1000] as f64 / 1e6;
        assert!((p84_ms - 44.5).abs() < 5.0, "p84 {p84_ms} ms");
    }

    #[test]
    fn logs_carry_trace_context_and_metrics_have_sums_and_histograms() {
        let mut w = Workload::new(config(6));
        let Payload::Logs(logs) = w.request(Signal::Logs, 512) else {
            panic!("not logs")
        };
        for record in logs
            .resource_logs
            .iter()
            .flat_map(|r| &r.scope_logs)
            .flat_map(|s| &s.log_records)
        {
            assert_eq!(record.trace_id.len(), 16);
            assert_eq!(record.span_id.len(), 8);
            assert!(record.severity_number > 0);
        }
        let Payload::Metrics(metrics) = w.request(Signal::Metrics, 512) else {
            panic!("not metrics")
        };
        for rm in &metrics.resource_metrics {
            let data: Vec<_> = rm
                .scope_metrics
                .iter()
                .flat_map(|s| &s.metrics)
                .filter_map(|m| m.data.as_ref())
                .collect();
            assert!(data.iter().any(|d| matches!(d, metric::Data::Histogram(_))));
            assert!(data.iter().any(|d| matches!(d, metric::Data::Sum(_))));
            for d in data {
                if let metric::Data::Histogram(h) = d {
                    for p in &h.data_points {
                        assert_eq!(p.bucket_counts.iter().sum::<u64>(), p.count);
                        assert_eq!(p.bucket_counts.len(), p.explicit_bounds.len() + 1);
                    }
                }
            }
        }
    }

    #[test]
    fn operations_are_distinct_route_templates() {
        let routes: HashSet<_> = (0..200)
            .map(|i| {
                let o = operation(i);
                (o.method, o.route)
            })
            .collect();
        assert_eq!(routes.len(), 200);
    }
}
