//! The messages every signal shares: attributes and their values, the resource and the scope.

use super::error::{At, Seg, Walk};
use super::reader::{Reader, WireType};

/// The resource of a resource entry, by field number.
pub(super) const RESOURCE: u32 = 1;
/// The scope entries of a resource entry.
pub(super) const SCOPES: u32 = 2;
/// The spans, log records or metrics of a scope entry.
pub(super) const ITEMS: u32 = 2;

/// A KeyValue: one attribute.
fn key_value(buf: &[u8], ctx: u32) -> Walk<()> {
    let mut r = Reader::new(buf);
    while !r.is_done() {
        let (field, wire_type) = r.key()?;
        match field {
            1 => r.string_field(wire_type).at(Seg::Field("key"))?,
            2 => r.message(wire_type, ctx, Seg::Field("value"), any_value)?,
            3 => r.varint_field(wire_type).at(Seg::Field("keyStrindex"))?,
            _ => r.skip(wire_type, field, ctx).at(Seg::Unknown(field))?,
        }
    }
    Ok(())
}

/// An AnyValue: each field of its `value` oneof is checked as it comes, as prost decodes each one
/// before the next replaces it.
pub(super) fn any_value(buf: &[u8], ctx: u32) -> Walk<()> {
    let mut r = Reader::new(buf);
    while !r.is_done() {
        let (field, wire_type) = r.key()?;
        match field {
            1 => r.string_field(wire_type).at(Seg::Field("stringValue"))?,
            2 => r.varint_field(wire_type).at(Seg::Field("boolValue"))?,
            3 => r.varint_field(wire_type).at(Seg::Field("intValue"))?,
            4 => r.fixed64_field(wire_type).at(Seg::Field("doubleValue"))?,
            5 => r.message(wire_type, ctx, Seg::Field("arrayValue"), array_value)?,
            6 => r.message(wire_type, ctx, Seg::Field("kvlistValue"), key_value_list)?,
            7 => r
                .bytes_field(wire_type)
                .map(drop)
                .at(Seg::Field("bytesValue"))?,
            8 => r
                .varint_field(wire_type)
                .at(Seg::Field("stringValueStrindex"))?,
            _ => r.skip(wire_type, field, ctx).at(Seg::Unknown(field))?,
        }
    }
    Ok(())
}

fn array_value(buf: &[u8], ctx: u32) -> Walk<()> {
    let mut r = Reader::new(buf);
    let mut values = 0;
    while !r.is_done() {
        let (field, wire_type) = r.key()?;
        match field {
            1 => {
                r.message(wire_type, ctx, Seg::Item("values", values), any_value)?;
                values += 1;
            }
            _ => r.skip(wire_type, field, ctx).at(Seg::Unknown(field))?,
        }
    }
    Ok(())
}

fn key_value_list(buf: &[u8], ctx: u32) -> Walk<()> {
    let mut r = Reader::new(buf);
    let mut values = Attributes::new("values");
    while !r.is_done() {
        let (field, wire_type) = r.key()?;
        match field {
            1 => values.next(&mut r, wire_type, ctx)?,
            _ => r.skip(wire_type, field, ctx).at(Seg::Unknown(field))?,
        }
    }
    Ok(())
}

/// A `repeated KeyValue` field, walked one element at a time; counted for error positions.
pub(super) struct Attributes {
    name: &'static str,
    count: usize,
}

impl Attributes {
    pub(super) fn new(name: &'static str) -> Self {
        Attributes { name, count: 0 }
    }

    /// Walks the next element.
    #[inline]
    pub(super) fn next(&mut self, r: &mut Reader<'_>, wire_type: WireType, ctx: u32) -> Walk<()> {
        r.message(wire_type, ctx, Seg::Item(self.name, self.count), key_value)?;
        self.count += 1;
        Ok(())
    }
}

fn resource(buf: &[u8], ctx: u32) -> Walk<()> {
    let mut r = Reader::new(buf);
    let mut attributes = Attributes::new("attributes");
    let mut entity_refs = 0;
    while !r.is_done() {
        let (field, wire_type) = r.key()?;
        match field {
            1 => attributes.next(&mut r, wire_type, ctx)?,
            2 => r
                .varint_field(wire_type)
                .at(Seg::Field("droppedAttributesCount"))?,
            3 => {
                r.message(
                    wire_type,
                    ctx,
                    Seg::Item("entityRefs", entity_refs),
                    entity_ref,
                )?;
                entity_refs += 1;
            }
            _ => r.skip(wire_type, field, ctx).at(Seg::Unknown(field))?,
        }
    }
    Ok(())
}

