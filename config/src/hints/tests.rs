use super::*;

#[test]
fn typo_gets_a_suggestion() {
    let path = KeyPath::of(&["exporters", "otlp/jaeger", "compresion"]);
    let message = unknown_field(&path, "compresion", &["endpoint", "compression", "headers"]);
    assert_eq!(
        message,
        "unknown field `compresion`, expected one of `endpoint`, `compression`, `headers`; did you mean `compression`?"
    );
}

#[test]
fn far_key_gets_no_suggestion() {
    let path = KeyPath::of(&["exporters", "otlp", "zzz"]);
    assert_eq!(unknown_field(&path, "zzz", &["endpoint"]), "unknown field `zzz`, expected `endpoint`");
}

#[test]
fn collector_memory_limiter_settings_explain_weir() {
    for field in ["check_interval", "spike_limit_mib"] {
        let path = KeyPath::of(&["processors", "memory_limiter/x", field]);
        let message = unknown_field(&path, field, &["limit_mib"]);
        assert!(message.contains("counts the bytes") && message.contains("only `limit_mib`"), "{message}");
    }
    let elsewhere = KeyPath::of(&["processors", "batch", "check_interval"]);
    assert!(unknown_field(&elsewhere, "check_interval", &["timeout"]).starts_with("unknown field"));
}

#[test]
fn collector_extensions_are_explained() {
    for path in [KeyPath::of(&["extensions"]), KeyPath::of(&["service", "extensions"])] {
        let message = unknown_field(&path, "extensions", &["receivers"]);
        assert!(message.contains("admin server"), "{message}");
    }
}

#[test]
fn edit_distance_counts_edits() {
    assert_eq!(edit_distance("", "abc"), 3);
    assert_eq!(edit_distance("kitten", "sitting"), 3);
    assert_eq!(edit_distance("timeout", "timeout"), 0);
    assert_eq!(edit_distance("timout", "timeout"), 1);
}
