use std::time::Duration;

use super::*;

#[test]
fn parses_go_durations() {
    assert_eq!(parse("200ms"), Ok(Duration::from_millis(200)));
    assert_eq!(parse("10s"), Ok(Duration::from_secs(10)));
    assert_eq!(parse("1m30s"), Ok(Duration::from_secs(90)));
    assert_eq!(parse("1.5s"), Ok(Duration::from_millis(1500)));
    assert_eq!(parse("2h"), Ok(Duration::from_secs(7200)));
    assert_eq!(parse("250us"), Ok(Duration::from_micros(250)));
    assert_eq!(parse("250µs"), Ok(Duration::from_micros(250)));
    assert_eq!(parse("7ns"), Ok(Duration::from_nanos(7)));
    assert_eq!(parse("0"), Ok(Duration::ZERO));
}

#[test]
fn rejects_bad_durations() {
    for bad in ["", "10", "s", "10x", "1.2.3s", "-5s", "5 s", "ms10", "1e3s"] {
        let err = parse(bad).unwrap_err();
        assert!(err.contains("e.g. 200ms"), "{bad:?}: {err}");
    }
}

#[test]
fn formats_in_the_largest_exact_unit() {
    assert_eq!(format(Duration::ZERO), "0s");
    assert_eq!(format(Duration::from_millis(200)), "200ms");
    assert_eq!(format(Duration::from_secs(90)), "90s");
    assert_eq!(format(Duration::from_secs(120)), "2m");
    assert_eq!(format(Duration::from_secs(7200)), "2h");
    assert_eq!(format(Duration::from_micros(1500)), "1500us");
    assert_eq!(format(Duration::from_nanos(7)), "7ns");
}

#[test]
fn format_then_parse_is_identity() {
    for d in [Duration::from_millis(1500), Duration::from_nanos(123_456_789), Duration::from_secs(300)] {
        assert_eq!(parse(&format(d)), Ok(d));
    }
}
