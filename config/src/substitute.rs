//! `${env:NAME}` substitution on the raw text, as the OpenTelemetry Collector does it.
//!
//! It runs before parsing so a reference works anywhere a value can be written; values with a line
//! break are refused so every line number the parser reports is still the line in the file.

/// A reference that cannot be substituted, at its 1-based line and column in the file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SubstitutionError {
    pub(crate) line: u64,
    pub(crate) column: u64,
    pub(crate) message: String,
}

/// Replaces `${env:NAME}`, `${env:NAME:-default}`, `${NAME}` and `${NAME:-default}` by the variable's
/// value (the default only when it is unset, as in the Collector; empty when unset without one),
/// and `$$` by `$`. Lines whose first non-blank character is `#` are comments and stay as written,
/// so documentation in a config file can show references.
pub(crate) fn substitute(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String, SubstitutionError> {
    let mut out = String::with_capacity(text.len());
    for (line_index, line) in text.split_inclusive('\n').enumerate() {
        if line.trim_start().starts_with('#') {
            out.push_str(line);
            continue;
        }
        let line_number = line_index as u64 + 1;
        let mut rest = line;
        let mut column = 1u64;
        while let Some(dollar) = rest.find('$') {
            out.push_str(&rest[..dollar]);
            column += rest[..dollar].chars().count() as u64;
            let after = &rest[dollar + 1..];
            let consumed = if after.starts_with('$') {
                out.push('$');
                2
            } else if let Some(body) = after.strip_prefix('{') {
                let fail = |message: String| SubstitutionError { line: line_number, column, message };
                let close = body.find('}').ok_or_else(|| {
                    fail("`${` is not closed: write `${env:NAME}`, or `$$` for a literal `$`".to_owned())
                })?;
                let reference = &body[..close];
                let (name, default) = parse_reference(reference).map_err(fail)?;
                let value = env(name).or_else(|| default.map(str::to_owned)).unwrap_or_default();
                if value.contains(['\n', '\r']) {
                    return Err(fail(format!(
                        "environment variable `{name}` contains a line break; a substituted value must fit on one line"
                    )));
                }
                out.push_str(&value);
                close + 3
            } else {
                out.push('$');
                1
            };
            column += rest[dollar..dollar + consumed].chars().count() as u64;
            rest = &rest[dollar + consumed..];
        }
        out.push_str(rest);
    }
    Ok(out)
}

/// `text` with the `${` and `}` of each reference replaced by `x`: YAML that parses where
/// substitution failed (a reference is not a valid plain scalar in a flow mapping), with every
/// line and column unchanged, to find which setting holds a failing reference. A reference that
/// runs into a quote is left alone: it is inside a quoted scalar, or masking would unbalance one.
pub(crate) fn mask_references(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with('#') {
            out.push_str(line);
            continue;
        }
        let mut rest = line;
        while let Some(dollar) = rest.find('$') {
            out.push_str(&rest[..dollar]);
            let after = &rest[dollar..];
            let reference = after.strip_prefix("${").and_then(|body| {
                let inside = &body[..body.find('}')?];
                (!inside.contains(['"', '\''])).then_some(inside)
            });
            let consumed = match reference {
                Some(inside) => {
                    out.push_str("xx");
                    out.push_str(inside);
                    out.push('x');
                    inside.len() + 3
                }
                None if after.starts_with("$$") => {
                    out.push_str("$$");
                    2
                }
                None => {
                    out.push('$');
                    1
                }
            };
            rest = &after[consumed..];
        }
        out.push_str(rest);
    }
    out
}

/// Splits the inside of `${…}` into the variable's name and its default.
fn parse_reference(reference: &str) -> Result<(&str, Option<&str>), String> {
    let usage = || {
        format!(
            "invalid reference `${{{reference}}}`: write `${{env:NAME}}` or `${{env:NAME:-default}}`, or `$$` for a literal `$`"
        )
    };
    let name_end = reference.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(reference.len());
    let (scheme_or_name, after) = reference.split_at(name_end);
    let spec = match after.strip_prefix(':') {
        Some(spec) if !spec.starts_with('-') => {
            if scheme_or_name != "env" {
                return Err(format!(
                    "`${{{reference}}}` uses the `{scheme_or_name}` provider; weir substitutes only environment variables: `${{env:NAME}}`"
                ));
            }
            spec
        }
        _ => reference,
    };
    let (name, default) = match spec.split_once(":-") {
        Some((name, default)) => (name, Some(default)),
        None => (spec, None),
    };
    let valid_name = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid_name { Ok((name, default)) } else { Err(usage()) }
}

#[cfg(test)]
mod tests;
