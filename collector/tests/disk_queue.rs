//! End to end: exporters whose `sending_queue` is on disk. What weir acknowledged survives
//! `kill -9` and arrives exactly once; damaged segments are skipped, counted and the rest
//! delivered; a full queue refuses with a retryable error and recovers.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::fixtures::send_grpc;
use common::sink::Sink;
use common::{Ports, Weir, config_to_sink, eventually};
use weir_proto::Payload;
use weir_proto::fixtures::{service_spans, span_id, trace_id};
use weir_proto::otlp::trace::v1::Span;

/// Spans per request sent by these tests.
const SPANS: u64 = 10;

/// Request `n`: spans with ids no other request shares, so the sink can tell each one apart.
fn request(n: u64, padding: usize) -> Payload {
    let spans = (0..SPANS)
        .map(|i| Span {
            trace_id: trace_id(n),
            span_id: span_id(n * SPANS + i),
            name: format!("op-{i}{}", "x".repeat(padding)),
            start_time_unix_nano: 1_700_000_000_000_000_000,
            end_time_unix_nano: 1_700_000_000_001_000_000,
            ..Span::default()
        })
        .collect();
    Payload::Traces(service_spans("checkout", spans))
}

/// How many times the sink received each span, by span id.
fn received_spans(sink: &Sink) -> BTreeMap<Vec<u8>, usize> {
    let mut seen = BTreeMap::new();
    for payload in sink.received() {
        let Payload::Traces(request) = payload else {
            continue;
        };
        for span in request
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .flat_map(|s| &s.spans)
        {
            *seen.entry(span.span_id.clone()).or_default() += 1;
        }
    }
    seen
}

/// Waits until the sink has received every span in `wanted`, at most `within`.
async fn all_arrive(sink: &Sink, wanted: &[Vec<u8>], within: Duration) -> bool {
    eventually(within, async || {
        let seen = received_spans(sink);
        wanted.iter().all(|id| seen.contains_key(id))
    })
    .await
}

fn ids_of(requests: impl IntoIterator<Item = u64>) -> Vec<Vec<u8>> {
    requests
        .into_iter()
        .flat_map(|n| (0..SPANS).map(move |i| span_id(n * SPANS + i)))
        .collect()
}

/// A config exporting every signal to `sink` through a disk queue in `queue`.
fn disk_config(ports: &Ports, sink: &Sink, queue: &Path, extra: &str) -> String {
    let exporter = format!(
        "    sending_queue: {{ storage: disk, directory: \"{}\", fsync: interval{extra} }}\n    retry_on_failure: {{ initial_interval: 50ms, max_interval: 200ms, max_elapsed_time: 0s }}\n    timeout: 2s\n",
        queue.display()
    );
    config_to_sink(ports, sink.addr, &[], &exporter)
}

/// The queue's segment files, oldest first.
fn segments(queue: &Path) -> Vec<PathBuf> {
    let dir = queue.join("otlp/sink");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "seg"))
        .collect();
    files.sort();
    files
}

