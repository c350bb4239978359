//! Requests are generated, encoded and (over HTTP) compressed before the timed phase, which then
//! only sends bytes.
//!
//! Over gRPC the pool holds plain protobuf: tonic compresses each message itself as it sends it
//! (`send_compressed`), so a gRPC run with compression pays that cost in the timed phase, as every
//! real gRPC client does. Over HTTP the body is compressed here, once, at the levels tonic uses
//! (gzip 6, zstd 3), so both transports put comparable bytes on the wire.

use std::io::{self, Write};

use bytes::Bytes;
use weir_proto::Signal;

use super::Compression;
use super::workload::Workload;

/// The pool stops growing past this many bytes, so large requests don't exhaust memory.
const MAX_POOL_BYTES: usize = 256 << 20;

/// One request body, ready to send.
#[derive(Clone, Debug)]
pub struct Body {
    /// What goes on the wire as the request body (or gRPC message, before tonic compresses it).
    pub bytes: Bytes,
    /// Spans, data points or log records in it.
    pub items: u64,
    /// Its size as plain protobuf.
    pub protobuf_len: u64,
}

/// Distinct request bodies that the timed phase cycles through, plus a short last one.
#[derive(Debug)]
pub struct Pool {
    bodies: Vec<Body>,
    tail: Option<Body>,
}

impl Pool {
    /// Up to `distinct` bodies of `items_per_request` items (fewer if they pass the memory budget),
    /// and a last body of `tail_items` items if that is not zero, compressed with `compression`.
    pub fn build(
        workload: &mut Workload,
        signal: Signal,
        items_per_request: u64,
        distinct: usize,
        tail_items: u64,
        compression: Compression,
    ) -> io::Result<Pool> {
        let mut bodies = Vec::with_capacity(distinct);
        let mut bytes = 0;
        while bodies.len() < distinct.max(1) && bytes < MAX_POOL_BYTES {
            let body = encode(workload, signal, items_per_request, compression)?;
            bytes += body.bytes.len();
            bodies.push(body);
        }
        let tail = match tail_items {
            0 => None,
            n => Some(encode(workload, signal, n, compression)?),
        };
        Ok(Pool { bodies, tail })
    }

    /// The body of request `index` out of `requests`: the pool in turn, the short body last.
    pub fn body(&self, index: u64, requests: u64) -> &Body {
        match &self.tail {
            Some(tail) if index + 1 == requests => tail,
            _ => &self.bodies[(index % self.bodies.len() as u64) as usize],
        }
    }

    /// Distinct full-size bodies.
    pub fn distinct(&self) -> usize {
        self.bodies.len()
    }
}

fn encode(
    workload: &mut Workload,
    signal: Signal,
    items: u64,
    compression: Compression,
) -> io::Result<Body> {
    let request = workload.request(signal, items as usize);
    let protobuf = request.encode_to_vec();
    Ok(Body {
        protobuf_len: protobuf.len() as u64,
        bytes: compress(compression, protobuf)?.into(),
        items,
    })
}

/// `body` compressed with `compression` (as is for none).
pub fn compress(compression: Compression, body: Vec<u8>) -> io::Result<Vec<u8>> {
    match compression {
        Compression::None => Ok(body),
        Compression::Gzip => {
            let mut e = flate2::write::GzEncoder::new(
                Vec::with_capacity(body.len() / 4),
                flate2::Compression::new(6),
            );
            e.write_all(&body)?;
            e.finish()
        }
        Compression::Zstd => zstd::encode_all(body.as_slice(), zstd::DEFAULT_COMPRESSION_LEVEL),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;
    use crate::loadgen::workload::WorkloadConfig;

    fn workload() -> Workload {
        Workload::new(WorkloadConfig {
            services: 5,
            operations: 10,
            error_ratio: 0.1,
            duration_median_ms: 10.0,
            duration_sigma: 1.0,
            seed: 1,
            base_time_unix_nano: 1_700_000_000_000_000_000,
        })
    }

    #[test]
    fn compression_round_trips() {
        let body = workload().request(Signal::Traces, 100).encode_to_vec();
        let gzip = compress(Compression::Gzip, body.clone()).expect("gzip");
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(gzip.as_slice())
            .read_to_end(&mut unzipped)
            .expect("gunzip");
        assert_eq!(unzipped, body);
        let zstd = compress(Compression::Zstd, body.clone()).expect("zstd");
        assert_eq!(zstd::decode_all(zstd.as_slice()).expect("unzstd"), body);
        assert!(zstd.len() < body.len() / 2, "OTLP compresses well");
        assert_eq!(
            compress(Compression::None, body.clone()).expect("none"),
            body
        );
    }

    #[test]
    fn the_pool_cycles_and_ends_with_the_short_body() {
        let pool =
            Pool::build(&mut workload(), Signal::Logs, 50, 3, 7, Compression::None).expect("pool");
        assert_eq!(pool.distinct(), 3);
        let requests = 6;
        let items: Vec<u64> = (0..requests)
            .map(|i| pool.body(i, requests).items)
            .collect();
        assert_eq!(items, [50, 50, 50, 50, 50, 7]);
        assert_eq!(pool.body(0, requests).bytes, pool.body(3, requests).bytes);
        assert_ne!(pool.body(0, requests).bytes, pool.body(1, requests).bytes);
        let body = pool.body(5, requests);
        assert_eq!(body.bytes.len() as u64, body.protobuf_len);
    }
}
