//! End to end against Debian's Prometheus: the receiver stopped for 60 s while load goes on, and
//! weir killed with SIGKILL while its disk queue holds samples the receiver has not seen. Either
//! way every sample weir acknowledged arrives, exactly once and in order.

mod common;

use std::time::Duration;

use common::fixtures::send_grpc;
use common::remote_write::{config, now_ns, service_metrics};
use common::tsdb::Tsdb;
use common::{Ports, Weir, eventually};
use weir_proto::Payload;
use weir_proto::otlp::metrics::v1::{
    AggregationTemporality, Metric, NumberDataPoint, Sum, metric, number_data_point,
};

/// The series every point goes to.
const SERIES: &str = "outage_points_total{job=\"outage\"}";

/// Point `n` of a counter that counts 1, 2, 3…: a cumulative sum stamped now, as an SDK sends it.
fn point(n: u64, start_ns: u64) -> Payload {
    let sum = Sum {
        data_points: vec![NumberDataPoint {
            start_time_unix_nano: start_ns,
            time_unix_nano: now_ns(),
            value: Some(number_data_point::Value::AsDouble(n as f64)),
            ..NumberDataPoint::default()
        }],
        aggregation_temporality: AggregationTemporality::Cumulative as i32,
        is_monotonic: true,
    };
    let metric = Metric {
        name: "outage.points".to_owned(),
        data: Some(metric::Data::Sum(sum)),
        ..Metric::default()
    };
    service_metrics("outage", vec![metric])
}

/// Sends point `n` until weir acknowledges it, as an SDK retries a refused export.
async fn send_until_acknowledged(weir: &Weir, n: u64, start_ns: u64) {
    let payload = point(n, start_ns);
    while send_grpc(weir.grpc, &payload, None).await.is_err() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// weir exporting to `prometheus` by remote write with fast retries, and `queue` as the
/// exporter's `sending_queue`.
fn weir_config(ports: &Ports, prometheus: &Tsdb, queue: &str) -> String {
    let exporter = format!(
        "  prometheusremotewrite:\n    endpoint: \"{}\"\n    retry_on_failure: {{ initial_interval: 200ms, max_interval: 2s, max_elapsed_time: 0s }}\n    sending_queue: {queue}\n",
        prometheus.write_url()
    );
    config(ports, &exporter, &["prometheusremotewrite"])
}

/// Waits until Prometheus holds exactly points 1..=`n` of the series: their count and their sum.
async fn holds_each_point_once(prometheus: &Tsdb, n: u64) -> (f64, f64) {
    let (mut count, mut sum) = (0.0, 0.0);
    eventually(Duration::from_secs(60), async || {
        count = prometheus
            .value(&format!("count_over_time({SERIES}[30m])"))
            .await
            .unwrap_or(0.0);
        sum = prometheus
            .value(&format!("sum_over_time({SERIES}[30m])"))
            .await
            .unwrap_or(0.0);
        count >= n as f64
    })
    .await;
    (count, sum)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_down_for_60s_gets_every_sample_once() {
    let mut prometheus = Tsdb::prometheus(&[]).await;
    let ports = Ports::new();
    let weir = Weir::start(
        &ports,
        &weir_config(&ports, &prometheus, "{ queue_size: 1000 }"),
    )
    .await;
    let start_ns = now_ns();
    let mut n = 0;
    let send_for = async |how_long: Duration, n: &mut u64| {
        let until = tokio::time::Instant::now() + how_long;
        while tokio::time::Instant::now() < until {
            *n += 1;
            send_until_acknowledged(&weir, *n, start_ns).await;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    send_for(Duration::from_secs(3), &mut n).await;
    prometheus.stop();
    send_for(Duration::from_secs(60), &mut n).await;
    prometheus.restart().await;
    send_for(Duration::from_secs(3), &mut n).await;

    let (count, sum) = holds_each_point_once(&prometheus, n).await;
    assert_eq!(count, n as f64, "points stored:\n{}", weir.logs());
    assert_eq!(sum, (n * (n + 1) / 2) as f64, "each value once");
    let dropped = weir.metric("weir_exporter_dropped_items_total", &[]).await;
    assert_eq!(dropped, 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samples_in_a_disk_queue_survive_kill_9() {
    let mut prometheus = Tsdb::prometheus(&[]).await;
    prometheus.stop();
    let queue = tempfile::tempdir().expect("queue dir");
    let ports = Ports::new();
    let config = weir_config(
        &ports,
        &prometheus,
        &format!(
            "{{ storage: disk, directory: \"{}\" }}",
            queue.path().display()
        ),
    );
    let start_ns = now_ns();
    let weir = Weir::start(&ports, &config).await;
    for n in 1..=20 {
        send_until_acknowledged(&weir, n, start_ns).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(weir); // SIGKILL, with the receiver still down: all 20 are only on disk.

    let weir = Weir::start(&ports, &config).await;
    for n in 21..=40 {
        send_until_acknowledged(&weir, n, start_ns).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    prometheus.restart().await;
    let (count, sum) = holds_each_point_once(&prometheus, 40).await;
    assert_eq!(count, 40.0, "points stored:\n{}", weir.logs());
    assert_eq!(sum, (40 * 41 / 2) as f64, "each value once");
}
