//! The HTTP client the HTTP exporters share: hyper over rustls (HTTP/1.1 and HTTP/2), the configured
//! headers checked once at build time, and one request–answer exchange bounded in time and size.

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Request};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::{FixedServerNameResolver, HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::pki_types::ServerName;
use tracing::warn;
use weir_config::TlsClientConfig;

use crate::otlp::classify;
use crate::otlp::tls::Tls;
use crate::{BuildError, ExportError};

/// Largest response body read; answers are small, and a misbehaving proxy must not fill memory.
const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// A pooled client for `http://` and `https://` URLs.
pub(crate) type HttpsClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// A client with the `tls` settings (whose files are read only when `https`), connecting within
/// `timeout`; nothing connects until the first request.
pub(crate) fn build(
    tls: &TlsClientConfig,
    https: bool,
    timeout: Duration,
) -> Result<HttpsClient, BuildError> {
    let tls = if https {
        Tls::load(tls)?
    } else {
        Tls::default()
    };
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(timeout));
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
    Ok(Client::builder(TokioExecutor::new())
        .timer(TokioTimer::new())
        .pool_timer(TokioTimer::new())
        .build(connector))
}

/// The configured `headers`, checked: valid names, visible ASCII values.
pub(crate) fn headers(configured: &BTreeMap<String, String>) -> Result<HeaderMap, BuildError> {
    let mut headers = HeaderMap::new();
    for (name, value) in configured {
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

/// Sends `request` and reads the answer, both within `timeout`. Failing to connect or to get an
/// answer in time is retryable: the destination never said no.
pub(crate) async fn exchange(
    client: &HttpsClient,
    request: Request<Full<Bytes>>,
    timeout: Duration,
) -> Result<(http::response::Parts, Bytes), ExportError> {
    let url = request.uri().clone();
    let exchange = async {
        let response = client
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
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| ExportError::Retryable {
            reason: format!("no answer from {url} within {timeout:?}"),
            retry_after: None,
        })?
}
