//! The weir collector: receivers, pipelines and the admin server.
//!
//! Data flows receive → decode → golden signals → sample → batch → queue → export; see
//! ARCHITECTURE.md.

#![forbid(unsafe_code)]

pub mod batch;
pub mod decode;
pub mod golden;
pub mod pipeline;
pub mod queue;
pub mod receive;
pub mod sample;

pub mod admin;
pub mod admission;
pub mod app;
pub mod channel;
pub mod logging;
pub mod reload;
pub mod telemetry;
