//! Label sets: point attributes as labels, the resource's `job` and `instance`, the scope's labels,
//! and attribute values as strings.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use base64::Engine as _;
use weir_proto::otlp::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};

use super::Settings;
use crate::prometheus::model::{Labels, METRIC_NAME_LABEL};
use crate::prometheus::names::label_name;

/// The resource attribute `job` is made of, with [`SERVICE_NAMESPACE`] when present.
pub(super) const SERVICE_NAME: &str = "service.name";
/// The resource attribute that prefixes `job` as `<namespace>/<name>`.
pub(super) const SERVICE_NAMESPACE: &str = "service.namespace";
/// The resource attribute that becomes `instance`.
pub(super) const SERVICE_INSTANCE_ID: &str = "service.instance.id";

const JOB: &str = "job";
const INSTANCE: &str = "instance";
const SCOPE_NAME: &str = "otel_scope_name";
const SCOPE_VERSION: &str = "otel_scope_version";

/// What every series of one resource and scope carries besides its point's attributes.
pub(super) struct ScopeLabels<'a> {
    /// Resource attributes copied to every point (`resource_to_telemetry_conversion`), else empty.
    copied: &'a [KeyValue],
    /// `job`, `instance` and the scope labels, which win over attributes of the same name.
    fixed: Vec<(&'static str, String)>,
}

impl<'a> ScopeLabels<'a> {
    /// The labels shared by points of `scope` in a resource with attributes `resource`.
    pub(super) fn new(
        settings: &Settings,
        resource: &'a [KeyValue],
        scope: Option<&InstrumentationScope>,
    ) -> Self {
        let mut fixed = identity(resource);
        if settings.scope_labels
            && let Some(scope) = scope
        {
            fixed.push((SCOPE_NAME, scope.name.clone()));
            fixed.push((SCOPE_VERSION, scope.version.clone()));
        }
        let copied = if settings.resource_to_telemetry_conversion {
            resource
        } else {
            &[]
        };
        ScopeLabels { copied, fixed }
    }

    /// The labels of a point with `attributes`, without `__name__`.
    pub(super) fn point(&self, attributes: &[KeyValue]) -> BTreeMap<String, String> {
        let copied = self
            .copied
            .iter()
            .filter(|copied| !attributes.iter().any(|own| own.key == copied.key));
        let mut labels = attribute_labels(attributes.iter().chain(copied));
        for (name, value) in &self.fixed {
            labels.insert((*name).to_owned(), value.clone());
        }
        labels
    }
}

/// `job` (`service.namespace/service.name`, or `service.name`) and `instance`
/// (`service.instance.id`) of a resource; either is left out when its attributes are missing.
pub(super) fn identity(resource: &[KeyValue]) -> Vec<(&'static str, String)> {
    let find = |key: &str| {
        resource
            .iter()
            .find(|attribute| attribute.key == key)
            .map(|attribute| value_string(attribute.value.as_ref()))
    };
    let mut labels = Vec::with_capacity(4);
    if let Some(name) = find(SERVICE_NAME) {
        let job = match find(SERVICE_NAMESPACE) {
            Some(namespace) if !namespace.is_empty() => format!("{namespace}/{name}"),
            _ => name,
        };
        labels.push((JOB, job));
    }
    if let Some(instance) = find(SERVICE_INSTANCE_ID) {
        labels.push((INSTANCE, instance));
    }
    labels
}

/// `attributes` as labels. Keys that normalise to the same label name have their values joined with
/// `;` in the order of the original keys, as the spec requires.
pub(super) fn attribute_labels<'k>(
    attributes: impl Iterator<Item = &'k KeyValue>,
) -> BTreeMap<String, String> {
    let mut sorted: Vec<&KeyValue> = attributes.collect();
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    let mut labels = BTreeMap::new();
    for attribute in sorted {
        let name = label_name(&attribute.key);
        if name.is_empty() {
            continue;
        }
        let value = value_string(attribute.value.as_ref());
        match labels.entry(name) {
            Entry::Vacant(entry) => {
                entry.insert(value);
            }
            Entry::Occupied(mut entry) => {
                let joined = entry.get_mut();
                joined.push(';');
                joined.push_str(&value);
            }
        }
    }
    labels
}

/// A series' label set: `base` with `__name__` set to `name` and, for buckets and quantiles, `extra`.
pub(super) fn series_labels(
    base: &BTreeMap<String, String>,
    name: &str,
    extra: Option<(&str, String)>,
) -> Labels {
    match &extra {
        Some((label, value)) => {
            Labels::with_added(base.iter(), &[(METRIC_NAME_LABEL, name), (label, value)])
        }
        None => Labels::with_added(base.iter(), &[(METRIC_NAME_LABEL, name)]),
    }
}

/// An attribute value as a label value, per the OTel attribute spec: strings as they are, numbers and
/// booleans in their usual form, bytes in base64, arrays and maps as JSON.
pub(super) fn value_string(value: Option<&AnyValue>) -> String {
    match value.and_then(|value| value.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::DoubleValue(d)) => super::float_label(*d),
        Some(any_value::Value::BytesValue(bytes)) => {
            base64::engine::general_purpose::STANDARD.encode(bytes)
        }
        Some(any_value::Value::ArrayValue(_) | any_value::Value::KvlistValue(_)) => {
            json(value).to_string()
        }
        // Profiling's string-table references mean nothing outside a profile.
        Some(any_value::Value::StringValueStrindex(_)) | None => String::new(),
    }
}

fn json(value: Option<&AnyValue>) -> serde_json::Value {
    use serde_json::Value as Json;
    match value.and_then(|value| value.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => Json::String(s.clone()),
        Some(any_value::Value::BoolValue(b)) => Json::Bool(*b),
        Some(any_value::Value::IntValue(i)) => Json::from(*i),
        Some(any_value::Value::DoubleValue(d)) => serde_json::Number::from_f64(*d)
            .map_or_else(|| Json::String(super::float_label(*d)), Json::Number),
        Some(any_value::Value::BytesValue(bytes)) => {
            Json::String(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
        Some(any_value::Value::ArrayValue(array)) => {
            Json::Array(array.values.iter().map(|v| json(Some(v))).collect())
        }
        Some(any_value::Value::KvlistValue(list)) => Json::Object(
            list.values
                .iter()
                .map(|kv| (kv.key.clone(), json(kv.value.as_ref())))
                .collect(),
        ),
        Some(any_value::Value::StringValueStrindex(_)) | None => Json::Null,
    }
}
