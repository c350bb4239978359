//! Loading: the public entry points, substitution, error format and round trips.

use std::time::Duration;

use weir_config::*;

fn no_env(_: &str) -> Option<String> {
    None
}

const MINIMAL: &str = "\
receivers:
  otlp:
    protocols:
      grpc:
exporters:
  file: { path: out.jsonl }
service:
  pipelines:
    traces: { receivers: [otlp], exporters: [file] }
";

fn id(text: &str) -> ComponentId {
    text.parse().expect("a valid component id")
}

#[test]
fn batch_config_parses_as_written() {
    let text = format!(
        "{MINIMAL}processors: {{ batch: {{ send_batch_size: 8192, send_batch_max_size: 16384, timeout: 10s }} }}\n"
    );
    let config = load_str(&text, "batch.yaml", &no_env).unwrap();
    assert_eq!(
        config.processors[&id("batch")],
        ProcessorConfig::Batch(BatchConfig {
            send_batch_size: 8192,
            send_batch_max_size: 16384,
            timeout: Duration::from_secs(10)
        })
    );
}

#[test]
fn empty_bodies_take_every_default() {
    let text = format!("{MINIMAL}processors:\n  batch:\n  batch/b: {{}}\n");
    let config = load_str(&text, "empty.yaml", &no_env).unwrap();
    let ProcessorConfig::Batch(batch) = &config.processors[&id("batch")] else { panic!("not batch") };
    assert_eq!(
        (batch.send_batch_size, batch.send_batch_max_size, batch.timeout),
        (8192, 0, Duration::from_millis(200))
    );
    assert_eq!(config.processors[&id("batch")], config.processors[&id("batch/b")]);
    let ReceiverConfig::Otlp(otlp) = &config.receivers[&id("otlp")];
    let grpc = otlp.protocols.grpc.as_ref().unwrap();
    assert_eq!((grpc.endpoint.as_str(), grpc.max_recv_msg_size_mib), ("localhost:4317", 4));
    assert!(otlp.protocols.http.is_none());
}

#[test]
fn empty_sections_are_empty_maps() {
    let text = format!("{MINIMAL}processors:\n");
    assert!(load_str(&text, "x.yaml", &no_env).unwrap().processors.is_empty());
}

#[test]
fn environment_is_substituted_before_parsing() {
    let text = "\
receivers:
  otlp: { protocols: { grpc: { endpoint: '${env:GRPC:-0.0.0.0:4317}' }, http: { endpoint: '${HTTP}' } } }
exporters:
  otlp: { endpoint: '${env:JAEGER}', headers: { x-price: '$$5', x-empty: '${env:UNSET}' } }
processors:
  batch: { send_batch_size: ${env:BATCH} }
service:
  pipelines:
    traces: { receivers: [otlp], processors: [batch], exporters: [otlp] }
";
    let env = |name: &str| match name {
        "HTTP" => Some("localhost:4318".to_owned()),
        "JAEGER" => Some("jaeger:4317".to_owned()),
        "BATCH" => Some("100".to_owned()),
        _ => None,
    };
    let config = load_str(text, "env.yaml", &env).unwrap();
    let ReceiverConfig::Otlp(otlp) = &config.receivers[&id("otlp")];
    assert_eq!(otlp.protocols.grpc.as_ref().unwrap().endpoint, "0.0.0.0:4317");
    assert_eq!(otlp.protocols.http.as_ref().unwrap().endpoint, "localhost:4318");
    let ExporterConfig::Otlp(exporter) = &config.exporters[&id("otlp")] else { panic!("not otlp") };
    assert_eq!(exporter.endpoint, "jaeger:4317");
    assert_eq!(exporter.headers["x-price"], "$5");
    assert_eq!(exporter.headers["x-empty"], "");
    let ProcessorConfig::Batch(batch) = &config.processors[&id("batch")] else { panic!("not batch") };
    assert_eq!(batch.send_batch_size, 100);
}

#[test]
fn newline_in_a_variable_is_rejected_with_its_name_and_line() {
    let text = MINIMAL.replace("out.jsonl", "${env:DIR}/out.jsonl");
    let err = load_str(&text, "env.yaml", &|_| Some("/tmp\nx: 1".to_owned())).unwrap_err();
    assert!(matches!(err, ConfigError::Substitution { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "env.yaml:6:17: exporters.file.path: environment variable `DIR` contains a line break; a substituted value must fit on one line"
    );
}

#[test]
fn error_display_is_source_line_column_path_message() {
    let text = MINIMAL.replace("exporters: [file]", "exporters: [file, otlp/jaegr]");
    let err = load_str(&text, "weir.yaml", &no_env).unwrap_err();
    assert_eq!(
        err.to_string(),
        "weir.yaml:9:52: service.pipelines.traces.exporters[1]: exporter `otlp/jaegr` is not defined; defined exporters: file"
    );
    let at = err.position().unwrap();
    assert_eq!((at.source.as_str(), at.line, at.column), ("weir.yaml", 9, 52));
}

#[test]
fn all_validation_errors_are_collected_in_file_order() {
    let text = "\
receivers:
  otlp: { protocols: { grpc: { endpoint: 'nope' } } }
processors:
  batch: { timeout: 0s }
exporters:
  file: { path: out.jsonl }
service:
  pipelines:
    traces: { receivers: [otlp, otlp/x], processors: [batch], exporters: [file, file] }
";
    let errors = load_str_all(text, "many.yaml", &no_env).unwrap_err();
    let lines: Vec<String> = errors.to_string().lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 4, "{errors}");
    assert!(
        lines[0].starts_with("many.yaml:2:32: receivers.otlp.protocols.grpc.endpoint: `nope` has no port"),
        "{errors}"
    );
    assert!(lines[1].starts_with("many.yaml:4:12: processors.batch.timeout: must be greater than 0"), "{errors}");
    assert!(
        lines[2].starts_with("many.yaml:9:33: service.pipelines.traces.receivers[1]: receiver `otlp/x` is not defined"),
        "{errors}"
    );
    assert!(
        lines[3].starts_with("many.yaml:9:81: service.pipelines.traces.exporters[1]: exporter `file` is listed twice"),
        "{errors}"
    );
    assert_eq!(errors.iter().count(), 4);
    assert_eq!(errors.first().to_string(), lines[0]);
    assert_eq!(load_str(text, "many.yaml", &no_env).unwrap_err().to_string(), lines[0]);
}

#[test]
fn load_file_reads_and_names_the_path_as_given() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("weir.yaml");
    std::fs::write(&path, MINIMAL).unwrap();
    assert_eq!(load_file(&path).unwrap(), load_str(MINIMAL, "x", &no_env).unwrap());

    std::fs::write(&path, MINIMAL.replace("[file]", "[nope]")).unwrap();
    let err = load_file(&path).unwrap_err().to_string();
    assert!(err.starts_with(&format!("{}:9:", path.display())), "{err}");

    let missing = dir.path().join("missing.yaml");
    let err = load_file(&missing).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }) && err.position().is_none(), "{err:?}");
    assert!(
        err.to_string().starts_with(&format!("{}: cannot read the configuration file:", missing.display())),
        "{err}"
    );
}

