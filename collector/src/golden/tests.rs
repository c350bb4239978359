use std::time::Duration;

use weir_config::GoldenSignalsConfig;
use weir_proto::fixtures;
use weir_proto::otlp::trace::v1::Span;
use weir_proto::{Encoded, Payload};
use weir_sampler::golden::GoldenSignals;
use weir_sampler::sample::{Randomness, Threshold, should_keep};

use super::GoldenStage;

/// Spans in the ground truth.
const SPANS: u64 = 20_000;

fn request(spans: Vec<Span>) -> Encoded {
    Encoded::from_payload(&Payload::Traces(fixtures::service_spans("checkout", spans))).unwrap()
}

/// `name`'s samples in `text`, summed.
fn total(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[test]
fn spans_sampled_upstream_give_the_unsampled_signals_back() {
    // Ground truth: every span, 1..=400 ms. Upstream, a head sampler keeps a quarter (th:c) by the
    // same consistent rule; the golden signals see only what it kept, each weighing 4.
    let upstream = Threshold::from_probability(0.25);
    let th = upstream.encode().unwrap();
    let (mut true_sum_ms, mut true_fast) = (0u64, 0u64);
    let mut kept = Vec::new();
    for (n, id) in fixtures::random_trace_ids(99)
        .take(SPANS as usize)
        .enumerate()
    {
        let duration_ms = 1 + (n as u64 * 13) % 400;
        true_sum_ms += duration_ms;
        true_fast += u64::from(duration_ms <= 100);
        if should_keep(Randomness::from_trace_id(&id), upstream) {
            kept.push(Span {
                trace_id: id.to_vec(),
                span_id: vec![1; 8],
                trace_state: format!("ot=th:{}", th.as_str()),
                name: "GET /cart".to_owned(),
                kind: 2,
                start_time_unix_nano: 1_000,
                end_time_unix_nano: 1_000 + duration_ms * 1_000_000,
                ..Span::default()
            });
        }
    }
    let config = GoldenSignalsConfig::default();
    let stage = GoldenStage::new(
        GoldenSignals::new(&config).unwrap(),
        Duration::from_secs(300),
    );
    stage.record(&request(kept), false);
    let mut text = String::new();
    stage.signals().write_prometheus(&mut text);

    // The kept count is binomial (20,000, 1/4): its sd is 0.9% of the mean, so 4% is over 4 sd.
    let tolerance = 0.04;
    let calls = total(&text, "traces_span_metrics_calls_total");
    assert!(
        (calls / SPANS as f64 - 1.0).abs() < tolerance,
        "{calls} for {SPANS}"
    );
    let sum = total(&text, "traces_span_metrics_duration_milliseconds_sum");
    assert!(
        (sum / true_sum_ms as f64 - 1.0).abs() < tolerance,
        "{sum} ms for {true_sum_ms}"
    );
    let fast: f64 = text
        .lines()
        .filter(|l| {
            l.starts_with("traces_span_metrics_duration_milliseconds_bucket{")
                && l.contains(r#"le="100""#)
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert!(
        (fast / true_fast as f64 - 1.0).abs() < 2.0 * tolerance,
        "{fast} at or under 100 ms for {true_fast}"
    );
}
