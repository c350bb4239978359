//! Prometheus metric and label names from OpenTelemetry names and UCUM units, as the OTel
//! "Prometheus and OpenMetrics Compatibility" spec and the OTel Collector's translator make them.
//!
//! Names are cut into words at every character outside `[A-Za-z0-9]` and joined again with single
//! underscores, so invalid characters become `_`, runs of `_` collapse and no name starts or ends with
//! `_`. Only ASCII counts as a letter: the Prometheus name grammar is ASCII, and a receiver running the
//! classic validation rejects anything else.

/// How a metric's type shapes its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    /// A monotonic sum: the name ends in `_total`.
    Counter,
    /// A gauge (or non-monotonic sum): unit `1` becomes the suffix `_ratio`.
    Gauge,
    /// Histograms and summaries: unit suffix only; `_bucket`, `_sum`, `_count` are added per series.
    Other,
}

/// UCUM units and their Prometheus words; any other unit is kept as written, cleaned up.
const UNITS: &[(&str, &str)] = &[
    ("d", "days"),
    ("h", "hours"),
    ("min", "minutes"),
    ("s", "seconds"),
    ("ms", "milliseconds"),
    ("us", "microseconds"),
    ("ns", "nanoseconds"),
    ("By", "bytes"),
    ("KiBy", "kibibytes"),
    ("MiBy", "mebibytes"),
    ("GiBy", "gibibytes"),
    ("TiBy", "tibibytes"),
    ("KBy", "kilobytes"),
    ("MBy", "megabytes"),
    ("GBy", "gigabytes"),
    ("TBy", "terabytes"),
    ("m", "meters"),
    ("V", "volts"),
    ("A", "amperes"),
    ("J", "joules"),
    ("W", "watts"),
    ("g", "grams"),
    ("Cel", "celsius"),
    ("Hz", "hertz"),
    // A dimensionless unit adds no suffix (gauges get `_ratio` instead, see `metric_name`).
    ("1", ""),
    ("%", "percent"),
];

/// The denominators of rate units (`By/s` is `bytes_per_second`), singular as in English.
const PER_UNITS: &[(&str, &str)] = &[
    ("s", "second"),
    ("m", "minute"),
    ("h", "hour"),
    ("d", "day"),
    ("w", "week"),
    ("mo", "month"),
    ("y", "year"),
];

/// The Prometheus metric name for an OTLP metric `name` with UCUM `unit`.
///
/// The unit's words are appended unless the name already ends with them, then `_total` for counters
/// (any `total` word elsewhere is removed) or `_ratio` for gauges of unit `1`. A name that would start
/// with a digit gets a leading `_`. Empty when nothing is left: no letter or digit in `name` or
/// `unit`, and no type suffix.
pub fn metric_name(name: &str, unit: &str, kind: NameKind) -> String {
    let mut words: Vec<&str> = words(name).collect();
    let suffix = match kind {
        NameKind::Counter => Some("total"),
        NameKind::Gauge if unit.trim() == "1" => Some("ratio"),
        NameKind::Gauge | NameKind::Other => None,
    };
    // The type suffix goes after the unit, so an existing one must not hide where the unit ends.
    if let Some(suffix) = suffix {
        words.retain(|word| *word != suffix);
    }
    let unit = UnitWords::of(unit);
    let mut name = words.join("_");
    if !ends_with_words(&name, &unit.all()) {
        for part in [unit.main, unit.per] {
            if !part.is_empty() && !ends_with_words(&name, &part) {
                push_word(&mut name, &part);
            }
        }
    }
    if let Some(suffix) = suffix {
        push_word(&mut name, suffix);
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    name
}

/// The unit for the metadata of a family of `kind` whose OTLP unit is `unit`: the same words
/// [`metric_name`] appends (`milliseconds`, `bytes_per_second`, `ratio`), or empty.
pub fn unit_name(unit: &str, kind: NameKind) -> String {
    if kind == NameKind::Gauge && unit.trim() == "1" {
        return "ratio".to_owned();
    }
    UnitWords::of(unit).all()
}

/// The Prometheus label name for an attribute key.
///
/// Characters outside `[A-Za-z0-9_]` become `_` and runs of `_` collapse to one. A name starting with
/// a digit is prefixed with `key_`, and one starting with `_` with `key`, so an attribute can never
/// claim a name reserved for Prometheus (`__name__`, `__meta_*`). Empty when `key` is empty.
pub fn label_name(key: &str) -> String {
    let mut name = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        let c = if c.is_ascii_alphanumeric() { c } else { '_' };
        if c == '_' && name.ends_with('_') {
            continue;
        }
        name.push(c);
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "key_");
    } else if name.starts_with('_') {
        name.insert_str(0, "key");
    }
    name
}

/// A UCUM unit as Prometheus words: the main unit and the `per_<denominator>` part, each possibly empty.
struct UnitWords {
    main: String,
    per: String,
}

impl UnitWords {
    fn of(unit: &str) -> Self {
        let unit = without_annotations(unit);
        let (main, per) = match unit.split_once('/') {
            Some((main, per)) => (main, per),
            None => (unit.as_str(), ""),
        };
        let main = cleaned(lookup(UNITS, main.trim()));
        let per = cleaned(lookup(PER_UNITS, per.trim()));
        let per = if per.is_empty() {
            per
        } else {
            format!("per_{per}")
        };
        UnitWords { main, per }
    }

    fn all(&self) -> String {
        let mut all = self.main.clone();
        push_word(&mut all, &self.per);
        all
    }
}

/// `unit` without its `{annotations}`: UCUM curly braces name what is counted, which Prometheus
/// treats as unitless.
fn without_annotations(unit: &str) -> String {
    let mut kept = String::with_capacity(unit.len());
    let mut depth = 0usize;
    for c in unit.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            _ if depth == 0 => kept.push(c),
            _ => {}
        }
    }
    kept
}

fn lookup<'a>(table: &[(&str, &'a str)], unit: &'a str) -> &'a str {
    table
        .iter()
        .find(|(ucum, _)| *ucum == unit)
        .map_or(unit, |(_, words)| words)
}

/// The maximal runs of ASCII letters and digits in `s`.
fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
}

fn cleaned(s: &str) -> String {
    words(s).collect::<Vec<_>>().join("_")
}

/// Whether `name` ends with the words of `suffix` at a word boundary.
fn ends_with_words(name: &str, suffix: &str) -> bool {
    !suffix.is_empty()
        && name
            .strip_suffix(suffix)
            .is_some_and(|rest| rest.is_empty() || rest.ends_with('_'))
}

fn push_word(name: &mut String, word: &str) {
    if word.is_empty() {
        return;
    }
    if !name.is_empty() {
        name.push('_');
    }
    name.push_str(word);
}

#[cfg(test)]
mod tests;
