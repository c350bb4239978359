//! The document as a bare tree of located keys and values.
//!
//! The typed structs stay free of location wrappers; validation names a setting by its key path and
//! this tree turns the path back into a line and column.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::path::{KeyPath, Segment};

/// The parsed document, with the location of every key and value.
#[derive(Debug)]
pub(crate) struct Tree(Spanned<Node>);

#[derive(Debug)]
enum Node {
    Map(Vec<(Spanned<String>, Spanned<Node>)>),
    Seq(Vec<Spanned<Node>>),
    Scalar,
}

/// A 1-based line and column.
pub(crate) type LineColumn = (u64, u64);

impl Tree {
    /// Parses `text`.
    pub(crate) fn parse(text: &str) -> Result<Tree, serde_saphyr::Error> {
        serde_saphyr::from_str_with_options(text, crate::load::yaml_options()).map(Tree)
    }

    /// The path of the mapping or sequence the parser was in when it found a syntax error at `at`:
    /// the innermost one, among the lines before `at` (when they parse), that `at` is indented under.
    pub(crate) fn path_before(text: &str, at: LineColumn) -> KeyPath {
        let before: String = text.split_inclusive('\n').take(at.0.saturating_sub(1) as usize).collect();
        Tree::parse(&before).map(|tree| tree.descend(|(_, column)| column < at.1)).unwrap_or_default()
    }

    /// Where `path` is written, if all of it is.
    pub(crate) fn find(&self, path: &KeyPath) -> Option<LineColumn> {
        let (at, depth) = self.walk(path);
        (depth == path.segments().len()).then_some(at)
    }

    /// Where `path` is written: the key of its deepest part present in the document, so a setting
    /// left at its default points at the component or section that would hold it.
    pub(crate) fn locate(&self, path: &KeyPath) -> LineColumn {
        self.walk(path).0
    }

    /// The path of the last key or item that starts at or before `at`: the setting whose text holds `at`.
    pub(crate) fn path_at(&self, at: LineColumn) -> KeyPath {
        self.descend(|start| start <= at)
    }

    /// Follows `path` as far as the document has it: the location reached and how many steps were taken.
    fn walk(&self, path: &KeyPath) -> (LineColumn, usize) {
        let mut at = line_column(&self.0);
        let mut node = &self.0.value;
        for (depth, segment) in path.segments().iter().enumerate() {
            let next = match (node, segment) {
                (Node::Map(entries), Segment::Key(key)) => {
                    entries.iter().find(|(k, _)| &k.value == key).map(|(k, v)| (line_column(k), v))
                }
                (Node::Seq(items), Segment::Index(i)) => items.get(*i).map(|v| (line_column(v), v)),
                _ => None,
            };
            let Some((location, child)) = next else { return (at, depth) };
            at = location;
            node = &child.value;
        }
        (at, path.segments().len())
    }

    /// From the root, repeatedly enters the last key or item whose start `enter` accepts.
    fn descend(&self, enter: impl Fn(LineColumn) -> bool) -> KeyPath {
        let mut path = KeyPath::default();
        let mut node = &self.0.value;
        loop {
            let next = match node {
                Node::Map(entries) => {
                    entries.iter().rev().find(|(k, _)| enter(line_column(k))).map(|(k, v)| (path.key(&k.value), v))
                }
                Node::Seq(items) => {
                    items.iter().enumerate().rev().find(|(_, v)| enter(line_column(v))).map(|(i, v)| (path.index(i), v))
                }
                Node::Scalar => None,
            };
            let Some((child_path, child)) = next else { return path };
            path = child_path;
            node = &child.value;
        }
    }
}

fn line_column<T>(spanned: &Spanned<T>) -> LineColumn {
    (spanned.referenced.line(), spanned.referenced.column())
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_i128<E: de::Error>(self, _: i128) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_u128<E: de::Error>(self, _: u128) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key()? {
            entries.push((key, map.next_value()?));
        }
        Ok(Node::Map(entries))
    }
}

#[cfg(test)]
mod tests;
