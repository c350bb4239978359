//! Network addresses: `host:port` to listen on, and exporter endpoints.

use std::net::Ipv6Addr;

/// Checks a `host:port` address; an IPv6 host is bracketed (`[::1]:4317`).
pub(super) fn host_port(address: &str) -> Result<(), String> {
    let usage = "write `host:port`, e.g. `0.0.0.0:4317`";
    let port = match address.strip_prefix('[') {
        Some(bracketed) => {
            let (host, after) = bracketed.split_once(']').ok_or_else(|| format!("`{address}` has no closing `]`"))?;
            host.parse::<Ipv6Addr>().map_err(|_| format!("`{host}` in `{address}` is not an IPv6 address"))?;
            after.strip_prefix(':').ok_or_else(|| format!("`{address}` has no port: {usage}"))?
        }
        None => {
            let (host, port) = address.rsplit_once(':').ok_or_else(|| format!("`{address}` has no port: {usage}"))?;
            if host.contains(':') {
                return Err(format!("`{address}`: put an IPv6 address in brackets, e.g. `[::1]:4317`"));
            }
            if host.is_empty() {
                return Err(format!(
                    "`{address}` has no host: write `0.0.0.0{address}` for every interface or `localhost{address}`"
                ));
            }
            if !host.chars().all(|c| c.is_ascii_alphanumeric() || "-._".contains(c)) {
                return Err(format!("`{host}` in `{address}` is not a host name or IP address"));
            }
            port
        }
    };
    port.parse::<u16>().map(drop).map_err(|_| format!("port `{port}` in `{address}` is not a number from 0 to 65535"))
}

/// Checks an exporter endpoint: `host:port`, or a URL with `http://` or `https://`.
pub(super) fn endpoint(endpoint: &str) -> Result<(), String> {
    let usage = "write `host:port` (e.g. `jaeger:4317`) or a URL (e.g. `https://otlp.example.com:4318`)";
    if endpoint.is_empty() {
        return Err(format!("is empty: {usage}"));
    }
    let Some(rest) = endpoint.strip_prefix("http://").or_else(|| endpoint.strip_prefix("https://")) else {
        if endpoint.contains("://") {
            return Err(format!("`{endpoint}` has an unsupported scheme: {usage}"));
        }
        if !endpoint.contains(':') {
            return Err(format!("`{endpoint}` has no port: {usage}"));
        }
        return host_port(endpoint);
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() {
        return Err(format!("`{endpoint}` has no host: {usage}"));
    }
    // A URL's port is optional: the scheme has a default one.
    if let Some(ipv6) = authority.strip_prefix('[').and_then(|a| a.strip_suffix(']')) {
        ipv6.parse::<Ipv6Addr>().map(drop).map_err(|_| format!("`{ipv6}` in `{endpoint}` is not an IPv6 address"))
    } else if authority.contains(':') {
        host_port(authority)
    } else if authority.chars().all(|c| c.is_ascii_alphanumeric() || "-._".contains(c)) {
        Ok(())
    } else {
        Err(format!("`{authority}` in `{endpoint}` is not a host name or IP address"))
    }
}
