//! The core of the Prometheus remote-write exporter: OTLP metrics translated to Prometheus series
//! ([`translate`]), encoded as Remote-Write 1.0 or 2.0 messages ([`encode`]), cut to size ([`split`])
//! and compressed into a request body with its headers ([`body`]).
//!
//! Nothing here sends anything yet: the HTTP client and the pipeline wiring come on top.

pub mod body;
pub mod encode;
pub mod model;
pub mod names;
pub mod split;
pub mod translate;

pub use body::{Body, Compression, EncodeError, Protocol};
pub use model::SeriesSet;
pub use translate::{DeltaAccumulator, Dropped, Settings, Translation, Translator};
