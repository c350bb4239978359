//! Prometheus remote write end to end: weir sends OTLP metrics and the golden signals of the spans it
//! counted to Debian's Prometheus (its remote-write receiver on), and Prometheus' query API returns
//! the names, labels and values the OpenTelemetry compatibility rules give.

mod common;

use std::time::Duration;

use common::fixtures::send_grpc;
use common::remote_write::{config, exponential, instruments, now_ns, spans, text};
use common::tsdb::Tsdb;
use common::{Ports, Weir, eventually};
use weir_proto::Payload;
use weir_proto::otlp::metrics::v1::{metric, number_data_point};
use weir_proto::otlp::resource::v1::Resource;

/// Debian's Prometheus 2.42 as the tests want it: native histograms are behind a flag there.
async fn prometheus() -> Tsdb {
    Tsdb::prometheus(&["--enable-feature=native-histograms"]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_and_golden_signals_arrive_in_prometheus() {
    let prometheus = prometheus().await;
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
    let prometheus = prometheus().await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v2_request_to_a_v1_receiver_goes_again_as_v1() {
    // Prometheus 2.42 reads only 1.0: a 2.0 body is to it a 1.0 request with unknown fields, which
    // it answers 204 having written nothing.
    let prometheus = prometheus().await;
    let ports = Ports::new();
    let exporters = format!(
        "  prometheusremotewrite:\n    endpoint: {}\n    protobuf_message: io.prometheus.write.v2.Request\n",
        prometheus.write_url()
    );
    let mut weir = Weir::start(
        &ports,
        &config(&ports, &exporters, &["prometheusremotewrite"]),
    )
    .await;
    send_grpc(ports.grpc, &instruments(now_ns() - 1_000_000_000), None)
        .await
        .expect("metrics sent");
    send_grpc(ports.grpc, &spans(&[30; 10]), None)
        .await
        .expect("spans sent");

    assert_eq!(
        prometheus.value("orders_placed_total").await,
        Some(42.0),
        "weir:\n{}",
        weir.logs()
    );
    assert_eq!(
        prometheus
            .value_reaching("traces_span_metrics_calls_total", 10.0)
            .await,
        Some(10.0)
    );
    assert_eq!(
        weir.metric("weir_exporter_protocol_fallbacks_total", &[])
            .await,
        1.0
    );
    let logs = weir.logs();
    assert_eq!(
        logs.matches("without saying what it wrote").count(),
        1,
        "{logs}"
    );
    assert!(
        logs.contains("protobuf_message: prometheus.WriteRequest"),
        "{logs}"
    );
    let status = weir.terminate(Duration::from_secs(20));
    assert!(status.success(), "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn native_histograms_refused_by_prometheus_are_dropped_and_the_rest_delivered() {
    // Without --enable-feature=native-histograms, Prometheus 2.42 answers a request holding a native
    // histogram 500 "native histograms are disabled" and writes none of it.
    let prometheus = Tsdb::prometheus(&[]).await;
    let ports = Ports::new();
    let exporters = format!(
        "  prometheusremotewrite:\n    endpoint: {}\n    retry_on_failure: {{ initial_interval: 10ms, max_interval: 10ms }}\n",
        prometheus.write_url()
    );
    let mut weir = Weir::start(
        &ports,
        &config(&ports, &exporters, &["prometheusremotewrite"]),
    )
    .await;
    let refused = async || {
        weir.metric("weir_exporter_refused_native_histograms_total", &[])
            .await
    };
    let at = now_ns() - 2_000_000_000;
    send_grpc(ports.grpc, &with_exponential(at), None)
        .await
        .expect("metrics sent");
    assert_eq!(
        prometheus.value("orders_placed_total").await,
        Some(42.0),
        "weir:\n{}\nprometheus:\n{}",
        weir.logs(),
        prometheus.logs()
    );
    assert_eq!(
        prometheus.value("request_size_bytes_count").await,
        Some(6.0)
    );
    assert!(
        prometheus
            .query("rpc_latency_milliseconds")
            .await
            .is_empty()
    );
    assert!(eventually(Duration::from_secs(10), async || refused().await == 1.0).await);

    // The next batch leaves its native histogram out without asking Prometheus again.
    send_grpc(ports.grpc, &with_exponential(at + 1_000_000_000), None)
        .await
        .expect("metrics sent");
    assert!(
        eventually(Duration::from_secs(10), async || refused().await == 2.0).await,
        "{}",
        weir.logs()
    );
    let refusals = prometheus
        .logs()
        .matches("native histograms are disabled")
        .count();
    assert_eq!(refusals, 1, "{}", prometheus.logs());
    let logs = weir.logs();
    assert_eq!(
        logs.matches("--enable-feature=native-histograms").count(),
        1,
        "{logs}"
    );
    assert!(
        !logs.contains("retrying"),
        "the refusal was retried:\n{logs}"
    );
    let status = weir.terminate(Duration::from_secs(20));
    assert!(status.success(), "{status}");
}

/// [`instruments`] and [`exponential`] in one request, stamped `at_ns`.
fn with_exponential(at_ns: u64) -> Payload {
    let (Payload::Metrics(mut request), Payload::Metrics(histogram)) =
        (instruments(at_ns), exponential(at_ns))
    else {
        unreachable!("both are metrics")
    };
    request.resource_metrics.extend(histogram.resource_metrics);
    Payload::Metrics(request)
}
