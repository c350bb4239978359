//! Bad input gets the right refusal and a counter, and weir goes on serving everyone else.

mod common;

use std::io::Write;
use std::time::Duration;

use common::fixtures::{compress, request, send_grpc, send_http};
use common::sink::Sink;
use common::{Ports, Weir, config_to_sink, eventually, grpc_raw, grpc_service, post};
use weir_proto::{Payload, Signal};

async fn start() -> (Sink, Weir) {
    let sink = Sink::start().await;
    let ports = Ports::new();
    let config = config_to_sink(&ports, sink.addr, &[("batch", "{ timeout: 20ms }")], "");
    (sink, Weir::start(&ports, &config).await)
}

/// A `Content-Encoding` body that inflates to `size` zero bytes.
fn bomb(encoding: &str, size: usize) -> Vec<u8> {
    let zeros = vec![0u8; 1 << 20];
    match encoding {
        "gzip" => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            for _ in 0..size >> 20 {
                e.write_all(&zeros).expect("gzip");
            }
            e.finish().expect("gzip")
        }
        _ => {
            let mut e = zstd::Encoder::new(Vec::new(), 19).expect("zstd");
            for _ in 0..size >> 20 {
                e.write_all(&zeros).expect("zstd");
            }
            e.finish().expect("zstd")
        }
    }
}

fn valid_protobuf() -> Vec<u8> {
    request(Signal::Traces, 4).encode_to_vec()
}

fn with_short_trace_id() -> Payload {
    let mut payload = request(Signal::Traces, 2);
    if let Payload::Traces(r) = &mut payload {
        r.resource_spans[0].scope_spans[0].spans[0]
            .trace_id
            .truncate(12);
    }
    payload
}

