//! The file's owner: a dedicated thread that appends lines and rotates, so no I/O runs on the runtime.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::oneshot;
use tracing::warn;
use weir_config::RotationConfig;
use weir_proto::Encoded;

use super::name::BackupNames;

/// Work for the writer thread; each command answers on its own channel once done.
pub(crate) enum Command {
    /// Append the batch as one OTLP/JSON line.
    Write {
        batch: Arc<Encoded>,
        done: oneshot::Sender<io::Result<()>>,
    },
    /// Flush to disk and stop.
    Shutdown {
        done: oneshot::Sender<io::Result<()>>,
    },
}

/// The open file and the rotation state; lives on the writer thread only.
pub(crate) struct Writer {
    path: PathBuf,
    directory: PathBuf,
    names: BackupNames,
    file: Option<File>,
    /// Bytes in the current file.
    size: u64,
    /// `None` when rotation is off (`max_megabytes: 0`).
    max_bytes: Option<u64>,
    max_backups: usize,
    /// The newest backup's time, so two rotations in one millisecond still get distinct names.
    last_backup_millis: u64,
}

fn context(error: io::Error, what: impl std::fmt::Display) -> io::Error {
    io::Error::new(error.kind(), format!("{what}: {error}"))
}

impl Writer {
    /// Opens `path` for appending, creating its directory; errors say which step failed.
    pub(crate) fn open(
        path: PathBuf,
        rotation: &RotationConfig,
    ) -> Result<Writer, (&'static str, io::Error)> {
        let directory = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&directory).map_err(|e| ("create the parent directory", e))?;
        let mut writer = Writer {
            names: BackupNames::new(&path),
            path,
            directory,
            file: None,
            size: 0,
            max_bytes: (rotation.max_megabytes > 0)
                .then(|| rotation.max_megabytes.saturating_mul(1024 * 1024)),
            max_backups: usize::try_from(rotation.max_backups).unwrap_or(usize::MAX),
            last_backup_millis: 0,
        };
        writer
            .file()
            .map_err(|e| ("open the file for appending", e))?;
        Ok(writer)
    }

    /// Serves commands until shut down or until the exporter is dropped.
    pub(crate) fn run(mut self, commands: Receiver<Command>) {
        while let Ok(command) = commands.recv() {
            match command {
                Command::Write { batch, done } => {
                    // OTLP/JSON needs every field: the one place a batch is decoded into structs.
                    let mut line = weir_proto::json::encode(&batch.decode());
                    // The line is all that is needed; free the batch before the write if it was the last reference.
                    drop(batch);
                    line.push(b'\n');
                    // A closed channel means the export was cancelled after the line was queued; the
                    // line is written all the same, and nobody is left to tell.
                    let _ = done.send(self.write(&line));
                }
                Command::Shutdown { done } => {
                    let _ = done.send(self.sync());
                    return;
                }
            }
        }
        if let Err(error) = self.sync() {
            warn!(message = "Flushing the export file failed.", %error);
        }
    }

    fn file(&mut self) -> io::Result<&mut File> {
        match &mut self.file {
            Some(file) => Ok(file),
            file @ None => {
                // The directory may have been removed since startup; recreating it lets writes recover.
                fs::create_dir_all(&self.directory).map_err(|e| {
                    context(e, format_args!("creating {}", self.directory.display()))
                })?;
                let opened = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.path)
                    .map_err(|e| context(e, format_args!("opening {}", self.path.display())))?;
                self.size = opened.metadata().map(|m| m.len()).unwrap_or(0);
                Ok(file.insert(opened))
            }
        }
    }

    fn write(&mut self, line: &[u8]) -> io::Result<()> {
        let len = line.len() as u64;
        if self
            .max_bytes
            .is_some_and(|max| self.size > 0 && self.size.saturating_add(len) > max)
        {
            self.rotate()?;
        }
        let size = self.size;
        if let Err(error) = self.file()?.write_all(line) {
            if let Some(file) = self.file.take() {
                // Cut a partly written line, so the retry's copy is not glued to a fragment.
                let _ = file.set_len(size);
            }
            return Err(context(
                error,
                format_args!("writing {}", self.path.display()),
            ));
        }
        self.size = size + len;
        Ok(())
    }

    fn rotate(&mut self) -> io::Result<()> {
        if let Some(file) = self.file.take() {
            file.sync_all()
                .map_err(|e| context(e, format_args!("syncing {}", self.path.display())))?;
        }
        let backup = self.backup_path();
        fs::rename(&self.path, &backup).map_err(|e| {
            context(
                e,
                format_args!("renaming {} to {}", self.path.display(), backup.display()),
            )
        })?;
        self.size = 0;
        self.prune();
        Ok(())
    }

    fn backup_path(&mut self) -> PathBuf {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let mut millis = u64::try_from(now)
            .unwrap_or(u64::MAX)
            .max(self.last_backup_millis.saturating_add(1));
        loop {
            let candidate = self.directory.join(self.names.name(millis));
            if !candidate.exists() {
                self.last_backup_millis = millis;
                return candidate;
            }
            millis += 1;
        }
    }

    /// Deletes all but the newest `max_backups` backups; failures are logged, since the write succeeded.
    fn prune(&self) {
        let entries = match fs::read_dir(&self.directory) {
            Ok(entries) => entries,
            Err(error) => {
                warn!(message = "Listing rotated export files failed.", directory = %self.directory.display(), %error);
                return;
            }
        };
        let mut backups: Vec<String> = entries
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| self.names.is_backup(name))
            .collect();
        backups.sort_unstable();
        let excess = backups.len().saturating_sub(self.max_backups);
        for name in &backups[..excess] {
            let path = self.directory.join(name);
            if let Err(error) = fs::remove_file(&path) {
                warn!(message = "Deleting an old rotated export file failed.", path = %path.display(), %error);
            }
        }
    }

    fn sync(&mut self) -> io::Result<()> {
        match &self.file {
            Some(file) => file
                .sync_all()
                .map_err(|e| context(e, format_args!("syncing {}", self.path.display()))),
            None => Ok(()),
        }
    }
}
