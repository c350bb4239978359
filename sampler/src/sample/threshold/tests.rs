use proptest::prelude::*;

use super::*;

fn th(p: f64) -> String {
    Threshold::from_probability(p)
        .encode()
        .map_or_else(String::new, |th| th.to_string())
}

#[test]
fn encodes_the_specification_examples() {
    assert_eq!(th(1.0), "0");
    assert_eq!(th(0.5), "8");
    assert_eq!(th(0.25), "c");
    assert_eq!(th(0.125), "e");
    assert_eq!(th(0.0625), "f");
    assert_eq!(th(0.75), "4");
}

#[test]
fn keeps_all_56_bits_of_inexact_probabilities() {
    // The specification's table rounds these to 3-5 digits; at full precision the digits run on
    // (the f64 nearest 1/3 is a hair below it, hence the final c, not b).
    assert_eq!(th(1.0 / 3.0), "aaaaaaaaaaaaac");
    assert_eq!(th(0.2), "cccccccccccccc");
    assert_eq!(th(0.1), "e6666666666666");
    assert_eq!(th(0.01), "fd70a3d70a3d71");
    assert_eq!(th(0.001), "ffbe76c8b43958");
}

#[test]
fn matches_the_specification_table() {
    // (th, actual probability, exact adjusted count), from the 1-in-N table at precisions 3 to 5.
    let table = [
        ("aab", 0.333251953125, 3.0007326007326007),
        ("aaab", 0.3333282470703125, 3.00004577706569),
        ("aaaab", 0.33333301544189453, 3.0000028610256777),
        ("cccd", 0.1999969482421875, 5.0000762951094835),
        ("e666", 0.100006103515625, 9.99938968568813),
        ("fd70a", 0.010000228881835938, 99.99771123402633),
        ("fd70a4", 0.009999990463256836, 100.00009536752259),
        ("ffbe77", 0.0009999871253967285, 1000.012874769029),
        ("fff9724", 0.00010000169277191162, 9999.830725674266),
        ("ffff583a", 1.00000761449337e-05, 99999.238556461),
    ];
    for (value, probability, adjusted_count) in table {
        let threshold = Threshold::parse(value).unwrap();
        assert_eq!(threshold.probability(), probability, "{value}");
        let relative = (threshold.adjusted_count() - adjusted_count).abs() / adjusted_count;
        assert!(relative < 1e-15, "{value}: {}", threshold.adjusted_count());
        assert_eq!(th(probability), value);
    }
}

#[test]
fn clamps_probabilities_and_keeps_none_only_below_half_a_step() {
    assert_eq!(Threshold::from_probability(0.0), Threshold::KEEP_NONE);
    assert_eq!(Threshold::from_probability(-3.0), Threshold::KEEP_NONE);
    assert_eq!(Threshold::from_probability(f64::NAN), Threshold::KEEP_NONE);
    assert_eq!(Threshold::from_probability(2.0), Threshold::KEEP_ALL);
    assert_eq!(
        Threshold::from_probability(f64::INFINITY),
        Threshold::KEEP_ALL
    );
    assert_eq!(th(2f64.powi(-57)), "ffffffffffffff");
    assert_eq!(
        Threshold::from_probability(2f64.powi(-58)),
        Threshold::KEEP_NONE
    );
    assert_eq!(Threshold::KEEP_NONE.encode(), None);
}

#[test]
fn probability_and_adjusted_count_at_the_ends() {
    assert_eq!(Threshold::KEEP_ALL.probability(), 1.0);
    assert_eq!(Threshold::KEEP_ALL.adjusted_count(), 1.0);
    assert_eq!(Threshold::KEEP_NONE.probability(), 0.0);
    assert_eq!(Threshold::KEEP_NONE.adjusted_count(), 0.0);
    assert_eq!(Threshold::from_probability(0.25).adjusted_count(), 4.0);
}

#[test]
fn parse_takes_1_to_14_hex_digits_of_either_case() {
    assert_eq!(Threshold::parse("0"), Ok(Threshold::KEEP_ALL));
    assert_eq!(Threshold::parse("00000000000000"), Ok(Threshold::KEEP_ALL));
    assert_eq!(Threshold::parse("8"), Ok(Threshold(SPAN / 2)));
    assert_eq!(Threshold::parse("C"), Threshold::parse("c"));
    assert_eq!(Threshold::parse("ffffffffffffff"), Ok(Threshold(SPAN - 1)));
}

