//! OTLP/gRPC: one lazily-connecting channel for all three services.
//!
//! Requests are encoded, compressed and framed here rather than by tonic's codec: tonic fixes gzip at
//! level 6 and zstd at level 3 and builds a new encoder per message, which made weir's gzip export
//! cost more CPU per span than rotel's. Low levels with a context kept per thread are much cheaper,
//! for somewhat larger requests. The request still goes through tonic's channel, so connection handling,
//! TLS, user agent and the `grpc-timeout` deadline are unchanged.

mod frame;
mod response;

pub use self::frame::frame as encode_message;

use std::future::poll_fn;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue, TE};
use http::{HeaderMap, Method, Request, Uri, Version};
use http_body_util::Full;
use tonic::Status;
use tonic::codegen::Service;
use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue, MetadataMap};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use weir_config::{Compression, OtlpExporterConfig};
use weir_proto::otlp::collector::logs::v1::ExportLogsServiceResponse;
use weir_proto::otlp::collector::metrics::v1::ExportMetricsServiceResponse;
use weir_proto::otlp::collector::trace::v1::ExportTraceServiceResponse;
use weir_proto::{Encoded, Signal};

use super::classify::{self, ExportResponse};
use super::endpoint;
use super::tls::Tls;
use crate::{BuildError, ExportError, ExportOutcome};

const TRACES_PATH: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
const METRICS_PATH: &str = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
const LOGS_PATH: &str = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

const GRPC_ENCODING: HeaderName = HeaderName::from_static("grpc-encoding");
const GRPC_ACCEPT_ENCODING: HeaderName = HeaderName::from_static("grpc-accept-encoding");

use frame::frame_off_runtime;
use response::{Failure, accepted, read_response};

/// A client of the three OTLP gRPC services on one channel.
pub(crate) struct GrpcClient {
    origin: Uri,
    endpoint: Endpoint,
    /// Made on first use: a channel spawns its connection task, which needs a runtime that `new` may
    /// not have. It never connects eagerly, so weir starts while the destination is down.
    channel: OnceLock<Channel>,
    compression: Compression,
    /// Every request's headers, built once: the configured ones, the gRPC ones and the deadline.
    headers: HeaderMap,
    timeout: Duration,
}

impl GrpcClient {
    /// Checks `config` and prepares the channel without connecting.
    pub(crate) fn new(config: &OtlpExporterConfig) -> Result<Self, BuildError> {
        let origin = endpoint::grpc(&config.endpoint, config.tls.insecure)?;
        let mut endpoint = Endpoint::from(origin.clone()).connect_timeout(config.timeout);
        if origin.scheme_str() == Some("https") {
            endpoint = endpoint
                .tls_config(client_tls(&Tls::load(&config.tls)?))
                .map_err(|e| BuildError::Tls(classify::error_chain(&e)))?;
        }
        Ok(GrpcClient {
            origin,
            endpoint,
            channel: OnceLock::new(),
            compression: config.compression,
            headers: request_headers(config)?,
            timeout: config.timeout,
        })
    }

    /// Sends `batch` to its signal's service.
    pub(crate) async fn export(&self, batch: Arc<Encoded>) -> Result<ExportOutcome, ExportError> {
        let signal = batch.signal();
        // Only the framed bytes are needed from here on; if ours was the last reference, the batch is
        // freed before waiting on the network.
        let body = frame_off_runtime(batch, self.compression)
            .await
            .map_err(|e| ExportError::Permanent {
                reason: format!("encoding the export request: {e}"),
            })?;
        match signal {
            Signal::Traces => {
                self.call::<ExportTraceServiceResponse>(signal, body, TRACES_PATH)
                    .await
            }
            Signal::Metrics => {
                self.call::<ExportMetricsServiceResponse>(signal, body, METRICS_PATH)
                    .await
            }
            Signal::Logs => {
                self.call::<ExportLogsServiceResponse>(signal, body, LOGS_PATH)
                    .await
            }
        }
    }

