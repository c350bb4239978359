use std::time::Duration;

use super::*;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn ewma_starts_at_the_first_sample_and_moves_by_its_weight() {
    let mut average = Ewma::default();
    assert_eq!(average.value(), None);
    assert_eq!(average.update(100.0), Some(100.0));
    assert_eq!(average.update(200.0), Some(120.0));
    assert_eq!(average.value(), Some(120.0));
}

#[test]
fn ewma_ignores_samples_that_are_not_finite() {
    let mut average = Ewma::new(0.5);
    assert_eq!(average.update(f64::NAN), None);
    average.update(10.0);
    assert_eq!(average.update(f64::INFINITY), Some(10.0));
    assert_eq!(average.update(20.0), Some(15.0));
}

#[test]
fn ewma_weight_is_taken_into_0_to_1() {
    let mut whole = Ewma::new(7.0);
    whole.update(1.0);
    assert_eq!(whole.update(5.0), Some(5.0));
    let mut still = Ewma::new(-1.0);
    still.update(1.0);
    assert_eq!(still.update(5.0), Some(1.0));
}

#[test]
fn schedule_changes_once_per_interval() {
    let mut schedule = Schedule::new(secs(100), secs(10), Duration::ZERO, 0.1);
    assert_eq!(schedule.update(secs(109), || 0.5), 0.1);
    assert_eq!(schedule.update(secs(110), || 0.5), 0.5);
    assert_eq!(schedule.update(secs(115), || 0.7), 0.5);
    // Late: the next interval runs from the late call.
    assert_eq!(schedule.update(secs(135), || 0.7), 0.7);
    assert_eq!(schedule.update(secs(144), || 0.9), 0.7);
    assert_eq!(schedule.update(secs(145), || 0.9), 0.9);
    assert_eq!(schedule.probability(), 0.9);
}

#[test]
fn linear_follows_its_definition() {
    let linear = LinearParams::default();
    // (0.8 * 50 + 5 * 2) / 100
    assert_eq!(linear.probability(50.0, 2.0), 0.5);
    assert_eq!(linear.probability(10.0, 0.0), 0.08);
    assert_eq!(linear.probability(0.0, 0.0), 0.001);
    assert_eq!(linear.probability(200.0, 0.0), 1.0);
    assert_eq!(linear.probability(0.0, 30.0), 1.0);
    let custom = LinearParams {
        alpha: 1.0,
        beta: 2.0,
        c: 10.0,
        ..LinearParams::default()
    };
    assert_eq!(custom.probability(3.0, 1.0), 0.5);
}

#[test]
fn linear_is_recomputed_every_5_seconds() {
    let linear = LinearParams::default();
    let mut schedule = linear.schedule(Duration::ZERO);
    assert_eq!(
        schedule.update(secs(4), || linear.probability(50.0, 2.0)),
        0.1
    );
    assert_eq!(
        schedule.update(secs(5), || linear.probability(50.0, 2.0)),
        0.5
    );
}

#[test]
fn latency_follows_its_definition() {
    let latency = LatencyParams::default();
    // 0.5 * 200 / p95
    assert_eq!(latency.probability(200.0), 0.5);
    assert_eq!(latency.probability(1000.0), 0.1);
    assert_eq!(latency.probability(100.0), 1.0);
    assert_eq!(latency.probability(50_000.0), 0.01);
    for nothing_measured in [0.0, -1.0, f64::NAN] {
        assert_eq!(latency.probability(nothing_measured), 1.0);
    }
    let custom = LatencyParams {
        k: 0.2,
        reference_ms: 500.0,
        ..LatencyParams::default()
    };
    assert_eq!(custom.probability(250.0), 0.4);
}

#[test]
fn latency_waits_out_the_stabilization_time_then_every_30_seconds() {
    let latency = LatencyParams::default();
    let mut schedule = latency.schedule(secs(1000));
    for early in [1000, 1030, 1119] {
        assert_eq!(
            schedule.update(secs(early), || latency.probability(400.0)),
            0.1
        );
    }
    assert_eq!(
        schedule.update(secs(1120), || latency.probability(400.0)),
        0.25
    );
    assert_eq!(
        schedule.update(secs(1149), || latency.probability(1000.0)),
        0.25
    );
    assert_eq!(
        schedule.update(secs(1150), || latency.probability(1000.0)),
        0.1
    );
}

#[test]
fn bound_never_panics_and_maps_nan_to_the_floor() {
    assert_eq!(bound(f64::NAN, 0.01, 1.0), 0.01);
    assert_eq!(bound(2.0, 0.01, 1.0), 1.0);
    assert_eq!(bound(0.5, 1.0, 0.0), 0.0);
}
