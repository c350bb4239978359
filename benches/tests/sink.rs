//! weir-sink end to end, in process: OTLP/gRPC (plain, gzip, zstd) and OTLP/HTTP in, counts out of
//! the admin server.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::codec::CompressionEncoding;
use weir_benches::sink::{self, CountsSnapshot, SinkOptions};
use weir_proto::Payload;
use weir_proto::fixtures;
use weir_proto::otlp::collector::logs::v1::logs_service_client::LogsServiceClient;
use weir_proto::otlp::collector::metrics::v1::metrics_service_client::MetricsServiceClient;
use weir_proto::otlp::collector::trace::v1::trace_service_client::TraceServiceClient;
use weir_proto::otlp::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceResponse,
};

fn loopback() -> std::net::SocketAddr {
    "127.0.0.1:0".parse().expect("a socket address")
}

/// One HTTP/1.1 exchange on a fresh connection: the status code and the body.
async fn http(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &str,
    body: &[u8],
) -> (u16, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connecting");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: sink\r\nConnection: close\r\nContent-Length: {}\r\n{headers}\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("writing");
    stream.write_all(body).await.expect("writing");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("reading");
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let status = std::str::from_utf8(&response[9..12])
        .ok()
        .and_then(|code| code.parse().ok())
        .expect("a status code");
    (status, response[split + 4..].to_vec())
}

async fn admin_counts(addr: std::net::SocketAddr, method: &str, path: &str) -> serde_json::Value {
    let (status, body) = http(addr, method, path, "", b"").await;
    assert_eq!(status, 200);
    serde_json::from_slice(&body).expect("JSON counts")
}

#[tokio::test]
async fn counts_what_it_receives_over_grpc_and_http() {
    let running = sink::start(&SinkOptions {
        grpc: loopback(),
        admin: Some(loopback()),
        http: Some(loopback()),
    })
    .await
    .unwrap();
    let admin = running.admin_addr.unwrap();
    let endpoint = format!("http://{}", running.grpc_addr);

    // Traces: plain, gzip and zstd on one connection each.
    let traces = fixtures::traces(3, 100);
    let trace_bytes = Payload::Traces(traces.clone()).encoded_len() as u64;
    let spans = Payload::Traces(traces.clone()).item_count() as u64;
    for encoding in [
        None,
        Some(CompressionEncoding::Gzip),
        Some(CompressionEncoding::Zstd),
    ] {
        let mut client = TraceServiceClient::connect(endpoint.clone()).await.unwrap();
        if let Some(encoding) = encoding {
            client = client.send_compressed(encoding);
        }
        client.export(traces.clone()).await.unwrap();
    }
    let metrics = fixtures::metrics(2, 40);
    let points = Payload::Metrics(metrics.clone()).item_count() as u64;
    MetricsServiceClient::connect(endpoint.clone())
        .await
        .unwrap()
        .send_compressed(CompressionEncoding::Zstd)
        .export(metrics)
        .await
        .unwrap();
    let logs = fixtures::logs(2, 30);
    let records = Payload::Logs(logs.clone()).item_count() as u64;
    LogsServiceClient::connect(endpoint.clone())
        .await
        .unwrap()
        .send_compressed(CompressionEncoding::Gzip)
        .export(logs)
        .await
        .unwrap();

    let counts = running.counts();
    assert_eq!(counts.spans, 3 * spans);
    assert_eq!(counts.data_points, points);
    assert_eq!(counts.log_records, records);
    assert_eq!(counts.requests, 5);
    assert_eq!(counts.bad_requests, 0);
    assert!(counts.bytes > 3 * trace_bytes);
    // The plain trace request alone is on the wire uncompressed, plus its 5-byte gRPC frame header.
    assert!(counts.wire_bytes > trace_bytes);

    // OTLP/HTTP, gzip-compressed protobuf.
    let http_addr = running.http_addr.unwrap();
    let http_traces = Payload::Traces(fixtures::traces(1, 10));
    let http_spans = http_traces.item_count() as u64;
    let body = http_traces.encode_to_vec();
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gzip, &body).unwrap();
    let gzipped = gzip.finish().unwrap();
    let headers = "Content-Type: application/x-protobuf\r\nContent-Encoding: gzip\r\n";
    let (status, _) = http(http_addr, "POST", "/v1/traces", headers, &gzipped).await;
    assert_eq!(status, 200);
    let json = "Content-Type: application/json\r\n";
    let (status, _) = http(http_addr, "POST", "/v1/traces", json, b"{}").await;
    assert_eq!(status, 415);
    let protobuf = "Content-Type: application/x-protobuf\r\n";
    let (status, _) = http(http_addr, "POST", "/v1/logs", protobuf, &[0x0a, 0xff]).await;
    assert_eq!(status, 400);

    // The admin server reports the same, then zeroes it.
    let reported = admin_counts(admin, "GET", "/counts").await;
    assert_eq!(reported["spans"], 3 * spans + http_spans);
    assert_eq!(reported["data_points"], points);
    assert_eq!(reported["log_records"], records);
    assert_eq!(reported["requests"], 6);
    assert_eq!(reported["bad_requests"], 2);
    assert!(reported["bytes"].as_u64().unwrap() > 0);
    let before = admin_counts(admin, "POST", "/reset").await;
    assert_eq!(before["spans"], 3 * spans + http_spans);
    assert_eq!(running.counts(), CountsSnapshot::default());

    tokio::time::timeout(Duration::from_secs(10), running.shutdown())
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn malformed_grpc_requests_are_refused_and_counted() {
    let running = sink::start(&SinkOptions {
        grpc: loopback(),
        admin: None,
        http: None,
    })
    .await
    .unwrap();
    let channel = tonic::transport::Endpoint::new(format!("http://{}", running.grpc_addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut client = tonic::client::Grpc::new(channel);
    client.ready().await.unwrap();
    // `ExportTracePartialSuccess` has a varint as field 1, where a trace request has its
    // `resource_spans` messages.
    let wrong = ExportTracePartialSuccess {
        rejected_spans: 7,
        error_message: String::new(),
    };
    let status = client
        .unary::<_, ExportTraceServiceResponse, _>(
            tonic::Request::new(wrong),
            http::uri::PathAndQuery::from_static(
                "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
            ),
            tonic_prost::ProstCodec::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    let counts = running.counts();
    assert_eq!(
        (counts.spans, counts.requests, counts.bad_requests),
        (0, 0, 1)
    );
    running.shutdown().await.unwrap();
}
