//! The fixture files: every invalid one fails with the key path and line its first line names, and
//! the full valid one loads with every option as written.

use std::path::Path;
use std::time::Duration;

use weir_config::*;

fn fixture_env(name: &str) -> Option<String> {
    match name {
        "WEIR_TEST_TOKEN" => Some("s3cret".to_owned()),
        "WEIR_TEST_MULTILINE" => Some("acme\nevil: true".to_owned()),
        _ => None,
    }
}

/// The expectation on a fixture's first line: `# error: LINE PATH: MESSAGE`, where a PATH of
/// `(root)` means the document itself.
struct Expected {
    line: u64,
    path: String,
    message: String,
}

fn expected(text: &str) -> Option<Expected> {
    let header = text.lines().next()?.strip_prefix("# error: ")?;
    let (line, rest) = header.split_once(' ')?;
    let (path, message) = rest.split_once(": ")?;
    let path = if path == "(root)" { "" } else { path };
    Some(Expected { line: line.parse().ok()?, path: path.to_owned(), message: message.trim_end().to_owned() })
}

#[test]
fn every_invalid_fixture_names_its_key_path_and_line() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 40, "fixtures missing from {}", dir.display());
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let source = format!("invalid/{}", file.file_name().unwrap().to_string_lossy());
        let Some(want) = expected(&text) else {
            failures.push(format!("{source}: first line is not `# error: LINE PATH: MESSAGE`"));
            continue;
        };
        let error = match load_str(&text, &source, &fixture_env) {
            Ok(_) => {
                failures.push(format!("{source}: loaded, but should fail"));
                continue;
            }
            Err(e) => e,
        };
        let shown = error.to_string();
        let at = error.position().unwrap();
        let prefix = format!("{source}:{}:", want.line);
        let tail = match want.path.as_str() {
            "" => format!(": {}", want.message),
            path => format!(": {path}: {}", want.message),
        };
        if at.line != want.line || at.path != want.path || !shown.starts_with(&prefix) || !shown.contains(&tail) {
            failures.push(format!("{source}:\n  want line {} `{tail}`\n  got  {shown}", want.line));
        }
    }
    assert!(failures.is_empty(), "{} of {} fixtures failed:\n{}", failures.len(), files.len(), failures.join("\n"));
}

fn full() -> Config {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid/full.yaml");
    let text = std::fs::read_to_string(&path).expect("full.yaml is readable");
    load_str(&text, "valid/full.yaml", &fixture_env).expect("full.yaml is valid")
}

fn id(text: &str) -> ComponentId {
    text.parse().expect("a valid component id")
}

