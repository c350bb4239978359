//! OTLP/gRPC: the trace, metrics and logs services on one HTTP/2 server.
//!
//! The services are written by hand instead of using the generated servers so that weir sees the raw
//! message bytes: it decodes them with the same code as OTLP/HTTP, counts bad input, charges exact
//! sizes to the budget, and can refuse a request before its body is read.

use std::convert::Infallible;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes};
use futures::future::BoxFuture;
use prost::Message;
use tonic::codec::{Codec, CompressionEncoding, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::server::{NamedService, UnaryService};
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};
use weir_config::GrpcServerConfig;
use weir_proto::Signal;
use weir_proto::otlp::collector::logs::v1::{ExportLogsServiceResponse, logs_service_server};
use weir_proto::otlp::collector::metrics::v1::{
    ExportMetricsServiceResponse, metrics_service_server,
};
use weir_proto::otlp::collector::trace::v1::{ExportTraceServiceResponse, trace_service_server};

use super::body::CountedBody;
use super::{RETRY_AFTER_SECS, Refusal, Routes, SignalRoute};
use crate::decode::{self, Format};

/// Serves OTLP/gRPC on `listener` until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: &GrpcServerConfig,
    routes: Routes,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), tonic::transport::Error> {
    let max_message = usize::try_from(config.max_recv_msg_size_mib.saturating_mul(1024 * 1024))
        .unwrap_or(usize::MAX);
    let keepalive = &config.keepalive.server_parameters;
    tonic::transport::Server::builder()
        .http2_keepalive_interval(Some(keepalive.time))
        .http2_keepalive_timeout(Some(keepalive.timeout))
        .max_concurrent_streams(config.max_concurrent_streams)
        .add_optional_service(
            routes
                .traces
                .map(|r| ExportService::<Traces>::new(r, max_message)),
        )
        .add_optional_service(
            routes
                .metrics
                .map(|r| ExportService::<Metrics>::new(r, max_message)),
        )
        .add_optional_service(
            routes
                .logs
                .map(|r| ExportService::<Logs>::new(r, max_message)),
        )
        .serve_with_incoming_shutdown(
            // Without TCP_NODELAY a response's trailers wait behind its headers for the client's
            // delayed ACK: 40 ms added to a sub-millisecond export, seen as a p99 of 48 ms.
            tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)),
            shutdown,
        )
        .await
}

/// What differs between the three OTLP services.
pub trait OtlpService: Send + Sync + 'static {
    /// The signal served.
    const SIGNAL: Signal;
    /// The gRPC service name.
    const NAME: &'static str;
    /// The (empty on success) response message.
    type Response: Message + Default + Send + 'static;
}

/// `opentelemetry.proto.collector.trace.v1.TraceService`.
pub struct Traces;
/// `opentelemetry.proto.collector.metrics.v1.MetricsService`.
pub struct Metrics;
/// `opentelemetry.proto.collector.logs.v1.LogsService`.
pub struct Logs;

impl OtlpService for Traces {
    const SIGNAL: Signal = Signal::Traces;
    const NAME: &'static str = trace_service_server::SERVICE_NAME;
    type Response = ExportTraceServiceResponse;
}
impl OtlpService for Metrics {
    const SIGNAL: Signal = Signal::Metrics;
    const NAME: &'static str = metrics_service_server::SERVICE_NAME;
    type Response = ExportMetricsServiceResponse;
}
impl OtlpService for Logs {
    const SIGNAL: Signal = Signal::Logs;
    const NAME: &'static str = logs_service_server::SERVICE_NAME;
    type Response = ExportLogsServiceResponse;
}

/// One OTLP service: its `Export` method, with admission before the body is read.
pub struct ExportService<S> {
    route: Arc<SignalRoute>,
    max_message: usize,
    _service: PhantomData<S>,
}

impl<S> Clone for ExportService<S> {
    fn clone(&self) -> Self {
        ExportService {
            route: Arc::clone(&self.route),
            max_message: self.max_message,
            _service: PhantomData,
        }
    }
}

impl<S: OtlpService> ExportService<S> {
    fn new(route: SignalRoute, max_message: usize) -> Self {
        ExportService {
            route: Arc::new(route),
            max_message,
            _service: PhantomData,
        }
    }
}

impl<S: OtlpService> NamedService for ExportService<S> {
    const NAME: &'static str = S::NAME;
}

type HttpResponse = http::Response<tonic::body::Body>;

