//! OTLP message types as weir's stages see them.
//!
//! Every stage after decode handles a [`Payload`]: one decoded OTLP export request of one [`Signal`].
//! The generated OTLP types come from `opentelemetry-proto`; definitions that no crate ships (Prometheus
//! remote-write) are added here as they are needed.

#![forbid(unsafe_code)]

#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod json;
mod payload;
mod split;

pub use opentelemetry_proto::tonic as otlp;
pub use payload::{Payload, Signal};
