//! POSTing one remote-write body to the receiver, with the headers both specs ask for.

use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderValue, USER_AGENT};
use http::{HeaderMap, Method, Request, Uri};
use http_body_util::Full;
use weir_config::RemoteWriteExporterConfig;

use super::body::Body;
use super::classify::{self, Answer};
use crate::BuildError;
use crate::client::{self, HttpsClient};
use crate::otlp::endpoint;

/// What every request says it comes from; the specs ask senders to name themselves.
const WEIR_USER_AGENT: &str = concat!("weir/", env!("CARGO_PKG_VERSION"));

/// A client POSTing remote-write bodies to one receiver URL.
pub(super) struct Sender {
    client: HttpsClient,
    url: Uri,
    headers: HeaderMap,
    timeout: Duration,
}

impl Sender {
    /// Checks `config` and builds the client; nothing connects until the first request.
    pub(super) fn new(config: &RemoteWriteExporterConfig) -> Result<Self, BuildError> {
        let url = endpoint::parse(&config.endpoint, config.tls.insecure)?;
        let https = url.scheme_str() == Some("https");
        let mut headers = HeaderMap::new();
        headers.insert(USER_AGENT, HeaderValue::from_static(WEIR_USER_AGENT));
        // After ours, so a configured User-Agent wins.
        headers.extend(client::headers(&config.headers)?);
        Ok(Sender {
            client: client::build(&config.tls, https, config.timeout)?,
            url,
            headers,
            timeout: config.timeout,
        })
    }

    /// The receiver's URL.
    pub(super) fn url(&self) -> &Uri {
        &self.url
    }

    /// Sends `body` once and says what the answer means.
    pub(super) async fn post(&self, body: Body) -> Answer {
        let sent_as = (body.protocol, body.compression);
        let described = body.headers();
        let mut request = Request::new(Full::new(Bytes::from(body.bytes)));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = self.url.clone();
        let headers = request.headers_mut();
        headers.extend(self.headers.clone());
        // Set after the configured headers, so none of them can misdescribe the body.
        for (name, value) in described {
            headers.insert(name, HeaderValue::from_static(value));
        }
        match client::exchange(&self.client, request, self.timeout).await {
            Ok((parts, answer)) => {
                classify::answer(&self.url, sent_as, parts.status, &parts.headers, &answer)
            }
            Err(error) => Answer::Failed(error),
        }
    }
}
