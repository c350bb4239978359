//! The OTLP exporter against real gRPC and HTTP servers on 127.0.0.1.

mod tls;

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode, Uri};
use prost::Message;
use tokio::net::TcpListener;
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio::task::JoinHandle;
use tonic::codec::CompressionEncoding;
use tonic::metadata::MetadataMap;
use tonic::transport::server::TcpIncoming;
use tonic::{Code, Request, Status};
use tonic_types::{ErrorDetails, StatusExt};
use weir_config::{Compression, OtlpExporterConfig, OtlpProtocol, TlsClientConfig};
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

use super::OtlpExporter;
use crate::fixtures::{encoded, log, metrics, traces};
use crate::retry::{RetryError, RetryPolicy, send_with_retry};
use crate::{BuildError, ExportError, ExportOutcome, Exporter};

/// What a test server answers to its next request; it accepts everything once the script runs out.
#[derive(Clone, Debug)]
enum Answer {
    /// Accept, reporting this many rejected items with a message.
    Partial(i64, &'static str),
    /// Fail with this gRPC code, attaching RetryInfo with the delay when there is one.
    Fail(Code, Option<Duration>),
    /// Answer with this HTTP status, headers and body.
    Http(u16, &'static [(&'static str, &'static str)], Vec<u8>),
}

/// One request as a test server saw it.
struct Received {
    /// gRPC metadata or HTTP headers.
    headers: HeaderMap,
    /// The HTTP path (empty for gRPC).
    path: String,
    /// The decoded request (gRPC) or the raw body (HTTP).
    payload: Option<Payload>,
    body: Vec<u8>,
}

#[derive(Clone)]
struct Script {
    answers: Arc<Mutex<VecDeque<Answer>>>,
    received: mpsc::UnboundedSender<Received>,
}

impl Script {
    async fn next(&self, received: Received) -> Option<Answer> {
        let _ = self.received.send(received);
        self.answers.lock().await.pop_front()
    }

    async fn grpc(
        &self,
        metadata: &MetadataMap,
        payload: Payload,
    ) -> Result<(i64, String), Status> {
        let received = Received {
            headers: metadata.clone().into_headers(),
            path: String::new(),
            payload: Some(payload),
            body: vec![],
        };
        match self.next(received).await {
            None => Ok((0, String::new())),
            Some(Answer::Partial(rejected, message)) => Ok((rejected, message.to_owned())),
            Some(Answer::Fail(code, None)) => Err(Status::new(code, "scripted failure")),
            Some(Answer::Fail(code, Some(delay))) => Err(Status::with_error_details(
                code,
                "scripted failure",
                ErrorDetails::with_retry_info(Some(delay)),
            )),
            Some(answer @ Answer::Http(..)) => panic!("gRPC server scripted with {answer:?}"),
        }
    }
}

/// A test server; dropping it stops it.
struct Server {
    addr: SocketAddr,
    script: Script,
    received: mpsc::UnboundedReceiver<Received>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
    }
}

impl Server {
    async fn script(&self, answers: impl IntoIterator<Item = Answer>) {
        self.script.answers.lock().await.extend(answers);
    }

    async fn next(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(5), self.received.recv())
            .await
            .expect("the server received nothing")
            .expect("the server stopped")
    }

    fn count(&mut self) -> usize {
        std::iter::from_fn(|| self.received.try_recv().ok()).count()
    }
}

/// Any free port on the loopback address.
fn local() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

async fn listen(
    addr: SocketAddr,
) -> (
    TcpListener,
    SocketAddr,
    Script,
    mpsc::UnboundedReceiver<Received>,
    oneshot::Sender<()>,
    oneshot::Receiver<()>,
) {
    let listener = TcpListener::bind(addr).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (sender, received) = mpsc::unbounded_channel();
    let script = Script {
        answers: Arc::default(),
        received: sender,
    };
    let (stop, stopped) = oneshot::channel();
    (listener, addr, script, received, stop, stopped)
}

