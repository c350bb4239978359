//! Prometheus remote write end to end: weir sends OTLP metrics and the golden signals of the spans it
//! counted to Debian's Prometheus (its remote-write receiver on), and Prometheus' query API returns
//! the names, labels and values the OpenTelemetry compatibility rules give.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::fixtures::send_grpc;
use common::{Ports, Weir, eventually, free_port, get};
use weir_proto::otlp::collector::metrics::v1::ExportMetricsServiceRequest;
use weir_proto::otlp::common::v1::{KeyValue, any_value};
use weir_proto::otlp::metrics::v1::{
    AggregationTemporality, Gauge, Histogram, HistogramDataPoint, Metric, NumberDataPoint,
    ResourceMetrics, ScopeMetrics, Sum, metric, number_data_point,
};
use weir_proto::otlp::resource::v1::Resource;
use weir_proto::otlp::trace::v1::Span;
use weir_proto::{Payload, fixtures};

/// Debian's Prometheus with its remote-write receiver on a free loopback port; killed when dropped.
struct Prometheus {
    child: Child,
    url: String,
    dir: tempfile::TempDir,
}

impl Prometheus {
    async fn start() -> Prometheus {
        let binary = which("prometheus").expect(
            "prometheus is not installed: scripts/test.sh installs Debian's `prometheus` (apt-get install prometheus)",
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("prometheus.yml");
        std::fs::write(&config, "scrape_configs: []\n").expect("write prometheus.yml");
        let address = format!("127.0.0.1:{}", free_port());
        let log = std::fs::File::create(dir.path().join("prometheus.log")).expect("log file");
        let child = Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={address}"))
            .arg("--web.enable-remote-write-receiver")
            // Debian's 2.42 has native histograms behind a flag; the OTLP histograms here are classic.
            .arg("--enable-feature=native-histograms")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start prometheus");
        let mut prometheus = Prometheus {
            child,
            url: format!("http://{address}"),
            dir,
        };
        let ready = eventually(Duration::from_secs(30), async || {
            matches!(
                get(&format!("{}/-/ready", prometheus.url)).await,
                Ok((200, _, _))
            )
        })
        .await;
        if !ready || prometheus.child.try_wait().ok().flatten().is_some() {
            panic!("prometheus did not get ready:\n{}", prometheus.logs());
        }
        prometheus
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }

    fn write_url(&self) -> String {
        format!("{}/api/v1/write", self.url)
    }

    /// The instant vector `query` evaluates to now: each sample's labels and value.
    async fn query(&self, query: &str) -> Vec<(serde_json::Value, f64)> {
        let url = format!("{}/api/v1/query?query={}", self.url, percent_encode(query));
        let Ok((200, _, body)) = get(&url).await else {
            return Vec::new();
        };
        let answer: serde_json::Value = serde_json::from_slice(&body).expect("JSON answer");
        answer["data"]["result"]
            .as_array()
            .map(|samples| {
                samples
                    .iter()
                    .map(|sample| {
                        let value = sample["value"][1].as_str().and_then(|v| v.parse().ok());
                        (sample["metric"].clone(), value.unwrap_or(f64::NAN))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The value of the single sample `query` gives, once Prometheus has it (`None` after 20 s).
    async fn value(&self, query: &str) -> Option<f64> {
        let mut found = None;
        eventually(Duration::from_secs(20), async || {
            found = match self.query(query).await.as_slice() {
                [(_, value)] => Some(*value),
                _ => None,
            };
            found.is_some()
        })
        .await;
        found
    }

    /// Like [`Self::value`], waiting until the value is `expected`; returns the last value seen.
    async fn value_reaching(&self, query: &str, expected: f64) -> Option<f64> {
        let mut found = None;
        eventually(Duration::from_secs(20), async || {
            found = self.value(query).await;
            found == Some(expected)
        })
        .await;
        found
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|path| path.is_file())
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn text(key: &str, value: &str) -> KeyValue {
    fixtures::kv(key, any_value::Value::StringValue(value.to_owned()))
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// One request of each kind of instrument, as an SDK with resource `eu/shop` on `host-1` sends them:
/// a counter of 42, an up-down counter at 7, a gauge at 61.5 and a histogram of 6 sizes, stamped
/// `at_ns`.
fn instruments(at_ns: u64) -> Payload {
    let start = at_ns - 60_000_000_000;
    let number = |value: f64, attributes: Vec<KeyValue>| NumberDataPoint {
        attributes,
        start_time_unix_nano: start,
        time_unix_nano: at_ns,
        value: Some(number_data_point::Value::AsDouble(value)),
        ..NumberDataPoint::default()
    };
    let sum = |name: &str, monotonic: bool, point: NumberDataPoint| Metric {
        name: name.to_owned(),
        data: Some(metric::Data::Sum(Sum {
            data_points: vec![point],
            aggregation_temporality: AggregationTemporality::Cumulative as i32,
            is_monotonic: monotonic,
        })),
        ..Metric::default()
    };
    let metrics = vec![
        sum(
            "orders.placed",
            true,
            number(42.0, vec![text("payment.method", "card")]),
        ),
        sum("queue.items", false, number(7.0, vec![])),
        Metric {
            name: "cpu.temperature".to_owned(),
            unit: "Cel".to_owned(),
            data: Some(metric::Data::Gauge(Gauge {
                data_points: vec![number(61.5, vec![])],
            })),
            ..Metric::default()
        },
        Metric {
            name: "request.size".to_owned(),
            unit: "By".to_owned(),
            data: Some(metric::Data::Histogram(Histogram {
                data_points: vec![HistogramDataPoint {
                    start_time_unix_nano: start,
                    time_unix_nano: at_ns,
                    count: 6,
                    sum: Some(12_345.0),
                    bucket_counts: vec![1, 2, 3],
                    explicit_bounds: vec![100.0, 1000.0],
                    ..HistogramDataPoint::default()
                }],
                aggregation_temporality: AggregationTemporality::Cumulative as i32,
            })),
            ..Metric::default()
        },
    ];
    Payload::Metrics(ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(Resource {
                attributes: vec![
                    text("service.name", "shop"),
                    text("service.namespace", "eu"),
                    text("service.instance.id", "host-1"),
                    text("host.arch", "amd64"),
                ],
                ..Resource::default()
            }),
            scope_metrics: vec![ScopeMetrics {
                metrics,
                ..ScopeMetrics::default()
            }],
            ..ResourceMetrics::default()
        }],
    })
}

/// `durations_ms.len()` SERVER spans of `checkout`'s `GET /cart`, one per duration.
fn spans(durations_ms: &[u64]) -> Payload {
    let start = now_ns() - 10_000_000_000;
    let spans = (0u64..)
        .zip(durations_ms)
        .map(|(n, ms)| Span {
            trace_id: fixtures::trace_id(n),
            span_id: fixtures::span_id(n),
            name: "GET /cart".to_owned(),
            kind: 2,
            start_time_unix_nano: start,
            end_time_unix_nano: start + ms * 1_000_000,
            ..Span::default()
        })
        .collect();
    Payload::Traces(fixtures::service_spans("checkout", spans))
}

/// weir with an OTLP receiver, golden signals on its traces pipeline, and a metrics pipeline fed by
/// both that ends in the exporters `ids`, defined by `exporters` (YAML under `exporters:`).
fn config(ports: &Ports, exporters: &str, ids: &[&str]) -> String {
    format!(
        r#"
receivers:
  otlp:
    protocols:
      grpc: {{ endpoint: "{grpc}" }}
      http: {{ endpoint: "{http}" }}
processors:
  golden_signals: {{ metrics_flush_interval: 1s }}
  batch: {{ timeout: 50ms }}
exporters:
  file/traces: {{ path: traces.jsonl }}
{exporters}
service:
  telemetry:
    metrics: {{ address: "{admin}" }}
  pipelines:
    traces: {{ receivers: [otlp], processors: [golden_signals, batch], exporters: [file/traces] }}
    metrics: {{ receivers: [otlp, golden_signals], processors: [batch], exporters: [{ids}] }}
"#,
        grpc = ports.grpc,
        http = ports.http,
        admin = ports.admin,
        ids = ids.join(", "),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_and_golden_signals_arrive_in_prometheus() {
    let prometheus = Prometheus::start().await;
    let ports = Ports::new();
    let exporters = format!(
        "  prometheusremotewrite:\n    endpoint: {url}\n    external_labels: {{ cluster: eu-1 }}\n\
         \x20 prometheusremotewrite/zstd:\n    endpoint: {url}\n    compression: zstd\n    \
         external_labels: {{ cluster: eu-1, via: zstd }}\n",
        url = prometheus.write_url()
    );
    let ids = ["prometheusremotewrite", "prometheusremotewrite/zstd"];
    let mut weir = Weir::start(&ports, &config(&ports, &exporters, &ids)).await;

    // 90 spans of 30 ms and 10 of 300 ms: the p95 is 300 ms, in the bucket (200 ms, 400 ms].
    let durations: Vec<u64> = [30; 90].into_iter().chain([300; 10]).collect();
    send_grpc(ports.grpc, &spans(&durations), None)
        .await
        .expect("spans sent");
    send_grpc(ports.grpc, &instruments(now_ns() - 1_000_000_000), None)
        .await
        .expect("metrics sent");

    let calls =
        r#"traces_span_metrics_calls_total{service_name="checkout",span_name="GET /cart",via=""}"#;
    assert_eq!(
        prometheus.value_reaching(calls, 100.0).await,
        Some(100.0),
        "weir:\n{}\nprometheus:\n{}",
        weir.logs(),
        prometheus.logs()
    );
    let calls = prometheus
        .query(r#"traces_span_metrics_calls_total{via=""}"#)
        .await;
    let [(labels, _)] = calls.as_slice() else {
        panic!("one calls series expected: {calls:?}")
    };
    assert_eq!(labels["job"], "weir");
    assert_eq!(labels["span_kind"], "SPAN_KIND_SERVER");
    assert_eq!(labels["status_code"], "STATUS_CODE_UNSET");
    assert_eq!(labels["cluster"], "eu-1");
    let p95 = prometheus
        .value(r#"histogram_quantile(0.95, sum by (le) (traces_span_metrics_duration_milliseconds_bucket{via=""}))"#)
        .await
        .expect("a p95");
    assert!((200.0..=400.0).contains(&p95), "p95 {p95} ms, truth 300 ms");

    let counter = prometheus.query(r#"orders_placed_total{via=""}"#).await;
    let [(labels, value)] = counter.as_slice() else {
        panic!("one counter series expected: {counter:?}")
    };
    assert_eq!(*value, 42.0);
    assert_eq!(labels["job"], "eu/shop");
    assert_eq!(labels["instance"], "host-1");
    assert_eq!(labels["payment_method"], "card");
    assert_eq!(prometheus.value(r#"queue_items{via=""}"#).await, Some(7.0));
    assert_eq!(
        prometheus.value(r#"cpu_temperature_celsius{via=""}"#).await,
        Some(61.5)
    );
    assert_eq!(
        prometheus
            .value(r#"request_size_bytes_bucket{le="100",via=""}"#)
            .await,
        Some(1.0)
    );
    assert_eq!(
        prometheus
            .value(r#"request_size_bytes_bucket{le="1000",via=""}"#)
            .await,
        Some(3.0)
    );
    assert_eq!(
        prometheus
            .value(r#"request_size_bytes_bucket{le="+Inf",via=""}"#)
            .await,
        Some(6.0)
    );
    assert_eq!(
        prometheus.value(r#"request_size_bytes_sum{via=""}"#).await,
        Some(12_345.0)
    );
    assert_eq!(
        prometheus
            .value(r#"request_size_bytes_count{via=""}"#)
            .await,
        Some(6.0)
    );
    assert_eq!(
        prometheus
            .value(r#"target_info{job="eu/shop",instance="host-1",via=""}"#)
            .await,
        Some(1.0)
    );

    // The zstd exporter's first request was refused by this Prometheus, which reads every body as
    // snappy; it went again with snappy, and so did everything after.
    assert_eq!(
        prometheus.value(r#"orders_placed_total{via="zstd"}"#).await,
        Some(42.0),
        "{}",
        weir.logs()
    );
    assert_eq!(
        weir.metric(
            "weir_exporter_compression_fallbacks_total",
            &[r#"exporter="prometheusremotewrite/zstd""#]
        )
        .await,
        1.0
    );
    assert_eq!(
        weir.metric(
            "weir_exporter_compression_fallbacks_total",
            &[r#"exporter="prometheusremotewrite""#]
        )
        .await,
        0.0
    );
    assert!(
        weir.logs().contains("cannot decompress zstd"),
        "{}",
        weir.logs()
    );

    // The golden-signal feed stops with the receivers, so the pipelines drain and weir exits.
    let status = weir.terminate(Duration::from_secs(20));
    assert!(status.success(), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_request_is_counted_and_not_retried() {
    let prometheus = Prometheus::start().await;
    let ports = Ports::new();
    let exporters = format!(
        "  prometheusremotewrite: {{ endpoint: {} }}\n",
        prometheus.write_url()
    );
    let weir = Weir::start(
        &ports,
        &config(&ports, &exporters, &["prometheusremotewrite"]),
    )
    .await;
    let gauge = |at_ns: u64, value: f64| {
        let Payload::Metrics(mut request) = instruments(at_ns) else {
            unreachable!("instruments are metrics")
        };
        let resource = &mut request.resource_metrics[0];
        // Only the gauge, under a resource with nothing for target_info.
        resource.resource = Some(Resource {
            attributes: vec![text("service.name", "shop")],
            ..Resource::default()
        });
        let metrics = &mut resource.scope_metrics[0].metrics;
        metrics.retain(|m| m.name == "cpu.temperature");
        if let Some(metric::Data::Gauge(gauge)) = &mut metrics[0].data {
            gauge.data_points[0].value = Some(number_data_point::Value::AsDouble(value));
        }
        Payload::Metrics(request)
    };
    let now = now_ns();
    send_grpc(ports.grpc, &gauge(now, 1.0), None)
        .await
        .expect("first gauge sent");
    assert_eq!(prometheus.value("cpu_temperature_celsius").await, Some(1.0));

    // A sample a minute older than the one Prometheus has: it answers 400 "out of order sample".
    send_grpc(ports.grpc, &gauge(now - 60_000_000_000, 2.0), None)
        .await
        .expect("second gauge sent");
    let dropped = [
        r#"exporter="prometheusremotewrite""#,
        r#"reason="permanent_error""#,
    ];
    assert!(
        eventually(Duration::from_secs(10), async || weir
            .metric("weir_exporter_dropped_items_total", &dropped)
            .await
            == 1.0)
        .await,
        "{}",
        weir.logs()
    );
    let logs = weir.logs();
    assert!(logs.contains("HTTP 400"), "{logs}");
    assert!(logs.contains("out of order sample"), "{logs}");
    assert!(!logs.contains("retrying"), "a 400 was retried:\n{logs}");
    assert_eq!(prometheus.value("cpu_temperature_celsius").await, Some(1.0));
}
