//! Key paths such as `service.pipelines.traces.exporters[1]`: how errors name a setting.

use std::fmt;

/// A path from the document's root to one setting.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct KeyPath(Vec<Segment>);

/// One step of a [`KeyPath`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Segment {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

impl KeyPath {
    /// The path of nested mapping keys, from the root.
    pub(crate) fn of<S: ToString>(keys: &[S]) -> KeyPath {
        KeyPath(keys.iter().map(|k| Segment::Key(k.to_string())).collect())
    }

    /// This path extended by a mapping key.
    pub(crate) fn key(&self, key: impl ToString) -> KeyPath {
        let mut path = self.clone();
        path.0.push(Segment::Key(key.to_string()));
        path
    }

    /// This path extended by a sequence index.
    pub(crate) fn index(&self, index: usize) -> KeyPath {
        let mut path = self.clone();
        path.0.push(Segment::Index(index));
        path
    }

    /// The steps of the path, outermost first.
    pub(crate) fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// The path that `serde_path_to_error` recorded. Steps it could not name (a key that failed to
    /// parse) are dropped: the error's line and column point at them anyway.
    pub(crate) fn from_serde(path: &serde_path_to_error::Path) -> KeyPath {
        use serde_path_to_error::Segment as S;
        KeyPath(
            path.iter()
                .filter_map(|segment| match segment {
                    S::Seq { index } => Some(Segment::Index(*index)),
                    S::Map { key } => Some(Segment::Key(key.clone())),
                    S::Enum { .. } | S::Unknown => None,
                })
                .collect(),
        )
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if i == 0 => f.write_str(key)?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}
