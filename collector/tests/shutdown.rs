//! SIGTERM with data in flight: weir stops taking requests, exports everything it accepted, exits 0.

mod common;

use std::time::Duration;

use common::fixtures::{request, send_grpc, send_http};
use common::sink::Sink;
use common::{Ports, Weir, config_to_sink};
use weir_proto::{Payload, Signal};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_flushes_batches_and_queues() {
    let sink = Sink::start().await;
    let ports = Ports::new();
    // A long batch timeout keeps everything waiting in the batch stage until shutdown flushes it.
    let config = config_to_sink(
        &ports,
        sink.addr,
        &[("batch", "{ send_batch_size: 100000, timeout: 1h }")],
        "",
    );
    let mut weir = Weir::start(&ports, &config).await;
    let mut sent = 0;
    for signal in Signal::ALL {
        let payload = request(signal, 100);
        send_grpc(weir.grpc, &payload, None)
            .await
            .expect("accepted");
        let (status, _, _) = send_http(weir.http, &payload, true, None).await;
        assert_eq!(status, 200);
        sent += 2 * payload.item_count();
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sink.items(), 0, "still batching");
    let status = tokio::task::block_in_place(|| weir.terminate(Duration::from_secs(20)));
    assert!(status.success(), "exit status {status}");
    assert_eq!(
        sink.items(),
        sent,
        "everything accepted was exported before exit"
    );
    let kinds: Vec<_> = sink.received().iter().map(Payload::signal).collect();
    assert!(Signal::ALL.iter().all(|s| kinds.contains(s)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_deadline_bounds_a_dead_downstream() {
    let sink = Sink::start().await;
    sink.refuse(true);
    let ports = Ports::new();
    let config = config_to_sink(
        &ports,
        sink.addr,
        &[("batch", "{ timeout: 10ms }")],
        "    retry_on_failure: { initial_interval: 50ms, max_elapsed_time: 0s }\n",
    )
    .replace("shutdown_timeout: 20s", "shutdown_timeout: 1s");
    let mut weir = Weir::start(&ports, &config).await;
    send_grpc(weir.grpc, &request(Signal::Logs, 10), None)
        .await
        .expect("accepted");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    let status = tokio::task::block_in_place(|| weir.terminate(Duration::from_secs(10)));
    assert!(status.success(), "exit status {status}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the deadline holds: {:?}",
        started.elapsed()
    );
    assert!(
        weir.logs().contains("dropped"),
        "what was dropped is reported:\n{}",
        weir.logs()
    );
}
