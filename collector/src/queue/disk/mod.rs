//! Stage 6, queue, on disk: a durable write-ahead queue of opaque records, for exporters whose
//! `sending_queue` has `storage: disk`. A record is appended once the batch stage hands a batch
//! over, read back by the export workers, and deleted once they ack it.
//!
//! # On disk
//!
//! `<dir>/<sequence:020>.seg` segment files (`segment.rs`), each a checksummed header then frames
//! (`record.rs`: length, CRC32C over length + id + payload, id, payload) with consecutive ids; a new
//! segment starts at `segment_size`, and on every open, so nothing is ever appended after a tail a
//! crash may have torn. `<dir>/ack` holds the durable read position (`ack.rs`); `<dir>/lock` keeps
//! a second queue out of the directory.
//!
//! # Durability
//!
//! [`DiskQueue::append`] resolves once the record is durable under the [`Fsync`] policy:
//! - `Always`: after `fdatasync`. A crash at any moment loses no record whose append resolved.
//! - `Interval(d)`: after the `write` into the page cache; the writer syncs at most `d` after the
//!   first unsynced append. A process crash loses nothing (the page cache survives it); a power
//!   loss or kernel crash loses at most the appends of the last `d` (plus the time one sync takes).
//!
//! Either way a record cut short by a crash fails its checksum or length check and is never
//! replayed as valid.
//!
//! # Delivery
//!
//! [`DiskQueue::next`] yields records in id order; [`DiskQueue::ack`] marks one done, in any
//! order. The lowest id not yet acked is the read position; it is persisted at most every
//! `ack_interval` and on [`DiskQueue::close`]. On open every record from that position on is
//! delivered again, in order. Delivery is at least once: a record is delivered twice only if it was
//! exported but its ack was not yet persisted when weir stopped. Ack a record only when it is done
//! (exported, or given up on by policy): a record whose export was cut short by shutdown must stay
//! un-acked so that the next start sends it.
//!
//! # Damage
//!
//! A torn or failing frame is skipped with a warning naming the file and offset, and counted in
//! [`DiskQueueStats`]; reading resumes at the next segment (see `reader.rs` for why not within
//! the segment). On open, the newest segment is scanned and cut back to its last valid record.
//! A damaged segment header, unknown files or a damaged ack file never stop the queue from opening;
//! only a directory weir can't use does, with an error saying what to fix.
//!
//! # Bounds
//!
//! The segment files never exceed `max_size`: an append that would is refused with
//! [`DiskQueueError::Full`], and so is one that meets a full filesystem, leaving the queue as it
//! was. The caller turns that into a retryable refusal upstream. Space comes back a whole segment
//! at a time, once every record in it is acked, which is why `max_size` must be at least two
//! segments. A queue found over its size on open still opens and refuses appends until it drains.
//!
//! # Concurrency
//!
//! File I/O blocks, so each queue runs two threads of its own (`threads.rs`) and the async API
//! only passes messages:
//! - the writer thread owns the active segment and all accounting (bytes on disk, acks, deleting
//!   segments, the ack file). Appends reach it over a channel; it takes every append waiting at
//!   that moment as one group, writes it with one `write` and, under `Always`, one `fdatasync`
//!   shared by the whole group (group commit), then answers each append.
//! - the reader thread reads records ahead into a bounded channel that [`DiskQueue::next`] takes
//!   from. It learns what is committed from two atomics the writer publishes after each group, and
//!   sleeps (park/unpark) when it has caught up.
//!
//! No lock is taken on the append or ack path. Workers calling `next` share the receiving end of
//! the read-ahead channel behind an async mutex that is only waited on while the queue is empty.
//! Per record, an append allocates its reply channel; the record's bytes are copied once, into the
//! writer's reused group buffer, and a read allocates the record itself.

mod ack;
mod error;
mod handle;
mod reader;
mod record;
mod recover;
mod segment;
mod threads;
mod writer;

#[cfg(test)]
mod tests;

use std::time::Duration;

pub use error::{DiskQueueError, FullCause};
pub use handle::DiskQueue;
pub use record::Record;

/// The id of a record: assigned at append, increasing by one per record, never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordId(u64);

impl RecordId {
    /// The id as a number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl std::fmt::Display for RecordId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// When appended records are forced to stable storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fsync {
    /// Before each append resolves (appends waiting together share one sync).
    Always,
    /// At most this long after an append; appends resolve once written to the page cache.
    Interval(Duration),
}

/// How a disk queue is sized and made durable.
#[derive(Debug, Clone)]
pub struct DiskQueueOptions {
    /// Most bytes the segment files may take; at least two segments.
    pub max_size: u64,
    /// Size at which a new segment is started; also the largest record (less 36 bytes of framing).
    pub segment_size: u64,
    /// When appends are synced.
    pub fsync: Fsync,
    /// Most time between persisting the read position: after a crash, records acked in the last
    /// `ack_interval` may be delivered again.
    pub ack_interval: Duration,
    /// Records read ahead for [`DiskQueue::next`]; memory held is up to this many records.
    pub read_ahead: usize,
}

/// Bytes a segment spends on framing besides its records' payloads: its header and one record's.
pub const FRAMING: u64 = segment::HEADER_LEN + record::HEADER_LEN;

/// The default segment size, 32 MiB.
pub const DEFAULT_SEGMENT_SIZE: u64 = 32 * 1024 * 1024;

impl DiskQueueOptions {
    /// Defaults for a queue of at most `max_size` bytes: 32 MiB segments, `Fsync::Always`, the
    /// read position persisted every second, 4 records read ahead.
    pub fn new(max_size: u64) -> Self {
        DiskQueueOptions {
            max_size,
            segment_size: DEFAULT_SEGMENT_SIZE,
            fsync: Fsync::Always,
            ack_interval: Duration::from_secs(1),
            read_ahead: 4,
        }
    }

    fn validate(&self) -> Result<(), DiskQueueError> {
        let min_segment = segment::HEADER_LEN + record::HEADER_LEN + 1;
        if self.segment_size < min_segment || self.segment_size > u64::from(u32::MAX) {
            return Err(DiskQueueError::Options(format!(
                "segment_size must be between {min_segment} bytes and 4 GiB, got {}",
                self.segment_size
            )));
        }
        if self.max_size < self.segment_size.saturating_mul(2) {
            return Err(DiskQueueError::Options(format!(
                "max_size ({}) must be at least twice segment_size ({}), because space is freed a whole segment at a time: raise max_size or lower segment_size",
                self.max_size, self.segment_size
            )));
        }
        if self.read_ahead == 0 {
            return Err(DiskQueueError::Options(
                "read_ahead must be at least 1".to_owned(),
            ));
        }
        Ok(())
    }
}

/// Counters a caller can export as metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiskQueueStats {
    /// Bytes of segment files on disk.
    pub bytes: u64,
    /// Records appended and not yet acked (nor skipped as damaged).
    pub pending: u64,
    /// Records skipped as damaged: each damaged record, plus the records after it in its segment
    /// when the next segment's first id tells how many.
    pub corrupt_records: u64,
    /// Bytes skipped as damaged.
    pub corrupt_bytes: u64,
}
