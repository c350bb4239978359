//! The remote-write exporter against a scripted receiver on 127.0.0.1.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};
use prost::Message;
use tokio::net::TcpListener;
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinHandle;
use weir_config::{
    ExponentialHistograms, RemoteWriteCompression, RemoteWriteExporterConfig, RemoteWriteMessage,
    RemoteWriteQueueConfig, ResourceToTelemetryConfig, RetryConfig, TargetInfoConfig,
    TlsClientConfig,
};
use weir_proto::otlp::metrics::v1::exponential_histogram_data_point::Buckets;
use weir_proto::otlp::metrics::v1::{
    AggregationTemporality, ExponentialHistogram, ExponentialHistogramDataPoint, Metric, metric,
};
use weir_proto::remote_write::v1::WriteRequest;
use weir_proto::{Encoded, Payload};

use super::RemoteWriteExporter;
use crate::fixtures::{encoded, log, metrics};
use crate::prometheus::SAMPLES_WRITTEN_HEADER;
use crate::{ExportError, Exporter};

/// An answer a receiver gives: status, headers, body.
type Scripted = (u16, Vec<(&'static str, &'static str)>, &'static str);

/// A request as the receiver saw it.
struct Seen {
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The body decompressed as its `Content-Encoding` says.
    fn message(&self) -> Vec<u8> {
        match self.header("content-encoding") {
            "snappy" => snap::raw::Decoder::new()
                .decompress_vec(&self.body)
                .expect("snappy block"),
            "zstd" => zstd::decode_all(&self.body[..]).expect("zstd frame"),
            other => panic!("unexpected Content-Encoding {other:?}"),
        }
    }

    /// How many native-histogram samples the 1.0 message holds.
    fn histograms(&self) -> usize {
        WriteRequest::decode(&self.message()[..])
            .expect("a 1.0 message")
            .timeseries
            .iter()
            .map(|series| series.histograms.len())
            .sum()
    }

    /// The 1.0 message's samples, as `(value, timestamp)` in the order sent.
    fn samples(&self) -> Vec<(f64, i64)> {
        WriteRequest::decode(&self.message()[..])
            .expect("a 1.0 message")
            .timeseries
            .iter()
            .flat_map(|series| series.samples.iter().map(|s| (s.value, s.timestamp)))
            .collect()
    }
}

/// A receiver that answers from its script, then 204 once the script runs out; dropping it stops it.
struct Receiver {
    addr: SocketAddr,
    script: Arc<Mutex<VecDeque<Scripted>>>,
    seen: mpsc::UnboundedReceiver<Seen>,
    task: JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone)]
struct Shared {
    script: Arc<Mutex<VecDeque<Scripted>>>,
    seen: mpsc::UnboundedSender<Seen>,
}

async fn receive(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let _ = shared.seen.send(Seen {
        headers,
        body: body.to_vec(),
    });
    let Some((status, headers, text)) = shared.script.lock().await.pop_front() else {
        return StatusCode::NO_CONTENT.into_response();
    };
    let mut response = (StatusCode::from_u16(status).expect("a status"), text).into_response();
    for (name, value) in headers {
        response
            .headers_mut()
            .insert(name, http::HeaderValue::from_static(value));
    }
    response
}

impl Receiver {
    async fn start(script: impl IntoIterator<Item = Scripted>) -> Receiver {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let (sender, seen) = mpsc::unbounded_channel();
        let script = Arc::new(Mutex::new(script.into_iter().collect()));
        let app = axum::Router::new()
            .route("/api/v1/write", axum::routing::post(receive))
            .with_state(Shared {
                script: Arc::clone(&script),
                seen: sender,
            });
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            addr,
            script,
            seen,
            task,
        }
    }

    fn url(&self) -> String {
        format!("http://{}/api/v1/write", self.addr)
    }

    async fn next(&mut self) -> Seen {
        tokio::time::timeout(Duration::from_secs(5), self.seen.recv())
            .await
            .expect("the receiver saw nothing")
            .expect("the receiver stopped")
    }

    fn all(&mut self) -> Vec<Seen> {
        std::iter::from_fn(|| self.seen.try_recv().ok()).collect()
    }
}

