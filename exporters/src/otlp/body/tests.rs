use std::io::Read;

use bytes::Bytes;
use weir_config::Compression;
use weir_proto::Encoded;

use super::encode;
use crate::fixtures::{encoded, log, traces};

fn decompress(body: &[u8], compression: Compression) -> Vec<u8> {
    match compression {
        Compression::None => body.to_vec(),
        Compression::Zstd => zstd::decode_all(body).unwrap(),
        Compression::Gzip => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .unwrap();
            out
        }
    }
}

#[test]
fn bodies_decompress_to_the_request_after_the_prefix() {
    for compression in [Compression::Zstd, Compression::Gzip, Compression::None] {
        // Twice, so the second round reuses the thread's compressor.
        for payload in [traces(3), log("hello"), traces(3)] {
            let batch = encoded(&payload);
            let body = encode(&batch, compression, 3).unwrap();
            assert_eq!(&body[..3], &[0, 0, 0]);
            let plain = decompress(&body[3..], compression);
            let back = Encoded::scan(payload.signal(), &Bytes::from(plain)).unwrap();
            assert_eq!(back.decode(), payload, "{compression:?}");
        }
    }
}

#[tokio::test]
async fn off_runtime_encoding_gives_the_same_bytes() {
    let batch = encoded(&traces(50));
    for compression in [Compression::Zstd, Compression::Gzip, Compression::None] {
        let direct = encode(&batch, compression, 0).unwrap();
        let off = super::encode_off_runtime(batch.clone(), compression, 0)
            .await
            .unwrap();
        assert_eq!(direct, off, "{compression:?}");
    }
}

#[test]
fn a_batch_larger_than_one_step_of_output_round_trips_and_keeps_little_slack() {
    let payload = traces(20_000);
    let batch = encoded(&payload);
    let length = batch.encoded_len();
    for compression in [Compression::Zstd, Compression::Gzip] {
        let body = encode(&batch, compression, 5).unwrap();
        assert!(
            body.len() - 5 > super::MIN_ROOM,
            "{compression:?}: output spans several steps"
        );
        assert!(
            body.capacity() - body.len() <= body.len() / 8,
            "{compression:?}: slack"
        );
        let plain = decompress(&body[5..], compression);
        assert_eq!(plain.len(), length, "{compression:?}");
        let back = Encoded::scan(payload.signal(), &Bytes::from(plain)).unwrap();
        assert_eq!(back.decode(), payload, "{compression:?}");
    }
    let zstd = encode(&batch, Compression::Zstd, 0).unwrap();
    assert_eq!(
        zstd::zstd_safe::get_frame_content_size(&zstd).ok(),
        Some(Some(length as u64)),
        "the frame header carries the request's size"
    );
}
