//! weir's configuration: YAML in the OpenTelemetry Collector's shape, turned into typed, validated structs.

pub mod defaults;
pub mod duration;
pub mod id;
pub mod schema;

pub use id::{ComponentId, PipelineId};
pub use schema::*;