/// The fixture gauge with `points` points a second apart from `1_700_000_000_000` ms: points of
/// one series at one time would be one sample.
fn gauge(points: u64) -> Arc<Encoded> {
    let Payload::Metrics(mut request) = metrics(points) else {
        unreachable!("the fixture is a metrics request")
    };
    let metric = &mut request.resource_metrics[0].scope_metrics[0].metrics[0];
    let Some(metric::Data::Gauge(gauge)) = &mut metric.data else {
        unreachable!("the fixture is a gauge")
    };
    for (n, point) in (0..).zip(&mut gauge.data_points) {
        point.time_unix_nano = 1_700_000_000_000_000_000 + n * 1_000_000_000;
    }
    encoded(&Payload::Metrics(request))
}

fn config(url: &str) -> RemoteWriteExporterConfig {
    RemoteWriteExporterConfig {
        endpoint: url.to_owned(),
        protobuf_message: RemoteWriteMessage::V1,
        compression: RemoteWriteCompression::Snappy,
        headers: BTreeMap::new(),
        timeout: Duration::from_secs(5),
        tls: TlsClientConfig::default(),
        external_labels: BTreeMap::new(),
        resource_to_telemetry_conversion: ResourceToTelemetryConfig::default(),
        target_info: TargetInfoConfig::default(),
        exponential_histograms: ExponentialHistograms::Native,
        max_samples_per_send: 2000,
        max_batch_size_bytes: 3_000_000,
        // One lane, so each test sees its requests in one order.
        sending_queue: RemoteWriteQueueConfig {
            num_consumers: 1,
            ..Default::default()
        },
        retry_on_failure: RetryConfig::default(),
    }
}

