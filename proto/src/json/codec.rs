//! The codec framework: messages, optional and repeated fields. Scalar codecs are in `scalars`.
//!
//! Every field is read through `Option`, so `null` means "field absent" (the proto3 JSON mapping) and no
//! codec ever sees one.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

/// One protobuf field type's JSON form.
pub(crate) trait Codec {
    /// The Rust type of the field in the generated message.
    type Value;
    /// Whether the value is the field's default, which is left out of the JSON.
    fn is_default(value: &Self::Value) -> bool;
    /// Writes a value that is not the default.
    fn write<S: Serializer>(value: &Self::Value, serializer: S) -> Result<S::Ok, S::Error>;
    /// Reads a non-null value.
    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self::Value, D::Error>;
}

/// A message: its JSON keys and how to read and write its fields.
pub(crate) trait JsonMessage: Default {
    /// What the message is called in error messages.
    const NAME: &'static str;
    /// The lowerCamelCase keys the message knows; any other key is skipped.
    const FIELDS: &'static [&'static str];
    /// Reads the value of field `key` (one of [`Self::FIELDS`]).
    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &'static str,
        map: &mut A,
    ) -> Result<(), A::Error>;
    /// Writes every field that is not the default.
    fn write_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error>;
}

/// Serialises a value with codec `C`.
pub(crate) struct Write<'a, C: Codec>(pub(crate) &'a C::Value);

impl<C: Codec> Serialize for Write<'_, C> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        C::write(self.0, serializer)
    }
}

/// Deserialises a value with codec `C`.
pub(crate) struct Read<C: Codec>(pub(crate) C::Value);

impl<'de, C: Codec> Deserialize<'de> for Read<C> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        C::read(deserializer).map(Read)
    }
}

/// Reads the next map value with codec `C`; `None` when it is `null`.
pub(crate) fn read_value<'de, C: Codec, A: MapAccess<'de>>(
    map: &mut A,
) -> Result<Option<C::Value>, A::Error> {
    Ok(map
        .next_value::<Option<Read<C>>>()?
        .map(|Read(value)| value))
}

/// Reads the next map value into `slot`, leaving it untouched for `null`.
pub(crate) fn read_into<'de, C: Codec, A: MapAccess<'de>>(
    slot: &mut C::Value,
    map: &mut A,
) -> Result<(), A::Error> {
    if let Some(value) = read_value::<C, A>(map)? {
        *slot = value;
    }
    Ok(())
}

/// Skips the next map value.
pub(crate) fn skip_value<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(drop)
}

/// Writes `key: value` unless the value is the default.
pub(crate) fn write_field<C: Codec, M: SerializeMap>(
    map: &mut M,
    key: &'static str,
    value: &C::Value,
) -> Result<(), M::Error> {
    if C::is_default(value) {
        return Ok(());
    }
    map.serialize_entry(key, &Write::<C>(value))
}

/// A nested message.
pub(crate) struct Msg<T>(PhantomData<T>);

impl<T: JsonMessage> Codec for Msg<T> {
    type Value = T;

    // Singular message fields are `Option`s and go through `Opt`, so a present message is always written.
    fn is_default(_: &T) -> bool {
        false
    }

    fn write<S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        value.write_fields(&mut map)?;
        map.end()
    }

    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
        deserializer.deserialize_map(MessageVisitor(PhantomData))
    }
}

struct MessageVisitor<T>(PhantomData<T>);

impl<'de, T: JsonMessage> Visitor<'de> for MessageVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a JSON object for {}", T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut message = T::default();
        while let Some(key) = map.next_key_seed(KeySeed(T::FIELDS))? {
            match key {
                Some(key) => message.read_field(key, &mut map)?,
                // The spec: receivers must ignore unknown keys, which includes snake_case field names.
                None => skip_value(&mut map)?,
            }
        }
        Ok(message)
    }
}

/// Matches an object key against a message's fields without allocating.
struct KeySeed(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Option<&'static str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Option<&'static str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().copied().find(|field| *field == key))
    }
}

/// An optional field: a singular message or an `optional double`.
pub(crate) struct Opt<C>(PhantomData<C>);

impl<C: Codec> Codec for Opt<C> {
    type Value = Option<C::Value>;

    fn is_default(value: &Self::Value) -> bool {
        value.is_none()
    }

    fn write<S: Serializer>(value: &Self::Value, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => C::write(value, serializer),
            None => serializer.serialize_none(),
        }
    }

    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self::Value, D::Error> {
        C::read(deserializer).map(Some)
    }
}

/// A repeated field: a JSON array.
pub(crate) struct Repeated<C>(PhantomData<C>);

impl<C: Codec> Codec for Repeated<C> {
    type Value = Vec<C::Value>;

    fn is_default(value: &Self::Value) -> bool {
        value.is_empty()
    }

    fn write<S: Serializer>(value: &Self::Value, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(value.len()))?;
        for item in value {
            seq.serialize_element(&Write::<C>(item))?;
        }
        seq.end()
    }

    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(SeqVisitor::<C>(PhantomData))
    }
}

struct SeqVisitor<C>(PhantomData<C>);

impl<'de, C: Codec> Visitor<'de> for SeqVisitor<C> {
    type Value = Vec<C::Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Read(item)) = seq.next_element::<Read<C>>()? {
            items.push(item);
        }
        Ok(items)
    }
}
