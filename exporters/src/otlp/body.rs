//! An export request's body: the batch's bytes, compressed by weir (zstd level 1, gzip level 2) with
//! contexts kept per thread, off the async runtime's threads.

use std::cell::RefCell;
use std::io::{self, Cursor};
use std::sync::Arc;

use flate2::{Compress, Crc, FlushCompress};
use weir_config::Compression;
use weir_proto::Encoded;

/// Largest encoding buffer a thread keeps between batches, so one huge batch does not pin its size.
const MAX_KEPT_SCRATCH: usize = 8 << 20;

/// zstd's fastest regular level: most of level 3's ratio on telemetry for much less CPU.
const ZSTD_LEVEL: i32 = 1;

/// Not 1: level 1 made requests 60% larger than level 6 in the rotel comparison, level 2 only 15%
/// larger, for no more CPU (BENCHMARKS.md).
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
    // it needs no lock, and one thread serves every exporter.
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

/// Appends the thread's encoded request, compressed, to an output buffer.
type CompressInto = fn(&mut Scratch, &mut Vec<u8>) -> io::Result<()>;

/// [`encode`] on a blocking-pool thread when there is compressing to do: a large batch takes
/// milliseconds to compress, which would stall every connection served by the runtime's worker.
pub(super) async fn encode_off_runtime(
    batch: Arc<Encoded>,
    compression: Compression,
    prefix: usize,
) -> io::Result<Vec<u8>> {
    if compression == Compression::None {
        return encode(&batch, compression, prefix);
    }
    tokio::task::spawn_blocking(move || encode(&batch, compression, prefix))
        .await
        .map_err(io::Error::other)?
}

/// `prefix` zero bytes (room for a framing header), then `payload` in protobuf, compressed.
pub(super) fn encode(
    payload: &Encoded,
    compression: Compression,
    prefix: usize,
) -> io::Result<Vec<u8>> {
    let length = payload.encoded_len();
    let compress: Option<CompressInto> = match compression {
        Compression::Zstd => Some(zstd_into),
        Compression::Gzip => Some(gzip_into),
        Compression::None => None,
    };
    let mut out = Vec::new();
    match compress {
        None => {
            out.reserve_exact(prefix + length);
            out.resize(prefix, 0);
            payload.encode(&mut out);
        }
        Some(compress) => SCRATCH.with_borrow_mut(|scratch| {
            scratch.encoded.clear();
            scratch.encoded.reserve(length);
            payload.encode(&mut scratch.encoded);
            out.resize(prefix, 0);
            let compressed = compress(scratch, &mut out);
            if scratch.encoded.capacity() > MAX_KEPT_SCRATCH {
                scratch.encoded = Vec::new();
            }
            compressed
        })?,
    }
    Ok(out)
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
mod tests;