#[tonic::async_trait]
impl TraceService for Script {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, Status> {
        let (metadata, _, body) = request.into_parts();
        let (rejected, message) = self.grpc(&metadata, Payload::Traces(body)).await?;
        let partial_success = (rejected > 0).then_some(ExportTracePartialSuccess {
            rejected_spans: rejected,
            error_message: message,
        });
        Ok(tonic::Response::new(ExportTraceServiceResponse {
            partial_success,
        }))
    }
}

#[tonic::async_trait]
impl MetricsService for Script {
    async fn export(
        &self,
        request: Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, Status> {
        let (metadata, _, body) = request.into_parts();
        let (rejected, message) = self.grpc(&metadata, Payload::Metrics(body)).await?;
        let partial_success = (rejected > 0).then_some(ExportMetricsPartialSuccess {
            rejected_data_points: rejected,
            error_message: message,
        });
        Ok(tonic::Response::new(ExportMetricsServiceResponse {
            partial_success,
        }))
    }
}

#[tonic::async_trait]
impl LogsService for Script {
    async fn export(
        &self,
        request: Request<ExportLogsServiceRequest>,
    ) -> Result<tonic::Response<ExportLogsServiceResponse>, Status> {
        let (metadata, _, body) = request.into_parts();
        let (rejected, message) = self.grpc(&metadata, Payload::Logs(body)).await?;
        let partial_success = (rejected > 0).then_some(ExportLogsPartialSuccess {
            rejected_log_records: rejected,
            error_message: message,
        });
        Ok(tonic::Response::new(ExportLogsServiceResponse {
            partial_success,
        }))
    }
}

async fn grpc_server() -> Server {
    grpc_server_with(tonic::transport::Server::builder(), local()).await
}

async fn grpc_server_with(builder: tonic::transport::Server, addr: SocketAddr) -> Server {
    grpc_server_answering(builder, addr, None).await
}

/// A gRPC server compressing its answers with `send` when the client accepts it.
async fn grpc_server_answering(
    mut builder: tonic::transport::Server,
    addr: SocketAddr,
    send: Option<CompressionEncoding>,
) -> Server {
    let (listener, addr, script, received, stop, stopped) = listen(addr).await;
    macro_rules! service {
        ($server:ident) => {{
            let service = $server::new(script.clone())
                .accept_compressed(CompressionEncoding::Zstd)
                .accept_compressed(CompressionEncoding::Gzip);
            match send {
                Some(encoding) => service.send_compressed(encoding),
                None => service,
            }
        }};
    }
    let router = builder
        .add_service(service!(TraceServiceServer))
        .add_service(service!(MetricsServiceServer))
        .add_service(service!(LogsServiceServer));
    let task = tokio::spawn(async move {
        let _ = router
            .serve_with_incoming_shutdown(TcpIncoming::from(listener), async {
                let _ = stopped.await;
            })
            .await;
    });
    Server {
        addr,
        script,
        received,
        stop: Some(stop),
        task,
    }
}

async fn http_handler(
    State(script): State<Script>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let received = Received {
        headers,
        path: uri.path().to_owned(),
        payload: None,
        body: body.to_vec(),
    };
    match script.next(received).await {
        None => StatusCode::OK.into_response(),
        Some(Answer::Partial(rejected, message)) => {
            let response = ExportTraceServiceResponse {
                partial_success: Some(ExportTracePartialSuccess {
                    rejected_spans: rejected,
                    error_message: message.to_owned(),
                }),
            };
            (
                [("content-type", "application/x-protobuf")],
                response.encode_to_vec(),
            )
                .into_response()
        }
        Some(Answer::Http(code, headers, body)) => {
            let mut response = (StatusCode::from_u16(code).unwrap(), body).into_response();
            for (name, value) in headers {
                response.headers_mut().insert(*name, value.parse().unwrap());
            }
            response
        }
        Some(answer @ Answer::Fail(..)) => panic!("HTTP server scripted with {answer:?}"),
    }
}

fn http_app(script: Script) -> axum::Router {
    axum::Router::new()
        .route("/v1/{signal}", axum::routing::post(http_handler))
        .route("/otlp/v1/{signal}", axum::routing::post(http_handler))
        .with_state(script)
}

async fn http_server() -> Server {
    http_server_on(local()).await
}

async fn http_server_on(addr: SocketAddr) -> Server {
    let (listener, addr, script, received, stop, stopped) = listen(addr).await;
    let app = http_app(script.clone());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Server {
        addr,
        script,
        received,
        stop: Some(stop),
        task,
    }
}

fn config(
    endpoint: String,
    protocol: OtlpProtocol,
    compression: Compression,
) -> OtlpExporterConfig {
    OtlpExporterConfig {
        endpoint,
        protocol,
        compression,
        headers: BTreeMap::new(),
        timeout: Duration::from_secs(5),
        tls: TlsClientConfig {
            insecure: true,
            ..TlsClientConfig::default()
        },
        sending_queue: Default::default(),
        retry_on_failure: Default::default(),
    }
}

fn grpc_config(server: &Server, compression: Compression) -> OtlpExporterConfig {
    config(server.addr.to_string(), OtlpProtocol::Grpc, compression)
}

fn http_config(server: &Server, compression: Compression) -> OtlpExporterConfig {
    config(
        format!("http://{}", server.addr),
        OtlpProtocol::HttpProtobuf,
        compression,
    )
}

/// A port nothing listens on.
async fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

async fn export(exporter: &OtlpExporter, payload: &Payload) -> Result<ExportOutcome, ExportError> {
    exporter.export(encoded(payload)).await
}

fn header<'a>(received: &'a Received, name: &str) -> Option<&'a str> {
    received.headers.get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn grpc_delivers_every_signal_unchanged() {
    let mut server = grpc_server().await;
    let exporter = OtlpExporter::new(&grpc_config(&server, Compression::Zstd)).unwrap();
    for payload in [traces(3), metrics(4), log("hello")] {
        assert_eq!(
            export(&exporter, &payload).await.unwrap(),
            ExportOutcome::default()
        );
        let received = server.next().await;
        assert_eq!(received.payload.as_ref(), Some(&payload));
        assert_eq!(header(&received, "grpc-encoding"), Some("zstd"));
    }
}

