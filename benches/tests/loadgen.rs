//! `weir-loadgen` against a tiny in-process OTLP server (tonic for gRPC, axum for HTTP) that
//! refuses some requests and partly rejects others: what the report calls accepted must be exactly
//! what the server kept, over both transports and every compression.

// The server's record is test state behind a lock taken once a request, not a hot path.
#![allow(missing_docs, clippy::disallowed_types)]

use std::io::Read;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use clap::Parser;
use prost::Message;
use tonic::codec::CompressionEncoding;
use tonic::{Request, Response, Status};
use weir_benches::loadgen::{self, Args, LoadgenError};
use weir_proto::otlp::collector::logs::v1::logs_service_server::{LogsService, LogsServiceServer};
use weir_proto::otlp::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use weir_proto::otlp::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use weir_proto::otlp::collector::metrics::v1::{
    ExportMetricsPartialSuccess, ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use weir_proto::otlp::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use weir_proto::otlp::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use weir_proto::{Payload, Signal};

#[derive(Debug, Default)]
struct Seen {
    requests: u64,
    accepted: u64,
    rejected: u64,
    refused: u64,
    encodings: Vec<String>,
}

/// What the server does with its n-th request.
enum Verdict {
    Refuse,
    Accept { rejected: u64 },
}

#[derive(Clone, Default)]
struct Server(Arc<Mutex<Seen>>);

impl Server {
    /// Refuses every 7th request from the 4th on and rejects one item of every 5th from the 2nd.
    fn judge(&self, payload: &Payload, encoding: String) -> Verdict {
        let mut seen = self.0.lock().expect("server state");
        let n = seen.requests;
        seen.requests += 1;
        seen.encodings.push(encoding);
        if n % 7 == 3 {
            seen.refused += 1;
            return Verdict::Refuse;
        }
        let rejected = u64::from(n % 5 == 1);
        seen.rejected += rejected;
        seen.accepted += payload.item_count() as u64 - rejected;
        Verdict::Accept { rejected }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.0.lock().expect("server state")
    }

    fn grpc<T>(&self, request: Request<T>, wrap: fn(T) -> Payload) -> Result<u64, Status> {
        let encoding = request
            .metadata()
            .get("grpc-encoding")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("identity")
            .to_owned();
        match self.judge(&wrap(request.into_inner()), encoding) {
            Verdict::Refuse => Err(Status::resource_exhausted("full")),
            Verdict::Accept { rejected } => Ok(rejected),
        }
    }
}

#[tonic::async_trait]
impl TraceService for Server {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let rejected = self.grpc(request, Payload::Traces)?;
        Ok(Response::new(trace_response(rejected)))
    }
}

#[tonic::async_trait]
impl MetricsService for Server {
    async fn export(
        &self,
        request: Request<ExportMetricsServiceRequest>,
    ) -> Result<Response<ExportMetricsServiceResponse>, Status> {
        let rejected = self.grpc(request, Payload::Metrics)?;
        Ok(Response::new(metrics_response(rejected)))
    }
}

#[tonic::async_trait]
impl LogsService for Server {
    async fn export(
        &self,
        request: Request<ExportLogsServiceRequest>,
    ) -> Result<Response<ExportLogsServiceResponse>, Status> {
        let rejected = self.grpc(request, Payload::Logs)?;
        Ok(Response::new(logs_response(rejected)))
    }
}

fn trace_response(rejected: u64) -> ExportTraceServiceResponse {
    ExportTraceServiceResponse {
        partial_success: (rejected > 0).then(|| ExportTracePartialSuccess {
            rejected_spans: rejected as i64,
            error_message: "one too many".to_owned(),
        }),
    }
}

fn metrics_response(rejected: u64) -> ExportMetricsServiceResponse {
    ExportMetricsServiceResponse {
        partial_success: (rejected > 0).then(|| ExportMetricsPartialSuccess {
            rejected_data_points: rejected as i64,
            error_message: "one too many".to_owned(),
        }),
    }
}

fn logs_response(rejected: u64) -> ExportLogsServiceResponse {
    ExportLogsServiceResponse {
        partial_success: (rejected > 0).then(|| ExportLogsPartialSuccess {
            rejected_log_records: rejected as i64,
            error_message: "one too many".to_owned(),
        }),
    }
}

