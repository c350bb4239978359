//! Stage 3, golden signals: recording every span of a checked request, on 1 thread per size and on
//! 1 and 2 threads for a 512-span request (the series map is shared; 2 threads over 1 shows whether
//! anything on the per-span path serialises). Requests come from the load generator's workload
//! (20 services, 50 routes, semantic-convention attributes), so series repeat as in production.
// criterion_group! generates undocumented functions.
#![allow(missing_docs)]

use std::sync::Arc;

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use weir::golden::GoldenStage;
use weir_benches::loadgen::workload::Workload;
use weir_benches::{SIZES, stage_workload};
use weir_config::{DimensionConfig, GoldenSignalsConfig};
use weir_proto::{Encoded, Signal};
use weir_sampler::golden::GoldenSignals;

/// Requests each thread records per iteration in the threads group.
const REQUESTS_PER_THREAD: usize = 64;

fn encoded(workload: &mut Workload, spans: usize) -> Encoded {
    let body = Bytes::from(workload.request(Signal::Traces, spans).encode_to_vec());
    Encoded::scan(Signal::Traces, &body).expect("the workload sends valid OTLP")
}

/// The default config, and the default plus one dimension as a user adding `http.route` would have
/// it (a span attribute on server spans; on the others the lookup falls back to the resource).
fn stage(dimension: bool) -> GoldenStage {
    let config = GoldenSignalsConfig {
        dimensions: dimension
            .then(|| DimensionConfig {
                name: "http.route".to_owned(),
                default: None,
            })
            .into_iter()
            .collect(),
        ..GoldenSignalsConfig::default()
    };
    let timeout = config.series_idle_timeout;
    GoldenStage::new(
        GoldenSignals::new(&config).expect("a valid config"),
        timeout,
    )
}

fn golden_signals_bench(c: &mut Criterion) {
    let mut workload = stage_workload();
    for (name, dimension) in [("default", false), ("http_route", true)] {
        let mut group = c.benchmark_group(format!("golden_signals/{name}"));
        for (size, spans) in SIZES {
            let request = encoded(&mut workload, spans);
            let stage = stage(dimension);
            // Warm: the series exist, as they do a moment after start.
            stage.record(&request, true);
            group.throughput(Throughput::Elements(request.item_count() as u64));
            group.bench_with_input(BenchmarkId::new("record", size), &request, |b, request| {
                b.iter(|| stage.record(request, true))
            });
        }
        group.finish();
    }

    let requests: Vec<Vec<Encoded>> = (0..2)
        .map(|_| {
            (0..REQUESTS_PER_THREAD)
                .map(|_| encoded(&mut workload, 512))
                .collect()
        })
        .collect();
    let stage = Arc::new(stage(false));
    requests
        .iter()
        .flatten()
        .for_each(|request| stage.record(request, true));
    let mut group = c.benchmark_group("golden_signals/default_512");
    for threads in [1, 2] {
        group.throughput(Throughput::Elements(
            (threads * REQUESTS_PER_THREAD * 512) as u64,
        ));
        group.bench_function(BenchmarkId::new("threads", threads), |b| {
            b.iter(|| {
                std::thread::scope(|scope| {
                    for requests in &requests[..threads] {
                        let stage = &stage;
                        scope.spawn(move || {
                            requests
                                .iter()
                                .for_each(|request| stage.record(request, true))
                        });
                    }
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, golden_signals_bench);
criterion_main!(benches);
