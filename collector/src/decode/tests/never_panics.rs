//! Whatever the bytes, decoding ends in Ok or Err: never a panic.

use bytes::Bytes;
use proptest::prelude::*;
use weir_proto::{Signal, fixtures};

use super::decode_to_structs as decode;
use crate::decode::{ContentEncoding, Format, decompress};

const ENCODINGS: [ContentEncoding; 4] = [
    ContentEncoding::Identity,
    ContentEncoding::Gzip,
    ContentEncoding::Deflate,
    ContentEncoding::Zstd,
];

fn decode_everything(body: &[u8]) {
    for signal in Signal::ALL {
        for format in [Format::Protobuf, Format::Json] {
            let _ = decode(signal, format, body);
        }
    }
}

/// Valid encodings with a few bytes overwritten: these get past the first byte, unlike random input.
fn mutated(valid: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = valid.len();
    proptest::collection::vec((0..len, any::<u8>()), 1..8).prop_map(move |edits| {
        let mut bytes = valid.clone();
        for (at, byte) in edits {
            bytes[at] = byte;
        }
        bytes
    })
}

proptest! {
    #[test]
    fn random_bytes(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        decode_everything(&body);
        for encoding in ENCODINGS {
            let _ = decompress(encoding, Bytes::from(body.clone()), 4096);
        }
    }

    #[test]
    fn mutated_protobuf(body in mutated(fixtures::rich(Signal::Metrics).encode_to_vec())) {
        decode_everything(&body);
    }

    #[test]
    fn mutated_json(body in mutated(weir_proto::json::encode(&fixtures::rich(Signal::Logs)))) {
        decode_everything(&body);
    }

    #[test]
    fn mutated_compressed(body in mutated(zstd::encode_all(&b"{\"resourceSpans\":[{}]}".repeat(50)[..], 3).unwrap())) {
        let _ = decompress(ContentEncoding::Zstd, Bytes::from(body), 1024);
    }
}
