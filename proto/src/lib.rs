//! OTLP message types as weir's stages see them.
//!
//! Every stage after decode handles an [`Encoded`] request: one OTLP export request of one [`Signal`], kept
//! in the protobuf bytes it arrived in and checked by [`wire::scan`]. [`Payload`] is the same request
//! decoded into owned structs, for the few places that need every field (OTLP/JSON, tests).
//! The generated OTLP types come from `opentelemetry-proto`; definitions that no crate ships are written
//! here by hand: the Prometheus remote-write messages are in [`remote_write`].

#![forbid(unsafe_code)]

mod encoded;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod json;
mod payload;
pub mod remote_write;
mod split;
pub mod wire;

pub use encoded::Encoded;
pub use opentelemetry_proto::tonic as otlp;
pub use payload::{Payload, Signal};