#[tokio::test]
async fn grpc_compresses_as_configured() {
    let mut server = grpc_server().await;
    for (compression, encoding) in [(Compression::Gzip, Some("gzip")), (Compression::None, None)] {
        let exporter = OtlpExporter::new(&grpc_config(&server, compression)).unwrap();
        export(&exporter, &traces(2)).await.unwrap();
        let received = server.next().await;
        assert_eq!(received.payload, Some(traces(2)));
        assert_eq!(
            header(&received, "grpc-encoding"),
            encoding,
            "{compression:?}"
        );
    }
}

#[tokio::test]
async fn grpc_sends_the_configured_headers_and_deadline() {
    let mut server = grpc_server().await;
    let mut config = grpc_config(&server, Compression::Zstd);
    config
        .headers
        .insert("Authorization".into(), "Bearer secret".into());
    config.headers.insert("x-tenant".into(), "blue".into());
    let exporter = OtlpExporter::new(&config).unwrap();
    export(&exporter, &log("hi")).await.unwrap();
    let received = server.next().await;
    assert_eq!(header(&received, "authorization"), Some("Bearer secret"));
    assert_eq!(header(&received, "x-tenant"), Some("blue"));
    assert!(header(&received, "grpc-timeout").is_some());
}

#[tokio::test]
async fn grpc_failures_are_classified() {
    let server = grpc_server().await;
    let exporter = OtlpExporter::new(&grpc_config(&server, Compression::Zstd)).unwrap();
    server
        .script([
            Answer::Fail(Code::Unavailable, None),
            Answer::Fail(Code::ResourceExhausted, Some(Duration::from_secs(2))),
            Answer::Fail(Code::ResourceExhausted, None),
            Answer::Fail(Code::InvalidArgument, None),
        ])
        .await;

    let unavailable = export(&exporter, &traces(1)).await.unwrap_err();
    assert!(
        matches!(
            unavailable,
            ExportError::Retryable {
                retry_after: None,
                ..
            }
        ),
        "{unavailable:?}"
    );

    let throttled = export(&exporter, &traces(1)).await.unwrap_err();
    assert!(
        matches!(throttled, ExportError::Retryable { retry_after: Some(d), .. } if d == Duration::from_secs(2)),
        "{throttled:?}"
    );

    let exhausted = export(&exporter, &traces(1)).await.unwrap_err();
    assert!(
        matches!(exhausted, ExportError::Permanent { .. }),
        "{exhausted:?}"
    );

    let invalid = export(&exporter, &traces(1)).await.unwrap_err();
    match invalid {
        ExportError::Permanent { reason } => {
            assert!(reason.contains("InvalidArgument"), "{reason}")
        }
        other => panic!("expected a permanent error, got {other:?}"),
    }
}

