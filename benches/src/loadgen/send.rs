//! The senders: one per connection, sending pre-encoded bodies over OTLP/gRPC or OTLP/HTTP and
//! counting every byte they write to their socket.
//!
//! gRPC goes through `tonic::client::Grpc` with a codec that writes the body as it is, so the timed
//! phase does no protobuf encoding; tonic still compresses the message when compression is on (see
//! [`super::encode`]). HTTP goes through hyper-util's client over HTTP/1.1, one connection per sender
//! since a sender has one request in flight at a time. Both answers are decoded as the signal's
//! `Export*ServiceResponse` for the items a partial success rejected.

use std::error::Error as _;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, ready};

use bytes::{Buf, BufMut, Bytes};
use http::Uri;
use http::uri::PathAndQuery;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::{TokioExecutor, TokioIo};
use prost::Message;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::transport::{Channel, Endpoint};
use tonic::{Request, Status};
use weir_proto::Signal;
use weir_proto::otlp::collector::logs::v1::ExportLogsServiceResponse;
use weir_proto::otlp::collector::metrics::v1::ExportMetricsServiceResponse;
use weir_proto::otlp::collector::trace::v1::ExportTraceServiceResponse;

use super::{Compression, Protocol};

/// What became of one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The collector took the request; `rejected` is what a partial success turned away, `None`
    /// when the answer was not a valid `Export*ServiceResponse`.
    Accepted {
        /// Items the partial success rejected.
        rejected: Option<u64>,
    },
    /// The collector answered with an error: a gRPC code name or an HTTP status.
    Refused(String),
    /// No answer: the connection failed or the request timed out.
    Failed(String),
}

/// Why a sender could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The endpoint is not a `host:port`.
    #[error("not a host:port: {0}")]
    Endpoint(#[from] http::uri::InvalidUri),
    /// The gRPC channel could not connect.
    #[error(transparent)]
    Grpc(#[from] tonic::transport::Error),
    /// The TCP connection could not be made.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// One connection's sender.
pub enum Sender {
    /// OTLP/gRPC.
    Grpc(GrpcSender),
    /// OTLP/HTTP with protobuf bodies.
    Http(HttpSender),
}

impl Sender {
    /// Connects to `endpoint`; bytes written to the socket are added to `wire`.
    pub async fn connect(
        protocol: Protocol,
        endpoint: &str,
        signal: Signal,
        compression: Compression,
        wire: Arc<AtomicU64>,
    ) -> Result<Sender, ConnectError> {
        let connector = CountingConnector { wire };
        match protocol {
            Protocol::Grpc => {
                let channel = Endpoint::from_shared(format!("http://{endpoint}"))?
                    .connect_with_connector(connector)
                    .await?;
                let mut client =
                    tonic::client::Grpc::new(channel).max_encoding_message_size(usize::MAX);
                if let Some(encoding) = compression.grpc() {
                    client = client.send_compressed(encoding);
                }
                Ok(Sender::Grpc(GrpcSender {
                    client,
                    path: PathAndQuery::from_static(grpc_path(signal)),
                    signal,
                }))
            }
            Protocol::Http => {
                let uri: Uri = format!("http://{endpoint}/v1/{signal}").parse()?;
                // The legacy client connects on first use; connect once now so a wrong endpoint
                // fails at the start rather than as a run of failed requests.
                TcpStream::connect(endpoint).await?;
                let client = Client::builder(TokioExecutor::new())
                    .pool_max_idle_per_host(1)
                    .build(connector);
                Ok(Sender::Http(HttpSender {
                    client,
                    uri,
                    encoding: compression.content_encoding(),
                    signal,
                }))
            }
        }
    }

    /// Sends one body and waits for the answer.
    pub async fn send(&mut self, body: Bytes) -> Outcome {
        match self {
            Sender::Grpc(s) => s.send(body).await,
            Sender::Http(s) => s.send(body).await,
        }
    }
}

/// An OTLP/gRPC sender on its own channel.
pub struct GrpcSender {
    client: tonic::client::Grpc<Channel>,
    path: PathAndQuery,
    signal: Signal,
}

impl GrpcSender {
    async fn send(&mut self, body: Bytes) -> Outcome {
        if let Err(e) = self.client.ready().await {
            return Outcome::Failed(e.to_string());
        }
        match self
            .client
            .unary(Request::new(body), self.path.clone(), RawCodec)
            .await
        {
            Ok(response) => Outcome::Accepted {
                rejected: rejected_items(self.signal, response.get_ref()),
            },
            // tonic sets a source on statuses it makes from transport errors; a collector's
            // answer, read from the trailers, has none.
            Err(status) if status.source().is_some() => {
                Outcome::Failed(status.message().to_owned())
            }
            Err(status) => Outcome::Refused(format!("{:?}", status.code())),
        }
    }
}

/// An OTLP/HTTP sender with its own client and connection.
pub struct HttpSender {
    client: Client<CountingConnector, Full<Bytes>>,
    uri: Uri,
    encoding: Option<&'static str>,
    signal: Signal,
}

impl HttpSender {
    async fn send(&mut self, body: Bytes) -> Outcome {
        let mut request = http::Request::post(self.uri.clone())
            .header(http::header::CONTENT_TYPE, "application/x-protobuf");
        if let Some(encoding) = self.encoding {
            request = request.header(http::header::CONTENT_ENCODING, encoding);
        }
        let request = match request.body(Full::new(body)) {
            Ok(r) => r,
            Err(e) => return Outcome::Failed(e.to_string()),
        };
        let response = match self.client.request(request).await {
            Ok(r) => r,
            Err(e) => return Outcome::Failed(describe(&e)),
        };
        let status = response.status();
        // Read the whole answer, refusals too, so the connection can carry the next request.
        let answer = match response.into_body().collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) => return Outcome::Failed(e.to_string()),
        };
        if status.is_success() {
            Outcome::Accepted {
                rejected: rejected_items(self.signal, &answer),
            }
        } else {
            Outcome::Refused(status.as_u16().to_string())
        }
    }
}