/// Byte offsets at which each record frame of a segment starts (after the 20-byte header).
fn frames(segment: &[u8]) -> Vec<usize> {
    let mut at = 20;
    let mut starts = Vec::new();
    while at + 16 <= segment.len() {
        let len = u32::from_le_bytes(segment[at + 4..at + 8].try_into().expect("4 bytes")) as usize;
        starts.push(at);
        at += 16 + len;
    }
    starts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_weir_acknowledged_survives_kill_9_and_arrives_once() {
    let queue = tempfile::tempdir().expect("queue dir");
    let sink = Sink::start().await;
    // The backend refuses while weir runs, so everything acknowledged is still only on disk
    // when weir is killed.
    sink.refuse(true);
    let ports = Ports::new();
    let config = disk_config(&ports, &sink, queue.path(), "");
    let weir = Weir::start(&ports, &config).await;

    // Four clients send as fast as weir answers; weir is killed in the middle of it.
    let running = Arc::new(AtomicBool::new(true));
    let mut clients = Vec::new();
    for client in 0..4u64 {
        let (running, grpc) = (Arc::clone(&running), weir.grpc);
        clients.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            let mut n = client;
            while running.load(Ordering::Relaxed) {
                if send_grpc(grpc, &request(n, 0), None).await.is_ok() {
                    acknowledged.push(n);
                } else if !acknowledged.is_empty() {
                    // weir is gone.
                    break;
                }
                n += 4;
            }
            acknowledged
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    drop(weir); // SIGKILL
    running.store(false, Ordering::Relaxed);
    let mut acknowledged = Vec::new();
    for client in clients {
        acknowledged.extend(client.await.expect("client task"));
    }
    assert!(
        acknowledged.len() > 20,
        "too little load: {} requests",
        acknowledged.len()
    );

    let weir = Weir::start(&ports, &config).await;
    sink.refuse(false);
    let wanted = ids_of(acknowledged.iter().copied());
    let all_arrived = all_arrive(&sink, &wanted, Duration::from_secs(60)).await;
    let seen = received_spans(&sink);
    let missing = wanted.iter().filter(|id| !seen.contains_key(*id)).count();
    assert!(
        all_arrived,
        "{missing} of {} acknowledged spans never arrived:\n{}",
        wanted.len(),
        weir.logs()
    );
    let twice = wanted.iter().filter(|id| seen[*id] > 1).count();
    assert_eq!(twice, 0, "acknowledged spans delivered more than once");
    assert!(
        weir.logs()
            .contains("Disk queue holds data from an earlier run"),
        "{}",
        weir.logs()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_segments_are_skipped_counted_and_the_rest_delivered() {
    let queue = tempfile::tempdir().expect("queue dir");
    let sink = Sink::start().await;
    sink.refuse(true);
    let ports = Ports::new();
    let config = disk_config(&ports, &sink, queue.path(), "");
    // Three runs, each killed: every start begins a new segment, so each run's three requests
    // sit in a segment of their own.
    for run in 0..3u64 {
        let weir = Weir::start(&ports, &config).await;
        for k in 0..3 {
            send_grpc(weir.grpc, &request(run * 3 + k, 0), None)
                .await
                .expect("weir acknowledges");
        }
        drop(weir); // SIGKILL
    }
    let files = segments(queue.path());
    let written: Vec<_> = files
        .iter()
        .filter(|f| std::fs::metadata(f).expect("segment").len() > 20)
        .cloned()
        .collect();
    assert_eq!(written.len(), 3, "one segment per run: {files:?}");

    // A bit flipped inside the first segment's second record, and the second segment's last
    // record cut short, as a crash of the disk or the kernel would leave them.
    let mut first = std::fs::read(&written[0]).expect("read segment");
    let starts = frames(&first);
    assert_eq!(starts.len(), 3);
    first[starts[1] + 16 + 7] ^= 0x10;
    std::fs::write(&written[0], &first).expect("write segment");
    let second = std::fs::read(&written[1]).expect("read segment");
    std::fs::write(&written[1], &second[..second.len() - 5]).expect("truncate segment");

    let weir = Weir::start(&ports, &config).await;
    sink.refuse(false);
    // Run 0 keeps its first request (the rest of its segment follows the damage and is
    // skipped), run 1 its first two, run 2 all three.
    let wanted = ids_of([0, 3, 4, 6, 7, 8]);
    let delivered = all_arrive(&sink, &wanted, Duration::from_secs(30)).await;
    assert!(
        delivered,
        "undamaged records not delivered:\n{}",
        weir.logs()
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let seen = received_spans(&sink);
    assert_eq!(
        seen.len(),
        wanted.len(),
        "only the undamaged records arrive"
    );
    assert!(seen.values().all(|&n| n == 1));
    let counted = eventually(Duration::from_secs(5), async || {
        weir.metric(
            "weir_exporter_queue_disk_corrupt_total",
            &["unit=\"records\""],
        )
        .await
            >= 3.0
    })
    .await;
    assert!(counted, "{}", weir.metrics().await);
    let logs = weir.logs();
    for file in &written[..2] {
        let name = file.file_name().expect("name").to_string_lossy();
        assert!(logs.contains(&*name), "the log names {name}:\n{logs}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_refuses_with_a_retryable_error_and_recovers() {
    let queue = tempfile::tempdir().expect("queue dir");
    let sink = Sink::start().await;
    sink.refuse(true);
    let ports = Ports::new();
    let config = disk_config(&ports, &sink, queue.path(), ", max_size_mib: 64");
    let weir = Weir::start(&ports, &config).await;

    // About 1 MiB per request: the queue holds 64 MiB.
    let mut acknowledged = Vec::new();
    let refusal = loop {
        let n = acknowledged.len() as u64;
        assert!(n < 200, "the queue never filled");
        match send_grpc(weir.grpc, &request(n, 100_000), None).await {
            Ok(()) => acknowledged.push(n),
            Err(status) => break status,
        }
    };
    assert_eq!(
        refusal.code(),
        tonic::Code::ResourceExhausted,
        "{refusal:?}"
    );
    assert!(
        refusal.message().contains("disk queue is full"),
        "{refusal:?}"
    );
    assert!(
        acknowledged.len() > 50,
        "{} requests before full",
        acknowledged.len()
    );
    assert!(
        weir.metric("weir_exporter_queue_disk_full_total", &[])
            .await
            >= 1.0
    );
    let pending = eventually(Duration::from_secs(5), async || {
        weir.metric("weir_exporter_queue_size", &[]).await >= acknowledged.len() as f64
    })
    .await;
    assert!(
        pending,
        "every request waits in the queue: {}",
        weir.metrics().await
    );

    sink.refuse(false);
    let wanted = ids_of(acknowledged.iter().copied());
    let drained = all_arrive(&sink, &wanted, Duration::from_secs(60)).await;
    assert!(drained, "{}", weir.logs());
    let next = acknowledged.len() as u64;
    send_grpc(weir.grpc, &request(next, 100_000), None)
        .await
        .expect("room again once the queue drained");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trace_buffer_clients_are_answered_once_kept_traces_are_on_disk() {
    let queue = tempfile::tempdir().expect("queue dir");
    let sink = Sink::start().await;
    sink.refuse(true);
    let ports = Ports::new();
    let config = format!(
        r#"
receivers:
  otlp:
    protocols:
      grpc: {{ endpoint: "{grpc}" }}
processors:
  adaptive_sampler:
    mode: trace
    initial_probability: 1.0
    trace: {{ decision_wait: 300ms, root_grace: 100ms }}
  batch: {{ timeout: 50ms }}
exporters:
  otlp/sink:
    endpoint: "http://{sink}"
    sending_queue: {{ storage: disk, directory: "{queue}" }}
    retry_on_failure: {{ initial_interval: 50ms, max_interval: 200ms, max_elapsed_time: 0s }}
service:
  telemetry:
    metrics: {{ address: "{admin}" }}
  pipelines:
    traces: {{ receivers: [otlp], processors: [adaptive_sampler, batch], exporters: [otlp/sink] }}
"#,
        grpc = ports.grpc,
        admin = ports.admin,
        sink = sink.addr,
        queue = queue.path().display(),
    );
    let weir = Weir::start(&ports, &config).await;
    for n in 0..5 {
        send_grpc(weir.grpc, &request(n, 0), None)
            .await
            .expect("weir acknowledges");
    }
    // Answered only once decided and written: killed at once, nothing is lost.
    drop(weir); // SIGKILL

    let weir = Weir::start(&ports, &config).await;
    sink.refuse(false);
    let wanted = ids_of(0..5);
    assert!(
        all_arrive(&sink, &wanted, Duration::from_secs(30)).await,
        "{}",
        weir.logs()
    );
}