#[tokio::test]
async fn grpc_partial_success_counts_rejected_items() {
    let server = grpc_server().await;
    let exporter = OtlpExporter::new(&grpc_config(&server, Compression::Zstd)).unwrap();
    server.script([Answer::Partial(3, "spans too old")]).await;
    let outcome = export(&exporter, &traces(5)).await.unwrap();
    assert_eq!(outcome.rejected_items, 3);
}

#[tokio::test]
async fn grpc_reads_a_compressed_partial_success() {
    for encoding in [CompressionEncoding::Zstd, CompressionEncoding::Gzip] {
        let server =
            grpc_server_answering(tonic::transport::Server::builder(), local(), Some(encoding))
                .await;
        let exporter = OtlpExporter::new(&grpc_config(&server, Compression::Zstd)).unwrap();
        server.script([Answer::Partial(2, "spans too old")]).await;
        let outcome = export(&exporter, &traces(5)).await.unwrap();
        assert_eq!(outcome.rejected_items, 2, "{encoding:?}");
        server
            .script([Answer::Fail(
                Code::ResourceExhausted,
                Some(Duration::from_secs(1)),
            )])
            .await;
        let throttled = export(&exporter, &traces(1)).await.unwrap_err();
        assert!(
            matches!(throttled, ExportError::Retryable { retry_after: Some(d), .. } if d == Duration::from_secs(1)),
            "{throttled:?}"
        );
    }
}

/// Weir starts while its destination is down, and delivers once the destination comes up.
async fn destination_down_then_up(protocol: OtlpProtocol) {
    let addr = closed_port().await;
    let config = config(addr.to_string(), protocol, Compression::Zstd);
    let exporter = OtlpExporter::new(&config).unwrap();
    let error = export(&exporter, &traces(1)).await.unwrap_err();
    assert!(error.is_retryable(), "{error:?}");

    let mut server = match protocol {
        OtlpProtocol::Grpc => grpc_server_with(tonic::transport::Server::builder(), addr).await,
        OtlpProtocol::HttpProtobuf => http_server_on(addr).await,
    };
    let policy = RetryPolicy {
        initial_interval: Duration::from_millis(10),
        max_elapsed_time: Some(Duration::from_secs(10)),
        ..RetryPolicy::default()
    };
    send_with_retry(&exporter, encoded(&traces(1)), &policy)
        .await
        .unwrap();
    server.next().await;
}

#[tokio::test]
async fn grpc_destination_down_then_up() {
    destination_down_then_up(OtlpProtocol::Grpc).await;
}

#[tokio::test]
async fn http_destination_down_then_up() {
    destination_down_then_up(OtlpProtocol::HttpProtobuf).await;
}

