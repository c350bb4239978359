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

/// A configuration an exporter cannot be built from; the message names the setting to fix.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// `endpoint` is not a `host:port` or an `http(s)://` URL this exporter can use.
    #[error("endpoint {endpoint:?}: {reason}")]
    Endpoint {
        /// The configured endpoint.
        endpoint: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A `headers` entry is not a valid header name or an ASCII header value.
    #[error("headers.{name}: {reason}")]
    Header {
        /// The configured header name.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A file named under `tls` cannot be read.
    #[error("tls.{setting} {path:?} cannot be read: {source}")]
    TlsFile {
        /// The setting naming the file (`ca_file`, `cert_file`, `key_file`).
        setting: &'static str,
        /// The configured path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TLS settings are inconsistent or a file does not hold what it should.
    #[error("tls: {0}")]
    Tls(String),
    /// The file exporter cannot write to its `path`.
    #[error("path {path:?}: cannot {action}: {source}")]
    File {
        /// The configured path.
        path: String,
        /// What failed (`create the parent directory`, `open the file for appending`).
        action: &'static str,
        /// The I/O error.
        source: std::io::Error,
    },
}
