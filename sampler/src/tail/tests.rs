use std::time::Duration;

use weir_config::{AdaptiveSamplerConfig, SamplingKey, SamplingMode, SamplingOverride};
use weir_proto::fixtures::{self, random_trace_ids};
use weir_proto::otlp::trace::v1::{Span, Status};
use weir_proto::wire::{self, Block, ResourceView};
use weir_proto::{Encoded, Payload};

use super::*;
use crate::adaptive::AdaptiveSampler;
use crate::sample::{Randomness, Threshold, read_ot, should_keep};

const SECOND: Duration = Duration::from_secs(1);

fn limits() -> Limits {
    Limits {
        decision_wait: 5 * SECOND,
        root_grace: SECOND,
        max_traces: 100,
        max_spans_per_trace: 50,
        max_bytes: usize::MAX,
        cache_size: 100,
    }
}

/// A span of `trace`, numbered `n`; a root when `n` is 0.
fn span(trace: [u8; 16], n: u8, status: i32) -> Span {
    Span {
        trace_id: trace.to_vec(),
        span_id: vec![n + 1; 8],
        parent_span_id: if n == 0 { Vec::new() } else { vec![1; 8] },
        name: format!("op-{n}"),
        kind: 2,
        start_time_unix_nano: 1_000_000_000 + u64::from(n),
        end_time_unix_nano: 1_000_000_000 + u64::from(n) + 20_000_000,
        status: Some(Status {
            code: status,
            message: String::new(),
        }),
        ..Span::default()
    }
}

/// The spans as one resource entry of `service`, summed up.
fn fragment(service: &str, spans: Vec<Span>) -> (Block, TraceSummary) {
    let request =
        Encoded::from_payload(&Payload::Traces(fixtures::service_spans(service, spans))).unwrap();
    let block = request.blocks()[0].clone();
    let mut summary = TraceSummary::default();
    wire::for_each_span(&block, |resource, span| {
        summary.observe(resource.service_name().unwrap_or("?"), span);
    });
    assert_eq!(ResourceView::of(&block).service_name(), Some(service));
    (block, summary)
}

fn keep_all(_: &TraceId, _: &TraceSummary) -> Verdict {
    Verdict::KeepAsIs
}

/// Adds spans numbered `spans` of `trace`, none erring, at `now`.
fn add(
    buffer: &mut TraceBuffer<u32>,
    trace: [u8; 16],
    spans: &[u8],
    now: Duration,
    out: &mut Vec<Decided<u32>>,
) {
    let spans = spans.iter().map(|&n| span(trace, n, 0)).collect();
    let (block, summary) = fragment("checkout", spans);
    buffer.add(trace, (block, 7), summary, now, &mut keep_all, out);
}

#[test]
fn a_trace_in_many_requests_is_decided_once_whole_after_the_wait() {
    let mut buffer = TraceBuffer::new(limits());
    let mut out = Vec::new();
    let trace = [9; 16];
    add(&mut buffer, trace, &[1], SECOND, &mut out);
    add(&mut buffer, trace, &[2, 3], 2 * SECOND, &mut out);
    buffer.decide_due(5 * SECOND, &mut keep_all, &mut out);
    assert!(out.is_empty());
    assert_eq!((buffer.traces(), buffer.spans()), (1, 3));
    buffer.decide_due(6 * SECOND, &mut keep_all, &mut out);
    let [decided] = out.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!(
        (decided.reason, decided.verdict),
        (Reason::Waited, Verdict::KeepAsIs)
    );
    assert_eq!(decided.fragments.len(), 2);
    assert_eq!(decided.summary.spans, 3);
    assert_eq!((buffer.traces(), buffer.spans(), buffer.bytes()), (0, 0, 0));
}

