//! Record framing: how one record is laid out in a segment and checked when read back.
//!
//! ```text
//! crc32c  u32   CRC32C (Castagnoli) of the 12 bytes that follow and the payload
//! len     u32   payload length
//! id      u64   record id
//! payload [u8; len]
//! ```
//!
//! Little-endian. The checksum covers the length, so a flipped length is caught before the reader
//! trusts it to find the next frame; it covers the id, so a frame can't pass for another record.

use std::io::{self, Read};

use bytes::Bytes;

/// Bytes of framing in front of every payload.
pub(super) const HEADER_LEN: u64 = 16;

/// One record to append: the byte strings that, concatenated, form it.
///
/// Taking parts lets a caller put its own header in front of an encoded batch's slices without
/// first copying them into one buffer; the queue copies each part once, into its write buffer.
#[derive(Debug, Clone)]
pub struct Record(Parts);

#[derive(Debug, Clone)]
enum Parts {
    One(Bytes),
    Many(Vec<Bytes>),
}

impl Record {
    /// The record's length in bytes.
    pub fn len(&self) -> usize {
        self.parts().iter().map(Bytes::len).sum()
    }

    /// Whether the record has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn parts(&self) -> &[Bytes] {
        match &self.0 {
            Parts::One(bytes) => std::slice::from_ref(bytes),
            Parts::Many(parts) => parts,
        }
    }
}

impl From<Bytes> for Record {
    fn from(bytes: Bytes) -> Self {
        Record(Parts::One(bytes))
    }
}

impl From<Vec<Bytes>> for Record {
    fn from(parts: Vec<Bytes>) -> Self {
        Record(Parts::Many(parts))
    }
}

/// Appends the frame of `record` with `id` to `buf`. The caller has checked that its length fits
/// in a `u32`.
pub(super) fn encode(buf: &mut Vec<u8>, id: u64, record: &Record) {
    let len = u32::try_from(record.len()).expect("caller bounds the record length");
    let mut covered = [0u8; 12];
    covered[..4].copy_from_slice(&len.to_le_bytes());
    covered[4..].copy_from_slice(&id.to_le_bytes());
    let crc = record
        .parts()
        .iter()
        .fold(crc32c::crc32c(&covered), |crc, part| {
            crc32c::crc32c_append(crc, part)
        });
    buf.extend_from_slice(&crc.to_le_bytes());
    buf.extend_from_slice(&covered);
    for part in record.parts() {
        buf.extend_from_slice(part);
    }
}

/// What reading at a frame boundary found.
pub(super) enum Frame {
    /// A whole frame whose checksum matches.
    Record { id: u64, payload: Bytes },
    /// No bytes at all: the end of what was written.
    End,
    /// A frame that can't be trusted; nothing after it in the segment can be framed.
    Damaged(Damage),
}

/// Why a frame was rejected, for the warning that names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Damage {
    /// Fewer bytes than the frame needs: a write cut short by a crash, or a file cut short.
    Truncated,
    /// The checksum doesn't match the bytes.
    Checksum,
    /// A valid frame, but not the id this place in the segment must hold.
    UnexpectedId { expected: u64, found: u64 },
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Damage::Truncated => f.write_str("truncated record (torn write)"),
            Damage::Checksum => f.write_str("checksum mismatch"),
            Damage::UnexpectedId { expected, found } => {
                write!(f, "record id {found} where {expected} was expected")
            }
        }
    }
}

/// Reads one frame. `available` is how many bytes the file holds from here on; `refresh` gives a
/// fresh count when a frame claims more (the file may have grown since `available` was taken).
/// Checking the length against the file before allocating keeps a corrupt length from asking for
/// gigabytes.
pub(super) fn read(
    input: &mut impl Read,
    available: u64,
    refresh: impl FnOnce() -> io::Result<u64>,
) -> io::Result<Frame> {
    let mut header = [0u8; HEADER_LEN as usize];
    let got = read_up_to(input, &mut header)?;
    if got == 0 {
        return Ok(Frame::End);
    }
    if got < header.len() {
        return Ok(Frame::Damaged(Damage::Truncated));
    }
    let crc = u32::from_le_bytes(header[..4].try_into().expect("4 bytes"));
    let len = u32::from_le_bytes(header[4..8].try_into().expect("4 bytes"));
    let id = u64::from_le_bytes(header[8..].try_into().expect("8 bytes"));
    let needed = HEADER_LEN + u64::from(len);
    if needed > available && needed > refresh()? {
        return Ok(Frame::Damaged(Damage::Truncated));
    }
    let mut payload = vec![0u8; len as usize];
    if read_up_to(input, &mut payload)? < payload.len() {
        return Ok(Frame::Damaged(Damage::Truncated));
    }
    if crc32c::crc32c_append(crc32c::crc32c(&header[4..]), &payload) != crc {
        return Ok(Frame::Damaged(Damage::Checksum));
    }
    Ok(Frame::Record {
        id,
        payload: Bytes::from(payload),
    })
}

/// Fills `buf` as far as the input goes, returning how much was read.
pub(super) fn read_up_to(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}
