//! The read position: which records are done, kept in memory as acks arrive in any order, and
//! persisted now and then to the `ack` file.
//!
//! The file is a lower bound, never the source of truth for what exists: if it is missing or
//! damaged the queue replays from its oldest segment (duplicates, never loss), and it can only
//! name ids that were acked, because it is written from the in-memory state.
//!
//! ```text
//! magic      [u8; 8]  "weirack" + format version 1
//! watermark  u64      lowest id not yet done: every id below it was acked or skipped as damaged
//! count      u32      acked ranges above the watermark, then `count` times:
//!   start    u64        first acked id of the range
//!   end      u64        id after its last
//! crc32c     u32      of everything above
//! ```
//!
//! The ranges are what keeps records acked out of order (around one still being exported) from
//! being delivered again after a restart; there is one per hole, so a handful.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Write};
use std::ops::Range;
use std::path::Path;

/// The ack file's name in the queue directory.
pub(super) const FILE: &str = "ack";
/// Where the next ack file is written before it is renamed over the old one.
pub(super) const TMP_FILE: &str = "ack.tmp";

const MAGIC: [u8; 8] = *b"weirack\x01";
const FIXED_LEN: usize = 8 + 8 + 4 + 4;

/// Ids acked so far, as the lowest id not yet done plus the acked ranges above it.
///
/// Export workers finish out of order, so acks arrive with holes; ranges keep the holes cheap
/// (one entry per hole, not per record) and let a skipped stretch of damaged records count as done
/// in one step.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct AckTracker {
    watermark: u64,
    // Disjoint, non-adjacent `start -> end` ranges, all above `watermark`.
    above: BTreeMap<u64, u64>,
}

impl AckTracker {
    /// A tracker for which every id below `watermark` is done.
    pub(super) fn new(watermark: u64) -> Self {
        AckTracker {
            watermark,
            above: BTreeMap::new(),
        }
    }

    /// The lowest id not yet done.
    pub(super) fn watermark(&self) -> u64 {
        self.watermark
    }

    /// The ranges acked above the watermark, in order.
    pub(super) fn ranges(&self) -> impl Iterator<Item = Range<u64>> + '_ {
        self.above.iter().map(|(&start, &end)| start..end)
    }

    /// Marks `ids` done; returns false if they all were already below the watermark (a repeated
    /// ack is harmless).
    pub(super) fn ack(&mut self, ids: Range<u64>) -> bool {
        let mut start = ids.start.max(self.watermark);
        let mut end = ids.end;
        if start >= end {
            return false;
        }
        if start == self.watermark {
            self.watermark = end;
            while let Some(entry) = self.above.first_entry() {
                if *entry.key() > self.watermark {
                    break;
                }
                self.watermark = self.watermark.max(entry.remove());
            }
            return true;
        }
        if let Some((&before, &before_end)) = self.above.range(..=start).next_back()
            && before_end >= start
        {
            self.above.remove(&before);
            start = before;
            end = end.max(before_end);
        }
        while let Some((&after, &after_end)) = self.above.range(start..=end).next() {
            self.above.remove(&after);
            end = end.max(after_end);
        }
        self.above.insert(start, end);
        true
    }
}

/// Reads the persisted position; `None` if there is none or it can't be trusted (with a warning:
/// the queue then replays from its oldest segment).
pub(super) fn load(dir: &Path) -> Option<AckTracker> {
    let path = dir.join(FILE);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return None,
        Err(error) => {
            tracing::warn!(message = "Cannot read the disk queue's ack file; replaying from the oldest segment.", %error, path = %path.display());
            return None;
        }
    };
    let acks = decode(&bytes);
    if acks.is_none() {
        tracing::warn!(
            message = "The disk queue's ack file is damaged; replaying from the oldest segment.",
            path = %path.display()
        );
    }
    acks
}

fn decode(bytes: &[u8]) -> Option<AckTracker> {
    if bytes.len() < FIXED_LEN {
        return None;
    }
    let (body, crc) = bytes.split_last_chunk::<4>()?;
    if body[..8] != MAGIC || crc32c::crc32c(body) != u32::from_le_bytes(*crc) {
        return None;
    }
    let u64_at = |at: usize| {
        body.get(at..at + 8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
    };
    let mut acks = AckTracker::new(u64_at(8)?);
    let count = u32::from_le_bytes(body[16..20].try_into().expect("4 bytes")) as usize;
    if body.len() != 20 + count * 16 {
        return None;
    }
    for n in 0..count {
        acks.ack(u64_at(20 + n * 16)?..u64_at(28 + n * 16)?);
    }
    Some(acks)
}

/// Persists `acks`: written to a temporary file, made durable, then renamed over the old one, so
/// a crash leaves either the old state or the new one, never a mix.
///
/// The directory is not synced after the rename: if the rename is lost, the old state comes back,
/// which only means some records are delivered again.
pub(super) fn store(dir: &Path, acks: &AckTracker) -> io::Result<()> {
    let mut bytes = Vec::with_capacity(FIXED_LEN + acks.above.len() * 16);
    bytes.extend_from_slice(&MAGIC);
    bytes.extend_from_slice(&acks.watermark.to_le_bytes());
    let count = u32::try_from(acks.above.len()).unwrap_or(u32::MAX);
    bytes.extend_from_slice(&count.to_le_bytes());
    for range in acks.ranges().take(count as usize) {
        bytes.extend_from_slice(&range.start.to_le_bytes());
        bytes.extend_from_slice(&range.end.to_le_bytes());
    }
    let crc = crc32c::crc32c(&bytes);
    bytes.extend_from_slice(&crc.to_le_bytes());
    let tmp = dir.join(TMP_FILE);
    let mut file = File::create(&tmp)?;
    file.write_all(&bytes)?;
    file.sync_data()?;
    fs::rename(&tmp, dir.join(FILE))
}
