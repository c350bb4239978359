//! Where an exporter's `sending_queue` keeps what it holds: in memory, or on disk so that a crash,
//! a restart or a long outage loses nothing weir has acknowledged.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// `sending_queue.storage`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QueueStorage {
    /// Batches wait in memory: fastest, lost if weir dies.
    #[default]
    Memory,
    /// Requests are written to a write-ahead queue on disk before the client is answered.
    Disk,
}

/// `sending_queue.fsync`: when a disk queue forces what it wrote to stable storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FsyncPolicy {
    /// Within `fsync_interval` of each write: a crash of weir loses nothing (the kernel still holds
    /// the data); a power loss may lose the last interval.
    #[default]
    Interval,
    /// Before the client is answered (concurrent requests share one sync).
    Always,
}

/// The disk queue of one exporter, resolved from its `sending_queue`.
#[derive(Clone, Debug, PartialEq)]
pub struct DiskQueueConfig {
    /// Parent directory; the queue lives in a folder named after the exporter.
    pub directory: String,
    /// Most bytes the queue's files may take.
    pub max_size_mib: u64,
    /// When writes are synced.
    pub fsync: FsyncPolicy,
    /// Longest time between syncs under `fsync: interval`.
    pub fsync_interval: Duration,
}

/// Queue size on disk: 1 GiB.
pub const fn default_max_size_mib() -> u64 {
    1024
}

/// Longest time between syncs under `fsync: interval`.
pub const fn default_fsync_interval() -> Duration {
    Duration::from_secs(1)
}

/// The smallest disk queue: two of its 32 MiB segments, as space is freed a segment at a time.
pub const MIN_DISK_QUEUE_MIB: u64 = 64;

/// The disk queue that `storage` and the other settings describe, if any.
pub(crate) fn disk_queue(
    storage: QueueStorage,
    directory: Option<&String>,
    max_size_mib: u64,
    fsync: FsyncPolicy,
    fsync_interval: Duration,
) -> Option<DiskQueueConfig> {
    match (storage, directory) {
        (QueueStorage::Disk, Some(directory)) => {
            Some(DiskQueueConfig { directory: directory.clone(), max_size_mib, fsync, fsync_interval })
        }
        _ => None,
    }
}