#[tokio::test]
async fn http_bad_input_gets_precise_answers_and_counters() {
    let (sink, weir) = start().await;
    let url = format!("http://{}/v1/traces", weir.http);
    let protobuf = [("content-type", "application/x-protobuf")];
    let json = [("content-type", "application/json")];
    let truncated = valid_protobuf()[..40].to_vec();
    let mut bad_utf8 = valid_protobuf();
    let at = bad_utf8
        .windows(5)
        .position(|w| w == b"GET /")
        .expect("a span name");
    bad_utf8[at] = 0xff;

    // (what, headers, body, expected status)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<u8>, u16);
    let cases: Vec<Case> = vec![
        ("garbage protobuf", protobuf.to_vec(), b"\xff\xff\xff\xff garbage".to_vec(), 400),
        ("truncated protobuf", protobuf.to_vec(), truncated, 400),
        ("bad UTF-8 in a string", protobuf.to_vec(), bad_utf8, 400),
        ("invalid JSON", json.to_vec(), b"{\"resourceSpans\": [".to_vec(), 400),
        ("bad hex id", json.to_vec(), br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz","spanId":"0102030405060708"}]}]}]}"#.to_vec(), 400),
        ("short trace id", protobuf.to_vec(), with_short_trace_id().encode_to_vec(), 400),
        ("wrong content type", vec![("content-type", "text/plain")], b"hello".to_vec(), 415),
        ("no content type", vec![], valid_protobuf(), 415),
        ("unsupported encoding", vec![("content-type", "application/x-protobuf"), ("content-encoding", "br")], valid_protobuf(), 415),
        ("corrupt gzip", vec![("content-type", "application/x-protobuf"), ("content-encoding", "gzip")], b"\x1f\x8b\x08\x00garbage".to_vec(), 400),
        ("gzip bomb", vec![("content-type", "application/x-protobuf"), ("content-encoding", "gzip")], bomb("gzip", 256 << 20), 413),
        ("zstd bomb", vec![("content-type", "application/x-protobuf"), ("content-encoding", "zstd")], bomb("zstd", 256 << 20), 413),
    ];
    for (what, headers, body, expected) in cases {
        let (status, answer_headers, answer) = post(&url, &headers, body).await.expect(what);
        assert_eq!(
            status,
            expected,
            "{what}: {}",
            String::from_utf8_lossy(&answer)
        );
        assert!(
            answer_headers.get("retry-after").is_none(),
            "{what}: a request that can never succeed is not to be retried"
        );
        assert!(!answer.is_empty(), "{what}: the answer says what was wrong");
    }
    let oversize =
        common::post_raw_status(weir.http, "/v1/traces", &protobuf, vec![0u8; 21 << 20]).await;
    assert_eq!(
        oversize, 413,
        "a body over the limit is refused before it is read"
    );
    let bad = weir
        .metric("weir_receiver_bad_requests_total", &["transport=\"http\""])
        .await;
    assert_eq!(bad, 13.0, "{}", weir.metrics().await);
    for reason in [
        "bad_protobuf",
        "bad_json",
        "unsupported_media_type",
        "too_large",
        "invalid_data",
    ] {
        let n = weir
            .metric(
                "weir_receiver_bad_requests_total",
                &[&format!("reason=\"{reason}\"")],
            )
            .await;
        assert!(n >= 1.0, "no {reason} counted:\n{}", weir.metrics().await);
    }

    // Everyone else is still served.
    let good = request(Signal::Traces, 10);
    let (status, _, _) = send_http(weir.http, &good, false, Some("gzip")).await;
    assert_eq!(status, 200);
    assert!(eventually(Duration::from_secs(10), async || sink.items() == 10).await);
}

#[tokio::test]
async fn http_error_body_is_a_status_in_the_request_encoding() {
    let (_sink, weir) = start().await;
    let url = format!("http://{}/v1/logs", weir.http);
    let (status, headers, body) = post(&url, &[("content-type", "application/json")], "not json")
        .await
        .expect("post");
    assert_eq!(status, 400);
    assert_eq!(headers["content-type"], "application/json");
    let status_json: serde_json::Value =
        serde_json::from_slice(&body).expect("a JSON google.rpc.Status");
    assert!(
        status_json["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{status_json}"
    );
    let (status, _, _) = common::get(&url).await.expect("get");
    assert_eq!(status, 405, "only POST is served");
    let (status, _, _) = post(&format!("http://{}/v1/nothing", weir.http), &[], "x")
        .await
        .expect("post");
    assert_eq!(status, 404);
}

#[tokio::test]
async fn grpc_bad_input_gets_precise_codes_and_counters() {
    let (sink, weir) = start().await;
    let traces = grpc_service(Signal::Traces);
    let (code, message) = grpc_raw(weir.grpc, traces, b"\xff\xff\xff garbage", None).await;
    assert_eq!(code, tonic::Code::InvalidArgument as i32, "{message}");
    let (code, message) = grpc_raw(weir.grpc, traces, &valid_protobuf()[..40], None).await;
    assert_eq!(code, tonic::Code::InvalidArgument as i32, "{message}");
    let (code, message) = grpc_raw(
        weir.grpc,
        traces,
        &with_short_trace_id().encode_to_vec(),
        None,
    )
    .await;
    assert_eq!(code, tonic::Code::InvalidArgument as i32, "{message}");
    assert!(
        message.contains("trace"),
        "the message names the bad field: {message}"
    );
    let (code, _) = grpc_raw(weir.grpc, traces, &bomb("zstd", 64 << 20), Some("zstd")).await;
    assert_ne!(code, 0, "a zstd bomb is refused");
    let (code, _) = grpc_raw(
        weir.grpc,
        traces,
        &compress("gzip", &valid_protobuf()),
        Some("snappy"),
    )
    .await;
    assert_eq!(
        code,
        tonic::Code::Unimplemented as i32,
        "an unsupported grpc-encoding is refused"
    );
    let big = request(Signal::Logs, 30_000);
    assert!(
        big.encoded_len() > 4 << 20,
        "fixture passes the 4 MiB default"
    );
    let status = send_grpc(weir.grpc, &big, None)
        .await
        .expect_err("too large");
    assert!(
        matches!(
            status.code(),
            tonic::Code::ResourceExhausted | tonic::Code::OutOfRange
        ),
        "{status:?}"
    );

    let bad = weir
        .metric("weir_receiver_bad_requests_total", &["transport=\"grpc\""])
        .await;
    assert!(bad >= 5.0, "{}", weir.metrics().await);
    send_grpc(weir.grpc, &request(Signal::Traces, 6), None)
        .await
        .expect("good request accepted");
    assert!(eventually(Duration::from_secs(10), async || sink.items() == 6).await);
}
