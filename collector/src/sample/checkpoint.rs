//! A sampler's checkpoint file: read once at start, before the first span, and replaced whole by the
//! decision task every `checkpoint.interval` and once more at shutdown. Reading, encoding and
//! writing run on the blocking pool, so a slow disk never stalls the runtime's workers.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::{Duration, SystemTime};

use tokio::task::JoinHandle;
use weir_config::CheckpointConfig;
use weir_sampler::adaptive::{AdaptiveSampler, Checkpoint, CheckpointError, Controllers};

use crate::telemetry::CheckpointMetrics;

/// Why the file at start could not be resumed from.
#[derive(Debug, thiserror::Error)]
enum ReadError {
    #[error("it cannot be read ({0}); check that weir may read and write it")]
    Io(#[from] io::Error),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
}

/// One sampler's checkpoint file.
pub(super) struct CheckpointFile {
    sampler: String,
    path: PathBuf,
    interval: Duration,
    max_age: Duration,
    metrics: CheckpointMetrics,
    /// Whether the last write failed: a failing disk is logged when writes start and stop failing,
    /// not every interval.
    failing: AtomicBool,
}

impl CheckpointFile {
    /// The file of sampler `sampler` as `config` sets it.
    pub(super) fn new(
        sampler: &str,
        config: &CheckpointConfig,
        metrics: CheckpointMetrics,
    ) -> CheckpointFile {
        CheckpointFile {
            sampler: sampler.to_owned(),
            path: PathBuf::from(&config.path),
            interval: config.interval,
            max_age: config.max_age,
            metrics,
            failing: AtomicBool::new(false),
        }
    }

    /// How often it is written.
    pub(super) fn interval(&self) -> Duration {
        self.interval
    }

    /// Controllers for `sampler`, resumed from the file when it holds a usable checkpoint; `now` is
    /// the decisions' clock. Anything wrong with the file is logged and the sampler starts afresh:
    /// a checkpoint only ever saves time, so it never keeps weir from starting.
    pub(super) async fn resume(
        self: &Arc<Self>,
        sampler: &AdaptiveSampler,
        now: Duration,
    ) -> Controllers {
        let mut controllers = Controllers::new();
        let file = Arc::clone(self);
        let read = match tokio::task::spawn_blocking(move || file.read()).await {
            Ok(read) => read,
            Err(join) => Err(ReadError::Io(io::Error::other(join))),
        };
        let (sampler_id, path) = (&self.sampler, self.path.display());
        let checkpoint = match read {
            Ok(Some(checkpoint)) => checkpoint,
            Ok(None) => {
                self.no_file_yet();
                return controllers;
            }
            Err(reason) => {
                tracing::warn!(message = "Sampler checkpoint unusable; starting from initial_probability.", sampler = %sampler_id, %path, %reason);
                return controllers;
            }
        };
        let age = checkpoint.age(SystemTime::now());
        match sampler.restore(
            &mut controllers,
            checkpoint,
            self.max_age,
            SystemTime::now(),
            now,
        ) {
            Ok(restored) => {
                self.metrics
                    .restored_keys
                    .set(i64::try_from(restored.keys).unwrap_or(i64::MAX));
                tracing::info!(message = "Sampler resumed from its checkpoint.", sampler = %sampler_id, %path, age_s = age.as_secs(), keys = restored.keys, past_max_keys = restored.past_max_keys);
            }
            Err(reason @ CheckpointError::Stale { .. }) => {
                tracing::info!(message = "Sampler checkpoint too old; starting from initial_probability.", sampler = %sampler_id, %path, %reason);
            }
            Err(reason) => {
                tracing::warn!(message = "Sampler checkpoint unusable; starting from initial_probability.", sampler = %sampler_id, %path, %reason);
            }
        }
        controllers
    }

    /// The checkpoint in the file; `None` if there is no file yet.
    fn read(&self) -> Result<Option<Checkpoint>, ReadError> {
        match fs::read(&self.path) {
            Ok(bytes) => Ok(Some(Checkpoint::from_json(&bytes)?)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// Logs a first start, and says so now if no checkpoint could ever be written.
    fn no_file_yet(&self) {
        let (sampler, path) = (&self.sampler, self.path.display());
        let dir = directory(&self.path);
        if dir.is_dir() {
            tracing::info!(message = "No sampler checkpoint yet; starting from initial_probability.", %sampler, %path);
        } else {
            tracing::warn!(message = "The sampler checkpoint's directory does not exist: create it, or no checkpoint can be written.", %sampler, %path, directory = %dir.display());
        }
    }

    /// Writes `checkpoint` over the file on the blocking pool.
    pub(super) fn spawn_save(self: &Arc<Self>, checkpoint: Checkpoint) -> JoinHandle<()> {
        let file = Arc::clone(self);
        tokio::task::spawn_blocking(move || file.save(&checkpoint))
    }

    fn save(&self, checkpoint: &Checkpoint) {
        let (sampler, path) = (&self.sampler, self.path.display());
        match replace(&self.path, &checkpoint.to_json()) {
            Ok(()) => {
                self.metrics.writes.inc();
                if self.failing.swap(false, Relaxed) {
                    tracing::info!(message = "Sampler checkpoint written again.", %sampler, %path);
                }
            }
            Err(error) => {
                self.metrics.write_failures.inc();
                if !self.failing.swap(true, Relaxed) {
                    tracing::warn!(message = "Sampler checkpoint not written; the file keeps the last one. Check that its directory exists and weir may write to it.", %sampler, %path, %error);
                }
            }
        }
    }
}

/// The directory `path` is in.
fn directory(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Replaces the file at `path` with `bytes` so that a crash at any moment leaves either the old
/// file or the new one, whole: written beside it, made durable, renamed over it, and the rename
/// made durable.
fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".tmp");
    let temporary = path.with_file_name(name);
    let written = File::create(&temporary).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    if let Err(error) = written.and_then(|()| fs::rename(&temporary, path)) {
        // What is left of the temporary file is useless; the next write creates it anew.
        let _ = fs::remove_file(&temporary);
        return Err(error);
    }
    File::open(directory(path))?.sync_all()
}

#[cfg(test)]
mod tests;
