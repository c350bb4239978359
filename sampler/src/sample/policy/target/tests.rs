use std::time::Duration;

use super::*;

const INTERVAL: Duration = Duration::from_secs(10);

/// One key driven one decision interval at a time.
struct Key {
    params: TargetParams,
    state: Target,
    decisions: u32,
}

impl Key {
    fn new(params: TargetParams) -> Self {
        let state = Target::new(&params, Duration::ZERO);
        Self {
            params,
            state,
            decisions: 0,
        }
    }

    /// Runs `intervals` decisions at `traces_per_second` with `error_rate`; the kept rate after each.
    fn run(&mut self, intervals: u32, traces_per_second: f64, error_rate: f64) -> Vec<f64> {
        let observed = Observed {
            traces_per_second,
            error_rate,
        };
        let target = self.params.target_traces_per_second;
        (0..intervals)
            .map(|_| {
                self.decisions += 1;
                let now = INTERVAL * self.decisions;
                traces_per_second * self.state.update(&self.params, now, observed, target)
            })
            .collect()
    }
}

fn within(kept: f64, target: f64, share: f64) -> bool {
    (kept / target - 1.0).abs() <= share
}

#[test]
fn converges_within_3_intervals_and_stays() {
    let mut key = Key::new(TargetParams::default());
    assert_eq!(key.state.probability(), 0.1);
    let kept = key.run(20, 200.0, 0.0);
    let settled = kept
        .iter()
        .position(|&rate| within(rate, 10.0, 0.1))
        .unwrap();
    assert!(settled < 3, "kept rates {kept:?}");
    assert!(
        kept[settled..].iter().all(|&rate| within(rate, 10.0, 0.1)),
        "{kept:?}"
    );
}

#[test]
fn nothing_changes_before_the_first_interval() {
    let params = TargetParams::default();
    let mut key = Target::new(&params, Duration::from_secs(100));
    let observed = Observed {
        traces_per_second: 200.0,
        error_rate: 0.0,
    };
    assert_eq!(
        key.update(&params, Duration::from_secs(109), observed, 10.0),
        0.1
    );
    assert_eq!(
        key.update(&params, Duration::from_secs(110), observed, 10.0),
        0.05
    );
}

#[test]
fn increases_at_most_double_and_decreases_at_once() {
    let mut key = Key::new(TargetParams {
        initial_probability: 0.01,
        ..TargetParams::default()
    });
    let kept = key.run(3, 200.0, 0.0);
    // 2, then 4 and 8 traces/s: doubling, then inside the ±30% dead band.
    assert_eq!(kept, [4.0, 8.0, 8.0]);
    assert_eq!(key.run(1, 2000.0, 0.0), [10.0]);
}

#[test]
fn the_dead_band_holds_the_probability() {
    let mut key = Key::new(TargetParams::default());
    key.run(1, 200.0, 0.0);
    // 250 traces/s at 0.05 keeps 12.5: +25%, inside the band.
    assert_eq!(key.run(1, 250.0, 0.0), [12.5]);
    // 300 traces/s keeps 15: +50%, outside.
    assert_eq!(key.run(1, 300.0, 0.0), [10.0]);
}

#[test]
fn an_error_burst_raises_the_probability_without_compounding() {
    let mut key = Key::new(TargetParams::default());
    key.run(3, 200.0, 0.0);
    assert_eq!(key.state.probability(), 0.05);
    let burst = key.run(3, 200.0, 0.5);
    assert!(
        burst.iter().all(|&rate| within(rate, 15.0, 1e-12)),
        "{burst:?}"
    );
    assert_eq!(key.run(1, 200.0, 1.0), [20.0]);
    assert_eq!(key.run(1, 200.0, 0.0), [10.0]);
}

#[test]
fn probability_stays_within_its_bounds_and_floor() {
    let mut key = Key::new(TargetParams::default());
    key.run(1, 1e6, 0.0);
    assert_eq!(key.state.probability(), 0.001);

    let mut key = Key::new(TargetParams {
        min_traces_per_second: 2.0,
        ..TargetParams::default()
    });
    // The target wants 0.1 of 10 traces/s; the floor wants 2 of them.
    assert_eq!(key.run(1, 10.0, 0.0), [2.0]);

    let mut idle = Key::new(TargetParams::default());
    idle.run(5, 0.0, f64::NAN);
    assert_eq!(idle.state.probability(), 1.0);
}

#[test]
fn without_a_cap_every_key_aims_at_the_target() {
    let params = TargetParams::default();
    assert_eq!(params.capped_target(&mut [1e6, 1e6]), 10.0);
}

#[test]
fn a_cap_is_shared_by_water_filling() {
    let params = TargetParams {
        target_traces_per_second: 50.0,
        total_traces_per_second: Some(30.0),
        ..TargetParams::default()
    };
    // The key at 2 traces/s needs less than a third: the other two split the remaining 28.
    assert_eq!(params.capped_target(&mut [100.0, 2.0, 100.0]), 14.0);
    // Everything fits: no key is held below the target.
    assert_eq!(params.capped_target(&mut [5.0, 5.0, 5.0]), 50.0);
    assert_eq!(params.capped_target(&mut []), 50.0);
}

#[test]
fn capped_keys_converge_to_their_share() {
    let params = TargetParams {
        total_traces_per_second: Some(10.0),
        ..TargetParams::default()
    };
    let rates = [200.0, 1000.0];
    let mut keys = [
        Target::new(&params, Duration::ZERO),
        Target::new(&params, Duration::ZERO),
    ];
    let mut kept = 0.0;
    for i in 1..=5 {
        let target = params.capped_target(&mut rates.clone());
        let observed = |traces_per_second| Observed {
            traces_per_second,
            error_rate: 0.0,
        };
        kept = keys
            .iter_mut()
            .zip(rates)
            .map(|(key, rate)| rate * key.update(&params, INTERVAL * i, observed(rate), target))
            .sum();
    }
    assert!(within(kept, 10.0, 0.1), "kept {kept}");
}

#[test]
fn a_resumed_key_decides_from_its_base_not_its_boosted_probability() {
    let params = TargetParams::default();
    // Left boosted by errors at 0.075 over a base of 0.05.
    let mut key = Target::resumed(&params, Duration::ZERO, 0.05, 0.075);
    assert_eq!((key.probability(), key.base()), (0.075, 0.05));
    let calm = Observed {
        traces_per_second: 200.0,
        error_rate: 0.0,
    };
    // 200 traces/s at the base keeps 10, on target: the boost goes, the base stays.
    assert_eq!(key.update(&params, INTERVAL, calm, 10.0), 0.05);
}
