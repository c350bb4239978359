//! weir's configuration: YAML in the OpenTelemetry Collector's shape, turned into typed, validated structs.
//!
//! Loading substitutes `${env:NAME}` references, parses, and validates; every error names the file,
//! line, column and key path of the setting to fix.

#![forbid(unsafe_code)]

mod builtin;
mod components;
pub mod defaults;
pub mod duration;
mod error;
mod golden;
mod hints;
pub mod id;
mod load;
mod path;
mod queue;
mod remote_write;
mod sampler;
pub mod schema;
mod substitute;
mod tree;
mod validate;

use std::path::Path;

pub use builtin::{DEFAULT_CONFIG_YAML, default_config};
pub use error::{ConfigError, ConfigErrors, Position};
pub use golden::*;
pub use id::{ComponentId, PipelineId};
pub use queue::*;
pub use remote_write::*;
pub use sampler::*;
pub use schema::*;

/// Reads, substitutes from the process environment, parses and validates the file at `path`.
pub fn load_file(path: &Path) -> Result<Config, ConfigError> {
    load_file_all(path).map_err(ConfigErrors::into_first)
}

/// Like [`load_file`], reporting every validation problem instead of the first.
pub fn load_file_all(path: &Path) -> Result<Config, ConfigErrors> {
    let source = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read { path: source.clone(), error })?;
    load_str_all(&text, &source, &|name| std::env::var(name).ok())
}

/// Substitutes `env` into `text`, parses and validates it; `source` names the text in errors.
pub fn load_str(text: &str, source: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    load_str_all(text, source, env).map_err(ConfigErrors::into_first)
}

/// Like [`load_str`], reporting every validation problem instead of the first.
pub fn load_str_all(text: &str, source: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigErrors> {
    load::load(text, source, env)
}

/// The effective configuration as YAML, every default filled in; [`load_str`] reads it back unchanged.
pub fn to_yaml(config: &Config) -> String {
    let yaml = serde_saphyr::to_string(config).expect("the configuration has only string keys and plain values");
    // Loading substitutes `${…}` and unescapes `$$`, so literal dollars must be escaped to survive.
    yaml.replace('$', "$$")
}
