//! Stages 2 to 5 on 1 and 2 threads: each thread scans 512-span requests and batches them, as a
//! receiver's connection task does, sharing only what weir shares across connections (the memory
//! budget). Throughput on 2 threads over 1 shows whether anything on the per-span path serialises.
// criterion_group! generates undocumented functions.
#![allow(missing_docs)]

use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use weir::admission::{HELD_BYTES_PER_BODY_BYTE, MemoryBudget};
use weir::batch::Batcher;
use weir::decode::{self, Format};
use weir::pipeline::{Batch, Envelope};
use weir_benches::request;
use weir_config::BatchConfig;
use weir_proto::Signal;

/// Requests each thread handles per iteration: enough for several full batches.
const REQUESTS_PER_THREAD: usize = 64;

fn decode_to_batch_bench(c: &mut Criterion) {
    let config = BatchConfig {
        send_batch_size: 8192,
        send_batch_max_size: 8192,
        timeout: Duration::from_millis(200),
    };
    let body = request(Signal::Traces, 512).encode_to_vec();
    // One buffer per thread, as each request arrives in its own: threads sharing one `Bytes` would
    // contend on its reference count, which weir's receivers never do.
    let bodies: Vec<Bytes> = (0..2).map(|_| Bytes::from(body.clone())).collect();
    let budget = MemoryBudget::unlimited();
    let mut group = c.benchmark_group("decode_to_batch/traces_512");
    for threads in [1, 2] {
        group.throughput(Throughput::Elements(
            (threads * REQUESTS_PER_THREAD * 512) as u64,
        ));
        group.bench_function(BenchmarkId::new("threads", threads), |b| {
            b.iter(|| {
                std::thread::scope(|scope| {
                    for body in &bodies[..threads] {
                        let (budget, config) = (&budget, &config);
                        scope.spawn(move || {
                            let mut batcher = Batcher::new(config);
                            let mut batches = 0;
                            for _ in 0..REQUESTS_PER_THREAD {
                                let payload =
                                    decode::decode(Signal::Traces, Format::Protobuf, body)
                                        .expect("benches send valid OTLP");
                                let held = budget.reserve(body.len() * HELD_BYTES_PER_BODY_BYTE);
                                let ready =
                                    batcher.offer(Envelope::new(payload, held), Instant::now());
                                batches += ready.into_iter().map(Batch::from).count();
                            }
                            batches + batcher.take().len()
                        });
                    }
                })
            })
        });
    }
    group.finish();

    // The machine's own ceiling: the same threads summing their buffers, sharing nothing at all.
    // On a VM the second vCPU may not give a whole core; this is the scaling to compare against.
    let mut group = c.benchmark_group("machine_ceiling/sum_bytes");
    for threads in [1, 2] {
        group.throughput(Throughput::Bytes(
            (threads * REQUESTS_PER_THREAD * body.len()) as u64,
        ));
        group.bench_function(BenchmarkId::new("threads", threads), |b| {
            b.iter(|| {
                std::thread::scope(|scope| {
                    for body in &bodies[..threads] {
                        scope.spawn(move || {
                            let mut sum = 0u64;
                            for round in 0..REQUESTS_PER_THREAD {
                                sum = body.iter().fold(sum, |sum, &byte| {
                                    sum.rotate_left(5) ^ u64::from(byte) ^ round as u64
                                });
                            }
                            std::hint::black_box(sum)
                        });
                    }
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, decode_to_batch_bench);
criterion_main!(benches);
