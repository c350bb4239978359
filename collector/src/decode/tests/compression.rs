use std::io::Write;
use std::time::{Duration, Instant};

use bytes::Bytes;
use flate2::Compression;
use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};

use crate::decode::{ContentEncoding, DecodeError, decompress};

/// Text that compresses well but not trivially: a log-like line with a counter.
fn sample(len: usize) -> Vec<u8> {
    (0..)
        .map(|i| format!("{i:08} GET /users/{} 200 OK\n", i % 97))
        .flat_map(String::into_bytes)
        .take(len)
        .collect()
}

/// Compresses the concatenated chunks as one stream; deflate means zlib-wrapped, as RFC 9110 has it.
fn compress_chunks<'a>(
    encoding: ContentEncoding,
    chunks: impl IntoIterator<Item = &'a [u8]>,
) -> Vec<u8> {
    fn feed<'a, W: Write>(mut writer: W, chunks: impl IntoIterator<Item = &'a [u8]>) -> W {
        for chunk in chunks {
            writer.write_all(chunk).expect("compressing");
        }
        writer
    }
    match encoding {
        ContentEncoding::Identity => Ok(chunks.into_iter().flatten().copied().collect()),
        ContentEncoding::Gzip => {
            feed(GzEncoder::new(Vec::new(), Compression::fast()), chunks).finish()
        }
        ContentEncoding::Deflate => {
            feed(ZlibEncoder::new(Vec::new(), Compression::fast()), chunks).finish()
        }
        ContentEncoding::Zstd => feed(
            zstd::Encoder::new(Vec::new(), 1).expect("zstd encoder"),
            chunks,
        )
        .finish(),
    }
    .expect("finishing the compressed stream")
}

fn compress(encoding: ContentEncoding, data: &[u8]) -> Vec<u8> {
    compress_chunks(encoding, [data])
}

const COMPRESSED: [ContentEncoding; 3] = [
    ContentEncoding::Gzip,
    ContentEncoding::Deflate,
    ContentEncoding::Zstd,
];

fn decompress_ok(encoding: ContentEncoding, body: Vec<u8>, max_len: usize) -> Bytes {
    decompress(encoding, Bytes::from(body), max_len).unwrap_or_else(|e| panic!("{encoding:?}: {e}"))
}

fn decompress_err(encoding: ContentEncoding, body: Vec<u8>, max_len: usize) -> DecodeError {
    decompress(encoding, Bytes::from(body), max_len).expect_err("decompressed")
}

#[test]
fn content_encoding_header() {
    for (header, expected) in [
        (None, ContentEncoding::Identity),
        (Some(""), ContentEncoding::Identity),
        (Some("identity"), ContentEncoding::Identity),
        (Some("gzip"), ContentEncoding::Gzip),
        (Some(" GZip "), ContentEncoding::Gzip),
        (Some("x-gzip"), ContentEncoding::Gzip),
        (Some("deflate"), ContentEncoding::Deflate),
        (Some("ZSTD"), ContentEncoding::Zstd),
    ] {
        assert_eq!(
            ContentEncoding::from_header(header).ok(),
            Some(expected),
            "{header:?}"
        );
    }
    for header in ["br", "snappy", "gzip, br", "compress"] {
        let err = ContentEncoding::from_header(Some(header)).expect_err(header);
        assert!(
            matches!(err, DecodeError::UnsupportedEncoding(_)),
            "{err:?}"
        );
        assert_eq!(err.reason(), "unsupported_encoding");
        assert_eq!(
            err.to_string(),
            format!(
                "Content-Encoding \"{header}\" is not supported: send identity, gzip, deflate or zstd"
            )
        );
    }
}

#[test]
fn identity_is_zero_copy_and_bounded() {
    let body = Bytes::from(sample(1000));
    let plain = decompress(ContentEncoding::Identity, body.clone(), 1000).ok();
    assert_eq!(
        plain.as_deref().map(<[u8]>::as_ptr),
        Some(body.as_ptr()),
        "identity must not copy"
    );
    let err = decompress(ContentEncoding::Identity, body, 999).err();
    assert!(
        matches!(err, Some(DecodeError::TooLarge { limit: 999 })),
        "{err:?}"
    );
}

