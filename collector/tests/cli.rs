//! The command line: `--version`, `validate`, `print-config`, config errors with exit code 2, and the
//! embedded default config serving on its own.

mod common;

use std::process::Command;
use std::time::Duration;

use common::fixtures::{request, send_grpc, send_http};
use common::{Ports, Weir, eventually};
use weir_proto::Signal;

fn weir(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(args)
        .output()
        .expect("run weir");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    path.to_string_lossy().into_owned()
}

#[test]
fn version() {
    let (code, out, _) = weir(&["--version"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("weir "), "{out}");
}

#[test]
fn config_errors_name_the_key_and_line_and_exit_2() {
    let dir = tempfile::tempdir().expect("dir");
    let cases = [
        (
            "typo.yaml",
            "receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpont: 1.2.3.4:4317\nexporters:\n  file: { path: x }\nservice:\n  pipelines:\n    traces: { receivers: [otlp], exporters: [file] }\n",
            "endpont",
            ":5:",
        ),
        (
            "missing.yaml",
            "receivers:\n  otlp: { protocols: { grpc: {} } }\nexporters:\n  file: { path: x }\nservice:\n  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [file, otlp/jaeger]\n",
            "otlp/jaeger",
            ":9:",
        ),
        (
            "type.yaml",
            "receivers:\n  otlp: { protocols: { grpc: {} } }\nprocessors:\n  batch:\n    timeout: soon\nexporters:\n  file: { path: x }\nservice:\n  pipelines:\n    traces: { receivers: [otlp], processors: [batch], exporters: [file] }\n",
            "timeout",
            ":5:",
        ),
    ];
    for (name, text, key, line) in cases {
        let path = write(&dir, name, text);
        let (code, _, err) = weir(&["validate", "--config", &path]);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(
            err.contains(key) && err.contains(line),
            "{name}: the error names `{key}` and line `{line}`: {err}"
        );
        let (code, _, _) = weir(&["--config", &path]);
        assert_eq!(code, 2, "running with a bad config exits 2 too");
    }
    let (code, _, err) = weir(&["validate", "--config", "/nonexistent/weir.yaml"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn print_config_fills_in_defaults_and_validates() {
    let (code, out, err) = weir(&["print-config"]);
    assert_eq!(code, 0, "{err}");
    for expected in [
        "send_batch_size: 8192",
        "max_recv_msg_size_mib: 4",
        "limit_mib: 512",
        "traces.jsonl",
    ] {
        assert!(
            out.contains(expected),
            "print-config shows {expected}:\n{out}"
        );
    }
    let dir = tempfile::tempdir().expect("dir");
    let path = write(&dir, "effective.yaml", &out);
    let (code, _, err) = weir(&["validate", "--config", &path]);
    assert_eq!(code, 0, "the printed config is itself valid: {err}");
}

#[tokio::test]
async fn embedded_default_config_serves_and_writes_files() {
    let ports = Ports::new();
    let data = tempfile::tempdir().expect("dir");
    let grpc = ports.grpc.to_string();
    let http = ports.http.to_string();
    let admin = ports.admin.to_string();
    let data_dir = data.path().to_string_lossy().into_owned();
    let env = [
        ("WEIR_OTLP_GRPC_ENDPOINT", grpc.as_str()),
        ("WEIR_OTLP_HTTP_ENDPOINT", http.as_str()),
        ("WEIR_ADMIN_ENDPOINT", admin.as_str()),
        ("WEIR_DATA_DIR", data_dir.as_str()),
    ];
    let weir = Weir::start_default(&ports, &env).await;
    send_grpc(weir.grpc, &request(Signal::Traces, 20), None)
        .await
        .expect("traces accepted");
    let (status, _, _) = send_http(weir.http, &request(Signal::Logs, 10), true, None).await;
    assert_eq!(status, 200);
    let lines = |file: &str| {
        std::fs::read_to_string(data.path().join(file))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let count = |file: &str, signal: Signal| {
        lines(file)
            .iter()
            .map(|l| {
                weir_proto::json::decode(signal, l.as_bytes())
                    .map(|p| p.item_count())
                    .unwrap_or(0)
            })
            .sum::<usize>()
    };
    assert!(
        eventually(Duration::from_secs(10), async || count(
            "traces.jsonl",
            Signal::Traces
        ) == 20)
        .await,
        "{}",
        weir.logs()
    );
    assert!(
        eventually(Duration::from_secs(10), async || count(
            "logs.jsonl",
            Signal::Logs
        ) == 10)
        .await,
        "{}",
        weir.logs()
    );
}