#[test]
fn empty_document_says_what_is_needed() {
    for text in ["", "# nothing yet\n"] {
        let err = load_str(text, "empty.yaml", &no_env).unwrap_err();
        assert!(
            err.to_string().starts_with("empty.yaml:") && err.to_string().contains(": the configuration is empty"),
            "{err}"
        );
    }
}

#[test]
fn to_yaml_escapes_dollars_so_they_round_trip() {
    let text = MINIMAL.replace("out.jsonl", "'$${env:HOME}/$$x.jsonl'");
    let config = load_str(&text, "x.yaml", &no_env).unwrap();
    let ExporterConfig::File(file) = &config.exporters[&id("file")] else { panic!("not file") };
    assert_eq!(file.path, "${env:HOME}/$x.jsonl");
    let yaml = to_yaml(&config);
    assert_eq!(load_str(&yaml, "print-config", &|_| Some("/root".to_owned())).unwrap(), config, "{yaml}");
}

#[test]
fn to_yaml_writes_every_default() {
    let config = load_str(MINIMAL, "x.yaml", &no_env).unwrap();
    let yaml = to_yaml(&config);
    for setting in ["max_recv_msg_size_mib: 4", "time: 2h", "queue_size: 1000", "shutdown_timeout: 30s", "level: info"]
    {
        assert!(yaml.contains(setting), "{setting} missing from\n{yaml}");
    }
}

#[test]
fn remote_write_takes_the_collector_defaults() {
    let text = "receivers: { otlp: { protocols: { grpc: {} } } }\n\
                exporters: { prometheusremotewrite: { endpoint: 'http://prometheus:9090/api/v1/write' } }\n\
                service: { pipelines: { metrics: { receivers: [otlp], exporters: [prometheusremotewrite] } } }\n";
    let config = load_str(text, "prw.yaml", &no_env).unwrap();
    let ExporterConfig::PrometheusRemoteWrite(prw) = &config.exporters[&id("prometheusremotewrite")] else {
        panic!("not prometheusremotewrite")
    };
    assert_eq!((prw.protobuf_message, prw.compression), (RemoteWriteMessage::V1, RemoteWriteCompression::Snappy));
    assert_eq!((prw.timeout, prw.max_samples_per_send), (Duration::from_secs(5), 2000));
    assert!(!prw.resource_to_telemetry_conversion.enabled && prw.target_info.enabled);
    assert!(prw.external_labels.is_empty() && prw.headers.is_empty());
    assert_eq!(prw.sending_queue.queue_size, 1000);
    let yaml = to_yaml(&config);
    assert!(yaml.contains("protobuf_message: prometheus.WriteRequest"), "{yaml}");
    assert_eq!(load_str(&yaml, "print-config", &no_env).unwrap(), config);
}

#[test]
fn a_sampler_checkpoint_is_off_unless_it_names_a_file() {
    let with = |sampler: &str| {
        format!(
            "{}processors: {{ adaptive_sampler: {sampler} }}\n",
            MINIMAL.replace("exporters: [file]", "processors: [adaptive_sampler], exporters: [file]")
        )
    };
    let config = load_str(&with("{}"), "x.yaml", &no_env).unwrap();
    let ProcessorConfig::AdaptiveSampler(sampler) = &config.processors[&id("adaptive_sampler")] else {
        panic!("not adaptive_sampler")
    };
    assert_eq!(sampler.checkpoint, None);
    let config = load_str(&with("{ checkpoint: { path: s.json } }"), "x.yaml", &no_env).unwrap();
    let ProcessorConfig::AdaptiveSampler(sampler) = &config.processors[&id("adaptive_sampler")] else {
        panic!("not adaptive_sampler")
    };
    let checkpoint = sampler.checkpoint.as_ref().expect("a checkpoint");
    assert_eq!((checkpoint.interval, checkpoint.max_age), (Duration::from_secs(30), Duration::from_secs(3600)));
    assert_eq!(load_str(&to_yaml(&config), "print-config", &no_env).unwrap(), config);
    let err = load_str(&with("{ checkpoint: { interval: 10s } }"), "x.yaml", &no_env).unwrap_err().to_string();
    assert!(err.ends_with("missing field `path`; add it, e.g. `path: ./weir-data/sampler-checkpoint.json`"), "{err}");
}
