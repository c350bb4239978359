//! The built-in configuration: what weir runs with when it is given no config file.

use std::collections::BTreeMap;

use crate::defaults::default_export_timeout;
use crate::error::{ConfigError, Position};
use crate::id::{ComponentId, PipelineId};
use crate::schema::{
    Compression, Config, ExporterConfig, OtlpExporterConfig, OtlpProtocol, RetryConfig, SendingQueueConfig,
    TlsClientConfig,
};

/// The text of `config/default.yaml`, a commented configuration users can copy.
pub const DEFAULT_CONFIG_YAML: &str = include_str!("../default.yaml");

/// Source name of the built-in configuration in errors.
const SOURCE: &str = "built-in default.yaml";

/// The variable that adds a Jaeger exporter to the built-in configuration.
const JAEGER_ENDPOINT: &str = "WEIR_JAEGER_ENDPOINT";

/// The built-in configuration, substituted from `env`; when `WEIR_JAEGER_ENDPOINT` is set and not
/// empty, traces also go to an `otlp/jaeger` exporter at that endpoint.
pub fn default_config(env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    let mut config = crate::load_str(DEFAULT_CONFIG_YAML, SOURCE, env)?;
    if let Some(endpoint) = env(JAEGER_ENDPOINT).filter(|e| !e.is_empty()) {
        add_jaeger(&mut config, endpoint);
        // The rest was checked by `load_str`, so a problem now is in the variable's value.
        if let Some(issue) = crate::validate::validate(&config).into_iter().next() {
            return Err(ConfigError::Invalid {
                at: Position { source: JAEGER_ENDPOINT.to_owned(), line: 0, column: 0, path: issue.path.to_string() },
                message: issue.message,
            });
        }
    }
    Ok(config)
}

fn add_jaeger(config: &mut Config, endpoint: String) {
    let id: ComponentId = "otlp/jaeger".parse().expect("a constant, valid component id");
    let traces: PipelineId = "traces".parse().expect("a constant, valid pipeline id");
    let exporter = OtlpExporterConfig {
        tls: TlsClientConfig { insecure: !endpoint.starts_with("https://"), ..TlsClientConfig::default() },
        endpoint,
        protocol: OtlpProtocol::Grpc,
        compression: Compression::Zstd,
        headers: BTreeMap::new(),
        timeout: default_export_timeout(),
        sending_queue: SendingQueueConfig::default(),
        retry_on_failure: RetryConfig::default(),
    };
    config.exporters.insert(id.clone(), ExporterConfig::Otlp(exporter));
    if let Some(pipeline) = config.service.pipelines.get_mut(&traces) {
        pipeline.exporters.push(id);
    }
}
