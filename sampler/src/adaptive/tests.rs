use std::time::Duration;

use weir_config::{AdaptiveSamplerConfig, PolicyKind, SamplingOverride};
use weir_proto::fixtures::{self, random_trace_ids};
use weir_proto::otlp::trace::v1::{Span, Status};
use weir_proto::{Encoded, Payload};

use super::*;
use crate::sample::{Randomness, should_keep};

pub(super) fn span(trace_id: [u8; 16], status: i32, trace_state: &str) -> Span {
    Span {
        trace_id: trace_id.to_vec(),
        span_id: vec![1; 8],
        trace_state: trace_state.to_owned(),
        name: "GET /".to_owned(),
        kind: 2,
        start_time_unix_nano: 1_000_000_000,
        end_time_unix_nano: 1_020_000_000,
        status: Some(Status {
            code: status,
            message: String::new(),
        }),
        ..Span::default()
    }
}

pub(super) fn request(service: &str, spans: Vec<Span>) -> Encoded {
    Encoded::from_payload(&Payload::Traces(fixtures::service_spans(service, spans))).unwrap()
}

fn spans_of(request: &Encoded) -> Vec<Span> {
    match request.decode() {
        Payload::Traces(r) => r
            .resource_spans
            .into_iter()
            .flat_map(|r| r.scope_spans)
            .flat_map(|s| s.spans)
            .collect(),
        _ => unreachable!(),
    }
}

pub(super) fn gauge(sampler: &AdaptiveSampler, name: &str, service: &str) -> f64 {
    let mut out = String::new();
    sampler.write_prometheus("adaptive_sampler", &mut out);
    let prefix = format!("{name}{{sampler=\"adaptive_sampler\",service=\"{service}\"}} ");
    out.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {prefix} in\n{out}"))
        .parse()
        .unwrap()
}

/// Sends `per_second` single-span traces a second for `seconds`, deciding every 5 s; returns the
/// traces kept in each 5 s interval.
pub(super) fn run(
    sampler: &AdaptiveSampler,
    controllers: &mut Controllers,
    ids: &mut impl Iterator<Item = [u8; 16]>,
    start: u64,
    seconds: u64,
    per_second: usize,
    error_every: usize,
) -> Vec<usize> {
    let mut kept_per_interval = Vec::new();
    let mut kept = 0;
    for second in start..start + seconds {
        let spans = (0..per_second)
            .map(|i| {
                span(
                    ids.next().unwrap(),
                    if error_every > 0 && i % error_every == 0 {
                        2
                    } else {
                        0
                    },
                    "",
                )
            })
            .collect();
        kept += sampler.sample(request("checkout", spans)).item_count();
        if (second + 1) % 5 == 0 {
            sampler.decide(controllers, Duration::from_secs(second + 1));
            kept_per_interval.push(kept);
            kept = 0;
        }
    }
    kept_per_interval
}

#[test]
fn the_target_policy_converges_on_the_target_and_stays_there() {
    let sampler = AdaptiveSampler::new(&AdaptiveSamplerConfig::default());
    let mut controllers = Controllers::new();
    let mut ids = random_trace_ids(7);
    let kept = run(&sampler, &mut controllers, &mut ids, 0, 65, 200, 0);
    assert!((gauge(&sampler, "weir_sampler_probability", "checkout") - 0.05).abs() < 0.005);
    // Interval 1 runs at the initial 0.1 (100 traces per 5 s); from interval 2 on, about 50 (10/s).
    assert!((80..=120).contains(&kept[0]), "{kept:?}");
    let settled: usize = kept[2..].iter().sum();
    let expected = 10.0 * 5.0 * (kept.len() - 2) as f64;
    assert!(
        (settled as f64 / expected - 1.0).abs() <= 0.1,
        "kept {settled} of an expected {expected}: {kept:?}"
    );
    assert!(
        (gauge(
            &sampler,
            "weir_sampler_observed_traces_per_second",
            "checkout"
        ) - 200.0)
            .abs()
            < 1e-9
    );
}

#[test]
fn errors_are_always_kept_and_raise_the_probability() {
    let sampler = AdaptiveSampler::new(&AdaptiveSamplerConfig::default());
    let mut controllers = Controllers::new();
    let mut ids = random_trace_ids(11);
    run(&sampler, &mut controllers, &mut ids, 0, 20, 200, 0);
    let calm = gauge(&sampler, "weir_sampler_probability", "checkout");
    // A burst: every second trace errs.
    for second in 20..40 {
        let spans: Vec<Span> = (0..200)
            .map(|i| span(ids.next().unwrap(), if i % 2 == 0 { 2 } else { 0 }, ""))
            .collect();
        let kept = spans_of(&sampler.sample(request("checkout", spans)));
        assert!(
            kept.iter()
                .filter(|s| s.status.as_ref().is_some_and(|s| s.code == 2))
                .count()
                == 100,
            "every error kept"
        );
        if (second + 1) % 5 == 0 {
            sampler.decide(&mut controllers, Duration::from_secs(second + 1));
        }
    }
    let burst = gauge(&sampler, "weir_sampler_probability", "checkout");
    assert!(burst > calm * 1.3, "p went from {calm} to {burst}");
    assert!(gauge(&sampler, "weir_sampler_error_rate", "checkout") > 0.4);
}