/// The error and its causes on one line: hyper's own message is only "client error (Connect)".
fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The gRPC method path of a signal's OTLP export.
pub fn grpc_path(signal: Signal) -> &'static str {
    match signal {
        Signal::Traces => "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
        Signal::Metrics => "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
        Signal::Logs => "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
    }
}

/// Items a partial success in `answer` (an `Export*ServiceResponse` of `signal`) rejected; `None`
/// if the answer does not decode.
pub fn rejected_items(signal: Signal, answer: &[u8]) -> Option<u64> {
    let rejected = match signal {
        Signal::Traces => ExportTraceServiceResponse::decode(answer)
            .ok()?
            .partial_success
            .map(|p| p.rejected_spans),
        Signal::Metrics => ExportMetricsServiceResponse::decode(answer)
            .ok()?
            .partial_success
            .map(|p| p.rejected_data_points),
        Signal::Logs => ExportLogsServiceResponse::decode(answer)
            .ok()?
            .partial_success
            .map(|p| p.rejected_log_records),
    };
    Some(rejected.unwrap_or(0).max(0) as u64)
}

/// A gRPC codec for bodies that are already protobuf: written as they are, answers kept as bytes
/// and decoded by [`rejected_items`].
#[derive(Clone, Copy, Debug, Default)]
struct RawCodec;

impl Codec for RawCodec {
    type Encode = Bytes;
    type Decode = Bytes;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> RawCodec {
        RawCodec
    }

    fn decoder(&mut self) -> RawCodec {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}

/// Opens TCP connections to a URI's authority whose writes are counted.
#[derive(Clone, Debug)]
pub struct CountingConnector {
    wire: Arc<AtomicU64>,
}

impl tower::Service<Uri> for CountingConnector {
    type Response = TokioIo<CountingStream>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let wire = Arc::clone(&self.wire);
        Box::pin(async move {
            let authority = uri.authority().ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, format!("no host in {uri}"))
            })?;
            let stream = TcpStream::connect(authority.as_str()).await?;
            // Requests are written whole; Nagle would only hold back their last segment.
            stream.set_nodelay(true)?;
            Ok(TokioIo::new(CountingStream {
                inner: stream,
                wire,
            }))
        })
    }
}

/// A TCP stream that adds the bytes written to it to a shared counter.
#[derive(Debug)]
pub struct CountingStream {
    inner: TcpStream,
    wire: Arc<AtomicU64>,
}

impl CountingStream {
    fn count(&self, n: usize) {
        self.wire.fetch_add(n as u64, Ordering::Relaxed);
    }
}

impl AsyncRead for CountingStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for CountingStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let n = ready!(Pin::new(&mut this.inner).poll_write(cx, buf))?;
        this.count(n);
        Poll::Ready(Ok(n))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let n = ready!(Pin::new(&mut this.inner).poll_write_vectored(cx, bufs))?;
        this.count(n);
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

impl Connection for CountingStream {
    fn connected(&self) -> Connected {
        self.inner.connected()
    }
}

#[cfg(test)]
mod tests {
    use weir_proto::otlp::collector::trace::v1::ExportTracePartialSuccess;

    use super::*;

    #[test]
    fn partial_success_is_read_from_the_answer() {
        let answer = ExportTraceServiceResponse {
            partial_success: Some(ExportTracePartialSuccess {
                rejected_spans: 3,
                error_message: "too old".to_owned(),
            }),
        }
        .encode_to_vec();
        assert_eq!(rejected_items(Signal::Traces, &answer), Some(3));
        assert_eq!(
            rejected_items(Signal::Logs, &[]),
            Some(0),
            "empty: all accepted"
        );
        assert_eq!(rejected_items(Signal::Metrics, &[0xff, 0xff]), None);
    }
}
