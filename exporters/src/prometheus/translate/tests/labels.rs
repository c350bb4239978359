use super::*;
use weir_proto::otlp::common::v1::{ArrayValue, KeyValueList};
use weir_proto::otlp::metrics::v1::Gauge;

fn gauge_with(attributes: Vec<KeyValue>) -> Metric {
    let data = metric::Data::Gauge(Gauge {
        data_points: vec![number(1, 1.0, attributes)],
    });
    metric("up", "", data)
}

fn typed(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: super::value(value),
        ..Default::default()
    }
}

#[test]
fn job_and_instance_come_from_the_service_attributes() {
    let only_name = vec![kv("service.name", "cart")];
    let set = translate(&request(only_name, vec![gauge_with(vec![])])).series;
    assert_eq!(
        rendered(&set),
        [r#"up{job="cart",otel_scope_name="lib",otel_scope_version="1.2"}"#]
    );

    let set = translate(&request(service(), vec![gauge_with(vec![])])).series;
    assert_eq!(rendered(&set)[0], format!("up{{{COMMON}}}"));
}

#[test]
fn attribute_keys_are_normalised_and_collisions_joined_in_key_order() {
    let attributes = vec![
        kv("http.method", "GET"),
        kv("http_method", "get"),
        kv("2xx", "yes"),
        kv("_internal", "x"),
        kv("__name__", "hijack"),
        kv("job", "overridden"),
        kv("empty", ""),
    ];
    let set = translate(&request(service(), vec![gauge_with(attributes)])).series;
    let labels = &set.series[0].labels;
    assert_eq!(labels.get("http_method"), Some("GET;get"));
    assert_eq!(labels.get("key_2xx"), Some("yes"));
    assert_eq!(labels.get("key_internal"), Some("x"));
    assert_eq!(labels.get("key_name_"), Some("hijack"));
    assert_eq!(labels.metric_name(), Some("up"));
    assert_eq!(
        labels.get("job"),
        Some("shop/cart"),
        "job is the resource's"
    );
    assert_eq!(labels.get("empty"), None, "an empty value means no label");
}

#[test]
fn attribute_values_of_every_type_become_strings() {
    let array = ArrayValue {
        values: vec![
            AnyValue {
                value: Some(any_value::Value::IntValue(1)),
            },
            AnyValue {
                value: Some(any_value::Value::StringValue("two".into())),
            },
        ],
    };
    let map = KeyValueList {
        values: vec![kv("k", "v")],
    };
    let attributes = vec![
        typed("int", any_value::Value::IntValue(-7)),
        typed("double", any_value::Value::DoubleValue(0.25)),
        typed("bool", any_value::Value::BoolValue(true)),
        typed(
            "bytes",
            any_value::Value::BytesValue(vec![0xff, 0x00, 0x10]),
        ),
        typed("array", any_value::Value::ArrayValue(array)),
        typed("map", any_value::Value::KvlistValue(map)),
    ];
    let set = translate(&request(service(), vec![gauge_with(attributes)])).series;
    let labels = &set.series[0].labels;
    assert_eq!(labels.get("int"), Some("-7"));
    assert_eq!(labels.get("double"), Some("0.25"));
    assert_eq!(labels.get("bool"), Some("true"));
    assert_eq!(labels.get("bytes"), Some("/wAQ"));
    assert_eq!(labels.get("array"), Some(r#"[1,"two"]"#));
    assert_eq!(labels.get("map"), Some(r#"{"k":"v"}"#));
}

#[test]
fn target_info_carries_the_other_resource_attributes() {
    let set = translate(&request(service(), vec![gauge_with(vec![])])).series;
    let target = series(
        &set,
        r#"target_info{host_name="web-1",instance="i-1",job="shop/cart"}"#,
    );
    assert_eq!(values(target), [1.0]);
    assert_eq!(target.samples[0].timestamp_ms, T0_MS + 1000);
    assert_eq!(target.family.help, "Target metadata");
}

#[test]
fn target_info_needs_other_attributes_an_identity_and_the_setting() {
    let only_service = vec![kv("service.name", "cart"), kv("service.instance.id", "i-1")];
    let set = translate(&request(only_service, vec![gauge_with(vec![])])).series;
    assert_eq!(set.series.len(), 1, "{:?}", rendered(&set));

    let no_identity = vec![kv("host.name", "web-1")];
    let set = translate(&request(no_identity, vec![gauge_with(vec![])])).series;
    assert_eq!(set.series.len(), 1, "{:?}", rendered(&set));

    let settings = Settings {
        target_info: false,
        ..Settings::default()
    };
    let set = translate_with(settings, &request(service(), vec![gauge_with(vec![])])).series;
    assert_eq!(set.series.len(), 1, "{:?}", rendered(&set));
}

#[test]
fn resource_to_telemetry_copies_every_resource_attribute_but_the_point_wins() {
    let settings = Settings {
        resource_to_telemetry_conversion: true,
        target_info: false,
        scope_labels: false,
        classic_exponential_histograms: false,
    };
    let request = request(
        service(),
        vec![gauge_with(vec![kv("host.name", "from-point")])],
    );
    let set = translate_with(settings, &request).series;
    assert_eq!(
        rendered(&set),
        [concat!(
            r#"up{host_name="from-point",instance="i-1",job="shop/cart","#,
            r#"service_instance_id="i-1",service_name="cart",service_namespace="shop"}"#
        )]
    );
}
