//! The reading side: walks the segments in order and yields each committed record once, skipping
//! damage.
//!
//! A damaged frame (torn, failed checksum, wrong id) ends the segment for the reader: its length
//! can't be trusted, so the next frame's start is unknown. Scanning forward for something that
//! looks like a frame could take payload bytes for a frame, so the reader resumes at the next
//! segment instead, and the ids it passed over (`expected .. next segment's first id`) are reported
//! as skipped so that the ack position can move past them.
//!
//! The reader gets what it may read from the writer as two numbers: `committed` (ids below it are
//! written) and `active_seq` (the segment still being written). It reads a finished segment to its
//! end; in the active one, only while the next id is below `committed`.

use std::collections::VecDeque;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;

use super::RecordId;
use super::segment::{Next, OpenError, SegmentReader};
use super::threads::Counters;

/// What the reader has for its caller.
#[derive(Debug)]
pub(super) enum Step {
    /// The next record.
    Record(RecordId, Bytes),
    /// Ids passed over without a record: tell the writer, so the ack position moves past them.
    Skipped(Range<u64>),
    /// The active segment is damaged: the writer must start a new one before the reader can go on.
    RotateActive,
    /// Nothing to read until the writer commits or rotates.
    Wait,
}

/// The reading side of one queue; see the module docs.
pub(super) struct Reader {
    dir: Arc<Path>,
    // Segments to read before following the writer's numbering, oldest first.
    pending: VecDeque<u64>,
    last_seq: Option<u64>,
    current: Option<SegmentReader>,
    // The current segment has a damaged frame; nothing after it can be read.
    damaged: bool,
    // The last damage's records are counted once the next segment tells how many ids it covered.
    uncounted_damage: bool,
    rotation_asked: bool,
    // The lowest id not yet delivered or reported skipped.
    expected: u64,
    // Ranges acked out of order before the last restart, ascending: not delivered again.
    acked: VecDeque<Range<u64>>,
    counters: Arc<Counters>,
}

impl Reader {
    /// A reader of segments `pending` (the last being the writer's active one), delivering from id
    /// `expected` except the ids in `acked`: those were acked before.
    pub(super) fn new(
        dir: Arc<Path>,
        pending: VecDeque<u64>,
        expected: u64,
        acked: VecDeque<Range<u64>>,
        counters: Arc<Counters>,
    ) -> Self {
        Reader {
            dir,
            pending,
            last_seq: None,
            current: None,
            damaged: false,
            uncounted_damage: false,
            rotation_asked: false,
            expected,
            acked,
            counters,
        }
    }

    /// The next thing to do, given the writer's `committed` id and `active_seq`.
    pub(super) fn next(&mut self, committed: u64, active_seq: u64) -> Step {
        loop {
            let Some(segment) = &mut self.current else {
                match self.open_next(active_seq) {
                    Some(step) => return step,
                    None => continue,
                }
            };
            if self.damaged {
                if segment.seq() < active_seq {
                    self.current = None;
                    continue;
                }
                if self.rotation_asked {
                    return Step::Wait;
                }
                self.rotation_asked = true;
                return Step::RotateActive;
            }
            let active = segment.seq() >= active_seq;
            if active && segment.next_id() >= committed {
                return Step::Wait;
            }
            match segment.next() {
                Ok(Next::Record { id, payload }) => {
                    if id < self.expected {
                        // Acked before the last restart.
                        continue;
                    }
                    self.expected = id + 1;
                    if !self.acked_before(id) {
                        return Step::Record(RecordId(id), payload);
                    }
                }
                Ok(Next::End) if !active => self.current = None,
                Ok(Next::End) => {
                    // The writer said this id is committed, yet the file ends: it was cut short
                    // under us.
                    let offset = segment.valid_len();
                    self.damage(offset, 0, &"the segment ends before a committed record");
                }
                Ok(Next::Damaged {
                    damage,
                    offset,
                    bytes,
                }) => self.damage(offset, bytes, &damage),
                Err(error) => {
                    let offset = segment.valid_len();
                    let bytes = segment.file_len().saturating_sub(offset);
                    self.damage(offset, bytes, &error);
                }
            }
        }
    }

    fn acked_before(&mut self, id: u64) -> bool {
        while self.acked.front().is_some_and(|range| range.end <= id) {
            self.acked.pop_front();
        }
        self.acked.front().is_some_and(|range| range.contains(&id))
    }

    /// Moves to the next segment. Returns a step when there is one to report (or nothing to open).
    fn open_next(&mut self, active_seq: u64) -> Option<Step> {
        let seq = match (self.pending.front(), self.last_seq) {
            (Some(&seq), _) => seq,
            (None, Some(last)) => last + 1,
            (None, None) => active_seq,
        };
        if seq > active_seq {
            return Some(Step::Wait);
        }
        self.pending.pop_front();
        self.last_seq = Some(seq);
        self.damaged = false;
        self.rotation_asked = false;
        let segment = match SegmentReader::open(&self.dir, seq) {
            Ok(segment) => segment,
            Err(error) => {
                let path = super::segment::path(&self.dir, seq);
                let (bytes, reason) = match error {
                    OpenError::Damaged { len } => (len, "damaged header".to_owned()),
                    OpenError::Io(error) => (0, error.to_string()),
                };
                tracing::warn!(
                    message = "Skipping a disk queue segment that cannot be read.",
                    path = %path.display(),
                    error = %reason
                );
                self.counters.add_damage(1, bytes);
                return None;
            }
        };
        let first = segment.first_id();
        self.current = Some(segment);
        if self.uncounted_damage {
            self.uncounted_damage = false;
            // The damaged record was counted when found; these are the ones after it.
            let after = first.saturating_sub(self.expected).saturating_sub(1);
            self.counters.add_damage(after, 0);
        }
        if first > self.expected {
            let skipped = self.expected..first;
            self.expected = first;
            return Some(Step::Skipped(skipped));
        }
        None
    }

    fn damage(&mut self, offset: u64, bytes: u64, reason: &dyn std::fmt::Display) {
        let path = self
            .current
            .as_ref()
            .map(|segment| segment.path().display().to_string())
            .unwrap_or_default();
        tracing::warn!(
            message = "Skipping damaged records in the disk queue; resuming at the next segment.",
            path = %path,
            offset,
            error = %reason,
            skipped_bytes = bytes
        );
        self.counters.add_damage(1, bytes);
        self.damaged = true;
        self.uncounted_damage = true;
    }
}