#[tokio::test]
async fn retry_succeeds_after_transient_failures() {
    let mut server = grpc_server().await;
    let exporter = OtlpExporter::new(&grpc_config(&server, Compression::Zstd)).unwrap();
    server
        .script([
            Answer::Fail(Code::Unavailable, None),
            Answer::Fail(Code::Unavailable, None),
        ])
        .await;
    let policy = RetryPolicy {
        initial_interval: Duration::from_millis(1),
        ..RetryPolicy::default()
    };
    let outcome = send_with_retry(&exporter, encoded(&traces(2)), &policy).await;
    assert_eq!(outcome.unwrap(), ExportOutcome::default());
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn retry_gives_up_on_a_permanent_failure() {
    let mut server = grpc_server().await;
    let exporter = OtlpExporter::new(&grpc_config(&server, Compression::Zstd)).unwrap();
    server
        .script([Answer::Fail(Code::InvalidArgument, None)])
        .await;
    let policy = RetryPolicy {
        initial_interval: Duration::from_millis(1),
        ..RetryPolicy::default()
    };
    let error = send_with_retry(&exporter, encoded(&traces(2)), &policy)
        .await
        .unwrap_err();
    assert!(
        matches!(error, RetryError::Permanent { attempts: 1, .. }),
        "{error:?}"
    );
    assert_eq!(server.count(), 1);
}

fn decompress(received: &Received) -> Vec<u8> {
    match header(received, "content-encoding") {
        Some("zstd") => zstd::decode_all(received.body.as_slice()).unwrap(),
        Some("gzip") => {
            let mut body = Vec::new();
            std::io::Read::read_to_end(
                &mut flate2::read::GzDecoder::new(received.body.as_slice()),
                &mut body,
            )
            .unwrap();
            body
        }
        None => received.body.clone(),
        Some(other) => panic!("unexpected content-encoding {other}"),
    }
}

fn decode(signal: Signal, body: &[u8]) -> Payload {
    match signal {
        Signal::Traces => Payload::Traces(ExportTraceServiceRequest::decode(body).unwrap()),
        Signal::Metrics => Payload::Metrics(ExportMetricsServiceRequest::decode(body).unwrap()),
        Signal::Logs => Payload::Logs(ExportLogsServiceRequest::decode(body).unwrap()),
    }
}

#[tokio::test]
async fn http_posts_every_signal_compressed_as_configured() {
    let mut server = http_server().await;
    for (compression, encoding) in [
        (Compression::Zstd, Some("zstd")),
        (Compression::Gzip, Some("gzip")),
        (Compression::None, None),
    ] {
        let exporter = OtlpExporter::new(&http_config(&server, compression)).unwrap();
        for payload in [traces(3), metrics(2), log("hello")] {
            assert_eq!(
                export(&exporter, &payload).await.unwrap(),
                ExportOutcome::default()
            );
            let received = server.next().await;
            assert_eq!(received.path, format!("/v1/{}", payload.signal()));
            assert_eq!(
                header(&received, "content-type"),
                Some("application/x-protobuf")
            );
            assert_eq!(header(&received, "content-encoding"), encoding);
            assert_eq!(
                decode(payload.signal(), &decompress(&received)),
                payload,
                "{compression:?}"
            );
        }
    }
}

#[tokio::test]
async fn http_keeps_a_base_path_and_sends_headers() {
    let mut server = http_server().await;
    let mut config = http_config(&server, Compression::Zstd);
    config.endpoint = format!("http://{}/otlp", server.addr);
    config.headers.insert("x-tenant".into(), "blue".into());
    let exporter = OtlpExporter::new(&config).unwrap();
    export(&exporter, &metrics(1)).await.unwrap();
    let received = server.next().await;
    assert_eq!(received.path, "/otlp/v1/metrics");
    assert_eq!(header(&received, "x-tenant"), Some("blue"));
}

#[tokio::test]
async fn http_failures_are_classified() {
    let server = http_server().await;
    let exporter = OtlpExporter::new(&http_config(&server, Compression::Zstd)).unwrap();
    let status = tonic_types::Status {
        code: 3,
        message: "span name missing".into(),
        details: vec![],
    };
    server
        .script([
            Answer::Http(503, &[("retry-after", "1")], vec![]),
            Answer::Http(
                400,
                &[("content-type", "application/x-protobuf")],
                status.encode_to_vec(),
            ),
            Answer::Http(429, &[], vec![]),
            Answer::Http(500, &[("content-type", "text/plain")], b"boom".to_vec()),
        ])
        .await;

    let unavailable = export(&exporter, &traces(1)).await.unwrap_err();
    assert!(
        matches!(unavailable, ExportError::Retryable { retry_after: Some(d), .. } if d == Duration::from_secs(1)),
        "{unavailable:?}"
    );

    match export(&exporter, &traces(1)).await.unwrap_err() {
        ExportError::Permanent { reason } => {
            assert!(reason.contains("span name missing"), "{reason}")
        }
        other => panic!("expected a permanent error, got {other:?}"),
    }

    let throttled = export(&exporter, &traces(1)).await.unwrap_err();
    assert!(
        matches!(
            throttled,
            ExportError::Retryable {
                retry_after: None,
                ..
            }
        ),
        "{throttled:?}"
    );

    match export(&exporter, &traces(1)).await.unwrap_err() {
        ExportError::Permanent { reason } => assert!(reason.contains("boom"), "{reason}"),
        other => panic!("expected a permanent error, got {other:?}"),
    }
}

#[tokio::test]
async fn http_partial_success_counts_rejected_items() {
    let server = http_server().await;
    let exporter = OtlpExporter::new(&http_config(&server, Compression::Zstd)).unwrap();
    server.script([Answer::Partial(2, "spans too old")]).await;
    assert_eq!(
        export(&exporter, &traces(5)).await.unwrap().rejected_items,
        2
    );
}

#[test]
fn bad_settings_fail_the_build_naming_what_to_fix() {
    for protocol in [OtlpProtocol::Grpc, OtlpProtocol::HttpProtobuf] {
        let base = config("127.0.0.1:4317".into(), protocol, Compression::Zstd);

        let bad_endpoint = OtlpExporterConfig {
            endpoint: "ftp://collector".into(),
            ..base.clone()
        };
        assert!(matches!(
            OtlpExporter::new(&bad_endpoint),
            Err(BuildError::Endpoint { .. })
        ));

        for (name, value) in [("bad header", "v"), ("x-ok", "line\nbreak")] {
            let mut bad_header = base.clone();
            bad_header.headers.insert(name.into(), value.into());
            match OtlpExporter::new(&bad_header) {
                Err(BuildError::Header { name: named, .. }) => assert_eq!(named, name),
                Err(other) => panic!("expected a header error, got {other}"),
                Ok(_) => panic!("{name:?}: {value:?} was accepted"),
            }
        }

        let mut missing_ca = OtlpExporterConfig {
            endpoint: "https://127.0.0.1:4317".into(),
            ..base.clone()
        };
        missing_ca.tls.ca_file = Some("/nonexistent/ca.pem".into());
        let error = OtlpExporter::new(&missing_ca)
            .err()
            .expect("a missing CA file was accepted");
        assert!(
            matches!(
                error,
                BuildError::TlsFile {
                    setting: "ca_file",
                    ..
                }
            ),
            "{error}"
        );
        assert!(error.to_string().contains("/nonexistent/ca.pem"), "{error}");

        let mut lone_cert = OtlpExporterConfig {
            endpoint: "https://127.0.0.1:4317".into(),
            ..base.clone()
        };
        lone_cert.tls.cert_file = Some("/nonexistent/client.pem".into());
        assert!(matches!(
            OtlpExporter::new(&lone_cert),
            Err(BuildError::Tls(_))
        ));

        let dir = tempfile::tempdir().unwrap();
        let not_pem = dir.path().join("ca.pem");
        std::fs::write(&not_pem, "not a certificate").unwrap();
        let mut bad_ca = OtlpExporterConfig {
            endpoint: "https://127.0.0.1:4317".into(),
            ..base
        };
        bad_ca.tls.ca_file = Some(not_pem.display().to_string());
        assert!(matches!(
            OtlpExporter::new(&bad_ca),
            Err(BuildError::Tls(_))
        ));
    }
}

#[tokio::test]
async fn https_with_web_roots_builds_without_connecting() {
    for protocol in [OtlpProtocol::Grpc, OtlpProtocol::HttpProtobuf] {
        let config = OtlpExporterConfig {
            tls: TlsClientConfig {
                server_name_override: Some("collector.example".into()),
                ..Default::default()
            },
            ..config("collector.invalid:4317".into(), protocol, Compression::Zstd)
        };
        assert!(OtlpExporter::new(&config).is_ok());
    }
}
