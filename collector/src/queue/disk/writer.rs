//! The writing side: appends frames to the active segment, makes them durable by the policy,
//! rotates segments, and owns the bookkeeping that frees space (acks, segment deletion, the ack
//! file) so that the bytes on disk are counted on one thread only.
//!
//! Appends are taken as groups: `write` buffers frames, `commit` writes the buffer with one
//! `write` call and, under `Fsync::Always`, one `fdatasync`. The thread in `threads.rs` puts every
//! append waiting at the same time into one group; that shared sync is what makes `Always`
//! affordable.

use std::collections::VecDeque;
use std::fs::{self, File};
use std::io::{Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::ack::{self, AckTracker};
use super::error::{DiskQueueError, FullCause};
use super::record::{self, Record};
use super::segment;
use super::{Fsync, RecordId};

/// A segment no longer written to, kept until every record in it is done.
#[derive(Debug)]
pub(super) struct Finished {
    pub(super) seq: u64,
    pub(super) first_id: u64,
    pub(super) len: u64,
}

/// The segment being appended to.
#[derive(Debug)]
pub(super) struct Active {
    pub(super) seq: u64,
    pub(super) first_id: u64,
    pub(super) file: File,
    /// Bytes in the file that hold committed records (plus the header).
    pub(super) len: u64,
}

/// Everything the writer starts from, as recovery found it.
pub(super) struct Start {
    pub(super) dir: Arc<Path>,
    pub(super) lock: File,
    pub(super) fsync: Fsync,
    pub(super) segment_size: u64,
    pub(super) max_size: u64,
    pub(super) ack_interval: Duration,
    pub(super) finished: VecDeque<Finished>,
    pub(super) active: Active,
    pub(super) next_id: u64,
    pub(super) acks: AckTracker,
}

/// The writing side of one queue; see the module docs.
#[derive(Debug)]
pub(super) struct Writer {
    dir: Arc<Path>,
    // Held for the writer's life: the advisory lock that keeps a second queue out of the directory.
    _lock: File,
    fsync: Fsync,
    segment_size: u64,
    max_size: u64,
    ack_interval: Duration,
    finished: VecDeque<Finished>,
    active: Active,
    buf: Vec<u8>,
    next_id: u64,
    committed: u64,
    used: u64,
    acks: AckTracker,
    // The acks changed since they were last persisted.
    acks_dirty: bool,
    last_ack_store: Instant,
    unsynced_since: Option<Instant>,
    // The active segment's tail could not be cut back after a failed write: start a new segment
    // before writing again, and never reuse the ids that tail may hold.
    broken: bool,
    rotate_requested: bool,
}

impl Writer {
    /// A writer continuing from `start`.
    pub(super) fn new(start: Start) -> Self {
        let used = start.finished.iter().map(|s| s.len).sum::<u64>() + start.active.len;
        Writer {
            dir: start.dir,
            _lock: start.lock,
            fsync: start.fsync,
            segment_size: start.segment_size,
            max_size: start.max_size,
            ack_interval: start.ack_interval,
            finished: start.finished,
            active: start.active,
            buf: Vec::new(),
            next_id: start.next_id,
            committed: start.next_id,
            used,
            acks: start.acks,
            // Persist what recovery settled on (a raised watermark, pruned ranges) at the first tick.
            acks_dirty: true,
            last_ack_store: Instant::now(),
            unsynced_since: None,
            broken: false,
            rotate_requested: false,
        }
    }

    /// Ids below this are written (and synced, under `Fsync::Always`): the reader may read them.
    pub(super) fn committed(&self) -> u64 {
        self.committed
    }

    /// The sequence number of the segment being written.
    pub(super) fn active_seq(&self) -> u64 {
        self.active.seq
    }

    /// Bytes of segment files on disk, buffered frames included.
    pub(super) fn used(&self) -> u64 {
        self.used + self.buf.len() as u64
    }

    /// Records committed and not yet done.
    pub(super) fn pending(&self) -> u64 {
        let done_above: u64 = self.acks.ranges().map(|r| r.end - r.start).sum();
        self.committed
            .saturating_sub(self.acks.watermark())
            .saturating_sub(done_above)
    }

    /// Bytes buffered for the current group.
    pub(super) fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Whether `record` must go to a new segment: the active one can't take it, or a new one was
    /// asked for. Commit the group before rotating.
    pub(super) fn needs_rotation(&self, record: &Record) -> bool {
        let has_records = self.active.len > segment::HEADER_LEN || !self.buf.is_empty();
        let end = self.active.len + self.buf.len() as u64 + frame_len(record);
        self.broken || (has_records && (self.rotate_requested || end > self.segment_size))
    }

    /// Buffers `record` for the current group, giving it the next id. It is not durable (nor
    /// visible to the reader) until `commit` succeeds.
    pub(super) fn write(&mut self, record: &Record) -> Result<RecordId, DiskQueueError> {
        let frame = frame_len(record);
        if frame + segment::HEADER_LEN > self.segment_size {
            return Err(DiskQueueError::TooLarge {
                size: record.len() as u64,
                segment_size: self.segment_size,
            });
        }
        if self.used() + frame > self.max_size {
            return Err(DiskQueueError::Full {
                dir: Arc::clone(&self.dir),
                cause: FullCause::MaxSize(self.max_size),
            });
        }
        let id = self.next_id;
        record::encode(&mut self.buf, id, record);
        self.next_id += 1;
        Ok(RecordId(id))
    }

    /// Writes the buffered group and, under `Fsync::Always`, syncs it. On failure every record of
    /// the group is refused, and the segment is cut back to its last committed record so that the
    /// reader never sees a record whose append failed.
    pub(super) fn commit(&mut self) -> Result<(), DiskQueueError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let written = self.active.file.write_all(&self.buf).and_then(|()| {
            if self.fsync == Fsync::Always {
                self.active.file.sync_data()
            } else {
                Ok(())
            }
        });
        if let Err(error) = written {
            let path = segment::path(&self.dir, self.active.seq);
            self.roll_back();
            return Err(DiskQueueError::io("append to", &path, &self.dir, error));
        }
        self.active.len += self.buf.len() as u64;
        self.used += self.buf.len() as u64;
        self.buf.clear();
        self.committed = self.next_id;
        if self.fsync != Fsync::Always {
            self.unsynced_since.get_or_insert_with(Instant::now);
        }
        Ok(())
    }

    fn roll_back(&mut self) {
        self.buf.clear();
        let len = self.active.len;
        let cut = self
            .active
            .file
            .set_len(len)
            .and_then(|()| self.active.file.seek(SeekFrom::Start(len)));
        match cut {
            Ok(_) => self.next_id = self.committed,
            Err(error) => {
                tracing::error!(
                    message = "Cannot cut a failed write off the disk queue's segment; continuing in a new segment.",
                    %error,
                    path = %segment::path(&self.dir, self.active.seq).display()
                );
                self.broken = true;
            }
        }
    }

    /// Starts a new segment. Commit the group first. The old segment is synced here whatever the
    /// policy: the interval sync only looks at the active segment.
    pub(super) fn rotate(&mut self) -> Result<(), DiskQueueError> {
        debug_assert!(self.buf.is_empty(), "commit before rotating");
        if self.unsynced_since.is_some() {
            self.sync()?;
        }
        let seq = self.active.seq + 1;
        if self.used() + segment::HEADER_LEN > self.max_size {
            return Err(DiskQueueError::Full {
                dir: Arc::clone(&self.dir),
                cause: FullCause::MaxSize(self.max_size),
            });
        }
        let file = segment::create(&self.dir, seq, self.next_id).map_err(|error| {
            DiskQueueError::io(
                "create segment",
                &segment::path(&self.dir, seq),
                &self.dir,
                error,
            )
        })?;
        let old = std::mem::replace(
            &mut self.active,
            Active {
                seq,
                first_id: self.next_id,
                file,
                len: segment::HEADER_LEN,
            },
        );
        self.finished.push_back(Finished {
            seq: old.seq,
            first_id: old.first_id,
            len: old.len,
        });
        if self.broken {
            // The old tail may hold frames of refused appends, which the reader may deliver. Their
            // callers were told they failed, so they count as done, and their acks must not be
            // ignored as ids never committed.
            self.acks_dirty |= self.acks.ack(self.committed..self.next_id);
            self.committed = self.next_id;
        }
        self.used += segment::HEADER_LEN;
        self.broken = false;
        self.rotate_requested = false;
        self.delete_done();
        Ok(())
    }

    /// Asks for the next append to start a new segment: the reader found damage in the active
    /// one, and nothing written after it there could be framed.
    pub(super) fn request_rotation(&mut self) {
        self.rotate_requested = true;
    }

    /// Makes everything committed durable.
    pub(super) fn sync(&mut self) -> Result<(), DiskQueueError> {
        if self.unsynced_since.is_none() {
            return Ok(());
        }
        self.active.file.sync_data().map_err(|error| {
            DiskQueueError::io(
                "sync",
                &segment::path(&self.dir, self.active.seq),
                &self.dir,
                error,
            )
        })?;
        self.unsynced_since = None;
        Ok(())
    }

    /// Marks record `id` done. Ids never committed can't have been delivered and are ignored.
    pub(super) fn ack(&mut self, id: u64) {
        if id < self.committed {
            self.done(id..id + 1);
        }
    }

    /// Marks ids the reader passed over without delivering (damaged, or never written) done.
    pub(super) fn skipped(&mut self, ids: Range<u64>) {
        self.done(ids.start..ids.end.min(self.committed));
    }

    fn done(&mut self, ids: Range<u64>) {
        let before = self.acks.watermark();
        self.acks_dirty |= self.acks.ack(ids);
        if self.acks.watermark() != before {
            self.delete_done();
        }
    }

    /// Deletes the finished segments whose every record is done: segment k holds the ids below
    /// the next segment's first id.
    fn delete_done(&mut self) {
        let watermark = self.acks.watermark();
        while let Some(oldest) = self.finished.front() {
            let end = self
                .finished
                .get(1)
                .map_or(self.active.first_id, |next| next.first_id);
            if end > watermark {
                break;
            }
            let path = segment::path(&self.dir, oldest.seq);
            match fs::remove_file(&path) {
                Ok(()) => self.used -= oldest.len,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    self.used -= oldest.len
                }
                // Its bytes stay counted: the queue reports full rather than overrun the disk.
                Err(error) => tracing::warn!(
                    message = "Cannot delete a fully acknowledged disk queue segment; its space stays in use until restart.",
                    %error,
                    path = %path.display()
                ),
            }
            self.finished.pop_front();
        }
    }

    /// When `tick` next has work: the interval sync, or persisting a moved ack position.
    pub(super) fn deadline(&self) -> Option<Instant> {
        let sync = match (self.fsync, self.unsynced_since) {
            (Fsync::Interval(every), Some(since)) => Some(since + every),
            _ => None,
        };
        let acks = self
            .acks_dirty
            .then(|| self.last_ack_store + self.ack_interval);
        sync.into_iter().chain(acks).min()
    }

    /// Does what is due at `now`: the interval sync, and persisting the ack position.
    pub(super) fn tick(&mut self, now: Instant) {
        if let (Fsync::Interval(every), Some(since)) = (self.fsync, self.unsynced_since)
            && now >= since + every
            && let Err(error) = self.sync()
        {
            // The records were already acknowledged to their callers; all that can be done is say so.
            tracing::error!(message = "Disk queue interval sync failed; records appended since the last sync may not survive a power loss.", %error);
        }
        if self.acks_dirty
            && now >= self.last_ack_store + self.ack_interval
            && let Err(error) = self.store_acks()
        {
            tracing::warn!(message = "Cannot persist the disk queue's ack position; after a restart more records are delivered again.", %error);
        }
    }

    fn store_acks(&mut self) -> Result<(), DiskQueueError> {
        self.last_ack_store = Instant::now();
        ack::store(&self.dir, &self.acks).map_err(|error| {
            DiskQueueError::io("write", &self.dir.join(ack::FILE), &self.dir, error)
        })?;
        self.acks_dirty = false;
        Ok(())
    }

    /// Commits, syncs and persists the ack position: what a clean shutdown leaves.
    pub(super) fn close(&mut self) -> Result<(), DiskQueueError> {
        self.commit()?;
        self.sync()?;
        if self.acks_dirty {
            self.store_acks()?;
        }
        Ok(())
    }
}

/// The bytes `record` takes in a segment.
fn frame_len(record: &Record) -> u64 {
    record::HEADER_LEN + record.len() as u64
}
