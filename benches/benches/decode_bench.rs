//! Stage 2, decode: request bytes to a checked `Encoded` request, protobuf and JSON, per signal and size.
// criterion_group! generates undocumented functions.
#![allow(missing_docs)]

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use weir::decode::{self, Format};
use weir_benches::{SIZES, request};
use weir_proto::Signal;

fn decode_bench(c: &mut Criterion) {
    for signal in Signal::ALL {
        let mut group = c.benchmark_group(format!("decode/{signal}"));
        for (size, items) in SIZES {
            let payload = request(signal, items);
            group.throughput(Throughput::Elements(payload.item_count() as u64));
            let protobuf = Bytes::from(payload.encode_to_vec());
            group.bench_with_input(BenchmarkId::new("protobuf", size), &protobuf, |b, body| {
                b.iter(|| decode::decode(signal, Format::Protobuf, body))
            });
            let json = Bytes::from(weir_proto::json::encode(&payload));
            group.bench_with_input(BenchmarkId::new("json", size), &json, |b, body| {
                b.iter(|| decode::decode(signal, Format::Json, body))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, decode_bench);
criterion_main!(benches);
