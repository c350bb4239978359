//! The sampler in `mode: trace` end to end: spans of one trace arriving in several requests, mixed
//! with other traces and from two services, reach the downstream server whole or not at all; a trace
//! with an error anywhere is kept whole; the root service's probability decides the rest, exactly as
//! consistent sampling says; late spans follow their trace; and shutdown decides what is buffered.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::fixtures::send_grpc;
use common::sink::Sink;
use common::{Ports, Weir, eventually, metric_sum};
use weir_proto::otlp::collector::trace::v1::ExportTraceServiceRequest;
use weir_proto::otlp::trace::v1::{Span, Status};
use weir_proto::{Payload, fixtures};
use weir_sampler::sample::{Randomness, Threshold, read_ot, should_keep};

const TRACES: u64 = 300;
/// Traces whose third span, in the backend, errs.
const ERROR_EVERY: u64 = 10;
/// The frontend's fixed probability.
const P: f64 = 0.2;

fn trace_id(n: u64) -> [u8; 16] {
    (u128::from(n) + 1)
        .wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835)
        .to_be_bytes()
}

/// Span `i` of trace `n`: 0 is the frontend's root, 1 to 3 the backend's children.
fn span(n: u64, i: u64) -> Span {
    let start = 1_700_000_000_000_000_000 + i * 1_000_000;
    Span {
        trace_id: trace_id(n).to_vec(),
        span_id: (n * 16 + i + 1).to_be_bytes().to_vec(),
        parent_span_id: if i == 0 {
            Vec::new()
        } else {
            (n * 16 + 1).to_be_bytes().to_vec()
        },
        name: if i == 0 {
            "GET /cart".to_owned()
        } else {
            format!("query-{i}")
        },
        kind: if i == 0 { 2 } else { 3 },
        start_time_unix_nano: start,
        end_time_unix_nano: start + 20_000_000,
        status: Some(Status {
            code: if i == 2 && n.is_multiple_of(ERROR_EVERY) { 2 } else { 0 },
            message: String::new(),
        }),
        ..Span::default()
    }
}

/// One request with the backend's spans `children` and, if `roots`, the frontend's roots, of every trace.
fn request(children: &[u64], roots: bool) -> Payload {
    let backend = fixtures::service_spans(
        "backend",
        (0..TRACES)
            .flat_map(|n| children.iter().map(move |&i| span(n, i)))
            .collect(),
    );
    let mut resource_spans = backend.resource_spans;
    if roots {
        let frontend =
            fixtures::service_spans("frontend", (0..TRACES).map(|n| span(n, 0)).collect());
        resource_spans.extend(frontend.resource_spans);
    }
    Payload::Traces(ExportTraceServiceRequest { resource_spans })
}

async fn start(sink: &Sink, decision_wait: &str) -> Weir {
    let ports = Ports::new();
    let config = format!(
        r#"
receivers:
  otlp:
    protocols:
      grpc: {{ endpoint: "{grpc}" }}
processors:
  golden_signals: {{}}
  adaptive_sampler:
    mode: trace
    trace: {{ decision_wait: {decision_wait}, root_grace: 500ms }}
    overrides: [{{ service: frontend, probability: {P} }}]
  batch: {{ timeout: 50ms }}
exporters:
  otlp/sink: {{ endpoint: "http://{sink}" }}
service:
  shutdown_timeout: 20s
  telemetry:
    metrics: {{ address: "{admin}" }}
  pipelines:
    traces: {{ receivers: [otlp], processors: [golden_signals, adaptive_sampler, batch], exporters: [otlp/sink] }}
"#,
        grpc = ports.grpc,
        admin = ports.admin,
        sink = sink.addr,
    );
    Weir::start(&ports, &config).await
}

/// The spans the sink received, by trace.
fn received(sink: &Sink) -> BTreeMap<Vec<u8>, Vec<Span>> {
    let mut traces: BTreeMap<Vec<u8>, Vec<Span>> = BTreeMap::new();
    for payload in sink.received() {
        if let Payload::Traces(r) = payload {
            for span in r
                .resource_spans
                .into_iter()
                .flat_map(|r| r.scope_spans)
                .flat_map(|s| s.spans)
            {
                traces.entry(span.trace_id.clone()).or_default().push(span);
            }
        }
    }
    traces
}

/// Whether trace `n` must be kept: it errs, or its randomness passes the frontend's threshold.
fn must_keep(n: u64) -> bool {
    n.is_multiple_of(ERROR_EVERY)
        || should_keep(
            Randomness::from_trace_id(&trace_id(n)),
            Threshold::from_probability(P),
        )
}

