//! Any bytes in each Content-Encoding: decompression must not panic and must never return more than the
//! limit, which is kept small so that compression bombs hit it.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use weir::decode::{ContentEncoding, decompress};

const MAX_LEN: usize = 64 * 1024;

fuzz_target!(|data: &[u8]| {
    let body = Bytes::copy_from_slice(data);
    for encoding in [ContentEncoding::Identity, ContentEncoding::Gzip, ContentEncoding::Deflate, ContentEncoding::Zstd] {
        if let Ok(plain) = decompress(encoding, body.clone(), MAX_LEN) {
            assert!(plain.len() <= MAX_LEN, "{encoding:?} returned {} bytes", plain.len());
        }
    }
});
