//! Remote-write receivers' answers, classified as the 1.0 and 2.0 specs say: 2xx written, 5xx and
//! 429 worth retrying, any other status never.

use std::time::SystemTime;

use http::{HeaderMap, StatusCode, Uri};

use super::body::{Compression, Protocol};
use crate::ExportError;
use crate::otlp::classify::{retry_after, truncate};

/// The header a 2.0 receiver must answer with; a 1.0 receiver knows nothing of it.
pub const SAMPLES_WRITTEN_HEADER: &str = "X-Prometheus-Remote-Write-Samples-Written";

/// What Prometheus answers (with a 500) to a native histogram when it runs without
/// `--enable-feature=native-histograms`: retrying cannot help, and it refuses the whole request.
const NATIVE_HISTOGRAMS_DISABLED: &str = "native histograms are disabled";

/// Words of a 400 answer that mean the receiver could not decompress the body: Prometheus before
/// zstd support decodes every body as snappy and says `snappy: corrupt input`.
const DECOMPRESSION_WORDS: [&str; 3] = ["snappy", "corrupt", "unsupported"];

/// What a receiver's answer means for the request.
#[derive(Debug)]
pub(super) enum Answer {
    /// Written.
    Written,
    /// A 2.0 request answered 2xx without [`SAMPLES_WRITTEN_HEADER`]: a 1.0 receiver read it as an
    /// empty 1.0 request and wrote nothing; the same request must go again as 1.0.
    ReadAsV1,
    /// The receiver cannot decompress zstd; the same request must go again with snappy.
    ZstdRefused,
    /// The receiver refused the whole request because it does not store native histograms; the
    /// error is what to report should the request hold none.
    NativeHistogramsRefused(ExportError),
    /// Not written.
    Failed(ExportError),
}