#[test]
fn round_trips() {
    for encoding in COMPRESSED {
        for len in [1, 100, 8 * 1024, 300_000] {
            let data = sample(len);
            let plain = decompress_ok(encoding, compress(encoding, &data), len);
            assert!(plain == data, "{encoding:?}, {len} bytes");
        }
    }
}

#[test]
fn the_limit_is_inclusive() {
    let data = sample(100_000);
    for encoding in COMPRESSED {
        assert_eq!(
            decompress_ok(encoding, compress(encoding, &data), data.len()).len(),
            data.len()
        );
        let err = decompress_err(encoding, compress(encoding, &data), data.len() - 1);
        assert!(
            matches!(err, DecodeError::TooLarge { limit } if limit == data.len() - 1),
            "{encoding:?}: {err:?}"
        );
        assert_eq!(err.reason(), "too_large");
    }
}

#[test]
fn raw_deflate_is_accepted_too() {
    let data = sample(50_000);
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(&data).unwrap();
    let raw = encoder.finish().unwrap();
    assert!(decompress_ok(ContentEncoding::Deflate, raw, data.len()) == data);
}

#[test]
fn concatenated_gzip_members_are_one_body() {
    let (first, second) = (sample(1000), b"second member".to_vec());
    let mut body = compress(ContentEncoding::Gzip, &first);
    body.extend(compress(ContentEncoding::Gzip, &second));
    assert!(decompress_ok(ContentEncoding::Gzip, body, 10_000) == [first, second].concat());
}

#[test]
fn empty_bodies_stay_empty() {
    for encoding in [
        ContentEncoding::Identity,
        ContentEncoding::Gzip,
        ContentEncoding::Deflate,
        ContentEncoding::Zstd,
    ] {
        assert!(
            decompress_ok(encoding, Vec::new(), 0).is_empty(),
            "{encoding:?}"
        );
    }
}

#[test]
fn truncated_and_corrupt_bodies_are_rejected() {
    let data = sample(20_000);
    for encoding in COMPRESSED {
        let compressed = compress(encoding, &data);
        for cut in [1, compressed.len() / 2, compressed.len() - 1] {
            let err = decompress_err(encoding, compressed[..cut].to_vec(), data.len());
            assert!(
                matches!(err, DecodeError::Decompress(_)),
                "{encoding:?} cut at {cut}: {err:?}"
            );
            assert_eq!(err.reason(), "bad_compression");
            assert!(
                err.to_string()
                    .contains("check that Content-Encoding matches"),
                "{err}"
            );
        }
        let garbage = b"this is not compressed at all, just some text".to_vec();
        let err = decompress_err(encoding, garbage, data.len());
        assert!(
            matches!(err, DecodeError::Decompress(_)),
            "{encoding:?}: {err:?}"
        );
    }
    let err = decompress_err(
        ContentEncoding::Gzip,
        compress(ContentEncoding::Zstd, &data),
        data.len(),
    );
    assert!(err.to_string().contains("not valid gzip data"), "{err}");
}

/// 1 GiB of zeros, compressed as it streams through the encoder so the test never holds it.
fn bomb(encoding: ContentEncoding) -> Vec<u8> {
    let zeros = vec![0; 1 << 20];
    compress_chunks(encoding, std::iter::repeat_n(&zeros[..], 1024))
}

#[test]
fn compression_bombs_stop_at_the_limit() {
    for encoding in COMPRESSED {
        let body = bomb(encoding);
        let start = Instant::now();
        let err = decompress_err(encoding, body, 1 << 20);
        assert!(
            matches!(err, DecodeError::TooLarge { limit } if limit == 1 << 20),
            "{encoding:?}: {err:?}"
        );
        // Inflating the whole gibibyte would take seconds; stopping at 1 MiB takes milliseconds.
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "{encoding:?} took {:?}",
            start.elapsed()
        );
    }
}

#[test]
fn zstd_frames_asking_for_a_huge_window_are_refused() {
    let mut encoder = zstd::Encoder::new(Vec::new(), 1).unwrap();
    // A 1 GiB window and no content size: a naive decoder allocates the gibibyte before any output.
    encoder.window_log(30).unwrap();
    encoder.include_contentsize(false).unwrap();
    encoder.write_all(b"tiny").unwrap();
    let body = encoder.finish().unwrap();
    let err = decompress_err(ContentEncoding::Zstd, body, 1 << 20);
    assert!(matches!(err, DecodeError::Decompress(_)), "{err:?}");
}
