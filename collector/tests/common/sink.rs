//! A real OTLP/gRPC server on 127.0.0.1 standing in for Jaeger or another collector: it records every
//! request it accepts, and can be told to refuse (UNAVAILABLE) to play a backend that is down.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tonic::codec::CompressionEncoding;
use tonic::{Request, Response, Status};
use weir_proto::Payload;
use weir_proto::otlp::collector::logs::v1::logs_service_server::{LogsService, LogsServiceServer};
use weir_proto::otlp::collector::logs::v1::{ExportLogsServiceRequest, ExportLogsServiceResponse};
use weir_proto::otlp::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use weir_proto::otlp::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use weir_proto::otlp::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use weir_proto::otlp::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};

#[derive(Default)]
struct State {
    received: Mutex<Vec<Payload>>,
    encodings: Mutex<Vec<String>>,
    refusing: AtomicBool,
}

/// The running server; stops when dropped.
pub struct Sink {
    pub addr: SocketAddr,
    state: Arc<State>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

#[derive(Clone)]
struct Handler(Arc<State>);

impl Handler {
    fn record<T>(&self, request: Request<T>, wrap: fn(T) -> Payload) -> Result<(), Status> {
        if self.0.refusing.load(Ordering::SeqCst) {
            return Err(Status::unavailable("sink is refusing"));
        }
        let encoding = request
            .metadata()
            .get("grpc-encoding")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("identity")
            .to_owned();
        self.0.encodings.lock().expect("sink state lock").push(encoding);
        self.0
            .received
            .lock().expect("sink state lock")
            .push(wrap(request.into_inner()));
        Ok(())
    }
}

#[tonic::async_trait]
impl TraceService for Handler {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        self.record(request, Payload::Traces)?;
        Ok(Response::new(ExportTraceServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl MetricsService for Handler {
    async fn export(
        &self,
        request: Request<ExportMetricsServiceRequest>,
    ) -> Result<Response<ExportMetricsServiceResponse>, Status> {
        self.record(request, Payload::Metrics)?;
        Ok(Response::new(ExportMetricsServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl LogsService for Handler {
    async fn export(
        &self,
        request: Request<ExportLogsServiceRequest>,
    ) -> Result<Response<ExportLogsServiceResponse>, Status> {
        self.record(request, Payload::Logs)?;
        Ok(Response::new(ExportLogsServiceResponse::default()))
    }
}

impl Sink {
    /// Starts the sink on a free loopback port.
    pub async fn start() -> Sink {
        Sink::start_on(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts the sink on `addr` (to restart it where weir expects it).
    pub async fn start_on(addr: SocketAddr) -> Sink {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .expect("bind sink");
        let addr = listener.local_addr().expect("sink address");
        let state = Arc::new(State::default());
        let handler = Handler(Arc::clone(&state));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let max = 64 * 1024 * 1024;
        let server = tonic::transport::Server::builder()
            .add_service(
                TraceServiceServer::new(handler.clone())
                    .accept_compressed(CompressionEncoding::Zstd)
                    .accept_compressed(CompressionEncoding::Gzip)
                    .max_decoding_message_size(max),
            )
            .add_service(
                MetricsServiceServer::new(handler.clone())
                    .accept_compressed(CompressionEncoding::Zstd)
                    .accept_compressed(CompressionEncoding::Gzip)
                    .max_decoding_message_size(max),
            )
            .add_service(
                LogsServiceServer::new(handler)
                    .accept_compressed(CompressionEncoding::Zstd)
                    .accept_compressed(CompressionEncoding::Gzip)
                    .max_decoding_message_size(max),
            )
            .serve_with_incoming_shutdown(
                tonic::transport::server::TcpIncoming::from(listener),
                async {
                    let _ = stopped.await;
                },
            );
        tokio::spawn(server);
        Sink {
            addr,
            state,
            stop: Some(stop),
        }
    }

    /// Everything accepted so far.
    pub fn received(&self) -> Vec<Payload> {
        self.state.received.lock().expect("sink state lock").clone()
    }

    /// The `grpc-encoding` of every accepted request.
    pub fn encodings(&self) -> Vec<String> {
        self.state.encodings.lock().expect("sink state lock").clone()
    }

    /// Items accepted so far, of every signal.
    pub fn items(&self) -> usize {
        self.state
            .received
            .lock().expect("sink state lock")
            .iter()
            .map(Payload::item_count)
            .sum()
    }

    /// Refuse every request with UNAVAILABLE (true) or accept again (false).
    pub fn refuse(&self, refusing: bool) {
        self.state.refusing.store(refusing, Ordering::SeqCst);
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
