//! The weir collector: receivers, pipelines and the admin server.
//!
//! Data flows receive → decode → (golden signals → sample) → batch → queue → export; see ARCHITECTURE.md.

pub mod decode;
