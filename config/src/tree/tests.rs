use super::*;

const DOC: &str = "\
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters:
        - file/traces
        - otlp/jaegr
";

fn tree() -> Tree {
    Tree::parse(DOC).unwrap()
}

#[test]
fn locate_finds_keys_and_items() {
    let t = tree();
    let exporters = KeyPath::of(&["service", "pipelines", "traces", "exporters"]);
    assert_eq!(t.locate(&exporters), (5, 7));
    assert_eq!(t.locate(&exporters.index(1)), (7, 11));
    assert_eq!(t.locate(&KeyPath::of(&["service", "pipelines", "traces", "receivers"]).index(0)), (4, 19));
}

#[test]
fn locate_stops_at_the_deepest_written_key() {
    let t = tree();
    assert_eq!(t.locate(&KeyPath::of(&["service", "pipelines", "traces", "processors"])), (3, 5));
    assert_eq!(t.locate(&KeyPath::of(&["exporters", "otlp"])), (1, 1));
}

#[test]
fn find_needs_the_whole_path() {
    let t = tree();
    assert_eq!(t.find(&KeyPath::of(&["service", "pipelines"])), Some((2, 3)));
    assert_eq!(t.find(&KeyPath::of(&["service", "pipelines", "logs"])), None);
    assert_eq!(t.find(&KeyPath::default()), Some((1, 1)));
}

#[test]
fn path_at_names_the_setting_holding_a_position() {
    let t = tree();
    assert_eq!(t.path_at((7, 15)).to_string(), "service.pipelines.traces.exporters[1]");
    assert_eq!(t.path_at((4, 20)).to_string(), "service.pipelines.traces.receivers[0]");
    assert_eq!(t.path_at((2, 3)).to_string(), "service.pipelines");
}

#[test]
fn path_before_names_the_setting_before_a_syntax_error() {
    let text = "service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n     exporters: [x]\n";
    let err = Tree::parse(text).unwrap_err();
    let at = err.location().map(|l| (l.line(), l.column())).unwrap();
    assert_eq!(at.0, 5);
    assert_eq!(Tree::path_before(text, at).to_string(), "service.pipelines.traces");
}

#[test]
fn path_before_is_empty_when_the_lines_before_do_not_parse() {
    assert_eq!(Tree::path_before("a: [1,\nb: 2\nc: [\n", (3, 4)), KeyPath::default());
}
