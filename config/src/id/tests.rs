use super::*;

#[test]
fn component_id_has_type_and_optional_name() {
    let id: ComponentId = "otlp/jaeger".parse().unwrap();
    assert_eq!((id.kind(), id.name()), ("otlp", Some("jaeger")));
    assert_eq!(id.to_string(), "otlp/jaeger");
    let id: ComponentId = "batch".parse().unwrap();
    assert_eq!((id.kind(), id.name()), ("batch", None));
}

#[test]
fn invalid_component_ids_are_rejected() {
    for bad in ["", "/x", "otlp/", "ot lp", "a/b/c"] {
        assert!(bad.parse::<ComponentId>().is_err(), "{bad:?}");
    }
}

#[test]
fn pipeline_id_starts_with_a_signal() {
    let id: PipelineId = "metrics/internal".parse().unwrap();
    assert_eq!(id.signal(), weir_proto::Signal::Metrics);
    assert_eq!(id.to_string(), "metrics/internal");
    assert!("spans".parse::<PipelineId>().unwrap_err().contains("traces, metrics or logs"));
}
