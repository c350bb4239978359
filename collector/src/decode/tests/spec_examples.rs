//! The OTLP/JSON examples that ship with the spec (see testdata/README.md) must decode, and mean what
//! they say.

use weir_proto::fixtures::{SPAN_ID, TRACE_ID};
use weir_proto::otlp::common::v1::any_value::Value;
use weir_proto::otlp::metrics::v1::{metric, number_data_point};
use weir_proto::{Payload, Signal};

use super::decode_to_structs as decode;
use crate::decode::Format;

fn string(value: &str) -> Option<Value> {
    Some(Value::StringValue(value.into()))
}

#[test]
fn trace_example() {
    let Payload::Traces(request) = decode(
        Signal::Traces,
        Format::Json,
        include_bytes!("../testdata/trace.json"),
    )
    .unwrap() else {
        panic!("not traces")
    };
    let resource = &request.resource_spans[0];
    let service = &resource.resource.as_ref().unwrap().attributes[0];
    assert_eq!(
        (
            service.key.as_str(),
            service.value.as_ref().unwrap().value.clone()
        ),
        ("service.name", string("my.service"))
    );
    let scope = &resource.scope_spans[0];
    assert_eq!(
        scope
            .scope
            .as_ref()
            .map(|s| (s.name.as_str(), s.version.as_str())),
        Some(("my.library", "1.0.0"))
    );
    let span = &scope.spans[0];
    assert_eq!(span.trace_id, TRACE_ID);
    assert_eq!(span.span_id, SPAN_ID);
    assert_eq!(
        span.parent_span_id,
        [0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x73]
    );
    assert_eq!(span.name, "I'm a server span");
    assert_eq!(
        (span.start_time_unix_nano, span.end_time_unix_nano),
        (1_544_712_660_000_000_000, 1_544_712_661_000_000_000)
    );
    assert_eq!(span.kind, 2);
    assert_eq!(
        span.attributes[0].value.as_ref().unwrap().value,
        string("some value")
    );
}

#[test]
fn metrics_example() {
    let Payload::Metrics(request) = decode(
        Signal::Metrics,
        Format::Json,
        include_bytes!("../testdata/metrics.json"),
    )
    .unwrap() else {
        panic!("not metrics")
    };
    let metrics = &request.resource_metrics[0].scope_metrics[0].metrics;
    let names: Vec<&str> = metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["my.counter", "my.gauge", "my.histogram"]);
    let Some(metric::Data::Sum(sum)) = &metrics[0].data else {
        panic!("my.counter is not a sum")
    };
    assert_eq!((sum.aggregation_temporality, sum.is_monotonic), (1, true));
    assert_eq!(
        sum.data_points[0].value,
        Some(number_data_point::Value::AsDouble(5.0))
    );
    assert_eq!(
        sum.data_points[0].start_time_unix_nano,
        1_544_712_660_300_000_000
    );
    let Some(metric::Data::Gauge(gauge)) = &metrics[1].data else {
        panic!("my.gauge is not a gauge")
    };
    assert_eq!(
        gauge.data_points[0].value,
        Some(number_data_point::Value::AsDouble(10.0))
    );
    let Some(metric::Data::Histogram(histogram)) = &metrics[2].data else {
        panic!("my.histogram is not a histogram")
    };
    let point = &histogram.data_points[0];
    assert_eq!(
        (point.count, point.sum, point.min, point.max),
        (2, Some(2.0), Some(0.0), Some(2.0))
    );
    assert_eq!(
        (
            point.bucket_counts.as_slice(),
            point.explicit_bounds.as_slice()
        ),
        (&[1, 1][..], &[1.0][..])
    );
}

#[test]
fn logs_example() {
    let Payload::Logs(request) = decode(
        Signal::Logs,
        Format::Json,
        include_bytes!("../testdata/logs.json"),
    )
    .unwrap() else {
        panic!("not logs")
    };
    let record = &request.resource_logs[0].scope_logs[0].log_records[0];
    assert_eq!(
        (record.time_unix_nano, record.observed_time_unix_nano),
        (1_544_712_660_300_000_000, 1_544_712_660_300_000_000)
    );
    assert_eq!(record.severity_text, "Information");
    assert_eq!(
        (record.trace_id.as_slice(), record.span_id.as_slice()),
        (&TRACE_ID[..], &SPAN_ID[..])
    );
    assert_eq!(
        record.body.as_ref().unwrap().value,
        string("Example log record")
    );
    let values: Vec<Option<Value>> = record
        .attributes
        .iter()
        .map(|kv| kv.value.as_ref().unwrap().value.clone())
        .collect();
    assert_eq!(
        values[..4],
        [
            string("some string"),
            Some(Value::BoolValue(true)),
            Some(Value::IntValue(10)),
            Some(Value::DoubleValue(637.704))
        ]
    );
    let Some(Value::ArrayValue(array)) = &values[4] else {
        panic!("array.attribute is not an array")
    };
    assert_eq!(
        array
            .values
            .iter()
            .map(|v| v.value.clone())
            .collect::<Vec<_>>(),
        [string("many"), string("values")]
    );
    let Some(Value::KvlistValue(map)) = &values[5] else {
        panic!("map.attribute is not a map")
    };
    assert_eq!(map.values[0].key, "some.map.key");
}

#[test]
fn examples_survive_a_protobuf_and_json_round_trip() {
    for (signal, body) in [
        (
            Signal::Traces,
            &include_bytes!("../testdata/trace.json")[..],
        ),
        (Signal::Metrics, include_bytes!("../testdata/metrics.json")),
        (Signal::Logs, include_bytes!("../testdata/logs.json")),
    ] {
        let payload = decode(signal, Format::Json, body).unwrap();
        assert_eq!(
            decode(signal, Format::Protobuf, &payload.encode_to_vec()).unwrap(),
            payload
        );
        assert_eq!(
            decode(signal, Format::Json, &weir_proto::json::encode(&payload)).unwrap(),
            payload
        );
    }
}