#[test]
fn parse_refuses_everything_else() {
    assert_eq!(Threshold::parse(""), Err(ParseError::ThresholdLength(0)));
    assert_eq!(
        Threshold::parse("100000000000000"),
        Err(ParseError::ThresholdLength(15))
    );
    for bad in ["+8", "-1", " 8", "8 ", "0x8", "g", "8;", "é"] {
        assert!(Threshold::parse(bad).is_err(), "{bad:?}");
    }
    assert_eq!(Threshold::parse("8g"), Err(ParseError::NotHex('g')));
}

#[test]
fn randomness_is_the_last_7_bytes_of_the_trace_id() {
    let mut id = [0xee; 16];
    id[9..].copy_from_slice(&[0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd]);
    assert_eq!(Randomness::from_trace_id(&id), Randomness(0x0123456789abcd));
    assert_eq!(
        Randomness::parse("0123456789abcd"),
        Ok(Randomness(0x0123456789abcd))
    );
    assert_eq!(
        Randomness::parse("0123456789ABCD"),
        Ok(Randomness(0x0123456789abcd))
    );
}

#[test]
fn randomness_takes_exactly_14_hex_digits() {
    assert_eq!(Randomness::parse("8"), Err(ParseError::RandomnessLength(1)));
    assert_eq!(
        Randomness::parse("0123456789abcde"),
        Err(ParseError::RandomnessLength(15))
    );
    assert_eq!(
        Randomness::parse("0123456789abcx"),
        Err(ParseError::NotHex('x'))
    );
}

#[test]
fn keeps_when_randomness_reaches_the_threshold() {
    let half = Threshold::from_probability(0.5);
    assert!(should_keep(Randomness(SPAN / 2), half));
    assert!(!should_keep(Randomness(SPAN / 2 - 1), half));
    assert!(should_keep(Randomness(0), Threshold::KEEP_ALL));
    assert!(!should_keep(Randomness(SPAN - 1), Threshold::KEEP_NONE));
}

proptest! {
    #[test]
    fn encode_then_parse_is_identity(t in 0..SPAN) {
        let encoded = Threshold(t).encode().unwrap();
        prop_assert!(!encoded.as_str().is_empty() && encoded.as_str().len() <= DIGITS);
        prop_assert_eq!(Threshold::parse(encoded.as_str()), Ok(Threshold(t)));
    }

    #[test]
    fn parse_then_encode_is_identity(value in "0|[0-9a-f]{0,13}[1-9a-f]") {
        let encoded = Threshold::parse(&value).unwrap().encode().unwrap();
        prop_assert_eq!(encoded.as_str(), value.as_str());
        prop_assert_eq!(Threshold::parse(&value.to_uppercase()), Threshold::parse(&value));
    }

    #[test]
    fn probability_survives_the_threshold(p in 0.0..=1.0f64) {
        let error = (Threshold::from_probability(p).probability() - p).abs();
        prop_assert!(error <= 2f64.powi(-57), "{p}: off by {error}");
    }

    #[test]
    fn a_kept_span_stays_kept_at_any_higher_probability(
        id in any::<[u8; 16]>(),
        low in 0.0..=1.0f64,
        high in 0.0..=1.0f64,
    ) {
        let (low, high) = (low.min(high), low.max(high));
        let r = Randomness::from_trace_id(&id);
        if should_keep(r, Threshold::from_probability(low)) {
            prop_assert!(should_keep(r, Threshold::from_probability(high)));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn keeps_a_share_p_of_random_trace_ids(
        p in 0.0..=1.0f64,
        ids in proptest::collection::vec(any::<[u8; 16]>(), 4000),
    ) {
        let threshold = Threshold::from_probability(p);
        let kept = ids.iter().filter(|id| should_keep(Randomness::from_trace_id(id), threshold)).count();
        let n = ids.len() as f64;
        // Six binomial standard deviations (plus one for p near 0 or 1): a false alarm about once in
        // 10^9 cases.
        let tolerance = 6.0 * (n * p * (1.0 - p)).sqrt() + 1.0;
        prop_assert!((kept as f64 - n * p).abs() <= tolerance, "p {p}: kept {kept} of {n}");
    }
}
