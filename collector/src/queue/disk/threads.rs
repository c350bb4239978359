//! The queue's two threads: the writer thread's group-commit loop and the reader thread's
//! read-ahead loop, and what they share.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::thread::{self, Thread};
use std::time::Instant;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};

use super::error::DiskQueueError;
use super::reader::{Reader, Step};
use super::record::Record;
use super::writer::Writer;
use super::{DiskQueueStats, RecordId};

/// A group stops taking appends at this many buffered bytes, so one burst can't hold back its
/// first appends (or grow the buffer) without bound.
const GROUP_BYTES: usize = 4 * 1024 * 1024;

/// A message to the writer thread.
pub(super) enum Command {
    /// Append a record; the reply comes once it is durable by the policy.
    Append {
        record: Record,
        reply: oneshot::Sender<Result<RecordId, DiskQueueError>>,
    },
    /// A record is done.
    Ack(u64),
    /// The reader passed over these ids without delivering them.
    Skipped(Range<u64>),
    /// The reader found the active segment damaged.
    Rotate,
    /// Sync now.
    Sync(oneshot::Sender<Result<(), DiskQueueError>>),
    /// Commit, sync and persist the read position, then stop.
    Close(oneshot::Sender<Result<(), DiskQueueError>>),
    /// Stop at once, as a crash would: nothing more is synced or persisted.
    Stop,
}

/// Damage and size counters, updated by recovery and both threads.
#[derive(Debug, Default)]
pub(super) struct Counters {
    pub(super) bytes: AtomicU64,
    pub(super) pending: AtomicU64,
    pub(super) corrupt_records: AtomicU64,
    pub(super) corrupt_bytes: AtomicU64,
}

impl Counters {
    /// Counts `records` and `bytes` skipped as damaged.
    pub(super) fn add_damage(&self, records: u64, bytes: u64) {
        self.corrupt_records.fetch_add(records, Ordering::Relaxed);
        self.corrupt_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// A snapshot for metrics.
    pub(super) fn stats(&self) -> DiskQueueStats {
        DiskQueueStats {
            bytes: self.bytes.load(Ordering::Relaxed),
            pending: self.pending.load(Ordering::Relaxed),
            corrupt_records: self.corrupt_records.load(Ordering::Relaxed),
            corrupt_bytes: self.corrupt_bytes.load(Ordering::Relaxed),
        }
    }
}

/// What the writer publishes for the reader.
///
/// The writer stores `active_seq` before `committed` and the reader loads `committed` first, so a
/// reader that sees an id committed also sees the segment it was written to.
#[derive(Debug)]
pub(super) struct Progress {
    pub(super) committed: AtomicU64,
    pub(super) active_seq: AtomicU64,
    pub(super) stop: AtomicBool,
}

/// Runs the writer until it is closed or stopped, or every sender is gone.
pub(super) fn write_loop(
    mut writer: Writer,
    commands: Receiver<Command>,
    progress: &Progress,
    counters: &Counters,
    reader: Thread,
) {
    let mut group: Vec<(RecordId, oneshot::Sender<Result<RecordId, DiskQueueError>>)> = Vec::new();
    loop {
        let received = match writer.deadline() {
            Some(at) => commands.recv_timeout(at.saturating_duration_since(Instant::now())),
            None => commands.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        let mut next = match received {
            Ok(command) => Some(command),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        while let Some(command) = next.take() {
            match command {
                Command::Append { record, reply } => {
                    if writer.needs_rotation(&record) {
                        commit(&mut writer, &mut group);
                        if let Err(error) = writer.rotate() {
                            let _ = reply.send(Err(error));
                            continue;
                        }
                    }
                    match writer.write(&record) {
                        Ok(id) => group.push((id, reply)),
                        Err(error) => {
                            let _ = reply.send(Err(error));
                        }
                    }
                }
                Command::Ack(id) => writer.ack(id),
                Command::Skipped(ids) => writer.skipped(ids),
                Command::Rotate => writer.request_rotation(),
                Command::Sync(reply) => {
                    commit(&mut writer, &mut group);
                    let synced = writer.sync();
                    publish(&writer, progress, counters, &reader);
                    let _ = reply.send(synced);
                }
                Command::Close(reply) => {
                    commit(&mut writer, &mut group);
                    publish(&writer, progress, counters, &reader);
                    let _ = reply.send(writer.close());
                    return;
                }
                Command::Stop => return,
            }
            if writer.buffered() < GROUP_BYTES {
                next = commands.try_recv().ok();
            }
        }
        commit(&mut writer, &mut group);
        publish(&writer, progress, counters, &reader);
        writer.tick(Instant::now());
    }
}

/// Commits the group and answers each of its appends.
fn commit(
    writer: &mut Writer,
    group: &mut Vec<(RecordId, oneshot::Sender<Result<RecordId, DiskQueueError>>)>,
) {
    let result = writer.commit();
    for (id, reply) in group.drain(..) {
        let _ = reply.send(result.clone().map(|()| id));
    }
}

fn publish(writer: &Writer, progress: &Progress, counters: &Counters, reader: &Thread) {
    counters.bytes.store(writer.used(), Ordering::Relaxed);
    counters.pending.store(writer.pending(), Ordering::Relaxed);
    let active_seq = writer.active_seq();
    let committed = writer.committed();
    let moved = progress.active_seq.swap(active_seq, Ordering::Release) != active_seq;
    if progress.committed.swap(committed, Ordering::Release) != committed || moved {
        reader.unpark();
    }
}

/// Runs the reader until the queue stops or nobody takes records any more.
pub(super) fn read_loop(
    mut reader: Reader,
    progress: &Progress,
    records: mpsc::Sender<(RecordId, Bytes)>,
    commands: Sender<Command>,
) {
    while !progress.stop.load(Ordering::Acquire) {
        let committed = progress.committed.load(Ordering::Acquire);
        let active_seq = progress.active_seq.load(Ordering::Acquire);
        let sent = match reader.next(committed, active_seq) {
            Step::Record(id, payload) => records.blocking_send((id, payload)).is_ok(),
            Step::Skipped(ids) => commands.send(Command::Skipped(ids)).is_ok(),
            Step::RotateActive => commands.send(Command::Rotate).is_ok(),
            // An unpark between the loads above and this park is not lost: park returns at once.
            Step::Wait => {
                thread::park();
                true
            }
        };
        if !sent {
            return;
        }
    }
}
