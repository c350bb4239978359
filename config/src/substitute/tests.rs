use super::*;

fn env(name: &str) -> Option<String> {
    match name {
        "HOST" => Some("collector".to_owned()),
        "EMPTY" => Some(String::new()),
        "MULTI" => Some("a\nb".to_owned()),
        _ => None,
    }
}

fn sub(text: &str) -> Result<String, SubstitutionError> {
    substitute(text, &env)
}

#[test]
fn set_variable_is_substituted_in_every_form() {
    assert_eq!(sub("a: ${env:HOST}:4317\n").unwrap(), "a: collector:4317\n");
    assert_eq!(sub("a: ${HOST}\n").unwrap(), "a: collector\n");
    assert_eq!(sub("a: ${env:HOST:-other}\n").unwrap(), "a: collector\n");
}

#[test]
fn default_applies_only_when_unset() {
    assert_eq!(sub("a: ${env:NOPE:-0.0.0.0:4317}").unwrap(), "a: 0.0.0.0:4317");
    assert_eq!(sub("a: ${NOPE:-x}").unwrap(), "a: x");
    assert_eq!(sub("a: '${env:EMPTY:-x}'").unwrap(), "a: ''");
    assert_eq!(sub("a: ${env:NOPE:-}").unwrap(), "a: ");
}

#[test]
fn unset_without_default_is_empty() {
    assert_eq!(sub("a: \"${env:NOPE}\"").unwrap(), "a: \"\"");
}

#[test]
fn double_dollar_is_a_literal_dollar() {
    assert_eq!(sub("a: $$HOME").unwrap(), "a: $HOME");
    assert_eq!(sub("a: $${env:HOST}").unwrap(), "a: ${env:HOST}");
    assert_eq!(sub("a: $$$${HOST}").unwrap(), "a: $${HOST}");
    assert_eq!(sub("a: $$${HOST}").unwrap(), "a: $collector");
    assert_eq!(sub("a: cost $5").unwrap(), "a: cost $5");
}

#[test]
fn substituted_values_are_not_substituted_again() {
    let env = |_: &str| Some("${env:HOST}".to_owned());
    assert_eq!(substitute("a: ${X}", &env).unwrap(), "a: ${env:HOST}");
}

#[test]
fn comment_lines_are_left_alone() {
    let text = "# use ${env:MULTI} or ${env:unclosed\na: ${HOST}\n";
    assert_eq!(sub(text).unwrap(), "# use ${env:MULTI} or ${env:unclosed\na: collector\n");
}

#[test]
fn newline_in_value_is_rejected_naming_the_variable() {
    let err = sub("a: 1\nb: x ${env:MULTI}\n").unwrap_err();
    assert_eq!((err.line, err.column), (2, 6));
    assert!(err.message.contains("`MULTI`"), "{}", err.message);
    assert!(err.message.contains("line break"), "{}", err.message);
}

#[test]
fn malformed_references_are_located() {
    let err = sub("a: 1\n  b: é ${env:HOST\n").unwrap_err();
    assert_eq!((err.line, err.column), (2, 8));
    assert!(err.message.contains("not closed"), "{}", err.message);

    let err = sub("a: ${file:/etc/x}").unwrap_err();
    assert!(err.message.contains("`file` provider"), "{}", err.message);

    for bad in ["${}", "${env:}", "${env:1A}", "${A-B}", "${ env:A }"] {
        let err = sub(bad).unwrap_err();
        assert!(err.message.contains("invalid reference"), "{bad}: {}", err.message);
    }
}

#[test]
fn line_count_is_kept() {
    let text = "a: ${HOST}\n\nb: $$\nc: ${NOPE:-d}\n";
    assert_eq!(sub(text).unwrap().lines().count(), text.lines().count());
}

#[test]
fn masking_keeps_positions_and_makes_plain_scalars() {
    let text = "a: { b: ${env:X}/y, c: $$5 }\n# ${keep}\nd: ${unclosed\ne: { f: \"${g\" }\n";
    let masked = mask_references(text);
    assert_eq!(masked, "a: { b: xxenv:Xx/y, c: $$5 }\n# ${keep}\nd: ${unclosed\ne: { f: \"${g\" }\n");
    assert_eq!(masked.len(), text.len());
}
