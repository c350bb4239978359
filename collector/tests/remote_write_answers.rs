//! The remote-write exporter against receivers that answer badly: a storm of 429s with `Retry-After`,
//! and a receiver slower than the clients. A small scripted receiver on 127.0.0.1 stands in for a
//! real one, as no real receiver can be made to answer so on demand. Every sample weir accepted must
//! arrive exactly once and in order, waits must be the receiver's, and weir must push back on its
//! clients rather than grow.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};
use prost::Message;
use tokio::sync::Mutex;
use tokio::task::JoinHandle;
use weir_proto::Payload;
use weir_proto::otlp::metrics::v1::{Gauge, Metric, NumberDataPoint, metric, number_data_point};
use weir_proto::remote_write::v1::WriteRequest;

use common::fixtures::{send_grpc, send_http};
use common::remote_write::{now_ns, service_metrics};
use common::{Ports, Weir, eventually, free_port};

/// One request the receiver saw: when, what it answered, and the `level` values it carried.
#[derive(Clone, Debug)]
struct Attempt {
    at: Instant,
    status: u16,
    values: Vec<f64>,
}

/// How the receiver answers.
struct Script {
    /// Requests still to be answered 429 with `Retry-After: 1`.
    refusals_left: AtomicUsize,
    /// How long it takes before each answer.
    delay: Duration,
    attempts: Mutex<Vec<Attempt>>,
}

/// The scripted receiver; stopped when dropped.
struct Receiver {
    addr: SocketAddr,
    script: Arc<Script>,
    task: JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    async fn start(refusals: usize, delay: Duration) -> Receiver {
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
        let script = Arc::new(Script {
            refusals_left: AtomicUsize::new(refusals),
            delay,
            attempts: Mutex::default(),
        });
        let app = axum::Router::new()
            .route("/api/v1/write", axum::routing::post(answer))
            .with_state(Arc::clone(&script));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { addr, script, task }
    }

    fn url(&self) -> String {
        format!("http://{}/api/v1/write", self.addr)
    }

    async fn attempts(&self) -> Vec<Attempt> {
        self.script.attempts.lock().await.clone()
    }

    /// The values of every request answered 2xx, in the order they arrived.
    async fn written(&self) -> Vec<f64> {
        self.attempts()
            .await
            .into_iter()
            .filter(|a| a.status < 300)
            .flat_map(|a| a.values)
            .collect()
    }
}

async fn answer(State(script): State<Arc<Script>>, headers: HeaderMap, body: Bytes) -> Response {
    let at = Instant::now();
    tokio::time::sleep(script.delay).await;
    // weir is configured for zstd, which this receiver reads, so it never falls back to snappy.
    assert_eq!(
        headers
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("zstd")
    );
    let message = zstd::decode_all(&body[..]).expect("a zstd body");
    let request = WriteRequest::decode(&message[..]).expect("a 1.0 message");
    let values = request
        .timeseries
        .iter()
        .filter(|series| {
            series
                .labels
                .iter()
                .any(|l| l.name == "__name__" && l.value == "level")
        })
        .flat_map(|series| series.samples.iter().map(|s| s.value))
        .collect();
    let refuse = script
        .refusals_left
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
        .is_ok();
    let status = if refuse {
        StatusCode::TOO_MANY_REQUESTS
    } else {
        StatusCode::NO_CONTENT
    };
    script.attempts.lock().await.push(Attempt {
        at,
        status: status.as_u16(),
        values,
    });
    if refuse {
        (status, [("retry-after", "1")], "slow down\n").into_response()
    } else {
        status.into_response()
    }
}

/// A gauge `level` of service `shop` at `value`, stamped `value` ms after `base_ns`: each value its
/// own timestamp, so the receiver sees them in order.
fn level(base_ns: u64, value: u32) -> Payload {
    let point = NumberDataPoint {
        time_unix_nano: base_ns + u64::from(value) * 1_000_000,
        value: Some(number_data_point::Value::AsDouble(f64::from(value))),
        ..NumberDataPoint::default()
    };
    let metric = Metric {
        name: "level".to_owned(),
        data: Some(metric::Data::Gauge(Gauge {
            data_points: vec![point],
        })),
        ..Metric::default()
    };
    service_metrics("shop", vec![metric])
}

