//! Destinations' answers, classified as the OTLP spec says (its "Failures" and "Throttling" sections).

use std::error::Error as _;
use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode, header};
use prost::Message;
use tonic::Code;
use tonic_types::StatusExt;
use tracing::warn;
use weir_proto::Signal;
use weir_proto::otlp::collector::logs::v1::ExportLogsServiceResponse;
use weir_proto::otlp::collector::metrics::v1::ExportMetricsServiceResponse;
use weir_proto::otlp::collector::trace::v1::ExportTraceServiceResponse;

use crate::{ExportError, ExportOutcome};

/// Longest server message quoted in an error, so a proxy's HTML page does not flood the logs.
const MAX_MESSAGE_CHARS: usize = 512;

/// An OTLP export response, which may report a partial success.
pub(crate) trait ExportResponse: Message + Default + Send + 'static {
    /// Items rejected and the server's explanation, when the response has a partial success.
    fn partial_success(&self) -> Option<(i64, &str)>;
}

impl ExportResponse for ExportTraceServiceResponse {
    fn partial_success(&self) -> Option<(i64, &str)> {
        self.partial_success
            .as_ref()
            .map(|p| (p.rejected_spans, p.error_message.as_str()))
    }
}

impl ExportResponse for ExportMetricsServiceResponse {
    fn partial_success(&self) -> Option<(i64, &str)> {
        self.partial_success
            .as_ref()
            .map(|p| (p.rejected_data_points, p.error_message.as_str()))
    }
}

impl ExportResponse for ExportLogsServiceResponse {
    fn partial_success(&self) -> Option<(i64, &str)> {
        self.partial_success
            .as_ref()
            .map(|p| (p.rejected_log_records, p.error_message.as_str()))
    }
}

/// The outcome of an accepted request, warning about what the server rejected or warned of.
pub(crate) fn accepted<R: ExportResponse>(signal: Signal, response: &R) -> ExportOutcome {
    let Some((rejected, reason)) = response.partial_success() else {
        return ExportOutcome::default();
    };
    if rejected > 0 || !reason.is_empty() {
        warn!(message = "Destination rejected part of a batch.", %signal, rejected, reason);
    }
    ExportOutcome {
        rejected_items: u64::try_from(rejected).unwrap_or(0),
    }
}

/// The outcome of a 2xx HTTP response whose body is the signal's export response (possibly empty).
pub(crate) fn http_accepted(signal: Signal, body: &[u8]) -> ExportOutcome {
    fn decode<R: ExportResponse>(signal: Signal, body: &[u8]) -> ExportOutcome {
        match R::decode(body) {
            Ok(response) => accepted(signal, &response),
            // The data was accepted; a body we cannot read only loses the partial-success count.
            Err(error) => {
                warn!(message = "Destination accepted a batch with an unreadable response.", %signal, %error);
                ExportOutcome::default()
            }
        }
    }
    match signal {
        Signal::Traces => decode::<ExportTraceServiceResponse>(signal, body),
        Signal::Metrics => decode::<ExportMetricsServiceResponse>(signal, body),
        Signal::Logs => decode::<ExportLogsServiceResponse>(signal, body),
    }
}

/// Classifies a failed gRPC call.
///
/// CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE and DATA_LOSS are retryable;
/// RESOURCE_EXHAUSTED only when the server says recovery is possible by attaching RetryInfo; every other
/// code is permanent, except statuses tonic made from a transport failure, since then the server never
/// answered.
pub(crate) fn grpc_status(origin: &http::Uri, status: &tonic::Status) -> ExportError {
    let retry_info = status.get_details_retry_info();
    let transport = status.source();
    let retryable = match status.code() {
        Code::Cancelled
        | Code::DeadlineExceeded
        | Code::Aborted
        | Code::OutOfRange
        | Code::Unavailable
        | Code::DataLoss => true,
        Code::ResourceExhausted => retry_info.is_some(),
        _ => transport.is_some(),
    };
    // A transport failure's message only repeats the start of its source chain.
    let message = match transport {
        Some(source) => error_chain(source),
        None => truncate(status.message()),
    };
    let reason = format!("gRPC status {:?} from {origin}: {message}", status.code());
    if retryable {
        ExportError::Retryable {
            reason,
            retry_after: retry_info.and_then(|info| info.retry_delay),
        }
    } else {
        ExportError::Permanent { reason }
    }
}

