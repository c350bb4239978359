use std::time::{Duration, SystemTime};

use weir_config::{AdaptiveSamplerConfig, SamplingKey, SamplingOverride};
use weir_proto::fixtures::random_trace_ids;

use super::super::controller::Learned;
use super::super::tests::{gauge, run};
use super::*;

const HOUR: Duration = Duration::from_secs(3600);

fn learned(probability: f64, traces_per_second: f64) -> Learned {
    Learned {
        probability,
        base: Some(probability),
        traces_per_second: Some(traces_per_second),
        error_rate: Some(0.0),
    }
}

/// A checkpoint of `keys` (name, probability, traces per second) written at `written_at`.
fn checkpoint_of(keys: &[(&str, f64, f64)], written_at: SystemTime) -> Checkpoint {
    Checkpoint::new(
        SamplingKey::Service,
        written_at,
        keys.iter().map(|&(name, p, rate)| (name, learned(p, rate))),
    )
}

fn restore(sampler: &AdaptiveSampler, checkpoint: Checkpoint) -> Result<Restored, CheckpointError> {
    sampler.restore(
        &mut Controllers::new(),
        checkpoint,
        HOUR,
        SystemTime::now(),
        Duration::ZERO,
    )
}

#[test]
fn a_restart_resumes_at_the_learned_probability_and_keeps_learning() {
    let config = AdaptiveSamplerConfig::default();
    let first = AdaptiveSampler::new(&config);
    let mut controllers = Controllers::new();
    let mut ids = random_trace_ids(21);
    run(&first, &mut controllers, &mut ids, 0, 30, 200, 0);
    assert!((gauge(&first, "weir_sampler_probability", "checkout") - 0.05).abs() < 0.005);
    let now = SystemTime::now();
    let saved = first.checkpoint(&controllers, now);
    let read = Checkpoint::from_json(&saved.to_json()).unwrap();
    assert_eq!(read.len(), 2, "checkout and _other");

    let second = AdaptiveSampler::new(&config);
    let mut resumed = Controllers::new();
    let restored = second
        .restore(&mut resumed, read.clone(), HOUR, now, Duration::ZERO)
        .unwrap();
    assert_eq!(
        restored,
        Restored {
            keys: 2,
            past_max_keys: 0
        }
    );
    // Before any span or decision: the learned probability, not the initial 0.1.
    let p = second.probability("checkout").unwrap();
    assert!(
        (p - first.probability("checkout").unwrap()).abs() < 1e-12,
        "{p}"
    );
    assert_eq!(
        second.checkpoint(&resumed, now),
        read,
        "every learned value"
    );

    // Traffic doubles: the first interval already runs at the learned p (about 0.05 of 2000
    // traces, not 0.1); the smoothed rate goes from the restored 200 to 300 traces/s, so p to
    // 10/300, where a controller starting afresh would have read 400 and set 10/400.
    let kept = run(&second, &mut resumed, &mut ids, 0, 5, 400, 0);
    assert!((70..=130).contains(&kept[0]), "{kept:?}");
    let p = gauge(&second, "weir_sampler_probability", "checkout");
    assert!((p - 10.0 / 300.0).abs() < 0.002, "{p}");
}

#[test]
fn a_corrupt_or_truncated_file_is_refused() {
    let whole = checkpoint_of(&[("checkout", 0.05, 200.0)], SystemTime::now()).to_json();
    for bytes in [
        &whole[..whole.len() / 2],
        b"garbage",
        b"",
        b"{\"version\": 1}",
    ] {
        let error = Checkpoint::from_json(bytes).unwrap_err();
        assert!(matches!(error, CheckpointError::Malformed(_)), "{error:?}");
        assert!(
            error.to_string().contains("truncated or corrupt"),
            "{error}"
        );
    }
}

#[test]
fn another_version_is_named() {
    let text =
        String::from_utf8(checkpoint_of(&[("checkout", 0.05, 200.0)], SystemTime::now()).to_json())
            .unwrap()
            .replace("\"version\": 1", "\"version\": 2");
    let error = Checkpoint::from_json(text.as_bytes()).unwrap_err();
    assert!(matches!(error, CheckpointError::Version(2)), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("version 2, and this weir reads version 1"),
        "{error}"
    );
}

#[test]
fn an_old_checkpoint_is_ignored() {
    let sampler = AdaptiveSampler::new(&AdaptiveSamplerConfig::default());
    let written = SystemTime::now() - 2 * HOUR;
    let error = restore(
        &sampler,
        checkpoint_of(&[("checkout", 0.05, 200.0)], written),
    )
    .unwrap_err();
    assert!(
        matches!(error, CheckpointError::Stale { age, max_age } if age >= 2 * HOUR && max_age == HOUR),
        "{error:?}"
    );
    assert_eq!(sampler.probability("checkout"), None, "nothing restored");
}

#[test]
fn a_checkpoint_of_other_keys_is_ignored() {
    let sampler = AdaptiveSampler::new(&AdaptiveSamplerConfig::default());
    let by_operation = Checkpoint::new(
        SamplingKey::ServiceOperation,
        SystemTime::now(),
        [("checkout\0GET /cart", learned(0.05, 200.0))].into_iter(),
    );
    let error = restore(&sampler, by_operation).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("`key: service_operation`, and this one has `key: service`"),
        "{error}"
    );
}

#[test]
fn restored_probabilities_are_held_within_the_configured_bounds() {
    let config = AdaptiveSamplerConfig {
        min_probability: 0.01,
        max_probability: 0.5,
        ..AdaptiveSamplerConfig::default()
    };
    let sampler = AdaptiveSampler::new(&config);
    let keys = [("busy", 0.001, 10_000.0), ("rare", 1.0, 0.1)];
    restore(&sampler, checkpoint_of(&keys, SystemTime::now())).unwrap();
    assert_eq!(sampler.probability("busy"), Some(0.01));
    assert_eq!(sampler.probability("rare"), Some(0.5));
}

#[test]
fn keys_past_max_keys_are_left_out_quietest_first() {
    let config = AdaptiveSamplerConfig {
        max_keys: 2,
        ..AdaptiveSamplerConfig::default()
    };
    let sampler = AdaptiveSampler::new(&config);
    let keys = [("a", 0.5, 1.0), ("b", 0.05, 100.0), ("c", 0.2, 10.0)];
    let restored = restore(&sampler, checkpoint_of(&keys, SystemTime::now())).unwrap();
    assert_eq!(
        restored,
        Restored {
            keys: 2,
            past_max_keys: 1
        }
    );
    assert_eq!(
        ["a", "b", "c"].map(|k| sampler.probability(k)),
        [None, Some(0.05), Some(0.2)]
    );
}

#[test]
fn a_configured_fixed_probability_wins_over_the_checkpoint() {
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
    let keys = [("audit", 0.01, 1000.0), ("checkout", 0.05, 200.0)];
    let restored = restore(&sampler, checkpoint_of(&keys, SystemTime::now())).unwrap();
    assert_eq!(restored.keys, 2);
    assert_eq!(sampler.probability("audit"), Some(1.0));
    assert_eq!(sampler.probability("checkout"), Some(0.05));
}