async fn http_export(
    State(server): State<Server>,
    Path(signal): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, Vec<u8>) {
    let encoding = headers
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity")
        .to_owned();
    let mut plain = Vec::new();
    match encoding.as_str() {
        "gzip" => {
            flate2::read::GzDecoder::new(&body[..])
                .read_to_end(&mut plain)
                .expect("gzip body");
        }
        "zstd" => plain = zstd::decode_all(&body[..]).expect("zstd body"),
        _ => plain = body.to_vec(),
    }
    let payload = match signal.as_str() {
        "traces" => Payload::Traces(ExportTraceServiceRequest::decode(&plain[..]).expect("traces")),
        "metrics" => {
            Payload::Metrics(ExportMetricsServiceRequest::decode(&plain[..]).expect("metrics"))
        }
        _ => Payload::Logs(ExportLogsServiceRequest::decode(&plain[..]).expect("logs")),
    };
    let signal = payload.signal();
    match server.judge(&payload, encoding) {
        Verdict::Refuse => (StatusCode::SERVICE_UNAVAILABLE, Vec::new()),
        Verdict::Accept { rejected } => (
            StatusCode::OK,
            match signal {
                Signal::Traces => trace_response(rejected).encode_to_vec(),
                Signal::Metrics => metrics_response(rejected).encode_to_vec(),
                Signal::Logs => logs_response(rejected).encode_to_vec(),
            },
        ),
    }
}

/// The server's gRPC and HTTP addresses; both stop with the test's runtime.
async fn start(server: &Server) -> (SocketAddr, SocketAddr) {
    let grpc = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind gRPC");
    let http = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind HTTP");
    let addrs = (
        grpc.local_addr().expect("gRPC address"),
        http.local_addr().expect("HTTP address"),
    );
    let max = 64 << 20;
    macro_rules! service {
        ($server:ident) => {
            $server::new(server.clone())
                .accept_compressed(CompressionEncoding::Zstd)
                .accept_compressed(CompressionEncoding::Gzip)
                .max_decoding_message_size(max)
        };
    }
    let grpc_server = tonic::transport::Server::builder()
        .add_service(service!(TraceServiceServer))
        .add_service(service!(MetricsServiceServer))
        .add_service(service!(LogsServiceServer))
        .serve_with_incoming(tonic::transport::server::TcpIncoming::from(grpc));
    tokio::spawn(grpc_server);
    let router = axum::Router::new()
        .route("/v1/{signal}", axum::routing::post(http_export))
        .with_state(server.clone());
    tokio::spawn(async move { axum::serve(http, router).await });
    addrs
}

fn args(endpoint: SocketAddr, extra: &[&str]) -> Args {
    let endpoint = endpoint.to_string();
    let base = [
        "weir-loadgen",
        "--endpoint",
        &endpoint,
        "--connections",
        "3",
    ];
    Args::try_parse_from(base.iter().chain(extra)).expect("arguments")
}