/// Classifies the answer `status`, `headers`, `body` from `url` to a `protocol` request compressed
/// with `compression`.
pub(super) fn answer(
    url: &Uri,
    (protocol, compression): (Protocol, Compression),
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Answer {
    if status.is_success() {
        return if protocol == Protocol::V2 && !headers.contains_key(SAMPLES_WRITTEN_HEADER) {
            Answer::ReadAsV1
        } else {
            Answer::Written
        };
    }
    let message = String::from_utf8_lossy(body);
    let message = message.trim();
    if compression == Compression::Zstd && refuses_compression(status, message) {
        return Answer::ZstdRefused;
    }
    let mut reason = if message.is_empty() {
        format!("HTTP {status} from {url}")
    } else {
        format!("HTTP {status} from {url}: {}", truncate(message))
    };
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        let error = ExportError::Retryable {
            reason,
            retry_after: retry_after(headers, SystemTime::now()),
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR
            && message.contains(NATIVE_HISTOGRAMS_DISABLED)
        {
            return Answer::NativeHistogramsRefused(error);
        }
        return Answer::Failed(error);
    }
    if status == StatusCode::UNSUPPORTED_MEDIA_TYPE && protocol == Protocol::V2 {
        reason.push_str(
            "; the receiver may not take Remote-Write 2.0: set protobuf_message: prometheus.WriteRequest",
        );
    }
    Answer::Failed(ExportError::Permanent { reason })
}

/// Whether a failed answer to a zstd body says the receiver cannot decompress it.
fn refuses_compression(status: StatusCode, message: &str) -> bool {
    if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
        return true;
    }
    let message = message.to_ascii_lowercase();
    status == StatusCode::BAD_REQUEST
        && DECOMPRESSION_WORDS
            .iter()
            .any(|word| message.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use std::time::Duration;

    const URL: &str = "http://prometheus:9090/api/v1/write";

    fn classify(
        protocol: Protocol,
        compression: Compression,
        status: u16,
        headers: &HeaderMap,
        body: &str,
    ) -> Answer {
        answer(
            &Uri::from_static(URL),
            (protocol, compression),
            StatusCode::from_u16(status).unwrap(),
            headers,
            body.as_bytes(),
        )
    }

    fn v1_snappy(status: u16, body: &str) -> Answer {
        classify(
            Protocol::V1,
            Compression::Snappy,
            status,
            &HeaderMap::new(),
            body,
        )
    }

    #[test]
    fn success_is_written() {
        assert!(matches!(v1_snappy(200, ""), Answer::Written));
        assert!(matches!(v1_snappy(204, ""), Answer::Written));
    }

    #[test]
    fn server_errors_and_429_are_retried_with_retry_after() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("7"));
        for status in [429, 500, 502, 503, 504] {
            let answer = classify(Protocol::V1, Compression::Snappy, status, &headers, "busy");
            let Answer::Failed(ExportError::Retryable {
                reason,
                retry_after,
            }) = answer
            else {
                panic!("{status} is not retryable: {answer:?}");
            };
            assert_eq!(retry_after, Some(Duration::from_secs(7)), "{status}");
            assert!(reason.ends_with(": busy"), "{reason}");
        }
    }

    #[test]
    fn other_statuses_are_permanent_and_quote_the_receiver() {
        for status in [300, 400, 401, 403, 404, 409, 413, 415] {
            let answer = v1_snappy(status, "out of order sample\n");
            let Answer::Failed(ExportError::Permanent { reason }) = answer else {
                panic!("{status} is not permanent: {answer:?}");
            };
            assert!(
                reason.starts_with(&format!("HTTP {status}"))
                    && reason.ends_with(&format!("from {URL}: out of order sample")),
                "{reason}"
            );
        }
    }

    #[test]
    fn long_messages_are_cut() {
        let Answer::Failed(error) = v1_snappy(400, &"x".repeat(100_000)) else {
            panic!("a 400 failed")
        };
        assert!(error.to_string().len() < 1_000, "{error}");
    }

    #[test]
    fn zstd_refusals_ask_for_snappy() {
        let zstd = |status, body| {
            classify(
                Protocol::V1,
                Compression::Zstd,
                status,
                &HeaderMap::new(),
                body,
            )
        };
        assert!(matches!(zstd(415, ""), Answer::ZstdRefused));
        for body in [
            "snappy: corrupt input",
            "Unsupported Content-Encoding",
            "CORRUPT",
        ] {
            assert!(matches!(zstd(400, body), Answer::ZstdRefused), "{body}");
        }
        assert!(matches!(
            zstd(400, "out of bounds"),
            Answer::Failed(ExportError::Permanent { .. })
        ));
        assert!(matches!(
            zstd(500, "snappy"),
            Answer::Failed(ExportError::Retryable { .. })
        ));
        // Once on snappy, the same answers are plain failures.
        assert!(matches!(
            v1_snappy(400, "snappy: corrupt input"),
            Answer::Failed(ExportError::Permanent { .. })
        ));
    }

    #[test]
    fn v2_needs_the_written_headers() {
        let v2 =
            |headers: &HeaderMap| classify(Protocol::V2, Compression::Snappy, 204, headers, "");
        assert!(matches!(v2(&HeaderMap::new()), Answer::ReadAsV1));
        let mut headers = HeaderMap::new();
        headers.insert(SAMPLES_WRITTEN_HEADER, HeaderValue::from_static("12"));
        assert!(matches!(v2(&headers), Answer::Written));
    }

    #[test]
    fn prometheus_without_native_histograms_is_recognised() {
        let Answer::NativeHistogramsRefused(ExportError::Retryable { reason, .. }) =
            v1_snappy(500, "native histograms are disabled\n")
        else {
            panic!("the refusal was not recognised")
        };
        assert!(
            reason.ends_with(": native histograms are disabled"),
            "{reason}"
        );
        assert!(matches!(
            v1_snappy(500, "out of memory"),
            Answer::Failed(ExportError::Retryable { .. })
        ));
        assert!(matches!(
            v1_snappy(400, "native histograms are disabled"),
            Answer::Failed(ExportError::Permanent { .. })
        ));
    }

    #[test]
    fn a_v2_415_suggests_v1() {
        let answer = classify(
            Protocol::V2,
            Compression::Snappy,
            415,
            &HeaderMap::new(),
            "",
        );
        let Answer::Failed(ExportError::Permanent { reason }) = answer else {
            panic!("415 is not permanent")
        };
        assert!(
            reason.contains("protobuf_message: prometheus.WriteRequest"),
            "{reason}"
        );
    }
}
