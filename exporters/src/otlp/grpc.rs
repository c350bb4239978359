//! OTLP/gRPC: one lazily-connecting channel for all three services.

use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use http::Uri;
use http::uri::PathAndQuery;
use prost::Message;
use tonic::codec::{Codec, CompressionEncoding, EncodeBuf, Encoder};
use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue, MetadataMap};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use tonic_prost::ProstDecoder;
use weir_config::{Compression, OtlpExporterConfig};
use weir_proto::otlp::collector::logs::v1::ExportLogsServiceResponse;
use weir_proto::otlp::collector::metrics::v1::ExportMetricsServiceResponse;
use weir_proto::otlp::collector::trace::v1::ExportTraceServiceResponse;
use weir_proto::{Payload, Signal};

use super::classify::{self, ExportResponse};
use super::endpoint;
use super::tls::Tls;
use crate::{BuildError, ExportError, ExportOutcome};

const TRACES_PATH: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
const METRICS_PATH: &str = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
const LOGS_PATH: &str = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

/// A client of the three OTLP gRPC services on one channel.
pub(crate) struct GrpcClient {
    origin: Uri,
    endpoint: Endpoint,
    /// Made on first use: a channel spawns its connection task, which needs a runtime that `new` may
    /// not have. It never connects eagerly, so weir starts while the destination is down.
    client: OnceLock<tonic::client::Grpc<Channel>>,
    compression: Option<CompressionEncoding>,
    metadata: MetadataMap,
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
        let compression = match config.compression {
            Compression::Zstd => Some(CompressionEncoding::Zstd),
            Compression::Gzip => Some(CompressionEncoding::Gzip),
            Compression::None => None,
        };
        Ok(GrpcClient {
            origin,
            endpoint,
            client: OnceLock::new(),
            compression,
            metadata: metadata(config)?,
            timeout: config.timeout,
        })
    }

    /// Sends `batch` to its signal's service.
    pub(crate) async fn export(&self, batch: Arc<Payload>) -> Result<ExportOutcome, ExportError> {
        match batch.signal() {
            Signal::Traces => {
                self.call::<ExportTraceServiceResponse>(batch, TRACES_PATH)
                    .await
            }
            Signal::Metrics => {
                self.call::<ExportMetricsServiceResponse>(batch, METRICS_PATH)
                    .await
            }
            Signal::Logs => {
                self.call::<ExportLogsServiceResponse>(batch, LOGS_PATH)
                    .await
            }
        }
    }

    fn client(&self) -> tonic::client::Grpc<Channel> {
        self.client
            .get_or_init(|| {
                let client = tonic::client::Grpc::new(self.endpoint.connect_lazy())
                    .accept_compressed(CompressionEncoding::Zstd)
                    .accept_compressed(CompressionEncoding::Gzip);
                match self.compression {
                    Some(encoding) => client.send_compressed(encoding),
                    None => client,
                }
            })
            .clone()
    }

    async fn call<R: ExportResponse>(
        &self,
        batch: Arc<Payload>,
        path: &'static str,
    ) -> Result<ExportOutcome, ExportError> {
        let signal = batch.signal();
        let mut client = self.client();
        let mut request = tonic::Request::new(batch);
        *request.metadata_mut() = self.metadata.clone();
        // Tells the server our deadline (`grpc-timeout`), so it can stop work we no longer wait for.
        request.set_timeout(self.timeout);
        let exchange = async {
            client.ready().await.map_err(|e| ExportError::Retryable {
                reason: format!(
                    "gRPC channel to {} is not ready: {}",
                    self.origin,
                    classify::error_chain(&e)
                ),
                retry_after: None,
            })?;
            client
                .unary(
                    request,
                    PathAndQuery::from_static(path),
                    PayloadCodec::<R>::default(),
                )
                .await
                .map_err(|status| classify::grpc_status(&self.origin, &status))
        };
        let response = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| ExportError::Retryable {
                reason: format!("no answer from {} within {:?}", self.origin, self.timeout),
                retry_after: None,
            })??;
        Ok(classify::accepted(signal, response.get_ref()))
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

/// Encodes the request straight from the shared batch, so a send (or a retry) never copies it.
struct PayloadCodec<R>(PhantomData<fn() -> R>);

impl<R> Default for PayloadCodec<R> {
    fn default() -> Self {
        PayloadCodec(PhantomData)
    }
}

impl<R: ExportResponse> Codec for PayloadCodec<R> {
    type Encode = Arc<Payload>;
    type Decode = R;
    type Encoder = PayloadEncoder;
    type Decoder = ProstDecoder<R>;

    fn encoder(&mut self) -> Self::Encoder {
        PayloadEncoder
    }

    fn decoder(&mut self) -> Self::Decoder {
        ProstDecoder::default()
    }
}

/// Writes an export request in protobuf wire format from a reference to the batch.
struct PayloadEncoder;

impl Encoder for PayloadEncoder {
    type Item = Arc<Payload>;
    type Error = tonic::Status;

    fn encode(&mut self, item: Self::Item, buf: &mut EncodeBuf<'_>) -> Result<(), Self::Error> {
        let encoded = match &*item {
            Payload::Traces(request) => request.encode(buf),
            Payload::Metrics(request) => request.encode(buf),
            Payload::Logs(request) => request.encode(buf),
        };
        encoded.map_err(|e| tonic::Status::internal(format!("encoding the export request: {e}")))
    }
}
