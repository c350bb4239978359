//! Helpers for the end-to-end tests: the real `weir` binary on loopback ports, a real downstream OTLP
//! server, an HTTP client, and OTLP fixtures.
#![allow(dead_code, clippy::disallowed_types, missing_docs)]

pub mod fixtures;
pub mod remote_write;
pub mod sink;
pub mod tsdb;

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// A port free on 127.0.0.1 right now, for a server started a moment later.
///
/// Chosen below Linux's ephemeral range (32768-60999), never twice in one test process: a port the
/// OS hands out on its own (a sink bound to port 0, a client's outgoing connection) could otherwise
/// take it between this check and the server's bind, as happened when tests ran in parallel.
pub fn free_port() -> u16 {
    const FIRST: u32 = 20_000;
    const SPAN: u32 = 12_000;
    static NEXT: AtomicU32 = AtomicU32::new(0);
    // Each test binary starts elsewhere in the range, should two ever run at once.
    let offset = std::process::id().wrapping_mul(7_919);
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        assert!(n < SPAN, "no free port left below the ephemeral range");
        let port = u16::try_from(FIRST + offset.wrapping_add(n) % SPAN).expect("below 32000");
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// A running `weir` process, killed when dropped.
pub struct Weir {
    child: Option<Child>,
    pub grpc: SocketAddr,
    pub http: SocketAddr,
    pub admin: SocketAddr,
    pub dir: tempfile::TempDir,
    log: PathBuf,
}

/// Ports for a weir config, chosen before the config is written.
pub struct Ports {
    pub grpc: SocketAddr,
    pub http: SocketAddr,
    pub admin: SocketAddr,
}

impl Ports {
    pub fn new() -> Ports {
        let addr = |p| SocketAddr::from(([127, 0, 0, 1], p));
        Ports {
            grpc: addr(free_port()),
            http: addr(free_port()),
            admin: addr(free_port()),
        }
    }
}

/// A config with one OTLP receiver on `ports`, an OTLP exporter to `sink` for all three signals, and
/// `extra_processors` (YAML under `processors:`) listed in the pipelines in that order.
pub fn config_to_sink(
    ports: &Ports,
    sink: SocketAddr,
    processors: &[(&str, &str)],
    exporter_extra: &str,
) -> String {
    let defs: String = processors
        .iter()
        .map(|(id, body)| format!("  {id}: {body}\n"))
        .collect();
    let list = processors
        .iter()
        .map(|(id, _)| *id)
        .collect::<Vec<_>>()
        .join(", ");
    let grpc = ports.grpc;
    let http = ports.http;
    let admin = ports.admin;
    let pipeline = |signal: &str| {
        format!(
            "    {signal}: {{ receivers: [otlp], processors: [{list}], exporters: [otlp/sink] }}\n"
        )
    };
    [
        "receivers:\n  otlp:\n    protocols:\n".to_owned(),
        format!("      grpc: {{ endpoint: \"{grpc}\" }}\n      http: {{ endpoint: \"{http}\" }}\n"),
        format!("processors:\n{defs}"),
        format!("exporters:\n  otlp/sink:\n    endpoint: \"http://{sink}\"\n{exporter_extra}"),
        "service:\n  shutdown_timeout: 20s\n".to_owned(),
        format!("  telemetry:\n    logs: {{ level: \"info,weir=debug\" }}\n    metrics: {{ address: \"{admin}\" }}\n"),
        "  pipelines:\n".to_owned(),
        pipeline("traces"),
        pipeline("metrics"),
        pipeline("logs"),
    ]
    .concat()
}

impl Weir {
    /// Starts weir with `config` and waits until `/readyz` answers 200.
    pub async fn start(ports: &Ports, config: &str) -> Weir {
        Weir::start_with_env(ports, config, &[]).await
    }

    /// Like [`Weir::start`], with extra environment variables.
    pub async fn start_with_env(ports: &Ports, config: &str, env: &[(&str, &str)]) -> Weir {
        Weir::spawn(ports, Some(config), env).await
    }

    /// Starts weir on its embedded default config, with `env` (which must move its ports to `ports`).
    pub async fn start_default(ports: &Ports, env: &[(&str, &str)]) -> Weir {
        Weir::spawn(ports, None, env).await
    }

    async fn spawn(ports: &Ports, config: Option<&str>, env: &[(&str, &str)]) -> Weir {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut command = Command::new(env!("CARGO_BIN_EXE_weir"));
        if let Some(config) = config {
            let path = dir.path().join("weir.yaml");
            std::fs::write(&path, config).expect("write config");
            command.arg("--config").arg(&path);
        }
        let log = dir.path().join("weir.log");
        let log_file = std::fs::File::create(&log).expect("log file");
        let child = command
            .envs(env.iter().copied())
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("spawn weir");
        let mut weir = Weir {
            child: Some(child),
            grpc: ports.grpc,
            http: ports.http,
            admin: ports.admin,
            dir,
            log,
        };
        weir.wait_ready().await;
        weir
    }

    async fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok((status, _, _)) = get(&format!("http://{}/readyz", self.admin)).await
                && status == 200
            {
                return;
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!(
                    "weir exited with {status} before it was ready:\n{}",
                    self.logs()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("weir was not ready in 20s:\n{}", self.logs());
    }

    /// What weir wrote to stderr so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// `/metrics` as text.
    pub async fn metrics(&self) -> String {
        let (_, _, body) = get(&format!("http://{}/metrics", self.admin))
            .await
            .expect("scrape /metrics");
        String::from_utf8_lossy(&body).into_owned()
    }

    /// The sum of every sample of `name` whose labels contain all of `labels` (`key="value"` pairs).
    pub async fn metric(&self, name: &str, labels: &[&str]) -> f64 {
        metric_sum(&self.metrics().await, name, labels)
    }

    /// Sends SIGTERM and waits for the exit, at most `within`.
    pub fn terminate(&mut self, within: Duration) -> ExitStatus {
        let mut child = self.child.take().expect("weir is running");
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let deadline = Instant::now() + within;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "weir did not exit within {within:?} of SIGTERM:\n{}",
                    self.logs()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Resident memory of the process in bytes, from /proc.
    pub fn rss_bytes(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    }
}

impl Drop for Weir {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Sums the samples of `name` whose label set contains every one of `labels`.
pub fn metric_sum(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let (metric, label_text) = match series.split_once('{') {
                Some((m, rest)) => (m, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            (metric == name
                && labels
                    .iter()
                    .all(|want| label_text.split(',').any(|l| l == *want)))
            .then(|| value.parse::<f64>().ok())
            .flatten()
        })
        .sum()
}

/// An HTTP answer: status, headers, body.
pub type Answer = (u16, http::HeaderMap, Bytes);

/// GET `url`.
pub async fn get(url: &str) -> Result<Answer, String> {
    let request = http::Request::get(url)
        .body(Full::new(Bytes::new()))
        .map_err(|e| e.to_string())?;
    send(request).await
}

/// POST `body` to `url` with the given headers.
pub async fn post(
    url: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> Result<Answer, String> {
    with_body(http::Method::POST, url, headers, body).await
}

/// PUT `body` to `url` with the given headers.
pub async fn put(
    url: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> Result<Answer, String> {
    with_body(http::Method::PUT, url, headers, body).await
}

async fn with_body(
    method: http::Method,
    url: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> Result<Answer, String> {
    let mut request = http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    send(
        request
            .body(Full::new(body.into()))
            .map_err(|e| e.to_string())?,
    )
    .await
}

async fn send(request: http::Request<Full<Bytes>>) -> Result<Answer, String> {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let response = tokio::time::timeout(Duration::from_secs(30), client.request(request))
        .await
        .map_err(|_| "request timed out".to_owned())?
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, headers, body))
}

/// Polls `check` until it holds or `within` passes; returns whether it held.
pub async fn eventually(within: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A gRPC call with a hand-made body, for input no well-behaved client would send: returns the
/// `grpc-status` code and message. `compressed` sets the frame's compression flag, `encoding` the
/// `grpc-encoding` header.
pub async fn grpc_raw(
    addr: SocketAddr,
    service: &str,
    message: &[u8],
    encoding: Option<&str>,
) -> (i32, String) {
    let mut frame = Vec::with_capacity(message.len() + 5);
    frame.push(u8::from(encoding.is_some()));
    frame.extend_from_slice(
        &u32::try_from(message.len())
            .expect("small message")
            .to_be_bytes(),
    );
    frame.extend_from_slice(message);
    let mut request = http::Request::post(format!("http://{addr}/{service}/Export"))
        .header("content-type", "application/grpc")
        .header("te", "trailers");
    if let Some(e) = encoding {
        request = request.header("grpc-encoding", e);
    }
    let request = request
        .body(Full::new(Bytes::from(frame)))
        .expect("request");
    let client = Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http::<Full<Bytes>>();
    let response = client.request(request).await.expect("gRPC call");
    let headers = response.headers().clone();
    let collected = response.into_body().collect().await.expect("gRPC body");
    let trailers = collected.trailers().cloned().unwrap_or_default();
    let field = |name: &str| {
        trailers
            .get(name)
            .or_else(|| headers.get(name))
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let code = field("grpc-status").parse().unwrap_or(-1);
    let message = percent_decode(&field("grpc-message"));
    (code, message)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The gRPC service name of a signal's OTLP service.
pub fn grpc_service(signal: weir_proto::Signal) -> &'static str {
    match signal {
        weir_proto::Signal::Traces => "opentelemetry.proto.collector.trace.v1.TraceService",
        weir_proto::Signal::Metrics => "opentelemetry.proto.collector.metrics.v1.MetricsService",
        weir_proto::Signal::Logs => "opentelemetry.proto.collector.logs.v1.LogsService",
    }
}

/// POSTs over a raw HTTP/1.1 connection, writing the body while reading the answer, and returns the
/// status: a server may answer (413) before the body is sent, and a well-behaved client reads that.
pub async fn post_raw_status(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut read, mut write) = stream.into_split();
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let writer = tokio::spawn(async move {
        let _ = write.write_all(head.as_bytes()).await;
        let _ = write.write_all(&body).await;
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        match tokio::time::timeout(Duration::from_secs(10), read.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => answer.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    writer.abort();
    let text = String::from_utf8_lossy(&answer);
    text.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}
