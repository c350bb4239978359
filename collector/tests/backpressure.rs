//! With the downstream refusing everything, clients get retryable refusals, weir's memory stays under
//! its limit, and once the downstream recovers everything weir accepted arrives, exactly once.

mod common;

use std::time::Duration;

use common::fixtures::{request, send_grpc, send_http};
use common::sink::Sink;
use common::{Ports, Weir, config_to_sink, eventually};
use weir_proto::Signal;

const LIMIT_MIB: u64 = 64;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_downstream_pushes_back_and_loses_nothing() {
    let sink = Sink::start().await;
    sink.refuse(true);
    let ports = Ports::new();
    let exporter = "    sending_queue: { queue_size: 4, num_consumers: 2 }\n    retry_on_failure: { initial_interval: 50ms, max_interval: 200ms, max_elapsed_time: 0s }\n";
    let config = config_to_sink(
        &ports,
        sink.addr,
        &[
            ("memory_limiter", &format!("{{ limit_mib: {LIMIT_MIB} }}")),
            ("batch", "{ send_batch_size: 2000, timeout: 50ms }"),
        ],
        exporter,
    );
    let weir = Weir::start(&ports, &config).await;
    let idle_rss = weir.rss_bytes();

    // Eight clients, half over gRPC and half over HTTP, each sending until refused 50 times.
    let mut clients = Vec::new();
    for client in 0..8 {
        let (grpc, http) = (weir.grpc, weir.http);
        clients.push(tokio::spawn(async move {
            let (mut accepted, mut refused) = (0usize, 0usize);
            while refused < 50 {
                let payload = request(Signal::Traces, 500);
                let ok = if client % 2 == 0 {
                    match send_grpc(grpc, &payload, None).await {
                        Ok(()) => true,
                        Err(status) => {
                            let retryable = matches!(status.code(), tonic::Code::Unavailable)
                                || (status.code() == tonic::Code::ResourceExhausted
                                    && !status.details().is_empty());
                            assert!(retryable, "a refusal clients retry: {status:?}");
                            false
                        }
                    }
                } else {
                    let (status, headers, _) = send_http(http, &payload, false, Some("zstd")).await;
                    assert!(matches!(status, 200 | 429 | 503), "status {status}");
                    if status != 200 {
                        assert!(
                            headers.contains_key("retry-after"),
                            "a refusal says when to retry"
                        );
                    }
                    status == 200
                };
                if ok {
                    accepted += payload.item_count();
                } else {
                    refused += 1;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
            accepted
        }));
    }
    let mut peak_rss = 0;
    let mut accepted = 0;
    for client in clients {
        while !client.is_finished() {
            peak_rss = peak_rss.max(weir.rss_bytes());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        accepted += client.await.expect("client");
    }
    peak_rss = peak_rss.max(weir.rss_bytes());
    eprintln!(
        "accepted {accepted} spans; RSS idle {} MiB, peak {} MiB",
        idle_rss >> 20,
        peak_rss >> 20
    );
    assert!(accepted > 0);
    assert!(
        peak_rss < LIMIT_MIB << 20,
        "peak RSS {} MiB over the {LIMIT_MIB} MiB limit",
        peak_rss >> 20
    );
    let refused = weir
        .metric("weir_receiver_refused_requests_total", &[])
        .await;
    assert!(refused >= 400.0, "every refusal is counted: {refused}");
    assert_eq!(sink.items(), 0);

    sink.refuse(false);
    let arrived = eventually(Duration::from_secs(60), async || sink.items() >= accepted).await;
    assert!(
        arrived,
        "{} of {accepted} spans arrived:\n{}",
        sink.items(),
        weir.logs()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        sink.items(),
        accepted,
        "every accepted span arrives exactly once"
    );
    assert_eq!(
        weir.metric("weir_exporter_dropped_items_total", &[]).await,
        0.0
    );
}
