//! OpenMetrics for scrapers that ask for it (Prometheus does by default): the format exemplars
//! travel in. weir's own families come from the `prometheus` crate in the 0.0.4 text format; the
//! two differ, for these families, only in how a counter family is named.

use std::collections::HashSet;

use axum::http::HeaderMap;
use axum::http::header::ACCEPT;

/// The content type of an OpenMetrics answer.
pub(super) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Whether the scraper accepts OpenMetrics.
pub(super) fn wanted(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.contains("application/openmetrics-text"))
}

/// Rewrites 0.0.4 text as OpenMetrics: a counter family's `# HELP` and `# TYPE` lines name it
/// without `_total` (its samples keep the suffix), and `untyped` is `unknown`.
pub(super) fn from_text(text: &str) -> String {
    let counters: HashSet<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let header = ["# HELP ", "# TYPE "].into_iter().find_map(|prefix| {
            let rest = line.strip_prefix(prefix)?;
            let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            Some((prefix, name, tail))
        });
        match header {
            Some((prefix, name, tail)) if counters.contains(name) => {
                let family = name.strip_suffix("_total").unwrap_or(name);
                out.push_str(&format!("{prefix}{family} {tail}"));
            }
            Some(("# TYPE ", name, "untyped")) => out.push_str(&format!("# TYPE {name} unknown")),
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_families_lose_total_and_nothing_else_changes() {
        let text = "# HELP a_total Things.\n# TYPE a_total counter\na_total{x=\"1\"} 3\n\
                    # HELP b Bytes.\n# TYPE b gauge\nb 1\n# TYPE c untyped\nc 2\n";
        assert_eq!(
            from_text(text),
            "# HELP a Things.\n# TYPE a counter\na_total{x=\"1\"} 3\n\
             # HELP b Bytes.\n# TYPE b gauge\nb 1\n# TYPE c unknown\nc 2\n"
        );
    }

    #[test]
    fn prometheus_asks_for_openmetrics() {
        let mut headers = HeaderMap::new();
        headers.insert(
            ACCEPT,
            "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
                .parse()
                .unwrap(),
        );
        assert!(wanted(&headers));
        assert!(!wanted(&HeaderMap::new()));
    }
}
