//! Golden signals end to end: spans sent to a running weir over OTLP/gRPC and OTLP/HTTP show up in
//! `/metrics` under the spanmetrics connector's names, with exactly the counts, buckets and sums of
//! the spans sent, while every span still reaches the downstream server.

mod common;

use std::time::Duration;

use common::fixtures::{send_grpc, send_http};
use common::sink::Sink;
use common::{Ports, Weir, eventually, metric_sum};
use weir_proto::Payload;
use weir_proto::otlp::collector::trace::v1::ExportTraceServiceRequest;
use weir_proto::otlp::common::v1::{AnyValue, KeyValue, any_value};
use weir_proto::otlp::resource::v1::Resource;
use weir_proto::otlp::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};

fn string(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        key_strindex: 0,
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_owned())),
        }),
    }
}

fn int(key: &str, value: i64) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        key_strindex: 0,
        value: Some(AnyValue {
            value: Some(any_value::Value::IntValue(value)),
        }),
    }
}

/// A span of `service`, `duration_ms` long, with status `status` and the HTTP attributes given.
fn span(
    n: u64,
    name: &str,
    kind: i32,
    status: i32,
    duration_ms: u64,
    route: Option<&str>,
    http_status: i64,
) -> Span {
    let start = 1_700_000_000_000_000_000 + n * 1_000_000;
    let mut attributes = vec![int("http.response.status_code", http_status)];
    attributes.extend(route.map(|r| string("http.route", r)));
    Span {
        trace_id: (n as u128 + 1).to_be_bytes().to_vec(),
        span_id: (n + 1).to_be_bytes().to_vec(),
        name: name.to_owned(),
        kind,
        start_time_unix_nano: start,
        end_time_unix_nano: start + duration_ms * 1_000_000,
        attributes,
        status: Some(Status {
            code: status,
            message: String::new(),
        }),
        ..Span::default()
    }
}

fn request(service: &str, spans: Vec<Span>) -> Payload {
    Payload::Traces(ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![
                    string("service.name", service),
                    string("deployment.environment", "prod"),
                ],
                ..Resource::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans,
                ..ScopeSpans::default()
            }],
            ..ResourceSpans::default()
        }],
    })
}

fn config(ports: &Ports, sink: std::net::SocketAddr) -> String {
    format!(
        r#"
receivers:
  otlp:
    protocols:
      grpc: {{ endpoint: "{grpc}" }}
      http: {{ endpoint: "{http}" }}
processors:
  golden_signals:
    dimensions:
      - {{ name: http.route, default: none }}
      - {{ name: deployment.environment }}
    http_server_errors: true
  batch: {{ timeout: 50ms }}
exporters:
  otlp/sink: {{ endpoint: "http://{sink}" }}
service:
  telemetry:
    metrics: {{ address: "{admin}" }}
  pipelines:
    traces: {{ receivers: [otlp], processors: [golden_signals, batch], exporters: [otlp/sink] }}
"#,
        grpc = ports.grpc,
        http = ports.http,
        admin = ports.admin
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_match_the_spans_sent() {
    let sink = Sink::start().await;
    let ports = Ports::new();
    let weir = Weir::start(&ports, &config(&ports, sink.addr)).await;

    // checkout: 10 SERVER spans of GET /cart, durations 1..=10 ms (ms 5 and 10 on bucket bounds 4 and
    // 10 fall in them), the 10th an ERROR; 4 CLIENT spans without a route, 2 of them answered 503.
    let cart: Vec<Span> = (0..10)
        .map(|n| {
            span(
                n,
                "GET /cart",
                2,
                if n == 9 { 2 } else { 1 },
                n + 1,
                Some("/cart"),
                200,
            )
        })
        .collect();
    let client: Vec<Span> = (10..14)
        .map(|n| {
            span(
                n,
                "POST /pay",
                3,
                0,
                700,
                None,
                if n < 12 { 503 } else { 200 },
            )
        })
        .collect();
    send_grpc(ports.grpc, &request("checkout", cart), None)
        .await
        .expect("gRPC export");
    let (status, _, _) = send_http(ports.http, &request("checkout", client), false, None).await;
    assert_eq!(status, 200);

    // edge: 3 spans an upstream sampler kept with probability 1/2 (`th:8`): each stands for 2.
    let sampled: Vec<Span> = (14..17)
        .map(|n| Span {
            trace_state: "vendor=x,ot=th:8".to_owned(),
            ..span(n, "GET /", 2, 0, 3, Some("/"), 200)
        })
        .collect();
    send_grpc(ports.grpc, &request("edge", sampled), None)
        .await
        .expect("gRPC export");

    assert!(
        eventually(Duration::from_secs(10), async || sink.items() == 17).await,
        "the sink got {} spans",
        sink.items()
    );
    let text = weir.metrics().await;
    let server = [
        r#"service_name="checkout""#,
        r#"span_name="GET /cart""#,
        r#"span_kind="SPAN_KIND_SERVER""#,
        r#"http_route="/cart""#,
        r#"deployment_environment="prod""#,
    ];
    let ok = [&server[..], &[r#"status_code="STATUS_CODE_OK""#]].concat();
    let error = [&server[..], &[r#"status_code="STATUS_CODE_ERROR""#]].concat();
    let sum = |name: &str, labels: &[&str]| metric_sum(&text, name, labels);
    assert_eq!(sum("traces_span_metrics_calls_total", &ok), 9.0, "{text}");
    assert_eq!(sum("traces_span_metrics_calls_total", &error), 1.0);
    assert_eq!(
        sum(
            "traces_span_metrics_duration_milliseconds_bucket",
            &[&ok[..], &[r#"le="2""#]].concat()
        ),
        2.0
    );
    assert_eq!(
        sum(
            "traces_span_metrics_duration_milliseconds_bucket",
            &[&ok[..], &[r#"le="4""#]].concat()
        ),
        4.0
    );
    assert_eq!(
        sum(
            "traces_span_metrics_duration_milliseconds_bucket",
            &[&ok[..], &[r#"le="10""#]].concat()
        ),
        9.0
    );
    assert_eq!(
        sum("traces_span_metrics_duration_milliseconds_sum", &ok),
        45.0
    );
    assert_eq!(
        sum("traces_span_metrics_duration_milliseconds_count", &error),
        1.0
    );
    assert_eq!(sum("traces_span_metrics_errors_total", &server), 1.0);

    let client = [
        r#"span_name="POST /pay""#,
        r#"span_kind="SPAN_KIND_CLIENT""#,
        r#"http_route="none""#,
    ];
    assert_eq!(sum("traces_span_metrics_calls_total", &client), 4.0);
    assert_eq!(
        sum("traces_span_metrics_errors_total", &client),
        2.0,
        "503s count as errors"
    );
    assert_eq!(
        sum(
            "traces_span_metrics_duration_milliseconds_bucket",
            &[&client[..], &[r#"le="400""#]].concat()
        ),
        0.0
    );
    assert_eq!(
        sum(
            "traces_span_metrics_duration_milliseconds_bucket",
            &[&client[..], &[r#"le="800""#]].concat()
        ),
        4.0
    );
    let edge = [r#"service_name="edge""#];
    assert_eq!(sum("traces_span_metrics_calls_total", &edge), 6.0, "adjusted counts");
    assert_eq!(sum("traces_span_metrics_duration_milliseconds_sum", &edge), 18.0);
    assert_eq!(sum("weir_golden_signals_series", &[]), 4.0);
}
