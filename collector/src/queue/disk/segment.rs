//! Segment files: `<dir>/<sequence:020>.seg`, a checksummed header naming the id of the first
//! record, then frames (see `record.rs`) with consecutive ids.
//!
//! ```text
//! magic     [u8; 8]  "weirwal" + format version 1
//! first_id  u64      id of the segment's first record (also of the next segment's, if empty)
//! crc32c    u32      of the 16 bytes above
//! ```
//!
//! The header gives each segment its id range without reading it: segment k holds
//! `first_id(k) .. first_id(k + 1)`. That is what lets the writer delete a segment once the ack
//! position passes the next one's first id, and lets the reader tell how many ids a damaged stretch
//! covered.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::record::{self, Damage, Frame};

/// Bytes of the segment header.
pub(super) const HEADER_LEN: u64 = 20;

const MAGIC: [u8; 8] = *b"weirwal\x01";

/// The file name of segment `seq`.
pub(super) fn file_name(seq: u64) -> String {
    format!("{seq:020}.seg")
}

/// The sequence number in a segment file name, or `None` for any other name.
pub(super) fn parse_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(".seg")?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The path of segment `seq` in `dir`.
pub(super) fn path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(file_name(seq))
}

fn encode_header(first_id: u64) -> [u8; HEADER_LEN as usize] {
    let mut header = [0u8; HEADER_LEN as usize];
    header[..8].copy_from_slice(&MAGIC);
    header[8..16].copy_from_slice(&first_id.to_le_bytes());
    let crc = crc32c::crc32c(&header[..16]);
    header[16..].copy_from_slice(&crc.to_le_bytes());
    header
}

fn decode_header(header: &[u8; HEADER_LEN as usize]) -> Option<u64> {
    let crc = u32::from_le_bytes(header[16..].try_into().expect("4 bytes"));
    (header[..8] == MAGIC && crc32c::crc32c(&header[..16]) == crc)
        .then(|| u64::from_le_bytes(header[8..16].try_into().expect("8 bytes")))
}

/// Creates segment `seq` whose first record will be `first_id`, positioned for appending.
///
/// The header and the directory entry are made durable here, once per segment, so that a later
/// `fdatasync` of the file is all an append needs: `fdatasync` does not persist the file's name.
pub(super) fn create(dir: &Path, seq: u64, first_id: u64) -> io::Result<File> {
    let path = path(dir, seq);
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        file.write_all(&encode_header(first_id))?;
        file.sync_data()?;
        sync_dir(dir)?;
        Ok(file)
    })();
    if result.is_err() {
        // Don't leave a headerless file for the next start to count as damage.
        let _ = fs::remove_file(&path);
    }
    result
}

/// Makes the directory's entries (created, renamed files) durable.
pub(super) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Why a segment could not be opened for reading.
pub(super) enum OpenError {
    /// The header is missing or fails its checksum; `len` is the file's size.
    Damaged { len: u64 },
    /// The file could not be opened or read.
    Io(io::Error),
}

impl From<io::Error> for OpenError {
    fn from(error: io::Error) -> Self {
        OpenError::Io(error)
    }
}

/// Reads a segment's frames in order, checking each id against the segment's sequence.
pub(super) struct SegmentReader {
    seq: u64,
    path: PathBuf,
    input: BufReader<File>,
    // A second handle on the file, to look up its size while `input` is borrowed for reading.
    stat: File,
    first_id: u64,
    next_id: u64,
    offset: u64,
    len: u64,
}

/// What the next frame of a segment held.
pub(super) enum Next {
    /// The record with the id this position must hold.
    Record { id: u64, payload: bytes::Bytes },
    /// Nothing more has been written (yet).
    End,
    /// The frame at `offset` is damaged; `bytes` are left from there to the end of the file.
    Damaged {
        damage: Damage,
        offset: u64,
        bytes: u64,
    },
}

impl SegmentReader {
    /// Opens segment `seq` in `dir` and checks its header.
    pub(super) fn open(dir: &Path, seq: u64) -> Result<SegmentReader, OpenError> {
        let path = path(dir, seq);
        let file = File::open(&path)?;
        let len = file.metadata()?.len();
        let stat = file.try_clone()?;
        let mut input = BufReader::with_capacity(64 * 1024, file);
        let mut header = [0u8; HEADER_LEN as usize];
        let first_id = (record::read_up_to(&mut input, &mut header)? == header.len())
            .then(|| decode_header(&header))
            .flatten()
            .ok_or(OpenError::Damaged { len })?;
        Ok(SegmentReader {
            seq,
            path,
            input,
            stat,
            first_id,
            next_id: first_id,
            offset: HEADER_LEN,
            len,
        })
    }

    /// The segment's sequence number.
    pub(super) fn seq(&self) -> u64 {
        self.seq
    }

    /// The segment's file.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// The id of the segment's first record.
    pub(super) fn first_id(&self) -> u64 {
        self.first_id
    }

    /// The id the next record in this segment must have.
    pub(super) fn next_id(&self) -> u64 {
        self.next_id
    }

    /// Bytes of the segment read and found valid so far, header included.
    pub(super) fn valid_len(&self) -> u64 {
        self.offset
    }

    /// The file's size when last looked at.
    pub(super) fn file_len(&self) -> u64 {
        self.len
    }

    /// Reads the next frame. Once it returns `Damaged`, the segment must not be read further.
    pub(super) fn next(&mut self) -> io::Result<Next> {
        let available = self.len.saturating_sub(self.offset);
        let stat = &self.stat;
        let mut grown = self.len;
        let frame = record::read(&mut self.input, available, || {
            grown = stat.metadata()?.len();
            Ok(grown.saturating_sub(self.offset))
        })?;
        self.len = self.len.max(grown);
        match frame {
            Frame::Record { id, payload } if id == self.next_id => {
                self.offset += record::HEADER_LEN + payload.len() as u64;
                self.next_id += 1;
                Ok(Next::Record { id, payload })
            }
            Frame::Record { id, .. } => Ok(self.damaged(Damage::UnexpectedId {
                expected: self.next_id,
                found: id,
            })?),
            Frame::End => Ok(Next::End),
            Frame::Damaged(damage) => Ok(self.damaged(damage)?),
        }
    }

    fn damaged(&mut self, damage: Damage) -> io::Result<Next> {
        self.len = self.len.max(self.stat.metadata()?.len());
        Ok(Next::Damaged {
            damage,
            offset: self.offset,
            bytes: self.len.saturating_sub(self.offset),
        })
    }
}

/// Cuts segment `path` back to `len` bytes and makes that durable.
pub(super) fn truncate(path: &Path, len: u64) -> io::Result<()> {
    let mut file = OpenOptions::new().write(true).open(path)?;
    file.set_len(len)?;
    file.seek(SeekFrom::Start(len))?;
    file.sync_data()
}