fn entity_ref(buf: &[u8], ctx: u32) -> Walk<()> {
    let mut r = Reader::new(buf);
    let (mut id_keys, mut description_keys) = (0, 0);
    while !r.is_done() {
        let (field, wire_type) = r.key()?;
        match field {
            1 => r.string_field(wire_type).at(Seg::Field("schemaUrl"))?,
            2 => r.string_field(wire_type).at(Seg::Field("type"))?,
            3 => {
                r.string_field(wire_type).at(Seg::Item("idKeys", id_keys))?;
                id_keys += 1;
            }
            4 => {
                r.string_field(wire_type)
                    .at(Seg::Item("descriptionKeys", description_keys))?;
                description_keys += 1;
            }
            _ => r.skip(wire_type, field, ctx).at(Seg::Unknown(field))?,
        }
    }
    Ok(())
}

fn scope(buf: &[u8], ctx: u32) -> Walk<()> {
    let mut r = Reader::new(buf);
    let mut attributes = Attributes::new("attributes");
    while !r.is_done() {
        let (field, wire_type) = r.key()?;
        match field {
            1 => r.string_field(wire_type).at(Seg::Field("name"))?,
            2 => r.string_field(wire_type).at(Seg::Field("version"))?,
            3 => attributes.next(&mut r, wire_type, ctx)?,
            4 => r
                .varint_field(wire_type)
                .at(Seg::Field("droppedAttributesCount"))?,
            _ => r.skip(wire_type, field, ctx).at(Seg::Unknown(field))?,
        }
    }
    Ok(())
}

/// The two levels above the items, alike in every signal: a resource entry (`resource = 1`,
/// `repeated scope entries = 2`, `schema_url = 3`) holding scope entries (`scope = 1`, `repeated
/// items = 2`, `schema_url = 3`). `item` walks one item, given its index and the indices of its
/// scope, and returns how many items it counts for. Returns the items of the resource entry.
pub(super) fn resource_entry(
    buf: &[u8],
    ctx: u32,
    names: [&'static str; 2],
    mut item: impl FnMut(&[u8], u32, [usize; 2]) -> Walk<usize>,
) -> Walk<usize> {
    let [scopes_name, items_name] = names;
    let mut r = Reader::new(buf);
    let mut items = 0;
    let mut s = 0;
    while !r.is_done() {
        let (field, wire_type) = r.key()?;
        match field {
            1 => r.message(wire_type, ctx, Seg::Field("resource"), resource)?,
            2 => {
                items += r.message(wire_type, ctx, Seg::Item(scopes_name, s), |buf, ctx| {
                    scope_entry(buf, ctx, items_name, |buf, ctx, i| item(buf, ctx, [s, i]))
                })?;
                s += 1;
            }
            3 => r.string_field(wire_type).at(Seg::Field("schemaUrl"))?,
            _ => r.skip(wire_type, field, ctx).at(Seg::Unknown(field))?,
        }
    }
    Ok(items)
}

fn scope_entry(
    buf: &[u8],
    ctx: u32,
    items_name: &'static str,
    mut item: impl FnMut(&[u8], u32, usize) -> Walk<usize>,
) -> Walk<usize> {
    let mut r = Reader::new(buf);
    let mut items = 0;
    let mut i = 0;
    while !r.is_done() {
        let (field, wire_type) = r.key()?;
        match field {
            1 => r.message(wire_type, ctx, Seg::Field("scope"), scope)?,
            2 => {
                items += r.message(wire_type, ctx, Seg::Item(items_name, i), |buf, ctx| {
                    item(buf, ctx, i)
                })?;
                i += 1;
            }
            3 => r.string_field(wire_type).at(Seg::Field("schemaUrl"))?,
            _ => r.skip(wire_type, field, ctx).at(Seg::Unknown(field))?,
        }
    }
    Ok(items)
}
