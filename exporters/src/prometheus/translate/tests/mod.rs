//! Translation of each metric kind, built as OTLP by hand, with the series expected.

mod delta;
mod exponential;
mod histogram;
mod labels;
mod number;
mod summary;

use weir_proto::otlp::collector::metrics::v1::ExportMetricsServiceRequest;
use weir_proto::otlp::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use weir_proto::otlp::metrics::v1::{
    AggregationTemporality, Exemplar, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics,
    exemplar, metric, number_data_point,
};
use weir_proto::otlp::resource::v1::Resource;

use super::{DeltaAccumulator, Settings, Translation, Translator};
use crate::prometheus::model::{Labels, Series, SeriesSet};

/// 2023-11-14T22:13:20Z, in nanoseconds.
const T0: u64 = 1_700_000_000_000_000_000;
/// [`T0`] in milliseconds.
const T0_MS: i64 = 1_700_000_000_000;
const SECOND: u64 = 1_000_000_000;

const CUMULATIVE: i32 = AggregationTemporality::Cumulative as i32;
const DELTA: i32 = AggregationTemporality::Delta as i32;

fn value(value: any_value::Value) -> Option<AnyValue> {
    Some(AnyValue { value: Some(value) })
}

fn kv(key: &str, text: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: value(any_value::Value::StringValue(text.into())),
        ..Default::default()
    }
}

/// A request with one resource (`resource` attributes) and one scope `lib` version `1.2`.
fn request(resource: Vec<KeyValue>, metrics: Vec<Metric>) -> ExportMetricsServiceRequest {
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(Resource {
                attributes: resource,
                ..Default::default()
            }),
            scope_metrics: vec![ScopeMetrics {
                scope: Some(InstrumentationScope {
                    name: "lib".into(),
                    version: "1.2".into(),
                    ..Default::default()
                }),
                metrics,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

/// The resource most tests use: job `shop/cart`, instance `i-1`, and `host.name` for `target_info`.
fn service() -> Vec<KeyValue> {
    vec![
        kv("service.name", "cart"),
        kv("service.namespace", "shop"),
        kv("service.instance.id", "i-1"),
        kv("host.name", "web-1"),
    ]
}

fn metric(name: &str, unit: &str, data: metric::Data) -> Metric {
    Metric {
        name: name.into(),
        description: format!("About {name}."),
        unit: unit.into(),
        data: Some(data),
        ..Default::default()
    }
}

fn number(seconds: u64, value: f64, attributes: Vec<KeyValue>) -> NumberDataPoint {
    NumberDataPoint {
        attributes,
        start_time_unix_nano: T0,
        time_unix_nano: T0 + seconds * SECOND,
        value: Some(number_data_point::Value::AsDouble(value)),
        ..Default::default()
    }
}

fn exemplar(value: f64, seconds: u64) -> Exemplar {
    Exemplar {
        filtered_attributes: vec![kv("user", "ann")],
        time_unix_nano: T0 + seconds * SECOND,
        span_id: vec![0xab; 8],
        trace_id: vec![
            0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0, 0, 0, 0, 0, 0, 0, 1,
        ],
        value: Some(exemplar::Value::AsDouble(value)),
    }
}

fn translate(request: &ExportMetricsServiceRequest) -> Translation {
    translate_with(Settings::default(), request)
}

fn translate_with(settings: Settings, request: &ExportMetricsServiceRequest) -> Translation {
    Translator::new(settings, DeltaAccumulator::new(1000)).translate(request)
}

/// `labels` as `name{label="value",...}`, the way PromQL writes a series.
fn render(labels: &Labels) -> String {
    let name = labels.metric_name().unwrap_or_default();
    let rest: Vec<String> = labels
        .iter()
        .filter(|label| label.name != "__name__")
        .map(|label| format!("{}={:?}", label.name, label.value))
        .collect();
    format!("{name}{{{}}}", rest.join(","))
}

/// Every series of `set`, rendered, in the order they were made.
fn rendered(set: &SeriesSet) -> Vec<String> {
    set.series
        .iter()
        .map(|series| render(&series.labels))
        .collect()
}

/// The series of `set` rendered as `wanted`.
#[track_caller]
fn series<'a>(set: &'a SeriesSet, wanted: &str) -> &'a Series {
    set.series
        .iter()
        .find(|series| render(&series.labels) == wanted)
        .unwrap_or_else(|| panic!("no series {wanted} in {:#?}", rendered(set)))
}

/// The values of a series' float samples.
fn values(series: &Series) -> Vec<f64> {
    series.samples.iter().map(|sample| sample.value).collect()
}

/// The labels every series of [`service`] carries, rendered.
const COMMON: &str =
    r#"instance="i-1",job="shop/cart",otel_scope_name="lib",otel_scope_version="1.2""#;
