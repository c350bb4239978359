//! Component maps (`receivers`, `processors`, `exporters`): the id's type picks the config struct.
//!
//! Reading the key first and then the body as exactly one struct makes an error name the field and
//! the struct it belongs to, where trying each variant in turn would only say that none matched.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapDeserializer;
use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, Visitor};

use crate::hints;
use crate::id::ComponentId;
use crate::schema::{ExporterConfig, ProcessorConfig, ReceiverConfig};

/// A family of components whose config struct is chosen by the component type.
pub(crate) trait Component: Sized {
    /// `receiver`, `processor` or `exporter`, for messages.
    const ROLE: &'static str;
    /// The component types weir has, for messages.
    const KINDS: &'static [&'static str];
    /// Reads the body of the component `id`, whose type is known to be one of `KINDS`.
    fn body<'de, D: Deserializer<'de>>(id: &ComponentId, body: D) -> Result<Self, D::Error>;
}

impl Component for ReceiverConfig {
    const ROLE: &'static str = "receiver";
    const KINDS: &'static [&'static str] = &["otlp"];
    fn body<'de, D: Deserializer<'de>>(id: &ComponentId, body: D) -> Result<Self, D::Error> {
        match id.kind() {
            "otlp" => or_default(body).map(ReceiverConfig::Otlp),
            _ => Err(unknown_kind::<Self, _>(id)),
        }
    }
}

impl Component for ProcessorConfig {
    const ROLE: &'static str = "processor";
    const KINDS: &'static [&'static str] = &["batch", "memory_limiter", "golden_signals", "adaptive_sampler"];
    fn body<'de, D: Deserializer<'de>>(id: &ComponentId, body: D) -> Result<Self, D::Error> {
        match id.kind() {
            "batch" => or_default(body).map(ProcessorConfig::Batch),
            "memory_limiter" => or_default(body).map(ProcessorConfig::MemoryLimiter),
            "golden_signals" => or_default(body).map(ProcessorConfig::GoldenSignals),
            "adaptive_sampler" => or_default(body).map(ProcessorConfig::AdaptiveSampler),
            _ => Err(unknown_kind::<Self, _>(id)),
        }
    }
}

impl Component for ExporterConfig {
    const ROLE: &'static str = "exporter";
    const KINDS: &'static [&'static str] = &["otlp", "file", "prometheusremotewrite"];
    fn body<'de, D: Deserializer<'de>>(id: &ComponentId, body: D) -> Result<Self, D::Error> {
        match id.kind() {
            "otlp" => or_default(body).map(ExporterConfig::Otlp),
            "file" => or_default(body).map(ExporterConfig::File),
            "prometheusremotewrite" => or_default(body).map(ExporterConfig::PrometheusRemoteWrite),
            _ => Err(unknown_kind::<Self, _>(id)),
        }
    }
}

/// `deserialize_with` for a component map; a section written with no body (`processors:`) is empty.
pub(crate) fn deserialize<'de, D, C>(d: D) -> Result<BTreeMap<ComponentId, C>, D::Error>
where
    D: Deserializer<'de>,
    C: Component,
{
    Ok(Option::<Components<C>>::deserialize(d)?.map(|c| c.0).unwrap_or_default())
}

/// `deserialize_with` for a setting that is on when present, where `grpc:` with no body means
/// "on, with the defaults" as in the Collector.
pub(crate) fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    or_default(d).map(Some)
}

/// Reads `T`, taking an empty or null body as an empty mapping, so every field gets its default and
/// a required one is reported as missing.
fn or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    match Option::<T>::deserialize(d)? {
        Some(value) => Ok(value),
        None => T::deserialize(MapDeserializer::<_, D::Error>::new(std::iter::empty::<(&str, &str)>())),
    }
}

fn unknown_kind<C: Component, E: de::Error>(id: &ComponentId) -> E {
    let mut message =
        format!("unknown {} type `{}` in `{id}`; known types: {}", C::ROLE, id.kind(), C::KINDS.join(", "));
    if let Some(hint) = hints::unknown_kind(C::ROLE, id.kind()) {
        message.push_str("; ");
        message.push_str(hint);
    }
    E::custom(message)
}

struct Components<C>(BTreeMap<ComponentId, C>);

impl<'de, C: Component> Deserialize<'de> for Components<C> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ComponentsVisitor(PhantomData))
    }
}

struct ComponentsVisitor<C>(PhantomData<C>);

impl<'de, C: Component> Visitor<'de> for ComponentsVisitor<C> {
    type Value = Components<C>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a mapping from {} ids (`type` or `type/name`) to their settings", C::ROLE)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut components = BTreeMap::new();
        while let Some(id) = map.next_key::<ComponentId>()? {
            let body = map.next_value_seed(BodySeed::<C> { id: &id, component: PhantomData })?;
            components.insert(id, body);
        }
        Ok(Components(components))
    }
}

struct BodySeed<'a, C> {
    id: &'a ComponentId,
    component: PhantomData<C>,
}

impl<'de, C: Component> DeserializeSeed<'de> for BodySeed<'_, C> {
    type Value = C;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<C, D::Error> {
        C::body(self.id, d)
    }
}