    fn channel(&self) -> Channel {
        self.channel
            .get_or_init(|| self.endpoint.connect_lazy())
            .clone()
    }

    async fn call<R: ExportResponse>(
        &self,
        signal: Signal,
        body: Bytes,
        path: &'static str,
    ) -> Result<ExportOutcome, ExportError> {
        let mut request = Request::new(tonic::body::Body::new(Full::new(body)));
        *request.method_mut() = Method::POST;
        // The channel adds the scheme and authority of its endpoint.
        *request.uri_mut() = Uri::from_static(path);
        *request.version_mut() = Version::HTTP_2;
        *request.headers_mut() = self.headers.clone();

        let mut channel = self.channel();
        let exchange = async {
            poll_fn(|cx| channel.poll_ready(cx))
                .await
                .map_err(|e| ExportError::Retryable {
                    reason: format!(
                        "gRPC channel to {} is not ready: {}",
                        self.origin,
                        classify::error_chain(&e)
                    ),
                    retry_after: None,
                })?;
            let response = channel
                .call(request)
                .await
                .map_err(|e| Status::from_error(Box::new(e)))?;
            read_response(response).await
        };
        let message = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| ExportError::Retryable {
                reason: format!("no answer from {} within {:?}", self.origin, self.timeout),
                retry_after: None,
            })?
            .map_err(|e| match e {
                Failure::Status(status) => classify::grpc_status(&self.origin, &status),
                Failure::Export(error) => error,
            })?;
        Ok(accepted::<R>(signal, message))
    }
}

fn client_tls(tls: &Tls) -> ClientTlsConfig {
    let config = match &tls.ca {
        Some(ca) => ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&ca.bytes)),
        None => ClientTlsConfig::new().with_webpki_roots(),
    };
    let config = match &tls.identity {
        Some(identity) => config.identity(tonic::transport::Identity::from_pem(
            &identity.chain.bytes,
            &identity.key.bytes,
        )),
        None => config,
    };
    match &tls.server_name {
        Some(name) => config.domain_name(name),
        None => config,
    }
}

/// The headers of every request: the configured ones, then gRPC's, which take precedence.
fn request_headers(config: &OtlpExporterConfig) -> Result<HeaderMap, BuildError> {
    let mut request = tonic::Request::new(());
    *request.metadata_mut() = metadata(config)?;
    // Tells the server our deadline (`grpc-timeout`), so it can stop work we no longer wait for; the
    // channel also enforces it.
    request.set_timeout(config.timeout);
    let mut headers = request.metadata().clone().into_headers();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
    headers.insert(TE, HeaderValue::from_static("trailers"));
    headers.insert(
        GRPC_ACCEPT_ENCODING,
        HeaderValue::from_static("zstd,gzip,identity"),
    );
    match config.compression {
        Compression::Zstd => {
            headers.insert(GRPC_ENCODING, HeaderValue::from_static("zstd"));
        }
        Compression::Gzip => {
            headers.insert(GRPC_ENCODING, HeaderValue::from_static("gzip"));
        }
        Compression::None => {
            headers.remove(GRPC_ENCODING);
        }
    }
    Ok(headers)
}

fn metadata(config: &OtlpExporterConfig) -> Result<MetadataMap, BuildError> {
    let mut metadata = MetadataMap::new();
    for (name, value) in &config.headers {
        let invalid = |reason: String| BuildError::Header {
            name: name.clone(),
            reason,
        };
        let key = AsciiMetadataKey::from_bytes(name.as_bytes()).map_err(|e| {
            invalid(format!(
                "is not a valid ASCII metadata key ({e}); binary `-bin` keys are not supported"
            ))
        })?;
        let value = AsciiMetadataValue::try_from(value.as_str())
            .map_err(|e| invalid(format!("the value must be visible ASCII ({e})")))?;
        metadata.insert(key, value);
    }
    Ok(metadata)
}
