//! weir's own logs, through `tracing`, as text or JSON lines on stderr.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use weir_config::{LogEncoding, LogsConfig};

/// Installs the global subscriber; `RUST_LOG`, when set, overrides the configured level.
pub fn init(config: &LogsConfig) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&config.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    // A second init (as in tests that run weir in-process twice) keeps the first subscriber.
    let _ = match config.encoding {
        LogEncoding::Text => builder.try_init(),
        LogEncoding::Json => builder.json().flatten_event(true).try_init(),
    };
}