#[test]
fn decisions_are_consistent_across_instances_and_follow_the_threshold() {
    let config = AdaptiveSamplerConfig::default();
    let (a, b) = (AdaptiveSampler::new(&config), AdaptiveSampler::new(&config));
    let mut ids = random_trace_ids(3);
    let traces: Vec<[u8; 16]> = (0..2000).map(|_| ids.next().unwrap()).collect();
    let make = || {
        request(
            "checkout",
            traces.iter().map(|&id| span(id, 0, "")).collect(),
        )
    };
    let (kept_a, kept_b) = (spans_of(&a.sample(make())), spans_of(&b.sample(make())));
    assert_eq!(
        kept_a, kept_b,
        "same probability, same trace ids: same spans"
    );
    let threshold = Threshold::from_probability(0.1);
    let expected: Vec<&[u8; 16]> = traces
        .iter()
        .filter(|id| should_keep(Randomness::from_trace_id(id), threshold))
        .collect();
    assert_eq!(kept_a.len(), expected.len());
    assert!(
        (150..=250).contains(&kept_a.len()),
        "about 10% of 2000: {}",
        kept_a.len()
    );
    let th = threshold.encode().unwrap();
    assert!(
        kept_a
            .iter()
            .all(|s| s.trace_state == format!("ot=th:{}", th.as_str())),
        "{:?}",
        kept_a[0].trace_state
    );
}

#[test]
fn an_upstream_threshold_is_never_lowered() {
    let sampler = AdaptiveSampler::new(&AdaptiveSamplerConfig::default());
    let mut ids = random_trace_ids(5);
    // Upstream kept these at 1/64 (th:fc): weir's 0.1 must not keep any that 1/64 would drop, and a
    // kept one keeps th:fc.
    let spans: Vec<Span> = (0..5000)
        .map(|_| span(ids.next().unwrap(), 0, "x=1,ot=th:fc"))
        .collect();
    let upstream = Threshold::parse("fc").unwrap();
    let survivors = spans
        .iter()
        .filter(|s| {
            should_keep(
                Randomness::from_trace_id(s.trace_id.as_slice().try_into().unwrap()),
                upstream,
            )
        })
        .count();
    let kept = spans_of(&sampler.sample(request("edge", spans)));
    assert_eq!(kept.len(), survivors);
    assert!(
        kept.iter().all(|s| s.trace_state == "x=1,ot=th:fc"),
        "kept as they came"
    );
}

#[test]
fn overrides_fix_a_service_probability() {
    let config = AdaptiveSamplerConfig {
        overrides: vec![SamplingOverride {
            service: "audit".to_owned(),
            operation: None,
            probability: Some(1.0),
            target_traces_per_second: None,
        }],
        ..AdaptiveSamplerConfig::default()
    };
    let sampler = AdaptiveSampler::new(&config);
    let mut controllers = Controllers::new();
    let mut ids = random_trace_ids(9);
    for _ in 0..10 {
        let spans = (0..200).map(|_| span(ids.next().unwrap(), 0, "")).collect();
        sampler.sample(request("audit", spans));
    }
    sampler.decide(&mut controllers, Duration::from_secs(10));
    assert_eq!(gauge(&sampler, "weir_sampler_probability", "audit"), 1.0);
    let spans = (0..100).map(|_| span(ids.next().unwrap(), 0, "")).collect();
    assert_eq!(sampler.sample(request("audit", spans)).item_count(), 100);
}

#[test]
fn the_linear_policy_gives_its_formula() {
    let config = AdaptiveSamplerConfig {
        policy: PolicyKind::Linear,
        ..AdaptiveSamplerConfig::default()
    };
    let sampler = AdaptiveSampler::new(&config);
    let mut controllers = Controllers::new();
    let mut ids = random_trace_ids(13);
    // 50 traces/s, 2% errors: (0.8 * 50 + 5 * 2) / 100 = 0.5.
    run(&sampler, &mut controllers, &mut ids, 0, 5, 50, 50);
    assert!((gauge(&sampler, "weir_sampler_probability", "checkout") - 0.5).abs() < 1e-9);
}

#[test]
fn keys_past_the_limit_share_one() {
    let config = AdaptiveSamplerConfig {
        max_keys: 1,
        ..AdaptiveSamplerConfig::default()
    };
    let sampler = AdaptiveSampler::new(&config);
    let mut ids = random_trace_ids(17);
    for service in ["a", "b", "c"] {
        sampler.sample(request(service, vec![span(ids.next().unwrap(), 2, "")]));
    }
    let mut out = String::new();
    sampler.write_prometheus("s", &mut out);
    let kept = |service: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("weir_sampler_spans_total{{sampler=\"s\",service=\"{service}\",decision=\"kept\"}}")))
            .map(|l| l.rsplit(' ').next().unwrap().to_owned())
    };
    assert_eq!(
        (kept("a").as_deref(), kept("_other").as_deref(), kept("b")),
        (Some("1"), Some("2"), None)
    );
}
