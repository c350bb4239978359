//! Opening a queue directory: taking the lock, finding the segments, cutting a torn tail, and
//! working out where the writer and the reader resume.
//!
//! The segment files are the truth; the ack file only says how far the reader may skip. So a
//! missing or stale ack file means replaying more, and nothing found in the directory can make
//! the queue refuse to open, only an unusable directory.

use std::collections::VecDeque;
use std::fs::{self, OpenOptions};
use std::io;
use std::path::Path;
use std::sync::Arc;

use super::DiskQueueOptions;
use super::ack::{self, AckTracker};
use super::error::DiskQueueError;
use super::reader::Reader;
use super::segment::{self, Next, OpenError, SegmentReader};
use super::threads::Counters;
use super::writer::{Active, Finished, Start, Writer};

const LOCK_FILE: &str = "lock";

/// The writer and reader of a reopened queue, and where they start.
pub(super) struct Recovered {
    pub(super) writer: Writer,
    pub(super) reader: Reader,
    pub(super) committed: u64,
    pub(super) active_seq: u64,
}

/// Opens (creating if need be) the queue in `dir`.
pub(super) fn recover(
    dir: &Arc<Path>,
    options: &DiskQueueOptions,
    counters: &Arc<Counters>,
) -> Result<Recovered, DiskQueueError> {
    fs::create_dir_all(dir)
        .map_err(|error| DiskQueueError::io("create the queue directory", dir, dir, error))?;
    let lock_path = dir.join(LOCK_FILE);
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|error| DiskQueueError::io("create the lock file", &lock_path, dir, error))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            return Err(DiskQueueError::Locked {
                dir: Arc::clone(dir),
            });
        }
        Err(fs::TryLockError::Error(error)) => {
            return Err(DiskQueueError::io("lock", &lock_path, dir, error));
        }
    }

    let acked = ack::load(dir);
    let (mut segments, unusable_max) = valid_segments(dir, counters)?;

    // The writer resumes after the last valid record, or after the last acked id if that is
    // further (records the page cache lost in a power cut may have been acked already; their ids
    // must not be handed out again).
    let acked_end = acked.as_ref().map_or(0, |acks| {
        acks.ranges()
            .last()
            .map_or(acks.watermark(), |range| range.end)
    });
    let scanned = match segments.last_mut() {
        Some(last) => scan_last(dir, last, counters),
        None => 0,
    };
    let next_id = scanned.max(acked_end);
    let mut acks = acked.unwrap_or_else(|| AckTracker::new(0));
    // Ids below the oldest segment are gone: nothing is left to deliver of them.
    acks.ack(0..segments.first().map_or(next_id, |first| first.first_id));
    let watermark = acks.watermark();

    // Segments whose every id is below the read position were acked before the stop.
    while let Some(oldest) = segments.first() {
        let end = segments.get(1).map_or(next_id, |next| next.first_id);
        if end > watermark {
            break;
        }
        let path = segment::path(dir, oldest.seq);
        if let Err(error) = fs::remove_file(&path)
            && error.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(message = "Cannot delete an acknowledged disk queue segment.", %error, path = %path.display());
            break;
        }
        segments.remove(0);
    }

    let last_seq = segments.last().map(|s| s.seq).max(unusable_max);
    let active_seq = match last_seq {
        Some(seq) => seq.checked_add(1).ok_or_else(|| {
            DiskQueueError::Options(format!(
                "segment numbers in {} are exhausted: move the directory aside",
                dir.display()
            ))
        })?,
        None => 0,
    };
    let file = segment::create(dir, active_seq, next_id).map_err(|error| {
        DiskQueueError::io(
            "create segment",
            &segment::path(dir, active_seq),
            dir,
            error,
        )
    })?;

    let mut pending: VecDeque<u64> = segments.iter().map(|s| s.seq).collect();
    pending.push_back(active_seq);
    let acked_ranges = acks.ranges().collect();
    let writer = Writer::new(Start {
        dir: Arc::clone(dir),
        lock,
        fsync: options.fsync,
        segment_size: options.segment_size,
        max_size: options.max_size,
        ack_interval: options.ack_interval,
        finished: segments.into(),
        active: Active {
            seq: active_seq,
            first_id: next_id,
            file,
            len: segment::HEADER_LEN,
        },
        next_id,
        acks,
    });
    if writer.used() > options.max_size {
        tracing::warn!(
            message = "The disk queue holds more than its max_size; appends are refused until it drains.",
            dir = %dir.display(),
            bytes = writer.used(),
            max_size = options.max_size
        );
    }
    let reader = Reader::new(
        Arc::clone(dir),
        pending,
        watermark,
        acked_ranges,
        Arc::clone(counters),
    );
    Ok(Recovered {
        writer,
        reader,
        committed: next_id,
        active_seq,
    })
}