impl<S, B> tower::Service<http::Request<B>> for ExportService<S>
where
    S: OtlpService,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
{
    type Response = HttpResponse;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<HttpResponse, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let route = Arc::clone(&self.route);
        let rpc = request
            .uri()
            .path()
            .strip_prefix('/')
            .and_then(|p| p.strip_prefix(S::NAME));
        if rpc != Some("/Export") {
            return Box::pin(async {
                Ok(Status::unimplemented("OTLP services have one method: Export").into_http())
            });
        }
        if let Err(refusal) = route.admit() {
            return Box::pin(async move { Ok(refusal_status(refusal).into_http()) });
        }
        let request = request.map(|body| CountedBody::new(body, route.budget.reserve(0)));
        let handled = Arc::new(AtomicBool::new(false));
        let method = ExportMethod::<S> {
            route: Arc::clone(&route),
            handled: Arc::clone(&handled),
            _service: PhantomData,
        };
        let grpc = tonic::server::Grpc::new(RawCodec::<S::Response>::default())
            .accept_compressed(CompressionEncoding::Gzip)
            .accept_compressed(CompressionEncoding::Deflate)
            .accept_compressed(CompressionEncoding::Zstd)
            .max_decoding_message_size(self.max_message);
        Box::pin(async move {
            let mut grpc = grpc;
            let response = grpc.unary(method, request).await;
            if !handled.load(Ordering::Relaxed) {
                count_transport_error(&route, &response);
            }
            Ok(response)
        })
    }
}

/// Counts a request that tonic refused before weir's handler saw it (too large, bad compression).
fn count_transport_error(route: &SignalRoute, response: &HttpResponse) {
    let code = response
        .headers()
        .get(Status::GRPC_STATUS)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i32>().ok())
        .map(Code::from);
    let reason = match code {
        None | Some(Code::Ok) => return,
        Some(Code::ResourceExhausted | Code::OutOfRange) => "too_large",
        Some(Code::Unimplemented) => "unsupported_encoding",
        Some(_) => "bad_compression",
    };
    route.metrics.bad_request(reason);
}

fn refusal_status(refusal: Refusal) -> Status {
    match refusal {
        // RESOURCE_EXHAUSTED is retried by OTLP clients only when it carries RetryInfo.
        Refusal::PipelineFull | Refusal::QueueFull => Status::with_error_details(
            Code::ResourceExhausted,
            refusal.to_string(),
            ErrorDetails::with_retry_info(Some(Duration::from_secs(RETRY_AFTER_SECS))),
        ),
        Refusal::MemoryLimit | Refusal::ShuttingDown | Refusal::QueueFailed => {
            Status::unavailable(refusal.to_string())
        }
    }
}

struct ExportMethod<S> {
    route: Arc<SignalRoute>,
    handled: Arc<AtomicBool>,
    _service: PhantomData<S>,
}

impl<S: OtlpService> UnaryService<Bytes> for ExportMethod<S> {
    type Response = S::Response;
    type Future = futures::future::BoxFuture<'static, Result<tonic::Response<S::Response>, Status>>;

    fn call(&mut self, request: tonic::Request<Bytes>) -> Self::Future {
        self.handled.store(true, Ordering::Relaxed);
        let body = request.into_inner();
        let route = Arc::clone(&self.route);
        // Decoding happens here, on the connection's task; only a disk queue's write is waited on.
        let checked = route
            .reserve_body(body.len())
            .map_err(refusal_status)
            .and_then(
                |reservation| match decode::decode(S::SIGNAL, Format::Protobuf, &body) {
                    Err(error) => {
                        route.metrics.bad_request(error.reason());
                        Err(Status::invalid_argument(error.to_string()))
                    }
                    Ok(payload) => Ok((payload, reservation)),
                },
            );
        Box::pin(async move {
            let (payload, reservation) = checked?;
            route
                .accept(payload, reservation)
                .await
                .map(|()| tonic::Response::new(S::Response::default()))
                .map_err(refusal_status)
        })
    }
}

/// A tonic codec that decodes nothing: the handler gets the message's bytes; responses are encoded
/// with prost. Shared with the benches' counting sink.
pub struct RawCodec<R>(PhantomData<fn() -> R>);

impl<R> Default for RawCodec<R> {
    fn default() -> Self {
        RawCodec(PhantomData)
    }
}

impl<R: Message + Send + 'static> Codec for RawCodec<R> {
    type Encode = R;
    type Decode = Bytes;
    type Encoder = RawCodec<R>;
    type Decoder = RawCodec<R>;

    fn encoder(&mut self) -> Self::Encoder {
        RawCodec(PhantomData)
    }
    fn decoder(&mut self) -> Self::Decoder {
        RawCodec(PhantomData)
    }
}

impl<R: Message> Encoder for RawCodec<R> {
    type Item = R;
    type Error = Status;

    fn encode(&mut self, item: R, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        item.encode(dst)
            .map_err(|e| Status::internal(format!("encoding the response failed: {e}")))
    }
}

impl<R> Decoder for RawCodec<R> {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}
