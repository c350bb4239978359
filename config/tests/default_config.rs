//! The built-in configuration and `WEIR_JAEGER_ENDPOINT`.

use std::collections::HashMap;

use weir_config::*;

fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |name| vars.get(name).cloned()
}

fn id(text: &str) -> ComponentId {
    text.parse().expect("a valid component id")
}

fn traces_exporters(config: &Config) -> Vec<String> {
    config.service.pipelines[&"traces".parse().expect("a valid pipeline id")]
        .exporters
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn default_config_loads_with_the_documented_values() {
    let config = default_config(&env_of(&[])).unwrap();
    let ReceiverConfig::Otlp(otlp) = &config.receivers[&id("otlp")];
    assert_eq!(otlp.protocols.grpc.as_ref().unwrap().endpoint, "0.0.0.0:4317");
    assert_eq!(otlp.protocols.http.as_ref().unwrap().endpoint, "0.0.0.0:4318");
    assert_eq!(
        config.processors[&id("memory_limiter")],
        ProcessorConfig::MemoryLimiter(MemoryLimiterConfig { limit_mib: 512 })
    );
    assert!(matches!(config.processors[&id("batch")], ProcessorConfig::Batch(_)));
    assert_eq!(config.processors[&id("golden_signals")], ProcessorConfig::GoldenSignals(GoldenSignalsConfig::default()));
    for signal in ["traces", "metrics", "logs"] {
        let ExporterConfig::File(file) = &config.exporters[&id(&format!("file/{signal}"))] else { panic!("not file") };
        assert_eq!(file.path, format!("./weir-data/{signal}.jsonl"));
        let pipeline = &config.service.pipelines[&signal.parse().unwrap()];
        assert_eq!(pipeline.receivers, [id("otlp")]);
        let processors: &[_] = if signal == "traces" {
            &[id("memory_limiter"), id("golden_signals"), id("batch")]
        } else {
            &[id("memory_limiter"), id("batch")]
        };
        assert_eq!(pipeline.processors, processors);
        assert_eq!(pipeline.exporters, [id(&format!("file/{signal}"))]);
    }
    assert_eq!(config.service.telemetry.metrics.address, "0.0.0.0:8888");
    assert!(!config.exporters.contains_key(&id("otlp/jaeger")));
}

#[test]
fn default_config_takes_its_addresses_from_the_environment() {
    let env = env_of(&[
        ("WEIR_OTLP_GRPC_ENDPOINT", "127.0.0.1:14317"),
        ("WEIR_OTLP_HTTP_ENDPOINT", "[::1]:14318"),
        ("WEIR_DATA_DIR", "/data"),
        ("WEIR_ADMIN_ENDPOINT", "localhost:9999"),
    ]);
    let config = default_config(&env).unwrap();
    let ReceiverConfig::Otlp(otlp) = &config.receivers[&id("otlp")];
    assert_eq!(otlp.protocols.grpc.as_ref().unwrap().endpoint, "127.0.0.1:14317");
    assert_eq!(otlp.protocols.http.as_ref().unwrap().endpoint, "[::1]:14318");
    let ExporterConfig::File(file) = &config.exporters[&id("file/logs")] else { panic!("not file") };
    assert_eq!(file.path, "/data/logs.jsonl");
    assert_eq!(config.service.telemetry.metrics.address, "localhost:9999");
}

#[test]
fn bad_address_in_the_environment_points_into_default_yaml() {
    let err = default_config(&env_of(&[("WEIR_OTLP_GRPC_ENDPOINT", "4317")])).unwrap_err().to_string();
    assert!(
        err.starts_with("built-in default.yaml:")
            && err.contains(": receivers.otlp.protocols.grpc.endpoint: `4317` has no port"),
        "{err}"
    );
}

#[test]
fn default_config_round_trips_through_to_yaml() {
    for env in [env_of(&[]), env_of(&[("WEIR_JAEGER_ENDPOINT", "jaeger:4317")])] {
        let config = default_config(&env).unwrap();
        let yaml = to_yaml(&config);
        assert_eq!(load_str(&yaml, "print-config", &|_| None).unwrap(), config, "{yaml}");
    }
}

#[test]
fn jaeger_endpoint_adds_an_otlp_exporter_to_traces() {
    let config = default_config(&env_of(&[("WEIR_JAEGER_ENDPOINT", "jaeger:4317")])).unwrap();
    let ExporterConfig::Otlp(jaeger) = &config.exporters[&id("otlp/jaeger")] else { panic!("not otlp") };
    assert_eq!(jaeger.endpoint, "jaeger:4317");
    assert_eq!((jaeger.protocol, jaeger.compression), (OtlpProtocol::Grpc, Compression::Zstd));
    assert!(jaeger.tls.insecure);
    assert_eq!(jaeger.sending_queue, SendingQueueConfig::default());
    assert_eq!(jaeger.retry_on_failure, RetryConfig::default());
    assert_eq!(traces_exporters(&config), ["file/traces", "otlp/jaeger"]);
    let metrics = &config.service.pipelines[&"metrics".parse().unwrap()];
    assert_eq!(metrics.exporters, [id("file/metrics")]);
}

#[test]
fn https_jaeger_endpoint_uses_tls() {
    let config = default_config(&env_of(&[("WEIR_JAEGER_ENDPOINT", "https://jaeger.example.com:4317")])).unwrap();
    let ExporterConfig::Otlp(jaeger) = &config.exporters[&id("otlp/jaeger")] else { panic!("not otlp") };
    assert!(!jaeger.tls.insecure);
    let config = default_config(&env_of(&[("WEIR_JAEGER_ENDPOINT", "http://jaeger:4317")])).unwrap();
    let ExporterConfig::Otlp(jaeger) = &config.exporters[&id("otlp/jaeger")] else { panic!("not otlp") };
    assert!(jaeger.tls.insecure);
}

#[test]
fn empty_jaeger_endpoint_adds_nothing() {
    let config = default_config(&env_of(&[("WEIR_JAEGER_ENDPOINT", "")])).unwrap();
    assert!(!config.exporters.contains_key(&id("otlp/jaeger")));
    assert_eq!(traces_exporters(&config), ["file/traces"]);
}

#[test]
fn bad_jaeger_endpoint_names_the_variable() {
    let err = default_config(&env_of(&[("WEIR_JAEGER_ENDPOINT", "jaeger")])).unwrap_err();
    assert_eq!(err.position().unwrap().path, "exporters.otlp/jaeger.endpoint");
    assert!(
        err.to_string().starts_with("WEIR_JAEGER_ENDPOINT: exporters.otlp/jaeger.endpoint: `jaeger` has no port"),
        "{err}"
    );
}

#[test]
fn embedded_text_is_default_yaml() {
    let file = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/default.yaml")).unwrap();
    assert_eq!(DEFAULT_CONFIG_YAML, file);
}
