//! Attribute lookup in scanned KeyValue messages, reading only the value asked for.

use super::reader::{RawField, Reader, scanned_fields, scanned_payloads, scanned_str};

/// An attribute value as a view reads it; the kinds no stage reads by value are lumped together.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// A `string_value`.
    Str(&'a str),
    /// A `bool_value`.
    Bool(bool),
    /// An `int_value`.
    Int(i64),
    /// A `double_value`.
    Double(f64),
    /// Bytes, an array, a key-value list, a string-table index, or no value at all.
    Other,
}

/// The value of the first KeyValue whose key is `key`, among `key_values` (encoded KeyValue
/// messages, in the order prost's decoded Vec holds them).
pub(super) fn first_value<'a>(
    key_values: impl Iterator<Item = &'a [u8]>,
    key: &str,
) -> Option<Value<'a>> {
    key_values
        .filter(|kv| last_key(kv) == key.as_bytes())
        .map(value)
        .next()
}

/// A KeyValue's key: prost keeps the last of repeated `key` fields.
fn last_key(kv: &[u8]) -> &[u8] {
    only_key(kv).unwrap_or_else(|| scanned_payloads(kv, 1).last().unwrap_or_default())
}

/// The key of a KeyValue shaped as every encoder writes it, a key then at most a value, read in one
/// pass: a lookup reads the key of every attribute before the one it wants. `None` for any other
/// shape, which the general walk reads.
fn only_key(kv: &[u8]) -> Option<&[u8]> {
    let mut r = Reader::new(kv);
    if r.is_done() {
        return None;
    }
    let (1, key, _) = r.scanned_value() else {
        return None;
    };
    if !r.is_done() && r.scanned_value().0 != 2 {
        return None;
    }
    r.is_done().then_some(key)
}

/// A KeyValue's value as prost decodes it. Repeated `value` fields merge into one AnyValue, and each
/// field of its oneof replaces the one before, so the last oneof field of all of them is the value.
fn value(kv: &[u8]) -> Value<'_> {
    scanned_payloads(kv, 2)
        .flat_map(scanned_fields)
        .filter(|f| (1..=8).contains(&f.number))
        .last()
        .map_or(Value::Other, |f| one_of(&f))
}

fn one_of<'a>(field: &RawField<'a>) -> Value<'a> {
    match field.number {
        1 => Value::Str(scanned_str(field.payload)),
        2 => Value::Bool(field.scalar != 0),
        // prost reads an int64 as the varint's 64 bits.
        3 => Value::Int(field.scalar as i64),
        4 => Value::Double(f64::from_bits(field.scalar)),
        _ => Value::Other,
    }
}
