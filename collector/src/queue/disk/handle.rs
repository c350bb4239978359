//! `DiskQueue`, the async handle the pipeline uses: it only passes messages to the queue's threads
//! (see the module docs of `disk` for the model).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};

use bytes::Bytes;
use tokio::sync::{Mutex, mpsc as async_mpsc, oneshot};

use super::error::DiskQueueError;
use super::record::Record;
use super::recover::recover;
use super::threads::{self, Command, Counters, Progress};
use super::{DiskQueueOptions, DiskQueueStats, RecordId};

/// A durable queue of records in one directory; see the `disk` module docs for its guarantees.
///
/// Share it (`Arc<DiskQueue>`) between the task that appends and the workers that read and ack.
pub struct DiskQueue {
    commands: mpsc::Sender<Command>,
    records: Mutex<async_mpsc::Receiver<(RecordId, Bytes)>>,
    progress: Arc<Progress>,
    counters: Arc<Counters>,
    threads: Option<Threads>,
}

struct Threads {
    writer: JoinHandle<()>,
    reader: JoinHandle<()>,
}

impl DiskQueue {
    /// Opens the queue in `dir` (creating it if need be) and replays every record not acked
    /// before, in order. Fails only if the directory can't be used, another queue holds it, or the
    /// options are inconsistent.
    pub async fn open(
        dir: impl Into<PathBuf>,
        options: DiskQueueOptions,
    ) -> Result<DiskQueue, DiskQueueError> {
        options.validate()?;
        let dir: Arc<Path> = Arc::from(dir.into());
        let counters = Arc::new(Counters::default());
        let recovered = {
            let (dir, counters, options) =
                (Arc::clone(&dir), Arc::clone(&counters), options.clone());
            match tokio::task::spawn_blocking(move || recover(&dir, &options, &counters)).await {
                Ok(recovered) => recovered?,
                Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
                // The runtime is shutting down.
                Err(_) => return Err(DiskQueueError::Closed),
            }
        };
        let progress = Arc::new(Progress {
            committed: AtomicU64::new(recovered.committed),
            active_seq: AtomicU64::new(recovered.active_seq),
            stop: AtomicBool::new(false),
        });
        counters
            .bytes
            .store(recovered.writer.used(), Ordering::Relaxed);
        counters
            .pending
            .store(recovered.writer.pending(), Ordering::Relaxed);
        let (commands, command_rx) = mpsc::channel();
        let (records_tx, records) = async_mpsc::channel(options.read_ahead);
        let spawn_error = |error| DiskQueueError::io("start a thread for", &dir, &dir, error);

        let reader = {
            let (progress, commands) = (Arc::clone(&progress), commands.clone());
            let reader = recovered.reader;
            thread::Builder::new()
                .name("weir-queue-read".to_owned())
                .spawn(move || threads::read_loop(reader, &progress, records_tx, commands))
                .map_err(spawn_error)?
        };
        let writer = {
            let (progress, counters) = (Arc::clone(&progress), Arc::clone(&counters));
            let (writer, reader) = (recovered.writer, reader.thread().clone());
            thread::Builder::new()
                .name("weir-queue-write".to_owned())
                .spawn(move || {
                    threads::write_loop(writer, command_rx, &progress, &counters, reader)
                })
        };
        let mut queue = DiskQueue {
            commands,
            records: Mutex::new(records),
            progress,
            counters,
            threads: None,
        };
        match writer {
            Ok(writer) => {
                queue.threads = Some(Threads { writer, reader });
                Ok(queue)
            }
            Err(error) => {
                queue.stop_reader();
                reader.thread().unpark();
                let _ = reader.join();
                Err(spawn_error(error))
            }
        }
    }

    /// Appends `record`; resolves with its id once it is durable under the queue's `Fsync`
    /// policy. [`DiskQueueError::Full`] means no room now: refuse upstream and retry later.
    ///
    /// Dropping the future after the first poll may still append the record.
    pub async fn append(&self, record: impl Into<Record>) -> Result<RecordId, DiskQueueError> {
        let (reply, result) = oneshot::channel();
        let record = record.into();
        self.commands
            .send(Command::Append { record, reply })
            .map_err(|_| DiskQueueError::Closed)?;
        result.await.map_err(|_| DiskQueueError::Closed)?
    }

    /// The next record if one has been read ahead already, without waiting.
    pub fn try_next(&self) -> Option<(RecordId, Bytes)> {
        self.records.try_lock().ok()?.try_recv().ok()
    }

    /// The next record in order, waiting for one; `None` once the queue has stopped.
    pub async fn next(&self) -> Option<(RecordId, Bytes)> {
        // Held across the wait only while the queue is empty, when every caller would wait anyway.
        self.records.lock().await.recv().await
    }

    /// Marks record `id` done (exported, or given up on by policy): it is not delivered again,
    /// and its segment is deleted once all its records are done. Acks may come in any order.
    pub fn ack(&self, id: RecordId) {
        // A stopped queue persists nothing more; the record is simply delivered again next start.
        let _ = self.commands.send(Command::Ack(id.get()));
    }

    /// Syncs every append so far, whatever the policy.
    pub async fn sync(&self) -> Result<(), DiskQueueError> {
        let (reply, result) = oneshot::channel();
        self.commands
            .send(Command::Sync(reply))
            .map_err(|_| DiskQueueError::Closed)?;
        result.await.map_err(|_| DiskQueueError::Closed)?
    }

    /// Counters for metrics.
    pub fn stats(&self) -> DiskQueueStats {
        self.counters.stats()
    }

    /// Shuts down cleanly: syncs, persists the read position (so acked records are not delivered
    /// again), and waits for the threads. Dropping the queue instead stops it as a crash would:
    /// the threads end without syncing or persisting anything more.
    pub async fn close(mut self) -> Result<(), DiskQueueError> {
        let (reply, result) = oneshot::channel();
        let closed = match self.commands.send(Command::Close(reply)) {
            Ok(()) => result.await.unwrap_or(Err(DiskQueueError::Closed)),
            Err(_) => Err(DiskQueueError::Closed),
        };
        self.stop_reader();
        if let Some(threads) = self.threads.take() {
            let _ = tokio::task::spawn_blocking(move || threads.join()).await;
        }
        closed
    }

    fn stop_reader(&mut self) {
        self.progress.stop.store(true, Ordering::Release);
        // Ends a read blocked on a full read-ahead channel.
        self.records.get_mut().close();
        if let Some(threads) = &self.threads {
            threads.reader.thread().unpark();
        }
    }
}

impl Threads {
    fn join(self) {
        for (name, thread) in [("writer", self.writer), ("reader", self.reader)] {
            if thread.join().is_err() {
                tracing::error!(message = "A disk queue thread panicked.", thread = name);
            }
        }
    }
}

impl Drop for DiskQueue {
    /// Stops the threads without syncing, and waits for them (at most the length of one write or
    /// sync already under way), so the directory is free for the next `open` when this returns.
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Stop);
        self.stop_reader();
        if let Some(threads) = self.threads.take() {
            threads.join();
        }
    }
}