/// The segments with a valid header, oldest first, and the highest sequence number of segment
/// files that could not be used (so a new segment never collides with one). Damaged ones are
/// deleted: nothing in them can be located.
fn valid_segments(
    dir: &Arc<Path>,
    counters: &Counters,
) -> Result<(Vec<Finished>, Option<u64>), DiskQueueError> {
    let read_error = |error| DiskQueueError::io("read the queue directory", dir, dir, error);
    let mut seqs = Vec::new();
    for entry in fs::read_dir(dir).map_err(read_error)? {
        let name = entry.map_err(read_error)?.file_name();
        let name = name.to_string_lossy();
        match segment::parse_name(&name) {
            Some(seq) => seqs.push(seq),
            None if [LOCK_FILE, ack::FILE, ack::TMP_FILE].contains(&&*name) => {}
            None => tracing::warn!(
                message = "Ignoring a file that is not part of the disk queue.",
                path = %dir.join(&*name).display()
            ),
        }
    }
    seqs.sort_unstable();

    let mut valid: Vec<Finished> = Vec::with_capacity(seqs.len());
    let mut unusable_max = None;
    for seq in seqs {
        let path = segment::path(dir, seq);
        let len = match SegmentReader::open(dir, seq) {
            Ok(reader) if valid.last().is_none_or(|p| reader.first_id() >= p.first_id) => {
                valid.push(Finished {
                    seq,
                    first_id: reader.first_id(),
                    len: reader.file_len(),
                });
                continue;
            }
            Ok(reader) => reader.file_len(),
            Err(OpenError::Damaged { len }) => len,
            Err(OpenError::Io(error)) => {
                tracing::warn!(message = "Ignoring a disk queue segment that cannot be read.", %error, path = %path.display());
                unusable_max = unusable_max.max(Some(seq));
                continue;
            }
        };
        tracing::warn!(
            message = "Deleting a disk queue segment with a damaged header; its records are lost.",
            path = %path.display(),
            skipped_bytes = len
        );
        counters.add_damage(1, len);
        if let Err(error) = fs::remove_file(&path) {
            tracing::warn!(message = "Cannot delete a damaged disk queue segment.", %error, path = %path.display());
            unusable_max = unusable_max.max(Some(seq));
        }
    }
    Ok((valid, unusable_max))
}

/// Reads the newest segment to its end and cuts off anything after its last valid record (a
/// write torn by a crash, or damage, after which nothing can be framed). Returns the id after its
/// last valid record.
fn scan_last(dir: &Path, last: &mut Finished, counters: &Counters) -> u64 {
    let path = segment::path(dir, last.seq);
    let mut reader = match SegmentReader::open(dir, last.seq) {
        Ok(reader) => reader,
        // It opened a moment ago; if it can't now, the reader will meet the same and skip it.
        Err(_) => return last.first_id,
    };
    let (damage, offset, bytes) = loop {
        match reader.next() {
            Ok(Next::Record { .. }) => {}
            Ok(Next::End) => return reader.next_id(),
            Ok(Next::Damaged {
                damage,
                offset,
                bytes,
            }) => break (damage.to_string(), offset, bytes),
            Err(error) => {
                let offset = reader.valid_len();
                break (
                    error.to_string(),
                    offset,
                    reader.file_len().saturating_sub(offset),
                );
            }
        }
    };
    tracing::warn!(
        message = "Cutting damaged records off the end of the disk queue's newest segment.",
        path = %path.display(),
        offset,
        error = %damage,
        skipped_bytes = bytes
    );
    counters.add_damage(1, bytes);
    match segment::truncate(&path, offset) {
        Ok(()) => last.len = offset,
        Err(error) => {
            tracing::warn!(message = "Cannot cut the damaged end off a disk queue segment; the reader will skip it.", %error, path = %path.display());
        }
    }
    reader.next_id()
}
