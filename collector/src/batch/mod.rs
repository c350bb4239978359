//! Stage 5, batch: requests merged into batches of `send_batch_size` items, or whatever has waited
//! `timeout`, and split to at most `send_batch_max_size`.
//!
//! [`batcher::Batcher`] holds the rules and no async code; [`task::run`] drives it.

pub mod batcher;
pub mod task;

pub use batcher::Batcher;
