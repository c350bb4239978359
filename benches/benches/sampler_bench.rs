//! Stage 4, sample: the adaptive sampler's per-span decisions (consistent probability, tally, the
//! rebuilt resource entries) on requests from the load generator's workload, at the initial
//! probability 0.1 (most spans dropped, kept ones given a tracestate) and at 1 (every span kept as
//! it came: the entries are shared, not copied).
// criterion_group! generates undocumented functions.
#![allow(missing_docs)]

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use weir_benches::{SIZES, stage_workload};
use weir_config::AdaptiveSamplerConfig;
use weir_proto::{Encoded, Signal};
use weir_sampler::adaptive::AdaptiveSampler;

fn sampler_bench(c: &mut Criterion) {
    let mut workload = stage_workload();
    for (name, probability) in [("p_0.1", 0.1), ("p_1", 1.0)] {
        let config = AdaptiveSamplerConfig {
            initial_probability: probability,
            ..AdaptiveSamplerConfig::default()
        };
        let sampler = AdaptiveSampler::new(&config);
        let mut group = c.benchmark_group(format!("sample/{name}"));
        for (size, spans) in SIZES {
            let body = Bytes::from(workload.request(Signal::Traces, spans).encode_to_vec());
            let request =
                Encoded::scan(Signal::Traces, &body).expect("the workload sends valid OTLP");
            group.throughput(Throughput::Elements(request.item_count() as u64));
            group.bench_with_input(BenchmarkId::new("decide", size), &request, |b, request| {
                b.iter(|| sampler.sample(request.clone()))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, sampler_bench);
criterion_main!(benches);
