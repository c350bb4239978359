//! Turning the configured `endpoint` into the URIs requests go to.

use http::Uri;
use http::uri::PathAndQuery;
use weir_proto::Signal;

use crate::BuildError;

fn invalid(endpoint: &str, reason: impl Into<String>) -> BuildError {
    BuildError::Endpoint {
        endpoint: endpoint.to_owned(),
        reason: reason.into(),
    }
}

/// Parses `endpoint`: a `host:port` gets `http://` when `insecure` and `https://` otherwise; a URL keeps
/// its own scheme, which must be `http` or `https`.
pub(crate) fn parse(endpoint: &str, insecure: bool) -> Result<Uri, BuildError> {
    let endpoint = endpoint.trim();
    if endpoint.is_empty() {
        return Err(invalid(
            endpoint,
            "is empty; write host:port or an http(s):// URL",
        ));
    }
    let url = if endpoint.contains("://") {
        endpoint.to_owned()
    } else {
        format!("{}://{endpoint}", if insecure { "http" } else { "https" })
    };
    let uri: Uri = url
        .parse()
        .map_err(|e| invalid(endpoint, format!("is not a valid URL: {e}")))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => {
            return Err(invalid(
                endpoint,
                "only http:// and https:// URLs are supported",
            ));
        }
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(invalid(endpoint, "has no host"));
    }
    // `Uri` accepts any text after the host's colon and then reports no port at all.
    let authority = uri.authority().map_or("", |a| a.as_str());
    let host_and_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, rest)| rest);
    let port = host_and_port
        .strip_prefix(uri.host().unwrap_or_default())
        .unwrap_or_default();
    if !port.is_empty()
        && port
            .strip_prefix(':')
            .and_then(|p| p.parse::<u16>().ok())
            .is_none()
    {
        return Err(invalid(
            endpoint,
            "the port is not a number from 0 to 65535",
        ));
    }
    Ok(uri)
}

/// The gRPC origin: scheme and authority only, since gRPC chooses the path itself.
pub(crate) fn grpc(endpoint: &str, insecure: bool) -> Result<Uri, BuildError> {
    let uri = parse(endpoint, insecure)?;
    if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
        return Err(invalid(
            endpoint,
            "a gRPC endpoint has no path; write host:port or scheme://host:port",
        ));
    }
    Ok(uri)
}

/// The URL of `signal`'s requests: the signal's path (`/v1/traces`) is appended unless the URL's path
/// already ends with it; a query is kept.
pub(crate) fn http(endpoint: &str, insecure: bool, signal: Signal) -> Result<Uri, BuildError> {
    let uri = parse(endpoint, insecure)?;
    let suffix = format!("/v1/{signal}");
    if uri.path().ends_with(&suffix) {
        return Ok(uri);
    }
    let path = format!("{}{suffix}", uri.path().trim_end_matches('/'));
    let path_and_query = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    let mut parts = uri.into_parts();
    parts.path_and_query = Some(
        PathAndQuery::try_from(path_and_query)
            .map_err(|e| invalid(endpoint, format!("cannot append {suffix}: {e}")))?,
    );
    Uri::from_parts(parts).map_err(|e| invalid(endpoint, format!("cannot append {suffix}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_gets_a_scheme_from_insecure() {
        assert_eq!(
            parse("collector:4317", false).unwrap().to_string(),
            "https://collector:4317/"
        );
        assert_eq!(
            parse("collector:4317", true).unwrap().to_string(),
            "http://collector:4317/"
        );
        assert_eq!(parse("[::1]:4317", true).unwrap().host(), Some("[::1]"));
    }

    #[test]
    fn urls_keep_their_scheme() {
        assert_eq!(
            parse("http://collector:4317", false).unwrap().scheme_str(),
            Some("http")
        );
        assert_eq!(
            parse("https://collector:4317", true).unwrap().scheme_str(),
            Some("https")
        );
    }

    #[test]
    fn bad_endpoints_are_refused() {
        for bad in [
            "",
            "  ",
            "collector:port",
            "collector:70000",
            "collector:",
            "ftp://collector:21",
            "http://",
            "unix:///tmp/sock",
        ] {
            assert!(
                matches!(parse(bad, false), Err(BuildError::Endpoint { .. })),
                "{bad:?} was accepted"
            );
        }
    }

    #[test]
    fn grpc_refuses_a_path() {
        assert!(grpc("http://collector:4317/", false).is_ok());
        assert!(grpc("http://collector:4317/otlp", false).is_err());
    }

    #[test]
    fn http_appends_the_signal_path_once() {
        let url = |endpoint, signal| http(endpoint, true, signal).unwrap().to_string();
        assert_eq!(
            url("collector:4318", Signal::Traces),
            "http://collector:4318/v1/traces"
        );
        assert_eq!(
            url("http://c:4318/", Signal::Metrics),
            "http://c:4318/v1/metrics"
        );
        assert_eq!(
            url("http://c:4318/otlp/", Signal::Logs),
            "http://c:4318/otlp/v1/logs"
        );
        assert_eq!(
            url("http://c:4318/otlp/v1/logs", Signal::Logs),
            "http://c:4318/otlp/v1/logs"
        );
        assert_eq!(
            url("https://c/ingest?tenant=a", Signal::Traces),
            "https://c/ingest/v1/traces?tenant=a"
        );
    }
}
