//! The adaptive sampler end to end: golden signals count every span while the downstream server
//! gets only the sampled traces (all the errors among them), each kept span says its threshold in
//! `tracestate`, and two weir instances keep the same traces without talking to each other.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::fixtures::send_grpc;
use common::sink::Sink;
use common::{Ports, Weir, eventually, metric_sum};
use weir_proto::otlp::trace::v1::{Span, Status};
use weir_proto::{Payload, fixtures};
use weir_sampler::sample::Threshold;

/// Traces sent, and how many of them err.
const TRACES: u64 = 2000;
const ERRORS: u64 = 100;

fn traces() -> Payload {
    let spans = (0..TRACES)
        .map(|n| {
            // Spread ids over the whole randomness range: a multiplicative hash of n.
            let id = (u128::from(n) + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835);
            Span {
                trace_id: id.to_be_bytes().to_vec(),
                span_id: (n + 1).to_be_bytes().to_vec(),
                name: "GET /cart".to_owned(),
                kind: 2,
                start_time_unix_nano: 1_700_000_000_000_000_000,
                end_time_unix_nano: 1_700_000_000_020_000_000,
                status: Some(Status {
                    code: if n < ERRORS { 2 } else { 0 },
                    message: String::new(),
                }),
                ..Span::default()
            }
        })
        .collect();
    Payload::Traces(fixtures::service_spans("checkout", spans))
}

fn config(ports: &Ports, sink: std::net::SocketAddr) -> String {
    format!(
        r#"
receivers:
  otlp:
    protocols:
      grpc: {{ endpoint: "{grpc}" }}
processors:
  golden_signals: {{}}
  adaptive_sampler: {{ initial_probability: 0.1 }}
  batch: {{ timeout: 50ms }}
exporters:
  otlp/sink: {{ endpoint: "http://{sink}" }}
service:
  telemetry:
    metrics: {{ address: "{admin}" }}
  pipelines:
    traces: {{ receivers: [otlp], processors: [golden_signals, adaptive_sampler, batch], exporters: [otlp/sink] }}
"#,
        grpc = ports.grpc,
        admin = ports.admin
    )
}

fn kept_spans(sink: &Sink) -> Vec<Span> {
    sink.received()
        .into_iter()
        .flat_map(|payload| match payload {
            Payload::Traces(r) => r.resource_spans,
            _ => Vec::new(),
        })
        .flat_map(|r| r.scope_spans)
        .flat_map(|s| s.spans)
        .collect()
}

