//! Stage 7, export: a batch encoded, compressed and framed as the OTLP/gRPC exporter sends it, per
//! compression and size. The network is left out: this is the CPU weir spends per exported span.
// criterion_group! generates undocumented functions.
#![allow(missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use weir_benches::{SIZES, request};
use weir_config::Compression;
use weir_exporters::otlp::encode_message;
use weir_proto::{Encoded, Signal};

fn export_bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("export/traces");
    for (size, items) in SIZES {
        let batch = Encoded::from_payload(&request(Signal::Traces, items))
            .expect("benches send valid OTLP");
        group.throughput(Throughput::Elements(batch.item_count() as u64));
        for (name, compression) in [
            ("none", Compression::None),
            ("gzip", Compression::Gzip),
            ("zstd", Compression::Zstd),
        ] {
            group.bench_with_input(BenchmarkId::new(name, size), &batch, |b, batch| {
                b.iter(|| encode_message(batch, compression).expect("encodes"))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, export_bench);
criterion_main!(benches);
