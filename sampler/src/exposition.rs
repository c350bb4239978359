//! What the golden signals and the samplers share in writing `/metrics`: the two formats, the
//! family header and label escaping.

use std::fmt::Write;

/// The exposition format a scraper asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// The Prometheus text format 0.0.4.
    Prometheus,
    /// OpenMetrics 1.0 text: counter families named without `_total`, and exemplars.
    OpenMetrics,
}

/// Writes the `# HELP` and `# TYPE` lines of family `name` (a counter's given with its `_total`).
pub fn family(out: &mut String, format: Format, name: &str, kind: &str, help: &str) {
    let name = match (format, kind) {
        (Format::OpenMetrics, "counter") => name.strip_suffix("_total").unwrap_or(name),
        _ => name,
    };
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// Appends `value` escaped as a label value: backslash, double quote and newline.
pub fn escape_into(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openmetrics_names_counter_families_without_total() {
        let mut out = String::new();
        family(&mut out, Format::OpenMetrics, "a_total", "counter", "A.");
        family(&mut out, Format::Prometheus, "a_total", "counter", "A.");
        family(&mut out, Format::OpenMetrics, "b", "gauge", "B.");
        assert_eq!(
            out,
            "# HELP a A.\n# TYPE a counter\n# HELP a_total A.\n# TYPE a_total counter\n# HELP b B.\n# TYPE b gauge\n"
        );
        let mut escaped = String::new();
        escape_into(&mut escaped, "a\\b\"c\nd");
        assert_eq!(escaped, "a\\\\b\\\"c\\nd");
    }
}
