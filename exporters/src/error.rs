//! How an export failed, classified for the retry policy.

use std::time::Duration;

/// A failed export, classified once where the destination's answer is understood.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The destination may accept the same batch later (unavailable, overloaded, timed out).
    #[error("retryable export failure: {reason}")]
    Retryable {
        /// What the destination or the transport said.
        reason: String,
        /// How long the destination asked us to wait (gRPC RetryInfo, HTTP Retry-After).
        retry_after: Option<Duration>,
    },
    /// The destination will never accept this batch (bad request, unauthenticated, unimplemented).
    #[error("permanent export failure: {reason}")]
    Permanent {
        /// What the destination or the transport said.
        reason: String,
    },
}

impl ExportError {
    /// Whether sending the same batch again can succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, ExportError::Retryable { .. })
    }
}
