//! From text to a validated [`Config`]: substitution, YAML, schema, validation; each failure located
//! in the file.

use serde::de::DeserializeOwned;
use serde_saphyr::{DefaultMessageFormatter, Error as YamlError, MessageFormatter};

use crate::error::{ConfigError, ConfigErrors, Position};
use crate::hints;
use crate::path::KeyPath;
use crate::schema::Config;
use crate::substitute::{SubstitutionError, mask_references, substitute};
use crate::tree::Tree;

/// Substitutes the environment into `text`, parses and validates it, and reports every validation
/// problem, in the order of the file.
pub(crate) fn load(text: &str, source: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigErrors> {
    let (config, tree) = parse(text, source, env)?;
    let mut issues: Vec<_> = crate::validate::validate(&config)
        .into_iter()
        .map(|issue| {
            let (line, column) = tree.locate(&issue.path);
            let at = Position { source: source.to_owned(), line, column, path: issue.path.to_string() };
            ConfigError::Invalid { at, message: issue.message }
        })
        .collect();
    issues.sort_by_key(|e| e.position().map(|at| (at.line, at.column)));
    let mut issues = issues.into_iter();
    match issues.next() {
        None => Ok(config),
        Some(first) => Err(ConfigErrors::new(first, issues.collect())),
    }
}

/// Substitutes the environment into `text` and parses the result, keeping the document's tree to
/// locate what validation finds.
fn parse(text: &str, source: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<(Config, Tree), ConfigError> {
    let text = substitute(text, env).map_err(|e| substitution_error(text, source, e))?;
    let tree = Tree::parse(&text).map_err(|e| {
        let path = e.location().map(|l| Tree::path_before(&text, (l.line(), l.column()))).unwrap_or_default();
        ConfigError::Syntax { at: yaml_position(source, &path, &e, None), message: message(&path, &e) }
    })?;
    let config = deserialize_tracked(&text).map_err(|failure| {
        let (path, e) = *failure;
        ConfigError::Schema { at: yaml_position(source, &path, &e, Some(&tree)), message: message(&path, &e) }
    })?;
    Ok((config, tree))
}

/// The parser options: errors stay plain text, since weir prints its own `file:line:column` prefix.
pub(crate) fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! { with_snippet: false }
}

/// Deserializes `text`, and on failure also returns the key path being read.
pub(crate) fn deserialize_tracked<T: DeserializeOwned>(text: &str) -> Result<T, Box<(KeyPath, YamlError)>> {
    let mut failed_at = KeyPath::default();
    serde_saphyr::with_deserializer_from_str_with_options(text, yaml_options(), |de| {
        serde_path_to_error::deserialize(de).map_err(|e| {
            failed_at = KeyPath::from_serde(e.path());
            e.into_inner()
        })
    })
    .map_err(|e| Box::new((failed_at, e)))
}

fn substitution_error(raw: &str, source: &str, e: SubstitutionError) -> ConfigError {
    let masked = mask_references(raw);
    let path = Tree::parse(&masked).map(|tree| tree.path_at((e.line, e.column))).unwrap_or_default();
    ConfigError::Substitution {
        at: Position { source: source.to_owned(), line: e.line, column: e.column, path: path.to_string() },
        message: e.message,
    }
}

/// Where the setting at `path` is written, when the document has it; the parser's location of
/// `e` otherwise. The key beats the parser's location, which for an error raised after reading the
/// key (a component's unknown type, a missing field) is already inside the value.
fn yaml_position(source: &str, path: &KeyPath, e: &YamlError, tree: Option<&Tree>) -> Position {
    let parser = || e.location().filter(|l| l.line() > 0).map(|l| (l.line(), l.column()));
    let (line, column) =
        tree.and_then(|t| t.find(path)).or_else(parser).or_else(|| tree.map(|t| t.locate(path))).unwrap_or((0, 0));
    Position { source: source.to_owned(), line, column, path: path.to_string() }
}

fn message(path: &KeyPath, e: &YamlError) -> String {
    match e.without_snippet() {
        YamlError::SerdeUnknownField { field, expected, .. } => hints::unknown_field(path, field, expected),
        YamlError::SerdeUnknownVariant { variant, expected, .. } => hints::unknown_variant(variant, expected),
        YamlError::SerdeMissingField { field, .. } => hints::missing_field(path, field),
        YamlError::InvalidScalar { ty, .. } => format!("expected {}", hints::expected_type(ty)),
        YamlError::Unexpected { expected: "sequence start", .. } => "expected a list, e.g. `[otlp]`".to_owned(),
        YamlError::Unexpected { expected: "mapping start", .. } => {
            "expected a mapping: `key: value` lines, or `{ key: value }`".to_owned()
        }
        YamlError::Eof { .. } => "the configuration is empty; it needs at least `service.pipelines` \
                                  (`weir print-config` shows a complete one)"
            .to_owned(),
        YamlError::MultipleDocuments { .. } => {
            "a second YAML document (after `---`) starts here; weir reads one: merge it into the first or remove it"
                .to_owned()
        }
        YamlError::DuplicateMappingKey { key: Some(key), .. } => {
            format!("duplicate key `{key}`: a key may appear once in a mapping")
        }
        other => DefaultMessageFormatter.format_message(other).into_owned(),
    }
}
