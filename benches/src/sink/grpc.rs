//! OTLP/gRPC: the three `Export` methods served with a codec that hands over the raw message bytes.
//!
//! The generated `*_service_server`s decode with prost; these services only walk the bytes
//! ([`super::walk`]), and answer with the generated (empty) response types.

use std::convert::Infallible;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::BodyExt as _;
use tonic::codec::CompressionEncoding;
use tonic::server::{NamedService, UnaryService};
use tonic::{Code, Status};
use weir::receive::grpc::{Logs, Metrics, OtlpService, RawCodec, Traces};

use super::{Counts, MAX_MESSAGE_BYTES, walk};

/// Serves the trace, metrics and logs services on `listener` until `shutdown` completes.
pub(super) async fn serve(
    listener: tokio::net::TcpListener,
    counts: Arc<Counts>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // Nagle's algorithm would hold small responses back behind delayed ACKs and skew latencies.
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    tonic::transport::Server::builder()
        .add_service(ExportService::<Traces>::new(Arc::clone(&counts)))
        .add_service(ExportService::<Metrics>::new(Arc::clone(&counts)))
        .add_service(ExportService::<Logs>::new(counts))
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await?;
    Ok(())
}

/// One OTLP service, as a tower service tonic's router can mount.
struct ExportService<S> {
    counts: Arc<Counts>,
    _service: PhantomData<fn() -> S>,
}

impl<S> Clone for ExportService<S> {
    fn clone(&self) -> Self {
        ExportService {
            counts: Arc::clone(&self.counts),
            _service: PhantomData,
        }
    }
}

impl<S: OtlpService> ExportService<S> {
    fn new(counts: Arc<Counts>) -> Self {
        ExportService {
            counts,
            _service: PhantomData,
        }
    }
}

impl<S: OtlpService> NamedService for ExportService<S> {
    const NAME: &'static str = S::NAME;
}

type HttpResponse = http::Response<tonic::body::Body>;
type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

impl<S, B> tonic::codegen::Service<http::Request<B>> for ExportService<S>
where
    S: OtlpService,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<tonic::codegen::StdError> + Send + 'static,
{
    type Response = HttpResponse;
    type Error = Infallible;
    type Future = BoxFuture<Result<HttpResponse, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        if request.uri().path().strip_prefix('/') != Some(&format!("{}/Export", S::NAME)) {
            return Box::pin(async {
                Ok(Status::unimplemented("OTLP services have one method: Export").into_http())
            });
        }
        let counts = Arc::clone(&self.counts);
        let wire = Arc::clone(&self.counts);
        let request = request.map(move |body| {
            body.map_frame(move |frame| {
                if let Some(data) = frame.data_ref() {
                    wire.record_wire(data.len());
                }
                frame
            })
        });
        let mut grpc = tonic::server::Grpc::new(RawCodec::<S::Response>::default())
            .accept_compressed(CompressionEncoding::Gzip)
            .accept_compressed(CompressionEncoding::Zstd)
            .accept_compressed(CompressionEncoding::Deflate)
            .max_decoding_message_size(MAX_MESSAGE_BYTES);
        let method = ExportMethod::<S> {
            counts: Arc::clone(&counts),
            _service: PhantomData,
        };
        Box::pin(async move {
            let response = grpc.unary(method, request).await;
            // A status from tonic itself (bad compression, too large) never reached the method.
            let refused = response
                .headers()
                .get(Status::GRPC_STATUS)
                .is_some_and(|code| code.as_bytes() != b"0");
            if refused {
                counts.record_bad();
            }
            Ok(response)
        })
    }
}

struct ExportMethod<S> {
    counts: Arc<Counts>,
    _service: PhantomData<fn() -> S>,
}

impl<S: OtlpService> UnaryService<Bytes> for ExportMethod<S> {
    type Response = S::Response;
    type Future = std::future::Ready<Result<tonic::Response<S::Response>, Status>>;

    fn call(&mut self, request: tonic::Request<Bytes>) -> Self::Future {
        let message = request.into_inner();
        let answer = match walk::count_items(S::SIGNAL, &message) {
            Ok(items) => {
                self.counts.record(S::SIGNAL, items, message.len());
                Ok(tonic::Response::new(S::Response::default()))
            }
            // Counted as bad by the service, which sees the status in the response headers.
            Err(error) => Err(Status::new(Code::InvalidArgument, error.to_string())),
        };
        std::future::ready(answer)
    }
}
