//! OTLP message types as weir's stages see them.
//!
//! Every stage after decode handles a [`Payload`]: one decoded OTLP export request of one [`Signal`].
//! A request can also stay in protobuf wire format: [`wire`] checks it as strictly as decoding would
//! and splits it, without decoding.
//! The generated OTLP types come from `opentelemetry-proto`; definitions that no crate ships (Prometheus
//! remote-write) are added here as they are needed.

#![forbid(unsafe_code)]

#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod json;
mod payload;
mod split;
pub mod wire;

pub use opentelemetry_proto::tonic as otlp;
pub use payload::{Payload, Signal};
