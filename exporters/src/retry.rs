//! Retry with exponential backoff and jitter (filled in by the exporters work).
