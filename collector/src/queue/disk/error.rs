//! What can go wrong with a disk queue, each message saying what to do about it.

use std::io;
use std::path::Path;
use std::sync::Arc;

/// A disk queue operation failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DiskQueueError {
    /// No room for the record: refuse it upstream with a retryable error (backpressure).
    #[error(
        "the disk queue in {} is full ({cause}): the record was not stored; retry once the exporter has caught up",
        dir.display()
    )]
    Full {
        /// The queue's directory.
        dir: Arc<Path>,
        /// Which limit was hit.
        cause: FullCause,
    },
    /// The record can never fit: it is larger than a segment.
    #[error(
        "a record of {size} bytes does not fit in a segment of {segment_size} bytes: raise the queue's segment size or send smaller batches"
    )]
    TooLarge {
        /// The record's size in bytes.
        size: u64,
        /// The configured segment size.
        segment_size: u64,
    },
    /// A file operation failed.
    #[error(
        "cannot {action} {}: {source}; check that the directory exists, that weir may read and write it, and that its disk is healthy",
        path.display()
    )]
    Io {
        /// What the queue was doing.
        action: &'static str,
        /// The file or directory involved.
        path: Arc<Path>,
        /// The operating system's error.
        source: Arc<io::Error>,
    },
    /// Another queue holds the directory.
    #[error(
        "the disk queue directory {} is in use by another queue or weir process: give each exporter its own directory",
        dir.display()
    )]
    Locked {
        /// The queue's directory.
        dir: Arc<Path>,
    },
    /// The options can't work together.
    #[error("invalid disk queue options: {0}")]
    Options(String),
    /// The queue has stopped: it was closed, or its I/O thread ended.
    #[error("the disk queue has stopped (closed, or its I/O thread failed; see earlier errors)")]
    Closed,
}

/// Which limit made the queue full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FullCause {
    /// The queue's files would exceed `max_size`.
    MaxSize(u64),
    /// The filesystem has no space (or quota) left.
    NoSpace,
}

impl std::fmt::Display for FullCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FullCause::MaxSize(max) => write!(f, "its max_size of {max} bytes is reached"),
            FullCause::NoSpace => f.write_str("the filesystem has no space left"),
        }
    }
}

impl DiskQueueError {
    /// Whether retrying later can succeed (the queue was full), as opposed to a lasting fault.
    pub fn is_full(&self) -> bool {
        matches!(self, DiskQueueError::Full { .. })
    }

    /// An I/O failure while doing `action` on `path`; a full disk becomes [`DiskQueueError::Full`]
    /// so that the caller applies backpressure instead of failing.
    pub(super) fn io(action: &'static str, path: &Path, dir: &Arc<Path>, error: io::Error) -> Self {
        match error.kind() {
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => DiskQueueError::Full {
                dir: Arc::clone(dir),
                cause: FullCause::NoSpace,
            },
            _ => DiskQueueError::Io {
                action,
                path: Arc::from(path),
                source: Arc::new(error),
            },
        }
    }
}
