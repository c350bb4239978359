//! The sampler's checkpoint end to end: weir learns a probability, is stopped with SIGTERM, and a
//! new weir on the same checkpoint samples at the learned probability from its first span and keeps
//! learning from there; a garbage checkpoint is logged and weir starts afresh.

mod common;

use std::path::Path;
use std::time::Duration;

use common::fixtures::send_grpc;
use common::sink::Sink;
use common::{Ports, Weir, eventually};
use weir_proto::otlp::trace::v1::Span;
use weir_proto::{Payload, fixtures};

const CHECKOUT: &[&str] = &[r#"service="checkout""#];

/// A config deciding and checkpointing every `interval`.
fn config(ports: &Ports, sink: std::net::SocketAddr, checkpoint: &Path, interval: &str) -> String {
    format!(
        r#"
receivers:
  otlp:
    protocols:
      grpc: {{ endpoint: "{grpc}" }}
processors:
  adaptive_sampler:
    decision_interval: {interval}
    checkpoint: {{ path: "{checkpoint}", interval: {interval} }}
  batch: {{ timeout: 50ms }}
exporters:
  otlp/sink: {{ endpoint: "http://{sink}" }}
service:
  telemetry:
    metrics: {{ address: "{admin}" }}
  pipelines:
    traces: {{ receivers: [otlp], processors: [adaptive_sampler, batch], exporters: [otlp/sink] }}
"#,
        grpc = ports.grpc,
        admin = ports.admin,
        checkpoint = checkpoint.display(),
    )
}

/// Sends `per_tick` single-span checkout traces every 50 ms until the task is aborted.
fn traffic(grpc: std::net::SocketAddr, per_tick: usize, seed: u64) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ids = fixtures::random_trace_ids(seed);
        let mut ticks = tokio::time::interval(Duration::from_millis(50));
        loop {
            ticks.tick().await;
            let spans = (&mut ids)
                .take(per_tick)
                .map(|id| Span {
                    trace_id: id.to_vec(),
                    span_id: id[..8].to_vec(),
                    name: "GET /cart".to_owned(),
                    kind: 2,
                    start_time_unix_nano: 1_700_000_000_000_000_000,
                    end_time_unix_nano: 1_700_000_000_020_000_000,
                    ..Span::default()
                })
                .collect();
            let payload = Payload::Traces(fixtures::service_spans("checkout", spans));
            let _ = send_grpc(grpc, &payload, None).await;
        }
    })
}

/// The probability the checkpoint at `path` holds for checkout.
fn saved_probability(path: &Path) -> f64 {
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("a checkpoint file"))
            .expect("a JSON checkpoint");
    assert_eq!(saved["version"], 1, "{saved}");
    saved["keys"]
        .as_array()
        .expect("a list of keys")
        .iter()
        .find(|key| key["service"] == "checkout")
        .and_then(|key| key["probability"].as_f64())
        .unwrap_or_else(|| panic!("no checkout in {saved}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_resumes_at_the_learned_probability_and_keeps_learning() {
    let sink = Sink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sampler.json");

    let ports = Ports::new();
    let mut first = Weir::start(&ports, &config(&ports, sink.addr, &path, "500ms")).await;
    // About 2000 traces/s against the default target of 10: p falls from 0.1 towards 0.005.
    let busy = traffic(ports.grpc, 100, 1);
    let learned = eventually(Duration::from_secs(20), async || {
        // 0 until checkout's first span: no such series yet.
        let p = first.metric("weir_sampler_probability", CHECKOUT).await;
        p > 0.0 && p < 0.02
    })
    .await;
    busy.abort();
    assert!(learned, "{}", first.metrics().await);
    assert!(
        first
            .metric("weir_sampler_checkpoint_writes_total", &[])
            .await
            >= 1.0
    );
    assert!(first.terminate(Duration::from_secs(20)).success());
    // Written once more at shutdown: what the policy held when weir stopped.
    let saved = saved_probability(&path);
    assert!(saved < 0.05, "saved {saved}");

    let ports = Ports::new();
    let second = Weir::start(&ports, &config(&ports, sink.addr, &path, "500ms")).await;
    // Before any span: the learned probability, not initial_probability.
    let resumed = second.metric("weir_sampler_probability", CHECKOUT).await;
    assert!(
        (resumed - saved).abs() < 1e-9,
        "resumed at {resumed}, saved {saved}"
    );
    assert_eq!(
        second
            .metric("weir_sampler_checkpoint_restored_keys", &[])
            .await,
        2.0,
        "checkout and _other"
    );
    assert!(
        second
            .logs()
            .contains("Sampler resumed from its checkpoint."),
        "{}",
        second.logs()
    );
    // A tenth of the traffic: the policy goes on from the learned p and raises it.
    let quieter = traffic(ports.grpc, 10, 2);
    let raised = eventually(Duration::from_secs(20), async || {
        second.metric("weir_sampler_probability", CHECKOUT).await > resumed * 2.0
    })
    .await;
    quieter.abort();
    assert!(raised, "{}", second.metrics().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_garbage_checkpoint_is_logged_and_weir_starts_afresh() {
    let sink = Sink::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sampler.json");
    std::fs::write(&path, b"{\"version\": 1, \"keys\": [garbage").unwrap();

    let ports = Ports::new();
    // No decision comes in the test's time: the probability stays where weir started it.
    let mut weir = Weir::start(&ports, &config(&ports, sink.addr, &path, "1m")).await;
    let logs = weir.logs();
    assert!(
        logs.contains("Sampler checkpoint unusable; starting from initial_probability.")
            && logs.contains("truncated or corrupt"),
        "{logs}"
    );
    assert_eq!(
        weir.metric("weir_sampler_checkpoint_restored_keys", &[])
            .await,
        0.0
    );
    send_grpc(
        ports.grpc,
        &Payload::Traces(fixtures::service_spans(
            "checkout",
            vec![Span {
                trace_id: vec![7; 16],
                span_id: vec![7; 8],
                kind: 2,
                ..Span::default()
            }],
        )),
        None,
    )
    .await
    .expect("export");
    assert_eq!(weir.metric("weir_sampler_probability", CHECKOUT).await, 0.1);
    // Stopping writes a good checkpoint over the garbage.
    assert!(weir.terminate(Duration::from_secs(20)).success());
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(saved["version"], 1, "{saved}");
}
