//! Messages for schema errors, with the hints that help most: the likely intended key, and what to
//! write instead of settings copied from an OpenTelemetry Collector config that weir does without.

use crate::path::{KeyPath, Segment};

/// `unknown field …` for `field` at `path` (which ends with `field`), with a hint when one helps.
pub(crate) fn unknown_field(path: &KeyPath, field: &str, expected: &[&str]) -> String {
    if let Some(hint) = otel_only_field(path, field) {
        return hint.to_owned();
    }
    let mut message = format!("unknown field `{field}`, expected {}", one_of(expected));
    if let Some(near) = closest(field, expected) {
        message.push_str(&format!("; did you mean `{near}`?"));
    }
    message
}

/// `unknown variant …`, with the choices quoted.
pub(crate) fn unknown_variant(variant: &str, expected: &[&str]) -> String {
    format!("unknown variant `{variant}`, expected {}", one_of(expected))
}

/// `missing field …` in the mapping at `path`, with an example of the setting.
pub(crate) fn missing_field(path: &KeyPath, field: &str) -> String {
    let example = match field {
        "limit_mib" => Some("limit_mib: 512"),
        "endpoint" if component_kind(path, "exporters") == Some("prometheusremotewrite") => {
            Some("endpoint: http://prometheus:9090/api/v1/write")
        }
        "endpoint" => Some("endpoint: jaeger:4317"),
        "path" if component_kind(path, "processors") == Some("adaptive_sampler") => {
            Some("path: ./weir-data/sampler-checkpoint.json")
        }
        "path" => Some("path: ./weir-data/traces.jsonl"),
        "pipelines" => Some("pipelines: { traces: { receivers: [otlp], exporters: [file/traces] } }"),
        "service" => Some("service: { pipelines: { traces: { receivers: [otlp], exporters: [file/traces] } } }"),
        _ => None,
    };
    match example {
        Some(example) => format!("missing field `{field}`; add it, e.g. `{example}`"),
        None => format!("missing field `{field}`"),
    }
}

/// What a component type that weir lacks is called here, if weir has the feature under another name.
pub(crate) fn unknown_kind(role: &str, kind: &str) -> Option<&'static str> {
    match (role, kind) {
        ("exporter", "otlphttp") => Some("for OTLP over HTTP use `otlp` with `protocol: http/protobuf`"),
        ("exporter", "prometheus") => Some(
            "weir serves its own metrics and the golden signals on the admin server's /metrics; to send metrics to \
             Prometheus use `prometheusremotewrite`",
        ),
        _ => None,
    }
}

/// A type name from the parser (`u64`) as a user reads it.
pub(crate) fn expected_type(ty: &str) -> String {
    match ty {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number, 0 or more".to_owned(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".to_owned(),
        "f32" | "f64" => "a number".to_owned(),
        "bool" => "`true` or `false`".to_owned(),
        other => other.to_owned(),
    }
}

fn otel_only_field(path: &KeyPath, field: &str) -> Option<&'static str> {
    let in_memory_limiter = component_kind(path, "processors") == Some("memory_limiter");
    let limiter_field = ["check_interval", "spike_limit_mib", "limit_percentage", "spike_limit_percentage"];
    if in_memory_limiter && limiter_field.contains(&field) {
        return Some(
            "weir's memory_limiter counts the bytes it admits exactly instead of sampling process memory, \
             so it needs only `limit_mib`: remove this setting",
        );
    }
    let in_remote_write = component_kind(path, "exporters") == Some("prometheusremotewrite");
    if in_remote_write && field == "remote_write_queue" {
        return Some(
            "weir's remote-write exporter is queued like every exporter, by \
             `sending_queue: { queue_size: 1000, num_consumers: 5 }`: rename this section",
        );
    }
    if path.segments().len() == 1 && field == "connectors" {
        return Some(
            "weir has no connectors: list a golden_signals processor among a traces pipeline's processors and a \
             metrics pipeline's receivers, as the spanmetrics connector is listed; remove this section",
        );
    }
    let extensions = matches!(path.segments(), [Segment::Key(_)] | [Segment::Key(_), Segment::Key(_)]);
    (extensions && field == "extensions").then_some(
        "weir has no extensions: its admin server (`service.telemetry.metrics.address`) serves /metrics, \
         /healthz and /readyz; remove this section",
    )
}

/// The type of the component whose settings `path` is in, when it is in the `section` (`exporters`) map.
fn component_kind<'a>(path: &'a KeyPath, section: &str) -> Option<&'a str> {
    match path.segments() {
        [Segment::Key(key), Segment::Key(id), ..] if key == section => id.split('/').next(),
        _ => None,
    }
}

fn one_of(expected: &[&str]) -> String {
    let quoted: Vec<String> = expected.iter().map(|e| format!("`{e}`")).collect();
    match quoted.as_slice() {
        [] => "no fields here".to_owned(),
        [only] => only.clone(),
        _ => format!("one of {}", quoted.join(", ")),
    }
}

/// The expected name within two edits of `field`, for typos.
fn closest<'a>(field: &str, expected: &[&'a str]) -> Option<&'a str> {
    expected
        .iter()
        .map(|candidate| (edit_distance(field, candidate), *candidate))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests;