#[test]
fn a_root_span_decides_its_trace_after_the_grace() {
    let mut buffer = TraceBuffer::new(limits());
    let mut out = Vec::new();
    let trace = [3; 16];
    add(&mut buffer, trace, &[1], SECOND, &mut out);
    add(&mut buffer, trace, &[0], 2 * SECOND, &mut out);
    buffer.decide_due(2 * SECOND + SECOND / 2, &mut keep_all, &mut out);
    assert!(out.is_empty());
    buffer.decide_due(3 * SECOND, &mut keep_all, &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].reason, Reason::Root);
    let entry = out[0].summary.entry.as_ref().unwrap();
    assert!(entry.root);
    assert_eq!(&*entry.name, "op-0");
    // The wait that ends later finds nothing left to decide.
    buffer.decide_due(10 * SECOND, &mut keep_all, &mut out);
    assert_eq!(out.len(), 1);
}

#[test]
fn late_spans_follow_the_decision() {
    let mut buffer = TraceBuffer::new(limits());
    let mut out = Vec::new();
    let trace = [4; 16];
    let mut drop_all = |_: &TraceId, _: &TraceSummary| Verdict::Drop;
    let (block, summary) = fragment("checkout", vec![span(trace, 0, 0)]);
    buffer.add(trace, (block, 1), summary, SECOND, &mut drop_all, &mut out);
    buffer.decide_due(2 * SECOND, &mut drop_all, &mut out);
    let (block, summary) = fragment("checkout", vec![span(trace, 5, 0)]);
    buffer.add(
        trace,
        (block, 2),
        summary,
        3 * SECOND,
        &mut keep_all,
        &mut out,
    );
    let reasons: Vec<_> = out.iter().map(|d| (d.reason, d.verdict)).collect();
    assert_eq!(
        reasons,
        [(Reason::Root, Verdict::Drop), (Reason::Late, Verdict::Drop)]
    );
    assert_eq!(buffer.traces(), 0);
}

#[test]
fn bounds_decide_early_and_say_why() {
    let mut buffer = TraceBuffer::new(Limits {
        max_traces: 2,
        max_spans_per_trace: 3,
        ..limits()
    });
    let mut out = Vec::new();
    let [a, b, c] = [[1; 16], [2; 16], [3; 16]];
    add(&mut buffer, a, &[1], SECOND, &mut out);
    add(&mut buffer, b, &[1], SECOND, &mut out);
    add(&mut buffer, c, &[1], SECOND, &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].trace_id, out[0].reason), (a, Reason::MaxTraces));
    add(&mut buffer, b, &[2, 3, 4], SECOND, &mut out);
    assert_eq!(
        (out[1].trace_id, out[1].reason, out[1].summary.spans),
        (b, Reason::MaxSpans, 4)
    );
    let fragment_bytes = fragment("checkout", vec![span(c, 1, 0)]).0.bytes.len();
    let mut small = TraceBuffer::new(Limits {
        max_bytes: fragment_bytes * 2,
        ..limits()
    });
    let mut out = Vec::new();
    for trace in [a, b, c] {
        add(&mut small, trace, &[1], SECOND, &mut out);
    }
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].trace_id, out[0].reason), (a, Reason::MaxBytes));
    small.decide_all(&mut keep_all, &mut out);
    let rest: Vec<_> = out[1..].iter().map(|d| (d.trace_id, d.reason)).collect();
    assert_eq!(rest, [(b, Reason::Shutdown), (c, Reason::Shutdown)]);
}

#[test]
fn the_cache_forgets_the_oldest() {
    let mut cache = DecisionCache::new(2);
    cache.insert([1; 16], Verdict::Drop);
    cache.insert([2; 16], Verdict::KeepAsIs);
    cache.insert([2; 16], Verdict::KeepAsIs);
    cache.insert([3; 16], Verdict::KeepAsIs);
    assert_eq!(cache.len(), 2);
    assert_eq!(cache.get(&[1; 16]), None);
    assert_eq!(cache.get(&[2; 16]), Some(Verdict::KeepAsIs));
}

