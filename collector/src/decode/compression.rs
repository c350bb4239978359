//! Content-Encoding: bounded decompression of request bodies.
//!
//! Compressed bodies are attacker-sized: a 1 MiB gzip body can inflate to 1 GiB. Decompression therefore
//! streams into a buffer that never grows past the limit and stops as soon as the output would exceed it.

use std::io::{self, Read};

use bytes::Bytes;
use flate2::bufread::{DeflateDecoder, MultiGzDecoder, ZlibDecoder};

use super::DecodeError;

/// A request body's Content-Encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContentEncoding {
    /// Not compressed.
    Identity,
    /// gzip (RFC 1952); `x-gzip` is accepted as the same.
    Gzip,
    /// HTTP's "deflate": zlib-wrapped (RFC 1950), or raw deflate as some clients send it.
    Deflate,
    /// Zstandard (RFC 8878).
    Zstd,
}

impl ContentEncoding {
    /// The encoding named by a Content-Encoding header; a missing header means identity.
    pub fn from_header(value: Option<&str>) -> Result<Self, DecodeError> {
        let Some(value) = value else {
            return Ok(ContentEncoding::Identity);
        };
        let token = value.trim();
        let is = |name: &str| token.eq_ignore_ascii_case(name);
        if token.is_empty() || is("identity") {
            Ok(ContentEncoding::Identity)
        } else if is("gzip") || is("x-gzip") {
            Ok(ContentEncoding::Gzip)
        } else if is("deflate") {
            Ok(ContentEncoding::Deflate)
        } else if is("zstd") {
            Ok(ContentEncoding::Zstd)
        } else {
            Err(DecodeError::UnsupportedEncoding(value.to_owned()))
        }
    }

    fn name(self) -> &'static str {
        match self {
            ContentEncoding::Identity => "identity",
            ContentEncoding::Gzip => "gzip",
            ContentEncoding::Deflate => "deflate",
            ContentEncoding::Zstd => "zstd",
        }
    }
}

/// The smallest output buffer to start from, so tiny bodies do not regrow it many times.
const MIN_BUFFER: usize = 8 * 1024;

/// The zstd window the decoder always accepts, whatever the limit: 8 MiB is what the zstd format asks
/// decoders to support, and what `zstd -19` uses without a known content size.
const MIN_ZSTD_WINDOW_LOG: u32 = 23;

/// The largest window zstd supports on every platform (1 GiB).
const MAX_ZSTD_WINDOW_LOG: u32 = 30;

/// Decompresses `body`, failing with [`DecodeError::TooLarge`] once the output exceeds `max_len` bytes.
///
/// Identity bodies are returned as they are (only their length is checked). An empty body is an empty
/// body in every encoding, since it decodes as an empty export request.
pub fn decompress(
    encoding: ContentEncoding,
    body: Bytes,
    max_len: usize,
) -> Result<Bytes, DecodeError> {
    if body.is_empty() {
        return Ok(body);
    }
    let data: &[u8] = &body;
    let output = match encoding {
        ContentEncoding::Identity if body.len() > max_len => {
            return Err(DecodeError::TooLarge { limit: max_len });
        }
        ContentEncoding::Identity => return Ok(body),
        ContentEncoding::Gzip => {
            read_capped(encoding, MultiGzDecoder::new(data), data.len(), max_len)
        }
        ContentEncoding::Deflate if has_zlib_header(data) => {
            read_capped(encoding, ZlibDecoder::new(data), data.len(), max_len)
        }
        ContentEncoding::Deflate => {
            read_capped(encoding, DeflateDecoder::new(data), data.len(), max_len)
        }
        ContentEncoding::Zstd => {
            let mut decoder = zstd::stream::read::Decoder::with_buffer(data)
                .map_err(|e| corrupt(encoding, &e))?;
            // zstd allocates the window a frame declares before producing any output, so without this a
            // 20-byte frame could make it allocate the 128 MiB default maximum.
            decoder
                .window_log_max(zstd_window_log(max_len))
                .map_err(|e| corrupt(encoding, &e))?;
            read_capped(encoding, decoder, data.len(), max_len)
        }
    }?;
    Ok(Bytes::from(output))
}

/// RFC 1950: compression method 8 (deflate), a window of at most 32 KiB, and a header checksum.
fn has_zlib_header(data: &[u8]) -> bool {
    match data {
        [cmf, flg, ..] => {
            cmf & 0x0f == 8 && cmf >> 4 <= 7 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0
        }
        _ => false,
    }
}

fn zstd_window_log(max_len: usize) -> u32 {
    let needed = usize::BITS - max_len.saturating_sub(1).leading_zeros();
    needed.clamp(MIN_ZSTD_WINDOW_LOG, MAX_ZSTD_WINDOW_LOG)
}

/// Reads `reader` to the end into one buffer that doubles as needed but never beyond `max_len + 1` bytes:
/// the extra byte is how an output of exactly `max_len` is told from a longer one.
fn read_capped(
    encoding: ContentEncoding,
    mut reader: impl Read,
    compressed_len: usize,
    max_len: usize,
) -> Result<Vec<u8>, DecodeError> {
    let cap = max_len.saturating_add(1);
    let mut output = vec![0; compressed_len.saturating_mul(4).max(MIN_BUFFER).min(cap)];
    let mut filled = 0;
    loop {
        if filled == output.len() {
            if output.len() == cap {
                return Err(DecodeError::TooLarge { limit: max_len });
            }
            output.resize(output.len().saturating_mul(2).min(cap), 0);
        }
        match reader.read(&mut output[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(corrupt(encoding, &e)),
        }
    }
    if filled > max_len {
        return Err(DecodeError::TooLarge { limit: max_len });
    }
    output.truncate(filled);
    Ok(output)
}

fn corrupt(encoding: ContentEncoding, error: &io::Error) -> DecodeError {
    let what = if error.kind() == io::ErrorKind::UnexpectedEof {
        "the compressed data ends early".to_owned()
    } else {
        error.to_string()
    };
    DecodeError::Decompress(format!(
        "the request body is not valid {} data ({what}): check that Content-Encoding matches how the body \
         was compressed and that the whole body is sent",
        encoding.name()
    ))
}
