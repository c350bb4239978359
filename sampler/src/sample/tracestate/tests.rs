use proptest::prelude::*;

use super::*;

const RV: &str = "0123456789abcd";

fn threshold(th: &str) -> Option<Threshold> {
    Threshold::parse(th).ok()
}

fn rewritten(incoming: &str, th: &str) -> String {
    let mut out = String::new();
    write_tracestate(
        incoming,
        threshold(th).and_then(Threshold::encode).unwrap(),
        &mut out,
    );
    out
}

#[test]
fn reads_nothing_from_an_empty_or_foreign_tracestate() {
    for tracestate in [
        "",
        " ",
        ",,",
        "congo=t61rcWkgMzE",
        "xot=th:8",
        "ot",
        "o=th:8",
    ] {
        assert_eq!(read_ot(tracestate), OtSampling::default(), "{tracestate:?}");
    }
}

#[test]
fn reads_th_and_rv_among_other_vendors_and_blanks() {
    let tracestate =
        format!("congo=t61rcWkgMzE, \tot=foo:bar;th:c;rv:{RV}\t ,rojo=00f067aa0ba902b7");
    assert_eq!(
        read_ot(&tracestate),
        OtSampling {
            threshold: threshold("c"),
            randomness: Randomness::parse(RV).ok()
        }
    );
    assert_eq!(read_ot("ot=th:8").threshold, threshold("8"));
}

#[test]
fn a_malformed_ot_value_means_no_threshold() {
    for tracestate in [
        "ot=",
        "ot=th8",
        "ot=th:8;",
        "ot=;th:8",
        "ot=:8",
        "ot=th:8;junk",
    ] {
        assert_eq!(read_ot(tracestate), OtSampling::default(), "{tracestate:?}");
    }
    for bad_th in ["", "g", "123456789abcdef", "+8"] {
        let found = read_ot(&format!("ot=th:{bad_th};rv:{RV}"));
        assert_eq!(found.threshold, None, "{bad_th:?}");
        assert_eq!(found.randomness, Randomness::parse(RV).ok());
    }
    assert_eq!(read_ot("ot=th:8;rv:123").randomness, None);
}

#[test]
fn only_the_first_ot_member_counts() {
    assert_eq!(read_ot("ot=th:c,ot=th:8").threshold, threshold("c"));
}

#[test]
fn writes_ot_alone_into_an_empty_tracestate() {
    assert_eq!(rewritten("", "8"), "ot=th:8");
    assert_eq!(rewritten(" , ", "0"), "ot=th:0");
}

#[test]
fn moves_ot_first_and_keeps_every_other_member_and_sub_key() {
    assert_eq!(
        rewritten("congo=t61rcWkgMzE", "8"),
        "ot=th:8,congo=t61rcWkgMzE"
    );
    assert_eq!(
        rewritten(&format!("a=1, ot=th:c;rv:{RV};foo:bar ,b=2"), "e"),
        format!("ot=th:e;rv:{RV};foo:bar,a=1,b=2")
    );
    assert_eq!(rewritten("a=1,,\t b=2 ,", "8"), "ot=th:8,a=1,b=2");
}

#[test]
fn drops_a_malformed_ot_value_and_duplicate_ot_members() {
    assert_eq!(rewritten("a=1,ot=garbage", "8"), "ot=th:8,a=1");
    assert_eq!(
        rewritten("ot=th:c;foo:bar,a=1,ot=th:4", "e"),
        "ot=th:e;foo:bar,a=1"
    );
}

#[test]
fn keeps_at_most_32_members() {
    let many: Vec<String> = (0..40).map(|i| format!("m{i}=v")).collect();
    let out = rewritten(&many.join(","), "8");
    let members: Vec<&str> = out.split(',').collect();
    assert_eq!(members.len(), 32);
    assert_eq!(members[0], "ot=th:8");
    assert_eq!(members[31], "m30=v");

    let with_ot = format!("{},ot=th:c", many[..31].join(","));
    let out = rewritten(&with_ot, "8");
    assert_eq!(out.split(',').count(), 32);
    assert!(out.ends_with(",m30=v"));
}

#[test]
fn an_ot_value_past_256_characters_keeps_only_th_and_rv() {
    let long = "x".repeat(240);
    let incoming = format!("ot=th:8;foo:{long};rv:{RV},a=1");
    assert_eq!(
        rewritten(&incoming, "fd70a3d70a3d71"),
        format!("ot=th:fd70a3d70a3d71;rv:{RV},a=1")
    );
}

#[test]
fn reuses_the_buffer() {
    let mut out = String::new();
    let th = Threshold::from_probability(0.1).encode().unwrap();
    write_tracestate("a=1,ot=th:c,b=2", th, &mut out);
    let (pointer, capacity) = (out.as_ptr(), out.capacity());
    write_tracestate("b=2,ot=th:8,a=1", th, &mut out);
    assert_eq!((out.as_ptr(), out.capacity()), (pointer, capacity));
    assert_eq!(out, "ot=th:e6666666666666,b=2,a=1");
}

#[test]
fn respects_a_larger_incoming_threshold() {
    let id = [0xff; 16];
    let quarter = threshold("c").unwrap();
    let half = threshold("8").unwrap();
    let incoming = OtSampling {
        threshold: Some(quarter),
        randomness: None,
    };
    assert_eq!(decide(&incoming, &id, half), Some(quarter));
    assert_eq!(decide(&incoming, &id, Threshold::KEEP_ALL), Some(quarter));
    let incoming = OtSampling {
        threshold: Some(half),
        randomness: None,
    };
    assert_eq!(decide(&incoming, &id, quarter), Some(quarter));
    assert_eq!(decide(&OtSampling::default(), &id, half), Some(half));
}

#[test]
fn never_keeps_randomness_below_the_incoming_threshold() {
    // The trace id's last 7 bytes: 0x40.. is below th:8 (0x80..).
    let mut id = [0; 16];
    id[9] = 0x40;
    let incoming = OtSampling {
        threshold: threshold("8"),
        randomness: None,
    };
    assert_eq!(decide(&incoming, &id, Threshold::KEEP_ALL), None);
    assert_eq!(
        decide(&OtSampling::default(), &id, Threshold::KEEP_ALL),
        Some(Threshold::KEEP_ALL)
    );
}

#[test]
fn rv_overrides_the_trace_id() {
    let high_id = [0xff; 16];
    let low_rv = OtSampling {
        threshold: None,
        randomness: Randomness::parse("00000000000001").ok(),
    };
    assert_eq!(decide(&low_rv, &high_id, threshold("8").unwrap()), None);
}

proptest! {
    #[test]
    fn any_tracestate_reads_and_rewrites_without_panicking(incoming in "[ -~\t]{0,300}") {
        read_ot(&incoming);
        let mut out = String::new();
        write_tracestate(&incoming, Threshold::KEEP_ALL.encode().unwrap(), &mut out);
        prop_assert!(out.starts_with("ot=th:0"));
        prop_assert!(out.split(',').count() <= MAX_MEMBERS);
    }

    #[test]
    fn a_written_threshold_reads_back(t in 0.0..=1.0f64, rest in "([a-z]{1,5}=[a-z0-9]{1,5},){0,40}") {
        let th = Threshold::from_probability(t);
        let mut out = String::new();
        if let Some(value) = th.encode() {
            write_tracestate(&rest, value, &mut out);
            prop_assert_eq!(read_ot(&out).threshold, Some(th));
        }
    }
}
