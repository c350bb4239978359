//! The Prometheus remote-write exporter ([`RemoteWriteExporter`]): OTLP metrics translated to
//! Prometheus series ([`translate`]), encoded as Remote-Write 1.0 or 2.0 messages ([`encode`]), cut to
//! size ([`split`]), compressed into a request body with its headers ([`body`]) and POSTed to the
//! receiver, whose answer decides what happens next.

pub mod body;
mod classify;
pub mod encode;
mod exporter;
pub mod model;
pub mod names;
mod native;
mod outbox;
mod send;
pub mod split;
mod stats;
pub mod translate;

pub use body::{Body, Compression, EncodeError, Protocol};
pub use classify::SAMPLES_WRITTEN_HEADER;
pub use exporter::RemoteWriteExporter;
pub use model::SeriesSet;
pub use stats::{DROP_REASONS, RemoteWriteStats};
pub use translate::{DeltaAccumulator, Dropped, Settings, Translation, Translator};