/// weir with a metrics pipeline exporting to `url` with zstd and `exporter_extra` (YAML lines under
/// the exporter), batching at most `batch_size` points.
fn config(ports: &Ports, url: &str, batch_size: u32, exporter_extra: &str) -> String {
    format!(
        r#"
receivers:
  otlp:
    protocols:
      grpc: {{ endpoint: "{grpc}" }}
      http: {{ endpoint: "{http}" }}
processors:
  memory_limiter: {{ limit_mib: 64 }}
  batch: {{ timeout: 50ms, send_batch_size: {batch_size}, send_batch_max_size: {batch_size} }}
exporters:
  prometheusremotewrite:
    endpoint: {url}
    compression: zstd
    timeout: 10s
{exporter_extra}
service:
  telemetry:
    metrics: {{ address: "{admin}" }}
  pipelines:
    metrics: {{ receivers: [otlp], processors: [memory_limiter, batch], exporters: [prometheusremotewrite] }}
"#,
        grpc = ports.grpc,
        http = ports.http,
        admin = ports.admin,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_is_waited_out_as_the_receiver_asks() {
    let receiver = Receiver::start(4, Duration::ZERO).await;
    let ports = Ports::new();
    // Backoff alone would retry within 10 ms: only Retry-After makes the waits a second long.
    let retry = "    retry_on_failure: { initial_interval: 10ms, max_interval: 10ms, max_elapsed_time: 0s }";
    let mut weir = Weir::start(&ports, &config(&ports, &receiver.url(), 1000, retry)).await;
    let base = now_ns() - 3_600_000_000_000;
    for value in 1..=10 {
        send_grpc(ports.grpc, &level(base, value), None)
            .await
            .expect("accepted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let expected: Vec<f64> = (1..=10).map(f64::from).collect();
    assert!(
        eventually(Duration::from_secs(20), async || receiver
            .written()
            .await
            .len()
            >= expected.len())
        .await,
        "written {:?}\n{}",
        receiver.written().await,
        weir.logs()
    );
    assert_eq!(
        receiver.written().await,
        expected,
        "each sample once, in order"
    );

    let attempts = receiver.attempts().await;
    let refused = attempts.iter().filter(|a| a.status == 429).count();
    assert_eq!(refused, 4);
    for pair in attempts.windows(2) {
        if pair[0].status == 429 {
            let waited = pair[1].at - pair[0].at;
            assert!(
                waited >= Duration::from_millis(950),
                "retried {waited:?} after a 429 asking for 1 s: {attempts:?}"
            );
            assert_eq!(pair[1].values, pair[0].values, "the refused request again");
        }
    }
    assert_eq!(
        weir.metric("weir_exporter_dropped_items_total", &[]).await,
        0.0
    );
    let status = weir.terminate(Duration::from_secs(20));
    assert!(status.success(), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_receiver_pushes_back_on_clients_and_loses_nothing() {
    let receiver = Receiver::start(0, Duration::from_millis(200)).await;
    let ports = Ports::new();
    let queue = "    sending_queue: { queue_size: 2 }";
    let weir = Weir::start(&ports, &config(&ports, &receiver.url(), 10, queue)).await;
    let base = now_ns() - 3_600_000_000_000;

    // One client sending as fast as weir takes it, until refused 20 times.
    let (mut accepted, mut refused) = (Vec::new(), 0);
    let mut value = 0;
    let started = Instant::now();
    while refused < 20 {
        value += 1;
        let (status, headers, _) = send_http(ports.http, &level(base, value), false, None).await;
        match status {
            200 => accepted.push(f64::from(value)),
            429 | 503 => {
                assert!(
                    headers.contains_key("retry-after"),
                    "a refusal says when to retry"
                );
                refused += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            other => panic!("status {other}"),
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never refused: {} accepted",
            accepted.len()
        );
        let queued = weir
            .metric(
                "weir_exporter_queue_size",
                &[r#"exporter="prometheusremotewrite""#],
            )
            .await;
        assert!(queued <= 2.0, "the exporter queue holds {queued} of 2");
    }
    let budget = weir.metrics().await;
    let used = common::metric_sum(&budget, "weir_memory_budget_used_bytes", &[]);
    let limit = common::metric_sum(&budget, "weir_memory_budget_limit_bytes", &[]);
    assert!(used <= limit, "budget {used} of {limit}");
    assert!(
        weir.metric("weir_receiver_refused_requests_total", &[])
            .await
            >= 20.0,
        "every refusal is counted"
    );
    eprintln!(
        "accepted {} points before 20 refusals, {} written so far",
        accepted.len(),
        receiver.written().await.len()
    );

    assert!(
        eventually(Duration::from_secs(120), async || receiver
            .written()
            .await
            .len()
            >= accepted.len())
        .await,
        "{} of {} written",
        receiver.written().await.len(),
        accepted.len()
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        receiver.written().await,
        accepted,
        "every accepted point once, in order"
    );
    let slow = receiver.attempts().await.iter().all(|a| a.status == 204);
    assert!(slow, "a slow receiver is never retried against");
}