fn sampler(key: SamplingKey, overrides: Vec<SamplingOverride>) -> AdaptiveSampler {
    AdaptiveSampler::new(&AdaptiveSamplerConfig {
        mode: SamplingMode::Trace,
        key,
        overrides,
        ..AdaptiveSamplerConfig::default()
    })
}

fn fixed(service: &str, operation: Option<&str>, p: f64) -> SamplingOverride {
    SamplingOverride {
        service: service.to_owned(),
        operation: operation.map(str::to_owned),
        probability: Some(p),
        target_traces_per_second: None,
    }
}

#[test]
fn traces_are_judged_whole_by_their_root_service_probability() {
    let sampler = sampler(SamplingKey::Service, vec![fixed("checkout", None, 0.25)]);
    let threshold = Threshold::from_probability(0.25);
    let mut kept = 0;
    for trace in random_trace_ids(5).take(2000) {
        // The root's service decides, whatever service the other spans come from.
        let (_, mut summary) = fragment("checkout", vec![span(trace, 0, 0)]);
        summary.merge(fragment("payments", vec![span(trace, 1, 0), span(trace, 2, 0)]).1);
        let verdict = sampler.judge(&trace, &summary);
        let wanted = should_keep(Randomness::from_trace_id(&trace), threshold);
        assert_eq!(verdict.kept(), wanted);
        if wanted {
            assert_eq!(verdict, Verdict::Keep(threshold));
            kept += 1;
        }
    }
    assert!(
        (400..600).contains(&kept),
        "{kept} of 2000 kept at p = 0.25"
    );
}

#[test]
fn errors_keep_the_whole_trace() {
    let sampler = sampler(SamplingKey::Service, vec![fixed("checkout", None, 0.001)]);
    for trace in random_trace_ids(6).take(200) {
        let (_, mut summary) = fragment("checkout", vec![span(trace, 0, 0)]);
        summary.merge(fragment("db", vec![span(trace, 3, 2)]).1);
        assert_eq!(sampler.judge(&trace, &summary), Verdict::KeepAsIs);
    }
}

#[test]
fn kept_spans_say_their_threshold() {
    let sampler = sampler(SamplingKey::Service, Vec::new());
    let trace = [0xff; 16];
    let (block, _) = fragment("checkout", (0..3).map(|n| span(trace, n, 0)).collect());
    let threshold = Threshold::from_probability(0.5);
    let stamped = sampler.stamp(&block, Verdict::Keep(threshold)).unwrap();
    let mut states = Vec::new();
    wire::for_each_span(&stamped, |_, span| {
        states.push(read_ot(span.trace_state()).threshold)
    });
    assert_eq!(states, [Some(threshold); 3]);
    assert_eq!(
        sampler.stamp(&block, Verdict::KeepAsIs),
        Some(block.clone())
    );
    assert_eq!(sampler.stamp(&block, Verdict::Drop), None);
}

#[test]
fn service_operation_keys_follow_the_root_operation() {
    let sampler = sampler(
        SamplingKey::ServiceOperation,
        vec![
            fixed("checkout", Some("op-0"), 1.0),
            fixed("checkout", None, 0.001),
        ],
    );
    let mut out = String::new();
    let mut dropped = 0;
    for trace in random_trace_ids(7).take(200) {
        let (_, root) = fragment("checkout", vec![span(trace, 0, 0)]);
        assert!(sampler.judge(&trace, &root).kept());
        // A trace whose root is another operation of the service takes the service's override.
        let mut other = root.clone();
        other.entry.as_mut().unwrap().name = "op-9".into();
        dropped += usize::from(!sampler.judge(&trace, &other).kept());
    }
    assert!(dropped > 190, "{dropped} of 200 dropped at p = 0.001");
    sampler.write_prometheus("s", &mut out);
    assert!(
        out.contains(
            "weir_sampler_probability{sampler=\"s\",service=\"checkout\",operation=\"op-0\"} 1"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "weir_sampler_probability{sampler=\"s\",service=\"checkout\",operation=\"op-9\"} 0.001"
        ),
        "{out}"
    );
}
