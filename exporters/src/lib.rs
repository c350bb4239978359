//! Stage 7, export: the last stage of every pipeline.
//!
//! An [`Exporter`] sends one batch, once, and says how it went; the queue in front of it (in the
//! collector) owns the workers, and [`retry`] decides whether and when a failed batch is sent again.
//! Every destination implements the same trait, so the pipeline never knows where data goes.

#![forbid(unsafe_code)]

mod client;
pub mod error;
pub mod file;
pub mod otlp;
pub mod prometheus;
pub mod retry;

#[cfg(test)]
mod fixtures;

use std::sync::Arc;

use futures::future::BoxFuture;
use weir_proto::Encoded;

pub use error::{BuildError, ExportError};
pub use file::FileExporter;
pub use otlp::OtlpExporter;
pub use retry::{Backoff, RetryError, RetryPolicy, send_with_retry};

/// What a successful export reported back.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExportOutcome {
    /// Items the destination accepted the request for but rejected (OTLP partial success); they are not retried.
    pub rejected_items: u64,
}

/// A destination for batches of one or more signals.
pub trait Exporter: Send + Sync + 'static {
    /// Sends `batch` once. Retrying is the caller's job, guided by the error's classification.
    fn export(&self, batch: Arc<Encoded>) -> BoxFuture<'_, Result<ExportOutcome, ExportError>>;

    /// Flushes and closes whatever the exporter holds open; called once, after the last export.
    fn shutdown(&self) -> BoxFuture<'_, Result<(), ExportError>> {
        Box::pin(async { Ok(()) })
    }
}
