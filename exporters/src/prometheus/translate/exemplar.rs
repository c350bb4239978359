//! OTLP exemplars as Prometheus exemplars: the value, the time, `trace_id` and `span_id` in hex, and
//! the filtered attributes when they fit.

use std::collections::BTreeMap;

use weir_proto::otlp::metrics::v1::{self as otlp, exemplar};

use super::labels::attribute_labels;
use super::millis;
use crate::prometheus::model::{Exemplar, Labels};

/// OpenMetrics caps an exemplar's label names and values at 128 characters in all.
const MAX_LABEL_CHARS: usize = 128;

/// `exemplars` that have a value, in Prometheus form.
pub(super) fn convert(exemplars: &[otlp::Exemplar]) -> Vec<Exemplar> {
    exemplars.iter().filter_map(one).collect()
}

fn one(exemplar: &otlp::Exemplar) -> Option<Exemplar> {
    let value = match exemplar.value? {
        exemplar::Value::AsDouble(value) => value,
        exemplar::Value::AsInt(value) => value as f64,
    };
    let mut ids = BTreeMap::new();
    if !exemplar.trace_id.is_empty() {
        ids.insert("trace_id".to_owned(), hex(&exemplar.trace_id));
    }
    if !exemplar.span_id.is_empty() {
        ids.insert("span_id".to_owned(), hex(&exemplar.span_id));
    }
    // The ids matter most: the attributes are added only when all of it fits the limit.
    let attributes = attribute_labels(exemplar.filtered_attributes.iter());
    let chars = |labels: &BTreeMap<String, String>| {
        labels
            .iter()
            .map(|(name, value)| name.chars().count() + value.chars().count())
            .sum::<usize>()
    };
    let mut labels = ids;
    if chars(&labels) + chars(&attributes) <= MAX_LABEL_CHARS {
        for (name, value) in attributes {
            labels.entry(name).or_insert(value);
        }
    }
    Some(Exemplar {
        labels: Labels::from(labels),
        value,
        timestamp_ms: millis(exemplar.time_unix_nano),
    })
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 0x0f)] as char);
    }
    out
}
