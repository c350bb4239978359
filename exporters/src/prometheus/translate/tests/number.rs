use super::*;
use crate::prometheus::model::{MetricType, is_stale};
use weir_proto::otlp::metrics::v1::{DataPointFlags, Gauge, Sum};

fn sum(monotonic: bool, temporality: i32, points: Vec<NumberDataPoint>) -> metric::Data {
    metric::Data::Sum(Sum {
        data_points: points,
        aggregation_temporality: temporality,
        is_monotonic: monotonic,
    })
}

#[test]
fn gauge_becomes_a_gauge_named_with_its_unit() {
    let point = NumberDataPoint {
        exemplars: vec![exemplar(1.0, 1)],
        ..number(1, 42.5, vec![kv("pool", "eden")])
    };
    let gauge = metric::Data::Gauge(Gauge {
        data_points: vec![point],
    });
    let translation = translate(&request(
        service(),
        vec![metric("jvm.memory.used", "By", gauge)],
    ));

    let series = series(
        &translation.series,
        &format!(r#"jvm_memory_used_bytes{{{COMMON},pool="eden"}}"#),
    );
    assert_eq!(values(series), [42.5]);
    assert_eq!(series.samples[0].timestamp_ms, T0_MS + 1000);
    assert_eq!(series.family.kind, MetricType::Gauge);
    assert_eq!(series.family.name, "jvm_memory_used_bytes");
    assert_eq!(series.family.unit, "bytes");
    assert_eq!(series.family.help, "About jvm.memory.used.");
    assert!(
        series.exemplars.is_empty(),
        "the spec drops exemplars of gauges"
    );
    assert_eq!(series.created_timestamp_ms, None);
    assert_eq!(translation.dropped.total(), 0);
}

#[test]
fn monotonic_sum_becomes_a_counter_with_exemplars_and_created_timestamp() {
    let point = NumberDataPoint {
        exemplars: vec![exemplar(3.0, 1)],
        value: Some(number_data_point::Value::AsInt(17)),
        ..number(1, 0.0, vec![kv("http.request.method", "GET")])
    };
    let data = sum(true, CUMULATIVE, vec![point]);
    let set = translate(&request(
        service(),
        vec![metric("http.server.requests", "{request}", data)],
    ))
    .series;

    let series = series(
        &set,
        &format!(r#"http_server_requests_total{{http_request_method="GET",{COMMON}}}"#),
    );
    assert_eq!(values(series), [17.0]);
    assert_eq!(series.family.kind, MetricType::Counter);
    assert_eq!(series.family.unit, "");
    assert_eq!(series.created_timestamp_ms, Some(T0_MS));
    assert_eq!(series.exemplars.len(), 1);
    let exemplar = &series.exemplars[0];
    assert_eq!(exemplar.value, 3.0);
    assert_eq!(exemplar.timestamp_ms, T0_MS + 1000);
    assert_eq!(
        exemplar.labels.get("trace_id"),
        Some("0123456789abcdef0000000000000001")
    );
    assert_eq!(exemplar.labels.get("span_id"), Some("abababababababab"));
    assert_eq!(exemplar.labels.get("user"), Some("ann"));
}

#[test]
fn non_monotonic_sum_becomes_a_gauge_without_total() {
    let data = sum(false, CUMULATIVE, vec![number(1, -3.0, vec![])]);
    let set = translate(&request(
        service(),
        vec![metric("queue.size", "{item}", data)],
    ))
    .series;
    let series = series(&set, &format!("queue_size{{{COMMON}}}"));
    assert_eq!(values(series), [-3.0]);
    assert_eq!(series.family.kind, MetricType::Gauge);
    assert_eq!(series.created_timestamp_ms, None);
}

#[test]
fn points_of_one_series_share_it_in_time_order() {
    let data = sum(
        true,
        CUMULATIVE,
        vec![number(2, 20.0, vec![]), number(1, 10.0, vec![])],
    );
    let set = translate(&request(service(), vec![metric("jobs", "", data)])).series;
    let series = series(&set, &format!("jobs_total{{{COMMON}}}"));
    assert_eq!(values(series), [10.0, 20.0]);
}

#[test]
fn no_recorded_value_becomes_a_staleness_marker() {
    let stale = NumberDataPoint {
        value: None,
        flags: DataPointFlags::NoRecordedValueMask as u32,
        ..number(1, 0.0, vec![])
    };
    let gauge = metric::Data::Gauge(Gauge {
        data_points: vec![stale],
    });
    let set = translate(&request(service(), vec![metric("temp", "", gauge)])).series;
    let series = series(&set, &format!("temp{{{COMMON}}}"));
    assert!(is_stale(series.samples[0].value));
}

#[test]
fn malformed_points_are_dropped_and_counted() {
    let no_value = NumberDataPoint {
        value: None,
        ..number(1, 0.0, vec![])
    };
    let gauge = metric::Data::Gauge(Gauge {
        data_points: vec![no_value, number(1, 1.0, vec![])],
    });
    let unspecified = sum(
        true,
        0,
        vec![number(1, 1.0, vec![]), number(2, 2.0, vec![])],
    );
    let nameless = metric::Data::Gauge(Gauge {
        data_points: vec![number(1, 1.0, vec![])],
    });
    let translation = translate(&request(
        service(),
        vec![
            metric("ok", "", gauge),
            metric("unspecified", "", unspecified),
            metric("...", "", nameless),
        ],
    ));
    assert_eq!(translation.dropped.invalid, 4);
    assert_eq!(rendered(&translation.series)[0], format!("ok{{{COMMON}}}"));
}
