//! Component and pipeline ids: `type[/name]`, as in the OpenTelemetry Collector.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A component id such as `otlp` or `otlp/jaeger`: the type, then an optional instance name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ComponentId {
    kind: String,
    name: Option<String>,
}

impl ComponentId {
    /// The component type: the part before the `/`.
    pub fn kind(&self) -> &str {
        &self.kind
    }
    /// The instance name after the `/`, if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

impl FromStr for ComponentId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (kind, name) = match s.split_once('/') {
            Some((k, n)) => (k, Some(n)),
            None => (s, None),
        };
        let valid = |part: &str| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
        if !valid(kind) || name.is_some_and(|n| !valid(n)) {
            return Err(format!("invalid component id {s:?}: write `type` or `type/name` with letters, digits, `_`, `-` or `.`"));
        }
        Ok(ComponentId { kind: kind.to_owned(), name: name.map(str::to_owned) })
    }
}

impl fmt::Display for ComponentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(n) => write!(f, "{}/{n}", self.kind),
            None => f.write_str(&self.kind),
        }
    }
}

impl Serialize for ComponentId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ComponentId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// A pipeline id such as `traces` or `metrics/internal`: the signal, then an optional name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PipelineId {
    signal: weir_proto::Signal,
    name: Option<String>,
}

impl PipelineId {
    /// The signal the pipeline carries.
    pub fn signal(&self) -> weir_proto::Signal {
        self.signal
    }
}

impl FromStr for PipelineId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let id: ComponentId = s.parse()?;
        let signal = weir_proto::Signal::ALL
            .into_iter()
            .find(|sig| sig.as_str() == id.kind())
            .ok_or_else(|| format!("invalid pipeline id {s:?}: it must start with traces, metrics or logs"))?;
        Ok(PipelineId { signal, name: id.name })
    }
}

impl fmt::Display for PipelineId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(n) => write!(f, "{}/{n}", self.signal),
            None => write!(f, "{}", self.signal),
        }
    }
}

impl Serialize for PipelineId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PipelineId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