/// Runs the loadgen and checks its report against what the server saw.
async fn check(protocol: &str, compression: &str, signal: &str) {
    let server = Server::default();
    let (grpc, http) = start(&server).await;
    let endpoint = if protocol == "grpc" { grpc } else { http };
    let extra = [
        "--protocol",
        protocol,
        "--compression",
        compression,
        "--signal",
        signal,
        "--total",
        "5000",
    ];
    let report = loadgen::run(&args(endpoint, &extra))
        .await
        .unwrap_or_else(|e| panic!("{protocol} {compression} {signal}: {e}"));
    let case = format!("{protocol} {compression} {signal}: {report:#?}");
    let seen = server.seen();
    // 5000 items at 512 a request: 9 full requests and one of 392.
    assert_eq!(report.counts.requests, 10, "{case}");
    assert_eq!(report.counts.items_sent, 5000, "{case}");
    assert_eq!(seen.requests, 10, "{case}");
    assert_eq!(report.counts.items_accepted, seen.accepted, "{case}");
    assert_eq!(report.counts.items_rejected, seen.rejected, "{case}");
    assert_eq!(seen.refused, 1, "{case}");
    let refusal = if protocol == "grpc" {
        "ResourceExhausted"
    } else {
        "503"
    };
    assert_eq!(report.counts.refusals.get(refusal), Some(&1), "{case}");
    assert!(report.counts.transport_errors.is_empty(), "{case}");
    assert_eq!(report.counts.bad_answers, 0, "{case}");
    assert_eq!(report.counts.requests_ok, 9, "{case}");
    let encoding = if compression == "none" {
        "identity"
    } else {
        compression
    };
    assert!(
        seen.encodings.iter().all(|e| e == encoding),
        "{case}: {:?}",
        seen.encodings
    );
    assert!(report.wire_bytes > 0, "{case}");
    if compression == "none" {
        assert!(report.wire_bytes > report.counts.protobuf_bytes, "{case}");
    } else {
        assert!(
            report.wire_bytes < report.counts.protobuf_bytes / 2,
            "{case}"
        );
    }
    assert!(report.latency_ms.p50 > 0.0 && report.latency_ms.max >= report.latency_ms.p99);
    assert!(report.accepted_items_per_s > 0.0, "{case}");
    assert!(report.collector.is_none() && report.collector_error.is_none());
    let json = serde_json::to_value(&report).expect("JSON");
    assert_eq!(json["items_accepted"], seen.accepted, "{case}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traces_over_grpc_in_every_compression() {
    for compression in ["none", "gzip", "zstd"] {
        check("grpc", compression, "traces").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traces_over_http_in_every_compression() {
    for compression in ["none", "gzip", "zstd"] {
        check("http", compression, "traces").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_and_logs_over_both_transports() {
    check("grpc", "zstd", "metrics").await;
    check("http", "gzip", "logs").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paced_run_keeps_to_its_schedule_and_reads_proc() {
    let server = Server::default();
    let (grpc, _) = start(&server).await;
    let pid = std::process::id().to_string();
    // 20,000 items/s of 100-item requests for 250 ms: 50 requests, one every 5 ms.
    let extra = [
        "--rate",
        "20000",
        "--duration",
        "250ms",
        "--items-per-request",
        "100",
        "--pid",
        &pid,
        "--settle",
        "0s",
    ];
    let report = loadgen::run(&args(grpc, &extra)).await.expect("run");
    assert_eq!(report.counts.requests, 50);
    assert_eq!(report.counts.items_sent, 5000);
    assert_eq!(report.counts.items_accepted, server.seen().accepted);
    assert!(
        report.wall_s >= 0.24,
        "the last slot is at 245 ms: {}",
        report.wall_s
    );
    assert_eq!(report.target_items_per_s, Some(20000.0));
    let collector = report.collector.expect("--pid reads /proc");
    assert!(collector.rss_bytes > 0 && collector.peak_rss_bytes >= collector.rss_bytes);
    assert!(collector.cpu_us_per_1000_items.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collector_that_dies_during_the_run_still_gives_a_report() {
    let server = Server::default();
    let (grpc, _) = start(&server).await;
    // Stands in for the collector: alive when the loadgen reads /proc at the start, killed once the
    // first request has arrived (so after that reading, however loaded the machine is).
    let mut stand_in = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .expect("spawn sleep");
    let pid = stand_in.id().to_string();
    let extra = [
        "--rate",
        "5000",
        "--duration",
        "1s",
        "--items-per-request",
        "100",
        "--pid",
        &pid,
        "--settle",
        "0s",
    ];
    let killer = {
        let server = server.clone();
        tokio::spawn(async move {
            while server.seen().requests == 0 {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            let _ = stand_in.kill();
            let _ = stand_in.wait();
        })
    };
    let report = loadgen::run(&args(grpc, &extra)).await.expect("run");
    killer.await.expect("the stand-in was stopped");
    assert_eq!(report.counts.items_accepted, server.seen().accepted);
    assert!(report.collector.is_none());
    let error = report.collector_error.expect("the stand-in went away");
    assert!(error.contains(&pid), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unusable_endpoint_or_pid_stops_the_run_at_the_start() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    for protocol in ["grpc", "http"] {
        let error = loadgen::run(&args(closed, &["--protocol", protocol, "--total", "10"]))
            .await
            .expect_err("nothing listens there");
        assert!(matches!(error, LoadgenError::Connect { .. }), "{error}");
    }
    let error = loadgen::run(&args(closed, &["--pid", "0", "--total", "10"]))
        .await
        .expect_err("no pid 0 in /proc");
    assert!(matches!(error, LoadgenError::Proc { .. }), "{error}");
}

#[test]
fn the_binary_answers_help() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_weir-loadgen"))
        .arg("--help")
        .output()
        .expect("run weir-loadgen");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for option in ["--endpoint", "--rate", "--pid", "--json", "--error-ratio"] {
        assert!(help.contains(option), "{option} in --help");
    }
}