#[test]
fn full_config_loads_every_option_as_written() {
    let config = full();

    let ReceiverConfig::Otlp(otlp) = &config.receivers[&id("otlp")];
    let grpc = otlp.protocols.grpc.as_ref().unwrap();
    assert_eq!(
        (grpc.endpoint.as_str(), grpc.max_recv_msg_size_mib, grpc.max_concurrent_streams),
        ("0.0.0.0:4317", 16, 250)
    );
    assert_eq!(grpc.keepalive.server_parameters.time, Duration::from_secs(30 * 60));
    assert_eq!(grpc.keepalive.server_parameters.timeout, Duration::from_secs(10));
    let http = otlp.protocols.http.as_ref().unwrap();
    assert_eq!((http.endpoint.as_str(), http.max_request_body_size), ("[::]:4318", 10 << 20));

    let ReceiverConfig::Otlp(http_only) = &config.receivers[&id("otlp/http-only")];
    assert!(http_only.protocols.grpc.is_none());
    assert_eq!(http_only.protocols.http.as_ref().unwrap().endpoint, "localhost:4318");

    assert_eq!(
        config.processors[&id("batch")],
        ProcessorConfig::Batch(BatchConfig {
            send_batch_size: 8192,
            send_batch_max_size: 16384,
            timeout: Duration::from_secs(10)
        })
    );
    let ProcessorConfig::Batch(small) = &config.processors[&id("batch/small")] else { panic!("not a batch") };
    assert_eq!(small.timeout, Duration::from_millis(200));

    let ExporterConfig::Otlp(jaeger) = &config.exporters[&id("otlp/jaeger")] else { panic!("not otlp") };
    assert_eq!(jaeger.endpoint, "jaeger:4317");
    assert_eq!((jaeger.protocol, jaeger.compression), (OtlpProtocol::Grpc, Compression::Gzip));
    assert_eq!(jaeger.headers["authorization"], "Bearer s3cret");
    assert_eq!(jaeger.headers["x-tenant"], "acme");
    assert_eq!(jaeger.timeout, Duration::from_secs(90));
    assert_eq!(
        jaeger.tls,
        TlsClientConfig {
            insecure: false,
            ca_file: Some("/etc/weir/ca.pem".into()),
            cert_file: Some("/etc/weir/client.pem".into()),
            key_file: Some("/etc/weir/client.key".into()),
            server_name_override: Some("jaeger.internal".into()),
        }
    );
    assert_eq!(
        jaeger.sending_queue,
        SendingQueueConfig { queue_size: 5000, num_consumers: 4, ..SendingQueueConfig::default() }
    );
    assert_eq!(
        jaeger.retry_on_failure,
        RetryConfig {
            enabled: true,
            initial_interval: Duration::from_millis(1500),
            max_interval: Duration::from_secs(60),
            max_elapsed_time: Duration::ZERO,
            multiplier: 2.0,
            randomization_factor: 0.25,
        }
    );
    let ExporterConfig::Otlp(vendor) = &config.exporters[&id("otlp/vendor")] else { panic!("not otlp") };
    assert_eq!((vendor.protocol, vendor.compression), (OtlpProtocol::HttpProtobuf, Compression::None));
    assert!(!vendor.retry_on_failure.enabled);

    let ExporterConfig::File(file) = &config.exporters[&id("file")] else { panic!("not file") };
    assert_eq!(file.path, "/var/lib/weir/all.jsonl");
    assert_eq!((file.rotation.max_megabytes, file.rotation.max_backups), (50, 3));

    let ExporterConfig::PrometheusRemoteWrite(mimir) = &config.exporters[&id("prometheusremotewrite/mimir")] else {
        panic!("not prometheusremotewrite")
    };
    assert_eq!(mimir.endpoint, "https://mimir.example.com/api/v1/push");
    assert_eq!((mimir.protobuf_message, mimir.compression), (RemoteWriteMessage::V2, RemoteWriteCompression::Zstd));
    assert_eq!(mimir.headers["X-Scope-OrgID"], "acme");
    assert_eq!(mimir.timeout, Duration::from_secs(10));
    assert_eq!(mimir.tls.ca_file.as_deref(), Some("/etc/weir/ca.pem"));
    assert_eq!(
        mimir.external_labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>(),
        [("cluster", "eu-1"), ("replica", "a")]
    );
    assert!(mimir.resource_to_telemetry_conversion.enabled);
    assert!(!mimir.target_info.enabled);
    assert_eq!(mimir.exponential_histograms, ExponentialHistograms::Classic);
    assert_eq!((mimir.max_samples_per_send, mimir.sending_queue.queue_size), (500, 200));
    assert_eq!(mimir.retry_on_failure.initial_interval, Duration::from_secs(1));

    let ProcessorConfig::GoldenSignals(golden) = &config.processors[&id("golden_signals")] else {
        panic!("not golden_signals")
    };
    assert_eq!(golden.metrics_flush_interval, Duration::from_secs(30));

    let service = &config.service;
    assert_eq!(service.shutdown_timeout, Duration::from_secs(45));
    assert_eq!(service.telemetry.logs.level, "weir=debug,tonic=warn");
    assert_eq!(service.telemetry.logs.encoding, LogEncoding::Json);
    assert_eq!(service.telemetry.metrics.address, "[::1]:8888");
    let traces = &service.pipelines[&"traces".parse().unwrap()];
    assert_eq!(traces.receivers, [id("otlp"), id("otlp/internal")]);
    assert_eq!(traces.exporters, [id("otlp/jaeger"), id("otlp/vendor"), id("file")]);
    assert!(service.pipelines[&"logs/http".parse().unwrap()].processors.is_empty());
}

#[test]
fn full_config_round_trips_through_to_yaml() {
    let config = full();
    let yaml = to_yaml(&config);
    assert_eq!(load_str(&yaml, "print-config", &|_| None).unwrap(), config, "{yaml}");
}
