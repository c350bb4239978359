//! The OTLP exporter: OTLP/gRPC or OTLP/HTTP with protobuf bodies, to any OTLP receiver.
//!
//! One exporter may serve pipelines of several signals; each batch goes to its own signal's service
//! (gRPC) or URL (HTTP). Answers are classified as the OTLP spec says, so the retry policy retries what
//! the destination may accept later and drops what it never will.

mod body;
pub(crate) mod classify;
pub(crate) mod endpoint;
mod grpc;
mod http;
pub(crate) mod tls;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use futures::future::BoxFuture;
use weir_config::{OtlpExporterConfig, OtlpProtocol};
use weir_proto::Encoded;

pub use self::grpc::encode_message;

use self::grpc::GrpcClient;
use self::http::HttpClient;
use crate::{BuildError, ExportError, ExportOutcome, Exporter};

/// Sends batches to an OTLP receiver over gRPC or HTTP/protobuf.
pub struct OtlpExporter {
    transport: Transport,
}

#[allow(
    clippy::large_enum_variant,
    reason = "one per exporter, built once and never moved on a hot path"
)]
enum Transport {
    Grpc(GrpcClient),
    Http(HttpClient),
}

impl OtlpExporter {
    /// Checks `config` and prepares the client; nothing connects until the first export, so a
    /// destination that is down does not stop weir from starting.
    pub fn new(config: &OtlpExporterConfig) -> Result<Self, BuildError> {
        let transport = match config.protocol {
            OtlpProtocol::Grpc => Transport::Grpc(GrpcClient::new(config)?),
            OtlpProtocol::HttpProtobuf => Transport::Http(HttpClient::new(config)?),
        };
        Ok(OtlpExporter { transport })
    }
}

impl Exporter for OtlpExporter {
    fn export(&self, batch: Arc<Encoded>) -> BoxFuture<'_, Result<ExportOutcome, ExportError>> {
        match &self.transport {
            Transport::Grpc(client) => Box::pin(client.export(batch)),
            Transport::Http(client) => Box::pin(client.export(batch)),
        }
    }
}
