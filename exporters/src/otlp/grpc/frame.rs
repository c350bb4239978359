//! Request framing: a payload encoded with prost straight into a gRPC message, compressed by weir
//! (zstd level 1, gzip level 2) with contexts kept per thread.

use std::cell::RefCell;
use std::io::{self, Cursor};

use bytes::Bytes;
use flate2::{Compress, Crc, FlushCompress};
use prost::Message;
use weir_config::Compression;
use weir_proto::Payload;

/// The gRPC message prefix: a compressed flag and a big-endian length.
pub(super) const FRAME_HEADER: usize = 5;

/// Largest encoding buffer a thread keeps between batches, so one huge batch does not pin its size.
const MAX_KEPT_SCRATCH: usize = 8 << 20;

/// zstd's fastest regular level: most of level 3's ratio on telemetry for much less CPU.
const ZSTD_LEVEL: i32 = 1;

/// Not 1: flate2's level 1 (miniz_oxide's fast path) made requests 60% larger than level 6 in the
/// rotel comparison, level 2 only 15% larger, for no more CPU (BENCHMARKS.md).
const GZIP_LEVEL: u32 = 2;

/// What each thread keeps between batches, so encoding a batch allocates only its output.
#[derive(Default)]
struct Scratch {
    encoded: Vec<u8>,
    zstd: Option<zstd::bulk::Compressor<'static>>,
    deflate: Option<Compress>,
}

thread_local! {
    // Per thread rather than per exporter: the work is synchronous and never crosses an await, so
    // it needs no lock, and a tokio worker serves every exporter.
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

/// Appends the thread's encoded request, compressed, to a frame.
type CompressInto = fn(&mut Scratch, &mut Vec<u8>) -> io::Result<()>;

/// `payload` as one gRPC message: the compressed flag, the length and the (compressed) request.
pub(super) fn frame(payload: &Payload, compression: Compression) -> io::Result<Bytes> {
    let length = match payload {
        Payload::Traces(request) => request.encoded_len(),
        Payload::Metrics(request) => request.encoded_len(),
        Payload::Logs(request) => request.encoded_len(),
    };
    let compress: Option<CompressInto> = match compression {
        Compression::Zstd => Some(zstd_into),
        Compression::Gzip => Some(gzip_into),
        Compression::None => None,
    };
    let mut frame = Vec::new();
    match compress {
        None => {
            frame.reserve_exact(FRAME_HEADER + length);
            frame.extend_from_slice(&[0; FRAME_HEADER]);
            encode(payload, &mut frame)?;
        }
        Some(compress) => SCRATCH.with_borrow_mut(|scratch| {
            scratch.encoded.clear();
            scratch.encoded.reserve(length);
            encode(payload, &mut scratch.encoded)?;
            frame.extend_from_slice(&[1, 0, 0, 0, 0]);
            let compressed = compress(scratch, &mut frame);
            if scratch.encoded.capacity() > MAX_KEPT_SCRATCH {
                scratch.encoded = Vec::new();
            }
            compressed
        })?,
    }
    let length = u32::try_from(frame.len() - FRAME_HEADER).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the request is larger than a gRPC message may be (4 GiB)",
        )
    })?;
    frame[1..FRAME_HEADER].copy_from_slice(&length.to_be_bytes());
    Ok(frame.into())
}

fn encode(payload: &Payload, buf: &mut Vec<u8>) -> io::Result<()> {
    match payload {
        Payload::Traces(request) => request.encode(buf),
        Payload::Metrics(request) => request.encode(buf),
        Payload::Logs(request) => request.encode(buf),
    }
    .map_err(io::Error::other)
}

