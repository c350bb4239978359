//! OTLP/HTTP with protobuf bodies, over hyper with rustls.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_ENCODING, CONTENT_TYPE, HeaderValue};
use http::{HeaderMap, Method, Request, Uri};
use http_body_util::Full;
use weir_config::{Compression, OtlpExporterConfig};
use weir_proto::{Encoded, Signal};

use super::body::encode_off_runtime;
use super::classify;
use super::endpoint;
use crate::client::{self, HttpsClient};
use crate::{BuildError, ExportError, ExportOutcome};

/// A client POSTing export requests to the three signals' URLs.
pub(crate) struct HttpClient {
    client: HttpsClient,
    traces: Uri,
    metrics: Uri,
    logs: Uri,
    headers: HeaderMap,
    compression: Compression,
    timeout: Duration,
}

impl HttpClient {
    /// Checks `config` and builds the client; nothing connects until the first export.
    pub(crate) fn new(config: &OtlpExporterConfig) -> Result<Self, BuildError> {
        let url = |signal| endpoint::http(&config.endpoint, config.tls.insecure, signal);
        let (traces, metrics, logs) = (
            url(Signal::Traces)?,
            url(Signal::Metrics)?,
            url(Signal::Logs)?,
        );
        let https = traces.scheme_str() == Some("https");
        Ok(HttpClient {
            client: client::build(&config.tls, https, config.timeout)?,
            traces,
            metrics,
            logs,
            headers: client::headers(&config.headers)?,
            compression: config.compression,
            timeout: config.timeout,
        })
    }
    /// POSTs `batch` to its signal's URL.
    pub(crate) async fn export(&self, batch: Arc<Encoded>) -> Result<ExportOutcome, ExportError> {
        let signal = batch.signal();
        let url = match signal {
            Signal::Traces => &self.traces,
            Signal::Metrics => &self.metrics,
            Signal::Logs => &self.logs,
        };
        // Only the body is needed from here on; if ours was the last reference, the batch is freed
        // before waiting on the network.
        let body = encode_off_runtime(batch, self.compression, 0)
            .await
            .map_err(|e| ExportError::Permanent {
                reason: format!("encoding the request for {url}: {e}"),
            })?;

        let mut request = Request::new(Full::new(Bytes::from(body)));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = url.clone();
        let headers = request.headers_mut();
        headers.extend(self.headers.clone());
        // Set after the configured headers, so none of them can misdescribe the body.
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-protobuf"),
        );
        match self.compression {
            Compression::Zstd => headers.insert(CONTENT_ENCODING, HeaderValue::from_static("zstd")),
            Compression::Gzip => headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip")),
            Compression::None => headers.remove(CONTENT_ENCODING),
        };

        let (parts, body) = client::exchange(&self.client, request, self.timeout).await?;

        if parts.status.is_success() {
            Ok(classify::http_accepted(signal, &body))
        } else {
            Err(classify::http_failure(
                url,
                parts.status,
                &parts.headers,
                &body,
            ))
        }
    }
}