async fn settled(sink: &Sink, items: usize) -> bool {
    eventually(Duration::from_secs(15), async || sink.items() >= items).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traces_arrive_whole_or_not_at_all() {
    let sink = Sink::start().await;
    let weir = start(&sink, "3s").await;
    // Children first, then the roots with more children, in three requests.
    for (children, roots) in [(&[1, 2][..], false), (&[][..], true), (&[3][..], false)] {
        send_grpc(weir.grpc, &request(children, roots), None)
            .await
            .expect("export");
    }
    let wanted: BTreeSet<u64> = (0..TRACES).filter(|&n| must_keep(n)).collect();
    assert!(
        settled(&sink, wanted.len() * 4).await,
        "{} of {} spans",
        sink.items(),
        wanted.len() * 4
    );
    // Nothing else comes once every trace is decided.
    let metrics = weir.metrics().await;
    assert!(
        eventually(Duration::from_secs(10), async || {
            metric_sum(
                &weir.metrics().await,
                "weir_sampler_trace_decisions_total",
                &[],
            ) == TRACES as f64
        })
        .await
    );
    let traces = received(&sink);
    let kept: BTreeSet<u64> = (0..TRACES)
        .filter(|&n| traces.contains_key(trace_id(n).as_slice()))
        .collect();
    assert_eq!(
        kept, wanted,
        "kept exactly the erring traces and those the threshold passes"
    );
    let th = Threshold::from_probability(P);
    for n in &kept {
        let spans = &traces[trace_id(*n).as_slice()];
        assert_eq!(spans.len(), 4, "trace {n} is whole");
        let upstream: BTreeSet<_> = spans
            .iter()
            .map(|s| read_ot(&s.trace_state).threshold)
            .collect();
        // An erring trace is kept whatever p says, so its spans carry no threshold.
        let wanted = if n.is_multiple_of(ERROR_EVERY) { None } else { Some(th) };
        assert_eq!(upstream, BTreeSet::from([wanted]), "trace {n}");
    }
    // Golden signals counted every span, kept or not.
    assert_eq!(
        metric_sum(&metrics, "traces_span_metrics_calls_total", &[]),
        (TRACES * 4) as f64
    );
    assert_eq!(
        metric_sum(&metrics, "weir_sampler_buffered", &["unit=\"traces\""]),
        0.0
    );
    let on_time = metric_sum(
        &metrics,
        "weir_sampler_trace_decisions_total",
        &["reason=\"root_grace\""],
    );
    assert_eq!(
        on_time, TRACES as f64,
        "each trace was decided after its root's grace"
    );
    assert_eq!(
        metric_sum(
            &metrics,
            "weir_sampler_trace_decisions_total",
            &["decision=\"kept\""]
        ),
        wanted.len() as f64
    );

    // Late spans follow their trace's decision.
    let before = sink.items();
    send_grpc(weir.grpc, &request(&[4], false), None)
        .await
        .expect("export");
    assert!(settled(&sink, before + wanted.len()).await);
    let late = async || {
        let metrics = weir.metrics().await;
        metric_sum(&metrics, "weir_sampler_late_spans_total", &[]) == TRACES as f64
    };
    assert!(eventually(Duration::from_secs(5), late).await);
    let traces = received(&sink);
    for n in 0..TRACES {
        let spans = traces.get(trace_id(n).as_slice()).map_or(0, Vec::len);
        assert_eq!(spans, if wanted.contains(&n) { 5 } else { 0 }, "trace {n}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_decides_what_is_buffered() {
    let sink = Sink::start().await;
    let mut weir = start(&sink, "60s").await;
    // Children only: no root, so nothing is due for a minute.
    send_grpc(weir.grpc, &request(&[1, 2, 3], false), None)
        .await
        .expect("export");
    assert!(
        eventually(Duration::from_secs(10), async || {
            metric_sum(
                &weir.metrics().await,
                "weir_sampler_buffered",
                &["unit=\"spans\""],
            ) == (TRACES * 3) as f64
        })
        .await
    );
    assert_eq!(sink.items(), 0);
    assert!(weir.terminate(Duration::from_secs(20)).success());
    // Without its root each trace is keyed by its earliest span's service, the backend, which
    // starts at the initial probability; the erring ones are kept whatever it is.
    let traces = received(&sink);
    for n in (0..TRACES).filter(|n| n.is_multiple_of(ERROR_EVERY)) {
        assert_eq!(
            traces.get(trace_id(n).as_slice()).map(Vec::len),
            Some(3),
            "trace {n}"
        );
    }
    assert!(traces.values().all(|spans| spans.len() == 3));
    assert!(weir.logs().contains("weir stopped"));
}
