//! An export request's body: the batch's bytes, compressed by weir (zstd level 1, gzip level 2) as
//! they are read from the received buffers, with contexts kept per thread, off the async runtime's
//! threads.

use std::cell::RefCell;
use std::io;
use std::sync::Arc;

use flate2::{Compress, Crc, FlushCompress};
use weir_config::Compression;
use weir_proto::Encoded;
use zstd::zstd_safe::{self, CCtx, CParameter, InBuffer, OutBuffer, ResetDirective};

/// zstd's fastest regular level: most of level 3's ratio on telemetry for much less CPU.
const ZSTD_LEVEL: i32 = 1;

/// Not 1: level 1 made requests 60% larger than level 6 in the rotel comparison, level 2 only 15%
/// larger, for no more CPU (BENCHMARKS.md).
const GZIP_LEVEL: u32 = 2;

/// Free room a compressor is handed each step: enough for a deflate block or a zstd block.
const MIN_ROOM: usize = 128 << 10;

/// What each thread keeps between batches: the compressors' state, whose tables cost more to build
/// than a small batch costs to compress.
#[derive(Default)]
struct Compressors {
    zstd: Option<CCtx<'static>>,
    deflate: Option<Compress>,
}

thread_local! {
    // Per thread rather than per exporter: the work is synchronous and never crosses an await, so
    // it needs no lock, and one thread serves every exporter.
    static COMPRESSORS: RefCell<Compressors> = RefCell::default();
}

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
///
/// The compressors read the request slice by slice from the buffers it arrived in: a batch is never
/// copied into one uncompressed buffer, which held as much memory as the batch itself per export.
pub(super) fn encode(
    payload: &Encoded,
    compression: Compression,
    prefix: usize,
) -> io::Result<Vec<u8>> {
    let length = payload.encoded_len();
    let mut out = Vec::new();
    if compression == Compression::None {
        out.reserve_exact(prefix + length);
        out.resize(prefix, 0);
        payload.encode(&mut out);
        return Ok(out);
    }
    // Telemetry compresses to a fifth or less of its size; the buffer grows if this one does not.
    out.reserve_exact(prefix + length / 5 + MIN_ROOM);
    out.resize(prefix, 0);
    COMPRESSORS.with_borrow_mut(|compressors| match compression {
        Compression::Zstd => compressors.zstd_into(payload, length, &mut out),
        _ => compressors.gzip_into(payload, &mut out),
    })?;
    if out.capacity() - out.len() > out.len() / 8 {
        out.shrink_to_fit();
    }
    Ok(out)
}

/// Makes sure `out` has at least [`MIN_ROOM`] free bytes, growing it by half at a time.
fn make_room(out: &mut Vec<u8>) {
    if out.capacity() - out.len() < MIN_ROOM {
        out.reserve(MIN_ROOM.max(out.len() / 2));
    }
}

/// A zstd error code as an I/O error that names it.
fn zstd_error(code: zstd_safe::ErrorCode) -> io::Error {
    io::Error::other(format!("zstd: {}", zstd_safe::get_error_name(code)))
}

/// gzip's header for a deflate stream with no name, time or comment.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

impl Compressors {
    /// Appends `payload` (`length` bytes in protobuf) as one zstd frame to `out`.
    fn zstd_into(&mut self, payload: &Encoded, length: usize, out: &mut Vec<u8>) -> io::Result<()> {
        let context = match &mut self.zstd {
            Some(context) => context,
            None => {
                let mut context = CCtx::create();
                context
                    .set_parameter(CParameter::CompressionLevel(ZSTD_LEVEL))
                    .map_err(zstd_error)?;
                self.zstd.insert(context)
            }
        };
        // A failed frame may have left the session mid-stream.
        context
            .reset(ResetDirective::SessionOnly)
            .map_err(zstd_error)?;
        // Written into the frame header, so a decoder can size its output at once.
        context
            .set_pledged_src_size(Some(length as u64))
            .map_err(zstd_error)?;
        payload.write_slices(|slice| {
            let mut input = InBuffer::around(slice);
            while input.pos() < slice.len() {
                make_room(out);
                let position = out.len();
                let mut output = OutBuffer::around_pos(out, position);
                context
                    .compress_stream(&mut output, &mut input)
                    .map_err(zstd_error)?;
            }
            Ok::<(), io::Error>(())
        })?;
        loop {
            make_room(out);
            let position = out.len();
            let mut output = OutBuffer::around_pos(out, position);
            let left = context.end_stream(&mut output).map_err(zstd_error)?;
            if left == 0 {
                return Ok(());
            }
        }
    }

    /// Appends `payload` as a gzip member to `out`, reusing the thread's deflate state (flate2's
    /// gzip writer would build a new one, with its tables, for every request).
    fn gzip_into(&mut self, payload: &Encoded, out: &mut Vec<u8>) -> io::Result<()> {
        let deflate = self
            .deflate
            .get_or_insert_with(|| Compress::new(flate2::Compression::new(GZIP_LEVEL), false));
        deflate.reset();
        out.extend_from_slice(&GZIP_HEADER);
        let mut crc = Crc::new();
        payload.write_slices(|slice| {
            crc.update(slice);
            let mut consumed = 0;
            while consumed < slice.len() {
                make_room(out);
                let before = deflate.total_in();
                deflate
                    .compress_vec(&slice[consumed..], out, FlushCompress::None)
                    .map_err(io::Error::other)?;
                consumed += usize::try_from(deflate.total_in() - before).unwrap_or(usize::MAX);
            }
            Ok::<(), io::Error>(())
        })?;
        loop {
            make_room(out);
            let status = deflate
                .compress_vec(&[], out, FlushCompress::Finish)
                .map_err(io::Error::other)?;
            if status == flate2::Status::StreamEnd {
                break;
            }
        }
        out.extend_from_slice(&crc.sum().to_le_bytes());
        // ISIZE is the input's length modulo 2^32.
        out.extend_from_slice(&crc.amount().to_le_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests;
