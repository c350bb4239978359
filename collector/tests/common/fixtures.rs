//! Requests of each signal and ways to send them raw over both transports.

use std::io::Write;

use tonic::codec::CompressionEncoding;
use tonic::transport::Channel;
use weir_proto::fixtures;
use weir_proto::otlp::collector::logs::v1::logs_service_client::LogsServiceClient;
use weir_proto::otlp::collector::metrics::v1::metrics_service_client::MetricsServiceClient;
use weir_proto::otlp::collector::trace::v1::trace_service_client::TraceServiceClient;
use weir_proto::{Payload, Signal};

/// One rich request of `signal`, with about `items` items.
pub fn request(signal: Signal, items: usize) -> Payload {
    match signal {
        Signal::Traces => Payload::Traces(fixtures::traces(2, items.div_ceil(2))),
        Signal::Metrics => Payload::Metrics(fixtures::metrics(1, items.div_ceil(5))),
        Signal::Logs => Payload::Logs(fixtures::logs(2, items.div_ceil(2))),
    }
}

/// Sends `payload` over OTLP/gRPC to `addr`, compressed with `compression` if given.
pub async fn send_grpc(
    addr: std::net::SocketAddr,
    payload: &Payload,
    compression: Option<CompressionEncoding>,
) -> Result<(), tonic::Status> {
    let channel = Channel::from_shared(format!("http://{addr}"))
        .expect("uri")
        .connect()
        .await
        .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
    macro_rules! send {
        ($client:ident, $request:expr) => {{
            let mut client = $client::new(channel).max_encoding_message_size(usize::MAX);
            if let Some(c) = compression {
                client = client.send_compressed(c);
            }
            client.export($request.clone()).await.map(|_| ())
        }};
    }
    match payload {
        Payload::Traces(r) => send!(TraceServiceClient, r),
        Payload::Metrics(r) => send!(MetricsServiceClient, r),
        Payload::Logs(r) => send!(LogsServiceClient, r),
    }
}

/// Compresses `body` with a `Content-Encoding` name.
pub fn compress(encoding: &str, body: &[u8]) -> Vec<u8> {
    match encoding {
        "gzip" => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(body).expect("gzip");
            e.finish().expect("gzip")
        }
        "deflate" => {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(body).expect("deflate");
            e.finish().expect("deflate")
        }
        "zstd" => zstd::encode_all(body, 1).expect("zstd"),
        _ => body.to_vec(),
    }
}

/// Sends `payload` over OTLP/HTTP as protobuf or JSON, with an optional `Content-Encoding`.
pub async fn send_http(
    addr: std::net::SocketAddr,
    payload: &Payload,
    json: bool,
    encoding: Option<&str>,
) -> super::Answer {
    let body = if json {
        weir_proto::json::encode(payload)
    } else {
        payload.encode_to_vec()
    };
    let body = compress(encoding.unwrap_or("identity"), &body);
    let content_type = if json {
        "application/json"
    } else {
        "application/x-protobuf"
    };
    let mut headers = vec![("content-type", content_type)];
    if let Some(e) = encoding {
        headers.push(("content-encoding", e));
    }
    super::post(
        &format!("http://{addr}/v1/{}", payload.signal()),
        &headers,
        body,
    )
    .await
    .expect("HTTP request")
}
