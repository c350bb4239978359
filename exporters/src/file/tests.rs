//! The file exporter writing to a temporary directory.

use std::fs;
use std::path::Path;

use weir_config::{FileExporterConfig, RotationConfig};
use weir_proto::Payload;
use weir_proto::otlp::collector::logs::v1::ExportLogsServiceRequest;
use weir_proto::otlp::collector::metrics::v1::ExportMetricsServiceRequest;
use weir_proto::otlp::collector::trace::v1::ExportTraceServiceRequest;

use super::FileExporter;
use crate::fixtures::{encoded, log, metrics, traces};
use crate::{BuildError, ExportError, Exporter};

fn config(path: &Path, max_megabytes: u64, max_backups: u64) -> FileExporterConfig {
    FileExporterConfig {
        path: path.display().to_string(),
        rotation: RotationConfig {
            max_megabytes,
            max_backups,
        },
        sending_queue: Default::default(),
    }
}

fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Decodes a line with the serde impls of `opentelemetry-proto`, independent of weir's own encoder.
fn decode_as(line: &str, like: &Payload) -> Payload {
    match like {
        Payload::Traces(_) => {
            Payload::Traces(serde_json::from_str::<ExportTraceServiceRequest>(line).unwrap())
        }
        Payload::Metrics(_) => {
            Payload::Metrics(serde_json::from_str::<ExportMetricsServiceRequest>(line).unwrap())
        }
        Payload::Logs(_) => {
            Payload::Logs(serde_json::from_str::<ExportLogsServiceRequest>(line).unwrap())
        }
    }
}

/// The log record bodies in a file, one per line.
fn bodies(path: &Path) -> Vec<String> {
    lines(path)
        .iter()
        .map(|line| {
            let Payload::Logs(request) = decode_as(line, &log("")) else {
                unreachable!()
            };
            let body = request.resource_logs[0].scope_logs[0].log_records[0]
                .body
                .clone()
                .unwrap();
            match body.value.unwrap() {
                weir_proto::otlp::common::v1::any_value::Value::StringValue(s) => s,
                other => panic!("unexpected body {other:?}"),
            }
        })
        .collect()
}

#[tokio::test]
async fn lines_decode_back_to_the_batches() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dirs/out.json");
    let exporter = FileExporter::new(&config(&path, 100, 10)).unwrap();
    let batches = [traces(3), metrics(2), log("hello\nworld")];
    for batch in &batches {
        exporter.export(encoded(batch)).await.unwrap();
    }
    // Each export returns once its line is in the file.
    assert_eq!(lines(&path).len(), 3);
    exporter.shutdown().await.unwrap();

    let written = lines(&path);
    assert_eq!(written.len(), batches.len());
    for (line, batch) in written.iter().zip(&batches) {
        assert_eq!(&decode_as(line, batch), batch);
    }
}

#[tokio::test]
async fn appends_to_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.json");
    for body in ["first", "second"] {
        let exporter = FileExporter::new(&config(&path, 100, 10)).unwrap();
        exporter.export(encoded(&log(body))).await.unwrap();
        exporter.shutdown().await.unwrap();
    }
    assert_eq!(bodies(&path), ["first", "second"]);
}

#[tokio::test]
async fn rotation_keeps_the_newest_backups() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs.jsonl");
    // A stranger's file beside ours must survive pruning.
    fs::write(dir.path().join("logs-notes.jsonl"), "keep me").unwrap();
    let exporter = FileExporter::new(&config(&path, 1, 2)).unwrap();
    // About 300 KiB per line: three lines fit in 1 MiB, the fourth rotates.
    let filler = "x".repeat(300 * 1024);
    for n in 0..12 {
        exporter
            .export(encoded(&log(&format!("{n:02}{filler}"))))
            .await
            .unwrap();
    }
    exporter.shutdown().await.unwrap();

    let mut backups: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name != "logs.jsonl" && name != "logs-notes.jsonl")
        .collect();
    backups.sort();
    assert_eq!(backups.len(), 2, "{backups:?}");
    assert!(dir.path().join("logs-notes.jsonl").exists());

    let numbers =
        |path: &Path| -> Vec<String> { bodies(path).iter().map(|b| b[..2].to_owned()).collect() };
    assert_eq!(numbers(&dir.path().join(&backups[0])), ["03", "04", "05"]);
    assert_eq!(numbers(&dir.path().join(&backups[1])), ["06", "07", "08"]);
    assert_eq!(numbers(&path), ["09", "10", "11"]);
    for name in &backups {
        assert!(
            name.starts_with("logs-") && name.ends_with(".jsonl"),
            "{name}"
        );
        assert!(fs::metadata(dir.path().join(name)).unwrap().len() <= 1024 * 1024);
    }
}

#[tokio::test]
async fn export_after_shutdown_is_permanent() {
    let dir = tempfile::tempdir().unwrap();
    let exporter = FileExporter::new(&config(&dir.path().join("out.json"), 100, 10)).unwrap();
    exporter.shutdown().await.unwrap();
    let error = exporter.export(encoded(&traces(1))).await.unwrap_err();
    assert!(matches!(error, ExportError::Permanent { .. }), "{error:?}");
}

#[test]
fn an_unusable_path_fails_the_build() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    fs::write(&blocker, "").unwrap();
    let error = FileExporter::new(&config(&blocker.join("out.json"), 100, 10))
        .err()
        .expect("built under a file");
    assert!(matches!(error, BuildError::File { .. }), "{error}");
    assert!(error.to_string().contains("parent directory"), "{error}");
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_full_disk_is_a_retryable_failure_naming_the_path() {
    // Every write to /dev/full fails with ENOSPC, as on a full disk.
    let exporter = FileExporter::new(&config(Path::new("/dev/full"), 0, 10)).unwrap();
    match exporter.export(encoded(&traces(1))).await.unwrap_err() {
        ExportError::Retryable { reason, .. } => assert!(reason.contains("/dev/full"), "{reason}"),
        other => panic!("expected a retryable error, got {other:?}"),
    }
}
