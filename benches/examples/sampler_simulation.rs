//! A traffic ramp and an error burst through the adaptive sampler's default `target` policy (10
//! traces/s per service, 5 s intervals), on a simulated clock: prints one CSV row per decision with
//! the offered and kept traces per second and the probability, which `benches/sampler/plot.py`
//! draws into `docs/sampler-simulation.png`.
//!
//! `cargo run --release -p weir-benches --example sampler_simulation > target/sampler-simulation.csv`

use std::time::Duration;

use weir_config::AdaptiveSamplerConfig;
use weir_proto::fixtures;
use weir_proto::otlp::trace::v1::{Span, Status};
use weir_proto::{Encoded, Payload};
use weir_sampler::adaptive::{AdaptiveSampler, Controllers};

/// Simulated seconds.
const SECONDS: u64 = 600;

/// Offered traces per second at second `t`: 50, a ramp to 500 from 120 s to 300 s, then 500.
fn offered(t: u64) -> u64 {
    match t {
        0..120 => 50,
        120..300 => 50 + (t - 120) * 450 / 180,
        _ => 500,
    }
}

/// Share of traces that err at second `t`: 1%, and 30% from 400 s to 450 s.
fn error_share(t: u64) -> f64 {
    if (400..450).contains(&t) { 0.3 } else { 0.01 }
}

fn request(ids: &mut impl Iterator<Item = [u8; 16]>, traces: u64, errors: u64) -> Encoded {
    let spans = (0..traces)
        .map(|n| Span {
            trace_id: ids.next().map_or_else(Vec::new, |id| id.to_vec()),
            span_id: (n + 1).to_be_bytes().to_vec(),
            name: "GET /cart".to_owned(),
            kind: 2,
            start_time_unix_nano: 1,
            end_time_unix_nano: 20_000_001,
            status: Some(Status {
                code: if n < errors { 2 } else { 0 },
                message: String::new(),
            }),
            ..Span::default()
        })
        .collect();
    Encoded::from_payload(&Payload::Traces(fixtures::service_spans("checkout", spans)))
        .expect("a valid request")
}

fn main() {
    let sampler = AdaptiveSampler::new(&AdaptiveSamplerConfig::default());
    let mut controllers = Controllers::new();
    let mut ids = fixtures::random_trace_ids(42);
    let interval = sampler.decision_interval().as_secs();
    let (mut offered_in, mut kept_in, mut errors_in) = (0, 0, 0);
    println!("second,offered_traces_per_second,kept_traces_per_second,error_share,probability");
    for t in 0..SECONDS {
        let traces = offered(t);
        let errors = (traces as f64 * error_share(t)).round() as u64;
        let kept = sampler.sample(request(&mut ids, traces, errors));
        offered_in += traces;
        errors_in += errors;
        kept_in += kept.item_count() as u64;
        if (t + 1) % interval == 0 {
            sampler.decide(&mut controllers, Duration::from_secs(t + 1));
            let probability = sampler.probability("checkout").unwrap_or(f64::NAN);
            println!(
                "{},{},{},{},{probability}",
                t + 1,
                offered_in as f64 / interval as f64,
                kept_in as f64 / interval as f64,
                errors_in as f64 / offered_in as f64
            );
            (offered_in, kept_in, errors_in) = (0, 0, 0);
        }
    }
}