#[tokio::test]
async fn a_request_says_what_it_carries_and_who_sends_it() {
    let mut receiver = Receiver::start([]).await;
    let mut config = config(&receiver.url());
    config.headers.insert("X-Scope-OrgID".into(), "acme".into());
    config
        .external_labels
        .insert("cluster".into(), "eu-1".into());
    // A series' own label wins over an external one.
    config
        .external_labels
        .insert("job".into(), "ignored".into());
    let exporter = RemoteWriteExporter::new(&config).unwrap();
    exporter.export(gauge(3)).await.unwrap();

    let seen = receiver.next().await;
    assert_eq!(seen.header("content-type"), "application/x-protobuf");
    assert_eq!(seen.header("content-encoding"), "snappy");
    assert_eq!(seen.header("x-prometheus-remote-write-version"), "0.1.0");
    assert_eq!(
        seen.header("user-agent"),
        concat!("weir/", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(seen.header("x-scope-orgid"), "acme");
    let message = WriteRequest::decode(&seen.message()[..]).unwrap();
    let [series] = &message.timeseries[..] else {
        panic!("one series expected: {message:?}")
    };
    let label = |name: &str| {
        series
            .labels
            .iter()
            .find(|l| l.name == name)
            .map(|l| l.value.as_str())
    };
    assert_eq!(label("__name__"), Some("queue_depth"));
    assert_eq!(label("job"), Some("checkout"));
    assert_eq!(label("cluster"), Some("eu-1"));
    assert_eq!(
        seen.samples(),
        [
            (0.25, 1_700_000_000_000),
            (0.5, 1_700_000_001_000),
            (0.75, 1_700_000_002_000)
        ]
    );
}

#[tokio::test]
async fn a_v2_request_read_as_v1_goes_again_as_v1_for_good() {
    let mut receiver = Receiver::start([(204, vec![(SAMPLES_WRITTEN_HEADER, "1")], "")]).await;
    let mut config = config(&receiver.url());
    config.protobuf_message = RemoteWriteMessage::V2;
    let exporter = RemoteWriteExporter::new(&config).unwrap();

    exporter.export(gauge(1)).await.unwrap();
    let seen = receiver.next().await;
    assert_eq!(
        seen.header("content-type"),
        "application/x-protobuf;proto=io.prometheus.write.v2.Request"
    );
    assert_eq!(seen.header("x-prometheus-remote-write-version"), "2.0.0");
    assert_eq!(exporter.stats().protocol_fallbacks(), 0);

    // The script is spent: the receiver now answers 204 with no header, as a 1.0 receiver does.
    exporter.export(gauge(2)).await.unwrap();
    exporter.export(gauge(3)).await.unwrap();
    let seen = receiver.all();
    let versions: Vec<&str> = seen
        .iter()
        .map(|s| s.header("x-prometheus-remote-write-version"))
        .collect();
    assert_eq!(versions, ["2.0.0", "0.1.0", "0.1.0"]);
    assert_eq!(exporter.stats().protocol_fallbacks(), 1);
}

#[tokio::test]
async fn the_resent_request_carries_the_same_samples_as_v1() {
    let mut receiver = Receiver::start([]).await;
    let mut config = config(&receiver.url());
    config.protobuf_message = RemoteWriteMessage::V2;
    let exporter = RemoteWriteExporter::new(&config).unwrap();
    exporter.export(gauge(2)).await.unwrap();
    let seen = receiver.all();
    let [v2, v1] = &seen[..] else {
        panic!("two requests expected, saw {}", seen.len())
    };
    assert_eq!(v2.header("x-prometheus-remote-write-version"), "2.0.0");
    assert_eq!(v1.header("content-type"), "application/x-protobuf");
    assert_eq!(
        v1.samples(),
        [(0.25, 1_700_000_000_000), (0.5, 1_700_000_001_000)]
    );
}

/// The fixture gauge with `points` points, and one exponential histogram point.
fn gauge_and_exponential(points: u64) -> Arc<Encoded> {
    let Payload::Metrics(mut request) = gauge(points).decode() else {
        unreachable!("the fixture is a metrics request")
    };
    request.resource_metrics[0].scope_metrics[0]
        .metrics
        .push(Metric {
            name: "rpc.latency".into(),
            unit: "ms".into(),
            data: Some(metric::Data::ExponentialHistogram(ExponentialHistogram {
                data_points: vec![ExponentialHistogramDataPoint {
                    start_time_unix_nano: 1_699_999_999_000_000_000,
                    time_unix_nano: 1_700_000_000_000_000_000,
                    count: 3,
                    sum: Some(12.0),
                    scale: 3,
                    positive: Some(Buckets {
                        offset: 0,
                        bucket_counts: vec![1, 2],
                    }),
                    ..Default::default()
                }],
                aggregation_temporality: AggregationTemporality::Cumulative as i32,
            })),
            ..Default::default()
        });
    encoded(&Payload::Metrics(request))
}

/// Prometheus 2.42 without `--enable-feature=native-histograms`, which refuses a request holding any.
const HISTOGRAMS_DISABLED: Scripted = (500, vec![], "native histograms are disabled\n");

#[tokio::test]
async fn refused_native_histograms_are_dropped_and_the_rest_sent() {
    let mut receiver = Receiver::start([HISTOGRAMS_DISABLED]).await;
    let exporter = RemoteWriteExporter::new(&config(&receiver.url())).unwrap();

    let outcome = exporter.export(gauge_and_exponential(2)).await.unwrap();
    assert_eq!(outcome.rejected_items, 1);
    let seen = receiver.all();
    let histograms: Vec<usize> = seen.iter().map(Seen::histograms).collect();
    assert_eq!(
        histograms,
        [1, 0],
        "sent again at once without the histogram"
    );
    assert_eq!(seen[0].samples(), seen[1].samples());
    assert_eq!(exporter.stats().refused_native_histograms(), 1);

    // Left out of the next batches without asking.
    let outcome = exporter.export(gauge_and_exponential(1)).await.unwrap();
    assert_eq!(outcome.rejected_items, 1);
    assert_eq!(receiver.next().await.histograms(), 0);
    assert!(receiver.all().is_empty());
    assert_eq!(exporter.stats().refused_native_histograms(), 2);
}

#[tokio::test]
async fn the_refusal_without_histograms_to_drop_is_retried() {
    let receiver = Receiver::start([HISTOGRAMS_DISABLED]).await;
    let exporter = RemoteWriteExporter::new(&config(&receiver.url())).unwrap();
    let error = exporter.export(gauge(1)).await.unwrap_err();
    assert!(
        error.is_retryable() && error.to_string().contains("native histograms are disabled"),
        "{error}"
    );
    assert_eq!(exporter.stats().refused_native_histograms(), 0);
}

#[tokio::test]
async fn a_refused_zstd_body_goes_again_with_snappy_for_good() {
    for refusal in [(415, vec![], ""), (400, vec![], "snappy: corrupt input\n")] {
        let mut receiver = Receiver::start([refusal]).await;
        let mut config = config(&receiver.url());
        config.compression = RemoteWriteCompression::Zstd;
        let exporter = RemoteWriteExporter::new(&config).unwrap();

        exporter.export(gauge(4)).await.unwrap();
        exporter.export(gauge(2)).await.unwrap();
        let seen = receiver.all();
        let encodings: Vec<&str> = seen.iter().map(|s| s.header("content-encoding")).collect();
        assert_eq!(encodings, ["zstd", "snappy", "snappy"]);
        assert_eq!(
            seen[0].message(),
            seen[1].message(),
            "the same request twice"
        );
        assert_eq!(exporter.stats().compression_fallbacks(), 1);
    }
}

#[tokio::test]
async fn a_400_is_permanent_and_quotes_the_receiver() {
    let receiver =
        Receiver::start([(400, vec![], "out of order sample for series queue_depth\n")]).await;
    let exporter = RemoteWriteExporter::new(&config(&receiver.url())).unwrap();
    let error = exporter.export(gauge(1)).await.unwrap_err();
    let ExportError::Permanent { reason } = &error else {
        panic!("not permanent: {error}")
    };
    assert!(
        reason.starts_with("HTTP 400 Bad Request from http://127.0.0.1:")
            && reason.ends_with(": out of order sample for series queue_depth"),
        "{reason}"
    );
}

#[tokio::test]
async fn overload_is_retryable_with_the_receivers_wait() {
    let receiver = Receiver::start([(503, vec![("retry-after", "3")], "")]).await;
    let exporter = RemoteWriteExporter::new(&config(&receiver.url())).unwrap();
    let error = exporter.export(gauge(1)).await.unwrap_err();
    assert!(
        matches!(error, ExportError::Retryable { retry_after: Some(wait), .. } if wait == Duration::from_secs(3)),
        "{error}"
    );
}

#[tokio::test]
async fn a_retry_resumes_at_the_request_that_failed() {
    let mut receiver = Receiver::start([(204, vec![], ""), (503, vec![], "")]).await;
    let mut config = config(&receiver.url());
    config.max_samples_per_send = 2;
    let exporter = RemoteWriteExporter::new(&config).unwrap();
    let batch = gauge(5);

    assert!(exporter.export(Arc::clone(&batch)).await.is_err());
    exporter.export(Arc::clone(&batch)).await.unwrap();
    let seen = receiver.all();
    let samples: Vec<Vec<f64>> = seen
        .iter()
        .map(|s| s.samples().into_iter().map(|(value, _)| value).collect())
        .collect();
    assert_eq!(
        samples,
        [
            vec![0.25, 0.5],
            vec![0.75, 1.0],
            vec![0.75, 1.0],
            vec![1.25]
        ]
    );

    // Another batch is translated afresh.
    exporter.export(gauge(1)).await.unwrap();
    assert_eq!(receiver.next().await.samples().len(), 1);
}

#[tokio::test]
async fn an_unreachable_receiver_is_retryable() {
    let receiver = Receiver::start([]).await;
    let url = receiver.url();
    drop(receiver);
    tokio::task::yield_now().await;
    let exporter = RemoteWriteExporter::new(&config(&url)).unwrap();
    let error = exporter.export(gauge(1)).await.unwrap_err();
    assert!(error.is_retryable(), "{error}");
}

#[tokio::test]
async fn other_signals_are_refused() {
    let receiver = Receiver::start([]).await;
    let exporter = RemoteWriteExporter::new(&config(&receiver.url())).unwrap();
    let error = exporter.export(encoded(&log("hello"))).await.unwrap_err();
    assert!(
        !error.is_retryable() && error.to_string().contains("metrics pipelines only"),
        "{error}"
    );
    assert!(receiver.script.lock().await.is_empty());
}
