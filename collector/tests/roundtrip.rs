//! Every signal, over both transports and both encodings, compressed or not, arrives at the downstream
//! OTLP server complete and unchanged.

mod common;

use std::time::Duration;

use common::fixtures::{request, send_grpc, send_http};
use common::sink::Sink;
use common::{Ports, Weir, config_to_sink, eventually};
use tonic::codec::CompressionEncoding;
use weir_proto::fixtures::normal_form;
use weir_proto::{Payload, Signal};

async fn start() -> (Sink, Weir) {
    let sink = Sink::start().await;
    let ports = Ports::new();
    let config = config_to_sink(&ports, sink.addr, &[("batch", "{ timeout: 50ms }")], "");
    let weir = Weir::start(&ports, &config).await;
    (sink, weir)
}

async fn assert_arrives(sink: &Sink, weir: &Weir, sent: &[Payload]) {
    let items: usize = sent.iter().map(Payload::item_count).sum();
    let arrived = eventually(Duration::from_secs(20), async || sink.items() >= items).await;
    assert!(
        arrived,
        "sink has {} of {items} items; weir logs:\n{}",
        sink.items(),
        weir.logs()
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sink.items(), items, "nothing duplicated");
    assert!(
        normal_form(&sink.received()) == normal_form(sent),
        "what arrived differs from what was sent"
    );
}

#[tokio::test]
async fn grpc_all_signals_all_compressions() {
    let (sink, weir) = start().await;
    let mut sent = Vec::new();
    for signal in Signal::ALL {
        for compression in [
            None,
            Some(CompressionEncoding::Gzip),
            Some(CompressionEncoding::Zstd),
        ] {
            let payload = request(signal, 40);
            send_grpc(weir.grpc, &payload, compression)
                .await
                .expect("export accepted");
            sent.push(payload);
        }
    }
    assert_arrives(&sink, &weir, &sent).await;
    assert!(
        sink.encodings().iter().all(|e| e == "zstd"),
        "weir exports with zstd by default: {:?}",
        sink.encodings()
    );
    let accepted = weir
        .metric(
            "weir_receiver_accepted_items_total",
            &["transport=\"grpc\""],
        )
        .await;
    assert_eq!(
        accepted as usize,
        sent.iter().map(Payload::item_count).sum::<usize>()
    );
}

#[tokio::test]
async fn http_protobuf_and_json_all_encodings() {
    let (sink, weir) = start().await;
    let mut sent = Vec::new();
    for signal in Signal::ALL {
        for json in [false, true] {
            for encoding in [None, Some("gzip"), Some("deflate"), Some("zstd")] {
                let payload = request(signal, 30);
                let (status, headers, body) = send_http(weir.http, &payload, json, encoding).await;
                assert_eq!(
                    status,
                    200,
                    "{signal} json={json} {encoding:?}: {}",
                    String::from_utf8_lossy(&body)
                );
                let expected_type = if json {
                    "application/json"
                } else {
                    "application/x-protobuf"
                };
                assert_eq!(
                    headers["content-type"], expected_type,
                    "the answer comes in the request's encoding"
                );
                sent.push(payload);
            }
        }
    }
    assert_arrives(&sink, &weir, &sent).await;
}

#[tokio::test]
async fn empty_requests_are_accepted() {
    let (_sink, weir) = start().await;
    for signal in Signal::ALL {
        send_grpc(weir.grpc, &Payload::empty(signal), None)
            .await
            .expect("empty gRPC request accepted");
        let (status, _, _) = send_http(weir.http, &Payload::empty(signal), true, None).await;
        assert_eq!(status, 200);
        let url = format!("http://{}/v1/{signal}", weir.http);
        let (status, _, _) = common::post(&url, &[("content-type", "application/json")], "{}")
            .await
            .expect("post");
        assert_eq!(status, 200, "{{}} is a valid empty OTLP/JSON request");
    }
}

#[tokio::test]
async fn json_with_enum_names_and_int64_strings() {
    let (sink, weir) = start().await;
    let body = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}}]},
      "scopeSpans":[{"scope":{"name":"manual"},"spans":[{
        "traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174","name":"GET /cart",
        "kind":"SPAN_KIND_SERVER","startTimeUnixNano":"1544712660000000000","endTimeUnixNano":1544712661000000000,
        "attributes":[{"key":"retries","value":{"intValue":"3"}},{"key":"n","value":{"intValue":4}}],
        "status":{"code":"STATUS_CODE_ERROR"},"unknownField":{"ignored":true}}]}]}]}"#;
    let url = format!("http://{}/v1/traces", weir.http);
    let (status, _, answer) = common::post(&url, &[("content-type", "application/json")], body)
        .await
        .expect("post");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    assert!(eventually(Duration::from_secs(10), async || sink.items() == 1).await);
    let Payload::Traces(got) = &sink.received()[0] else {
        panic!("traces expected")
    };
    let span = &got.resource_spans[0].scope_spans[0].spans[0];
    assert_eq!(span.kind, 2);
    assert_eq!(span.status.as_ref().map(|s| s.code), Some(2));
    assert_eq!(
        span.end_time_unix_nano - span.start_time_unix_nano,
        1_000_000_000
    );
    assert_eq!(span.trace_id.len(), 16);
}
