//! Prometheus remote write end to end against Debian's VictoriaMetrics: weir configured for zstd,
//! which VictoriaMetrics 1.79 cannot read, falls back to snappy and delivers every golden signal
//! and OTLP metric, read back through VictoriaMetrics' PromQL API.

mod common;

use std::time::Duration;

use common::fixtures::send_grpc;
use common::remote_write::{config, instruments, now_ns, spans};
use common::tsdb::Tsdb;
use common::{Ports, Weir};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_and_golden_signals_arrive_in_victoria_metrics_over_snappy() {
    let vm = Tsdb::victoria_metrics().await;
    let ports = Ports::new();
    let exporters = format!(
        "  prometheusremotewrite:\n    endpoint: {}\n    compression: zstd\n    \
         external_labels: {{ cluster: eu-1 }}\n",
        vm.write_url()
    );
    let mut weir = Weir::start(
        &ports,
        &config(&ports, &exporters, &["prometheusremotewrite"]),
    )
    .await;

    // 90 spans of 30 ms and 10 of 300 ms: the p95 is 300 ms, in the bucket (200 ms, 400 ms].
    let durations: Vec<u64> = [30; 90].into_iter().chain([300; 10]).collect();
    send_grpc(ports.grpc, &spans(&durations), None)
        .await
        .expect("spans sent");
    send_grpc(ports.grpc, &instruments(now_ns() - 1_000_000_000), None)
        .await
        .expect("metrics sent");

    let calls = r#"traces_span_metrics_calls_total{service_name="checkout",span_name="GET /cart"}"#;
    assert_eq!(
        vm.value_reaching(calls, 100.0).await,
        Some(100.0),
        "weir:\n{}\nvictoria-metrics:\n{}",
        weir.logs(),
        vm.logs()
    );
    let calls = vm.query("traces_span_metrics_calls_total").await;
    let [(labels, _)] = calls.as_slice() else {
        panic!("one calls series expected: {calls:?}")
    };
    assert_eq!(labels["job"], "weir");
    assert_eq!(labels["span_kind"], "SPAN_KIND_SERVER");
    assert_eq!(labels["cluster"], "eu-1");
    let p95 = vm
        .value("histogram_quantile(0.95, sum by (le) (traces_span_metrics_duration_milliseconds_bucket))")
        .await
        .expect("a p95");
    assert!((200.0..=400.0).contains(&p95), "p95 {p95} ms, truth 300 ms");
    let p50 = vm
        .value("histogram_quantile(0.5, sum by (le) (traces_span_metrics_duration_milliseconds_bucket))")
        .await
        .expect("a p50");
    assert!((25.0..=50.0).contains(&p50), "p50 {p50} ms, truth 30 ms");

    let counter = vm.query("orders_placed_total").await;
    let [(labels, value)] = counter.as_slice() else {
        panic!("one counter series expected: {counter:?}")
    };
    assert_eq!(*value, 42.0);
    assert_eq!(labels["job"], "eu/shop");
    assert_eq!(labels["instance"], "host-1");
    assert_eq!(labels["payment_method"], "card");
    assert_eq!(vm.value("queue_items").await, Some(7.0));
    assert_eq!(vm.value("cpu_temperature_celsius").await, Some(61.5));
    for (le, count) in [("100", 1.0), ("1000", 3.0), ("+Inf", 6.0)] {
        assert_eq!(
            vm.value(&format!(r#"request_size_bytes_bucket{{le="{le}"}}"#))
                .await,
            Some(count),
            "le={le}"
        );
    }
    assert_eq!(vm.value("request_size_bytes_sum").await, Some(12_345.0));
    assert_eq!(vm.value("request_size_bytes_count").await, Some(6.0));
    assert_eq!(
        vm.value(r#"target_info{job="eu/shop",instance="host-1"}"#)
            .await,
        Some(1.0)
    );

    // VictoriaMetrics 1.79 reads every body as snappy and answers zstd 400 "snappy: corrupt input":
    // the first request went again with snappy, and so did everything after.
    assert_eq!(
        weir.metric("weir_exporter_compression_fallbacks_total", &[])
            .await,
        1.0
    );
    let logs = weir.logs();
    assert_eq!(logs.matches("cannot decompress zstd").count(), 1, "{logs}");
    assert!(!logs.contains("retrying"), "{logs}");
    assert_eq!(
        weir.metric("weir_exporter_dropped_items_total", &[]).await,
        0.0
    );

    let status = weir.terminate(Duration::from_secs(20));
    assert!(status.success(), "{status}");
}