/// Classifies a non-2xx HTTP response: 429, 502, 503 and 504 are retryable (honouring `Retry-After`),
/// everything else permanent.
pub(crate) fn http_failure(
    url: &http::Uri,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> ExportError {
    let message = server_message(headers, body);
    let reason = if message.is_empty() {
        format!("HTTP {status} from {url}")
    } else {
        format!("HTTP {status} from {url}: {message}")
    };
    match status.as_u16() {
        429 | 502 | 503 | 504 => ExportError::Retryable {
            reason,
            retry_after: retry_after(headers, SystemTime::now()),
        },
        _ => ExportError::Permanent { reason },
    }
}

/// The server's explanation: a `google.rpc.Status` message for protobuf bodies, else the body as text.
fn server_message(headers: &HeaderMap, body: &[u8]) -> String {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if (content_type.starts_with("application/x-protobuf") || content_type.is_empty())
        && let Ok(status) = tonic_types::Status::decode(body)
        && !status.message.is_empty()
    {
        return truncate(&status.message);
    }
    if content_type.starts_with("application/x-protobuf") {
        return String::new();
    }
    truncate(String::from_utf8_lossy(body).trim())
}

/// The wait a `Retry-After` header asks for: delta-seconds or an HTTP-date (a past date means now).
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// An error and its sources, `: `-separated, since transport errors hide the useful part in a source.
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text = format!("{text}: {cause_text}");
        }
        source = cause.source();
    }
    text
}

/// `message` cut to [`MAX_MESSAGE_CHARS`] characters, marked with `…` when cut.
pub(crate) fn truncate(message: &str) -> String {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((end, _)) => format!("{}…", &message[..end]),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn origin() -> http::Uri {
        http::Uri::from_static("http://c:4317")
    }

    fn headers(retry_after: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from_str(retry_after).unwrap(),
        );
        headers
    }

    #[test]
    fn retry_after_takes_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(
            retry_after(&headers("120"), now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            retry_after(&headers("Sun, 06 Nov 1994 08:49:47 GMT"), now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            retry_after(&headers("Sun, 06 Nov 1994 08:49:27 GMT"), now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn http_codes_split_into_retryable_and_permanent() {
        let url = http::Uri::from_static("http://c/v1/traces");
        for code in [429, 502, 503, 504] {
            let status = StatusCode::from_u16(code).unwrap();
            assert!(
                http_failure(&url, status, &HeaderMap::new(), b"").is_retryable(),
                "{code}"
            );
        }
        for code in [400, 401, 403, 404, 413, 500] {
            let status = StatusCode::from_u16(code).unwrap();
            assert!(
                !http_failure(&url, status, &HeaderMap::new(), b"").is_retryable(),
                "{code}"
            );
        }
    }

    #[test]
    fn grpc_codes_split_into_retryable_and_permanent() {
        let retryable = [
            Code::Cancelled,
            Code::DeadlineExceeded,
            Code::Aborted,
            Code::OutOfRange,
            Code::Unavailable,
            Code::DataLoss,
        ];
        for code in retryable {
            assert!(
                grpc_status(&origin(), &tonic::Status::new(code, "")).is_retryable(),
                "{code:?}"
            );
        }
        let permanent = [
            Code::Unknown,
            Code::InvalidArgument,
            Code::NotFound,
            Code::AlreadyExists,
            Code::PermissionDenied,
            Code::ResourceExhausted,
            Code::FailedPrecondition,
            Code::Unimplemented,
            Code::Internal,
            Code::Unauthenticated,
        ];
        for code in permanent {
            assert!(
                !grpc_status(&origin(), &tonic::Status::new(code, "")).is_retryable(),
                "{code:?}"
            );
        }
    }

    #[test]
    fn long_messages_are_cut() {
        let body = "x".repeat(10_000);
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert_eq!(
            server_message(&headers, body.as_bytes()).chars().count(),
            MAX_MESSAGE_CHARS + 1
        );
    }
}
