//! Stage 7, Prometheus remote write: from an OTLP metrics request to compressed request bodies
//! (translate, split at 2,000 samples, encode, compress), per protocol and compression, on the
//! golden signals of the load generator's workload (20 services, 50 routes: the series weir sends
//! most) and on the fixtures' mix of every metric kind. Throughput is in samples; the bytes each
//! choice puts on the wire for the same data are printed once per input.
// criterion_group! generates undocumented functions.
#![allow(missing_docs)]

use std::num::NonZeroUsize;

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use weir::golden::GoldenStage;
use weir_benches::stage_workload;
use weir_config::GoldenSignalsConfig;
use weir_exporters::prometheus::split::{Limits, split};
use weir_exporters::prometheus::{
    Body, Compression, DeltaAccumulator, Protocol, Settings, Translator,
};
use weir_proto::otlp::collector::metrics::v1::ExportMetricsServiceRequest;
use weir_proto::{Encoded, Signal, fixtures};
use weir_sampler::golden::GoldenSignals;

const MAX_SAMPLES_PER_SEND: usize = 2000;
const MAX_BATCH_SIZE_BYTES: usize = 3_000_000;

/// The golden signals after 50,000 spans of the workload: every series exists, as in steady state.
fn golden_request() -> ExportMetricsServiceRequest {
    let config = GoldenSignalsConfig::default();
    let stage = GoldenStage::new(
        GoldenSignals::new(&config).expect("a valid config"),
        config.series_idle_timeout,
    );
    let mut workload = stage_workload();
    for _ in 0..100 {
        let body = Bytes::from(workload.request(Signal::Traces, 500).encode_to_vec());
        stage.record(
            &Encoded::scan(Signal::Traces, &body).expect("valid OTLP"),
            true,
        );
    }
    stage.to_otlp()
}

/// Every body `request` becomes: what one export of it sends.
fn bodies(
    request: &ExportMetricsServiceRequest,
    protocol: Protocol,
    compression: Compression,
) -> Vec<Body> {
    let mut translator = Translator::new(Settings::default(), DeltaAccumulator::new(100_000));
    let series = translator.translate(request).series;
    let limits = Limits {
        samples: NonZeroUsize::new(MAX_SAMPLES_PER_SEND).expect("not zero"),
        bytes: NonZeroUsize::new(MAX_BATCH_SIZE_BYTES).expect("not zero"),
    };
    split(series, limits)
        .iter()
        .map(|part| Body::encode(part, protocol, compression).expect("encodes"))
        .collect()
}

fn remote_write_bench(c: &mut Criterion) {
    let inputs = [
        ("golden_signals", golden_request()),
        ("every_kind", fixtures::metrics(20, 200)),
    ];
    for (name, request) in &inputs {
        let samples = {
            let mut translator =
                Translator::new(Settings::default(), DeltaAccumulator::new(100_000));
            translator.translate(request).series.point_count()
        };
        let mut group = c.benchmark_group(format!("remote_write/{name}"));
        group.throughput(Throughput::Elements(samples as u64));
        for (protocol_name, protocol) in [("v1", Protocol::V1), ("v2", Protocol::V2)] {
            for (compression_name, compression) in
                [("snappy", Compression::Snappy), ("zstd", Compression::Zstd)]
            {
                let wire: usize = bodies(request, protocol, compression)
                    .iter()
                    .map(|b| b.bytes.len())
                    .sum();
                println!(
                    "remote_write/{name}/{protocol_name}/{compression_name}: {samples} samples, {wire} bytes on the wire ({:.2} bytes/sample)",
                    wire as f64 / samples as f64
                );
                group.bench_with_input(
                    BenchmarkId::new(protocol_name, compression_name),
                    request,
                    |b, request| b.iter(|| bodies(request, protocol, compression)),
                );
            }
        }
        group.finish();
    }
}

criterion_group!(benches, remote_write_bench);
criterion_main!(benches);