/// Appends `scratch.encoded` compressed by zstd to `out`.
fn zstd_into(scratch: &mut Scratch, out: &mut Vec<u8>) -> io::Result<()> {
    let compressor = match &mut scratch.zstd {
        Some(compressor) => compressor,
        None => scratch
            .zstd
            .insert(zstd::bulk::Compressor::new(ZSTD_LEVEL)?),
    };
    out.reserve_exact(zstd::zstd_safe::compress_bound(scratch.encoded.len()));
    // Writing through a cursor past the prefix compresses straight into the frame, with no copy.
    let start = out.len();
    let mut cursor = Cursor::new(std::mem::take(out));
    cursor.set_position(u64::try_from(start).unwrap_or(u64::MAX));
    let written = compressor.compress_to_buffer(&scratch.encoded[..], &mut cursor);
    *out = cursor.into_inner();
    written.map(drop)
}

/// gzip's header for a deflate stream with no name, time or comment.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// Appends `scratch.encoded` as a gzip member to `out`, reusing the thread's deflate state
/// (flate2's gzip writer would build a new one, with its tables, for every request).
fn gzip_into(scratch: &mut Scratch, out: &mut Vec<u8>) -> io::Result<()> {
    let input = &scratch.encoded[..];
    let deflate = scratch
        .deflate
        .get_or_insert_with(|| Compress::new(flate2::Compression::new(GZIP_LEVEL), false));
    deflate.reset();
    out.extend_from_slice(&GZIP_HEADER);
    // Room for incompressible input (stored blocks cost 5 bytes per 64 KiB) and the trailer.
    out.reserve(input.len() + input.len() / 1024 + 64);
    let mut consumed = 0;
    loop {
        let before = deflate.total_in();
        let status = deflate
            .compress_vec(&input[consumed..], out, FlushCompress::Finish)
            .map_err(io::Error::other)?;
        consumed += usize::try_from(deflate.total_in() - before).unwrap_or(usize::MAX);
        match status {
            flate2::Status::StreamEnd => break,
            flate2::Status::Ok | flate2::Status::BufError => out.reserve(out.capacity().max(64)),
        }
    }
    let mut crc = Crc::new();
    crc.update(input);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    // ISIZE is the input's length modulo 2^32.
    out.extend_from_slice(&crc.amount().to_le_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use weir_proto::otlp::collector::trace::v1::ExportTraceServiceRequest;

    use std::io::Read;

    use weir_proto::Signal;

    use super::*;
    use crate::fixtures::{log, metrics, traces};

    /// Reads back what `frame` made, as a server would.
    fn unframe_request(framed: &[u8], compression: Compression) -> Vec<u8> {
        let length = u32::from_be_bytes(framed[1..5].try_into().unwrap());
        let message = &framed[5..];
        assert_eq!(message.len(), length as usize);
        match compression {
            Compression::None => {
                assert_eq!(framed[0], 0);
                message.to_vec()
            }
            Compression::Zstd => {
                assert_eq!(framed[0], 1);
                zstd::decode_all(message).unwrap()
            }
            Compression::Gzip => {
                assert_eq!(framed[0], 1);
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(message)
                    .read_to_end(&mut out)
                    .unwrap();
                out
            }
        }
    }

    #[test]
    fn requests_round_trip_through_every_compression() {
        let big = traces(2_000);
        for compression in [Compression::Zstd, Compression::Gzip, Compression::None] {
            // Twice, so the second batch reuses the thread's compressor.
            for payload in [traces(3), metrics(4), log("hello"), big.clone(), traces(1)] {
                let framed = frame(&payload, compression).unwrap();
                let message = unframe_request(&framed, compression);
                let decoded = match payload.signal() {
                    Signal::Traces => Payload::Traces(
                        ExportTraceServiceRequest::decode(message.as_slice()).unwrap(),
                    ),
                    Signal::Metrics => {
                        Payload::Metrics(prost::Message::decode(&message[..]).unwrap())
                    }
                    Signal::Logs => Payload::Logs(prost::Message::decode(&message[..]).unwrap()),
                };
                assert_eq!(decoded, payload, "{compression:?}");
            }
        }
        let zstd = frame(&big, Compression::Zstd).unwrap().len();
        let none = frame(&big, Compression::None).unwrap().len();
        assert!(zstd < none / 2, "zstd {zstd} bytes, uncompressed {none}");
    }
}
