//! Stage 6, queue on disk: append throughput of 64 KiB records, per fsync policy and number of
//! concurrent appenders, with a consumer acking as it goes (the steady state of a healthy exporter,
//! and it keeps the bench's disk use to a few segments).
//!
//! The queue lives under the target directory, on the disk the build uses: a tmpfs would make
//! `fdatasync` free and the `always` figures meaningless.
// criterion_group! generates undocumented functions.
#![allow(missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use weir::queue::disk::{DiskQueue, DiskQueueOptions, Fsync};

const RECORD: usize = 64 * 1024;

fn disk_queue_bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let record = Bytes::from(vec![0x5A; RECORD]);
    let mut group = c.benchmark_group("disk_queue/append_64KiB");
    group.throughput(Throughput::Bytes(RECORD as u64));
    for (policy, fsync) in [
        (
            "interval_100ms",
            Fsync::Interval(Duration::from_millis(100)),
        ),
        ("always", Fsync::Always),
    ] {
        for appenders in [1u64, 8] {
            let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("bench dir");
            let options = DiskQueueOptions {
                fsync,
                ..DiskQueueOptions::new(512 * 1024 * 1024)
            };
            let queue = Arc::new(
                runtime
                    .block_on(DiskQueue::open(dir.path(), options))
                    .expect("open"),
            );
            let consumer = runtime.spawn({
                let queue = Arc::clone(&queue);
                async move {
                    while let Some((id, _)) = queue.next().await {
                        queue.ack(id);
                    }
                }
            });
            let id = BenchmarkId::new(policy, format!("{appenders}_appenders"));
            group.bench_function(id, |b| {
                b.iter_custom(|iters| {
                    runtime.block_on(append_concurrently(&queue, &record, iters, appenders))
                })
            });
            consumer.abort();
            // Awaiting the aborted task drops its handle on the queue.
            let _ = runtime.block_on(consumer);
            let queue = Arc::into_inner(queue).expect("the consumer has stopped");
            runtime.block_on(queue.close()).expect("close");
        }
    }
    group.finish();
}

/// Appends `iters` records from `appenders` tasks at once; returns the time until all are durable.
async fn append_concurrently(
    queue: &Arc<DiskQueue>,
    record: &Bytes,
    iters: u64,
    appenders: u64,
) -> Duration {
    let start = Instant::now();
    let tasks: Vec<_> = (0..appenders)
        .map(|n| {
            let (queue, record) = (Arc::clone(queue), record.clone());
            let count = iters / appenders + u64::from(n < iters % appenders);
            tokio::spawn(async move {
                for _ in 0..count {
                    // Full means the consumer is behind: wait for it, as the batch stage would.
                    while let Err(error) = queue.append(record.clone()).await {
                        assert!(error.is_full(), "{error}");
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("appender");
    }
    start.elapsed()
}

criterion_group!(benches, disk_queue_bench);
criterion_main!(benches);
