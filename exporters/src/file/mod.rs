//! The file exporter: each batch as one line of OTLP/JSON, in a file rotated by size.
//!
//! A dedicated thread owns the file, so writes, fsyncs and rotations never block the async runtime; an
//! export completes once its line has been handed to the operating system.

mod name;
mod writer;

#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;

use futures::future::BoxFuture;
use tokio::sync::oneshot;
use weir_config::FileExporterConfig;
use weir_proto::Encoded;

use self::writer::{Command, Writer};
use crate::{BuildError, ExportError, ExportOutcome, Exporter};

/// Appends batches as OTLP/JSON lines to a file, rotating it by size.
///
/// Rotation renames the file to `<stem>-<UTC time to the millisecond>.<ext>` before a write would take
/// it past `rotation.max_megabytes` (0 turns rotation off) and keeps the newest `rotation.max_backups`
/// rotated files (0 keeps none).
pub struct FileExporter {
    path: PathBuf,
    commands: mpsc::Sender<Command>,
}

impl FileExporter {
    /// Creates the parent directories, opens the file for appending and starts the writer thread.
    pub fn new(config: &FileExporterConfig) -> Result<Self, BuildError> {
        let path = PathBuf::from(&config.path);
        let error = |action, source| BuildError::File {
            path: config.path.clone(),
            action,
            source,
        };
        let writer = Writer::open(path.clone(), &config.rotation)
            .map_err(|(action, source)| error(action, source))?;
        let (commands, receiver) = mpsc::channel();
        std::thread::Builder::new()
            .name("weir-file-export".to_owned())
            .spawn(move || writer.run(receiver))
            .map_err(|source| error("start the writer thread", source))?;
        Ok(FileExporter { path, commands })
    }

    fn stopped(&self) -> ExportError {
        ExportError::Permanent {
            reason: format!("the file exporter for {} is shut down", self.path.display()),
        }
    }

    /// Hands `command` to the writer thread and waits for its answer.
    async fn request(
        &self,
        command: impl FnOnce(oneshot::Sender<std::io::Result<()>>) -> Command,
    ) -> Result<(), ExportError> {
        let (done, answer) = oneshot::channel();
        self.commands
            .send(command(done))
            .map_err(|_| self.stopped())?;
        match answer.await {
            Ok(Ok(())) => Ok(()),
            // Disk full or a removed directory may clear up; the writer reopens the file on the next try.
            Ok(Err(error)) => Err(ExportError::Retryable {
                reason: error.to_string(),
                retry_after: None,
            }),
            Err(_) => Err(self.stopped()),
        }
    }
}

impl Exporter for FileExporter {
    fn export(&self, batch: Arc<Encoded>) -> BoxFuture<'_, Result<ExportOutcome, ExportError>> {
        Box::pin(async move {
            self.request(|done| Command::Write { batch, done }).await?;
            Ok(ExportOutcome::default())
        })
    }

    /// Flushes the file to disk (fsync) and stops the writer thread.
    fn shutdown(&self) -> BoxFuture<'_, Result<(), ExportError>> {
        Box::pin(self.request(|done| Command::Shutdown { done }))
    }
}