/// Sends the traces to a new weir and returns what its sink received, and its `/metrics`.
async fn through_weir() -> (Vec<Span>, String) {
    let sink = Sink::start().await;
    let ports = Ports::new();
    let weir = Weir::start(&ports, &config(&ports, sink.addr)).await;
    send_grpc(ports.grpc, &traces(), None)
        .await
        .expect("export");
    let calls = async || {
        metric_sum(
            &weir.metrics().await,
            "traces_span_metrics_calls_total",
            &[],
        ) == TRACES as f64
    };
    assert!(eventually(Duration::from_secs(10), calls).await);
    // Everything kept is delivered once the batch times out.
    let mut last = usize::MAX;
    assert!(
        eventually(Duration::from_secs(10), async || {
            let now = sink.items();
            let settled = now == last && now > 0;
            last = now;
            settled
        })
        .await
    );
    (kept_spans(&sink), weir.metrics().await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sampled_traces_go_on_while_golden_signals_count_them_all() {
    let (kept, metrics) = through_weir().await;
    let errors = kept
        .iter()
        .filter(|s| s.status.as_ref().is_some_and(|s| s.code == 2))
        .count();
    assert_eq!(errors as u64, ERRORS, "every error trace is kept");
    let th = Threshold::from_probability(0.1)
        .encode()
        .expect("0.1 has a th");
    // 1900 others at the initial probability 0.1: 190 expected, sd 13; 4 sd either side.
    let others = kept.len() - errors;
    assert!(
        (138..=242).contains(&others),
        "kept {others} of 1900 at p = 0.1"
    );
    assert!(
        kept.iter()
            .filter(|s| s.status.as_ref().is_none_or(|s| s.code != 2))
            .all(|s| s.trace_state == format!("ot=th:{}", th.as_str())),
        "a span kept at p = 0.1 carries its threshold: {:?}",
        kept.iter().map(|s| &s.trace_state).collect::<BTreeSet<_>>()
    );
    assert_eq!(
        metric_sum(&metrics, "traces_span_metrics_calls_total", &[]),
        TRACES as f64,
        "golden signals see every span"
    );
    assert_eq!(
        metric_sum(
            &metrics,
            "weir_sampler_spans_total",
            &[r#"service="checkout""#, r#"decision="kept""#]
        ),
        kept.len() as f64
    );
    assert_eq!(
        metric_sum(
            &metrics,
            "weir_sampler_probability",
            &[r#"service="checkout""#]
        ),
        0.1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_keep_the_same_traces() {
    let (a, b) = tokio::join!(through_weir(), through_weir());
    let ids = |spans: &[Span]| {
        spans
            .iter()
            .map(|s| s.trace_id.clone())
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(ids(&a.0), ids(&b.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_sampling_changes_a_running_sampler() {
    let sink = Sink::start().await;
    let ports = Ports::new();
    let weir = Weir::start(&ports, &config(&ports, sink.addr)).await;
    let url = format!("http://{}/sampling", ports.admin);
    let json = [("content-type", "application/json")];

    let (status, _, body) = common::put(
        &url,
        &json,
        r#"{"overrides": [{"service": "checkout", "probability": 2}]}"#,
    )
    .await
    .expect("PUT");
    assert_eq!(status, 400);
    assert!(
        String::from_utf8_lossy(&body).contains("at most 1, not 2"),
        "{body:?}"
    );

    let change = r#"{"sampler": "adaptive_sampler", "target_traces_per_second": 25,
                     "overrides": [{"service": "checkout", "probability": 1.0}]}"#;
    let (status, _, body) = common::put(&url, &json, change).await.expect("PUT");
    assert_eq!(status, 200, "{body:?}");
    let (_, _, body) = common::get(&url).await.expect("GET");
    let read: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        read,
        serde_json::json!([{ "sampler": "adaptive_sampler", "target_traces_per_second": 25.0,
                             "overrides": [{ "service": "checkout", "probability": 1.0 }] }])
    );

    // Applied at once: every trace is kept now, without waiting for an interval.
    send_grpc(ports.grpc, &traces(), None)
        .await
        .expect("export");
    assert!(
        eventually(Duration::from_secs(10), async || sink.items()
            == TRACES as usize)
        .await,
        "kept {} of {TRACES}",
        sink.items()
    );
    drop(weir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_applies_a_changed_target_and_overrides() {
    let sink = Sink::start().await;
    let ports = Ports::new();
    let first = config(&ports, sink.addr);
    let weir = Weir::start(&ports, &first).await;
    let url = format!("http://{}/sampling", ports.admin);
    let read = async || {
        let (_, _, body) = common::get(&url).await.expect("GET");
        serde_json::from_slice::<serde_json::Value>(&body).unwrap()
    };
    let hangup = || {
        let status = std::process::Command::new("kill")
            .args(["-HUP", &weir.pid().to_string()])
            .status()
            .expect("kill -HUP");
        assert!(status.success());
    };
    let path = weir.dir.path().join("weir.yaml");
    let changed = first.replace(
        "adaptive_sampler: { initial_probability: 0.1 }",
        "adaptive_sampler: { initial_probability: 0.1, target: { target_traces_per_second: 40 }, \
         overrides: [{ service: checkout, probability: 0.5 }] }",
    );
    assert_ne!(changed, first);
    std::fs::write(&path, &changed).unwrap();
    hangup();
    let wanted = serde_json::json!([{ "sampler": "adaptive_sampler", "target_traces_per_second": 40.0,
                                      "overrides": [{ "service": "checkout", "probability": 0.5 }] }]);
    assert!(eventually(Duration::from_secs(10), async || read().await == wanted).await);

    // An invalid config is refused whole; the running settings stay.
    std::fs::write(&path, changed.replace("probability: 0.5", "probability: 5")).unwrap();
    hangup();
    assert!(
        eventually(Duration::from_secs(10), async || weir
            .logs()
            .contains("the config is invalid"))
        .await,
        "{}",
        weir.logs()
    );
    assert_eq!(read().await, wanted);
}
