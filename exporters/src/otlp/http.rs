//! OTLP/HTTP with protobuf bodies, over hyper with rustls.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_ENCODING, CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method, Request, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::{FixedServerNameResolver, HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::pki_types::ServerName;
use tracing::warn;
use weir_config::{Compression, OtlpExporterConfig};
use weir_proto::{Encoded, Signal};

use super::body::encode_off_runtime;
use super::classify;
use super::endpoint;
use super::tls::Tls;
use crate::{BuildError, ExportError, ExportOutcome};

/// Largest response body read; OTLP answers are tiny, and a misbehaving proxy must not fill memory.
const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// A client POSTing export requests to the three signals' URLs.
pub(crate) struct HttpClient {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
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
        // The TLS files are only read when they will be used.
        let tls = if traces.scheme_str() == Some("https") {
            Tls::load(&config.tls)?
        } else {
            Tls::default()
        };

        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(config.timeout));
        let builder = HttpsConnectorBuilder::new()
            .with_tls_config(tls.rustls_config()?)
            .https_or_http();
        let builder = match &tls.server_name {
            Some(name) => {
                let name = ServerName::try_from(name.clone())
                    .map_err(|e| BuildError::Tls(format!("server_name_override {name:?}: {e}")))?;
                builder.with_server_name_resolver(FixedServerNameResolver::new(name))
            }
            None => builder,
        };
        let connector = builder.enable_http1().enable_http2().wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .timer(TokioTimer::new())
            .pool_timer(TokioTimer::new())
            .build(connector);

        Ok(HttpClient {
            client,
            traces,
            metrics,
            logs,
            headers: headers(config)?,
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

        let exchange = async {
            let response =
                self.client
                    .request(request)
                    .await
                    .map_err(|e| ExportError::Retryable {
                        reason: format!("POST {url} failed: {}", classify::error_chain(&e)),
                        retry_after: None,
                    })?;
            let (parts, body) = response.into_parts();
            // The status decides the outcome; a body lost on the way only loses detail.
            let body = match Limited::new(body, MAX_RESPONSE_BYTES).collect().await {
                Ok(body) => body.to_bytes(),
                Err(error) => {
                    warn!(message = "Reading the export response failed.", %url, status = %parts.status, %error);
                    Bytes::new()
                }
            };
            Ok((parts, body))
        };
        let (parts, body) = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| ExportError::Retryable {
                reason: format!("no answer from {url} within {:?}", self.timeout),
                retry_after: None,
            })??;

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

fn headers(config: &OtlpExporterConfig) -> Result<HeaderMap, BuildError> {
    let mut headers = HeaderMap::new();
    for (name, value) in &config.headers {
        let invalid = |reason: String| BuildError::Header {
            name: name.clone(),
            reason,
        };
        let key = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| invalid(format!("is not a valid header name ({e})")))?;
        let value = HeaderValue::from_str(value)
            .map_err(|e| invalid(format!("the value must be visible ASCII ({e})")))?;
        headers.insert(key, value);
    }
    Ok(headers)
}
