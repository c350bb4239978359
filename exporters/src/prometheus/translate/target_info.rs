//! `target_info`: one series per resource whose labels are the resource's attributes, so a query can
//! join them onto any series by `job` and `instance`.

use std::sync::Arc;

use weir_proto::otlp::common::v1::KeyValue;

use super::collect::Collector;
use super::labels::{
    SERVICE_INSTANCE_ID, SERVICE_NAME, SERVICE_NAMESPACE, attribute_labels, identity, series_labels,
};
use super::millis;
use crate::prometheus::model::{Family, MetricType, Sample};

const NAME: &str = "target_info";

/// Adds the `target_info` sample of a resource with attributes `resource` whose newest point is at
/// `latest_ns`; nothing when the resource has no attribute beyond `job` and `instance`'s, no `job` or
/// `instance` to join on, or no point.
pub(super) fn add(resource: &[KeyValue], latest_ns: u64, out: &mut Collector) {
    let identity = identity(resource);
    if latest_ns == 0 || identity.is_empty() {
        return;
    }
    let others = resource.iter().filter(|attribute| {
        ![SERVICE_NAME, SERVICE_NAMESPACE, SERVICE_INSTANCE_ID].contains(&attribute.key.as_str())
    });
    let mut labels = attribute_labels(others);
    if labels.is_empty() {
        return;
    }
    for (name, value) in identity {
        labels.insert(name.to_owned(), value);
    }
    let family = Arc::new(Family {
        name: NAME.to_owned(),
        // The OTel Collector sends a gauge, not an info metric, so receivers treat both alike.
        kind: MetricType::Gauge,
        help: "Target metadata".to_owned(),
        unit: String::new(),
    });
    let sample = Sample {
        timestamp_ms: millis(latest_ns),
        value: 1.0,
    };
    out.sample(series_labels(&labels, NAME, None), &family, sample, None);
}
