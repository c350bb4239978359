//! Stage 5, batch: requests merged into batches and split to the size cap.
// criterion_group! generates undocumented functions.
#![allow(missing_docs)]

use std::time::{Duration, Instant};

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use weir::admission::MemoryBudget;
use weir::batch::Batcher;
use weir::pipeline::Envelope;
use weir_benches::{SIZES, request};
use weir_config::BatchConfig;
use weir_proto::{Encoded, Signal};

fn batch_bench(c: &mut Criterion) {
    let config = BatchConfig {
        send_batch_size: 8192,
        send_batch_max_size: 8192,
        timeout: Duration::from_millis(200),
    };
    let budget = MemoryBudget::unlimited();
    let mut group = c.benchmark_group("batch/traces");
    for (size, items) in SIZES {
        let payload = Encoded::from_payload(&request(Signal::Traces, items))
            .expect("benches send valid OTLP");
        // Enough requests to fill several batches, so merging and splitting are both measured.
        let requests = (16384 / items).max(2);
        group.throughput(Throughput::Elements(
            (payload.item_count() * requests) as u64,
        ));
        group.bench_function(BenchmarkId::from_parameter(size), |b| {
            b.iter_batched(
                || {
                    (0..requests)
                        .map(|_| Envelope::new(payload.clone(), budget.reserve(0)))
                        .collect::<Vec<_>>()
                },
                |envelopes| {
                    let mut batcher = Batcher::new(&config);
                    let now = Instant::now();
                    let mut batches = 0;
                    for envelope in envelopes {
                        batches += batcher.offer(envelope, now).len();
                    }
                    batches + batcher.take().len()
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, batch_bench);
criterion_main!(benches);
