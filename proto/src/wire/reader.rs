//! The protobuf wire format read from one message's bytes, refusing exactly what prost 0.14 refuses.
//!
//! Each message is read from a slice bounded by its length prefix. prost reads nested values from the
//! whole remaining buffer and checks the bound afterwards, so a value crossing the bound fails there
//! too: bounding the slice up front accepts the same inputs.

use std::fmt;

use super::error::{At, Kind, Seg, Walk};

/// The wire types prost knows; 6 and 7 are refused when the key is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum WireType {
    Varint,
    SixtyFourBit,
    LengthDelimited,
    StartGroup,
    EndGroup,
    ThirtyTwoBit,
}

impl fmt::Display for WireType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WireType::Varint => "varint",
            WireType::SixtyFourBit => "64-bit",
            WireType::LengthDelimited => "length-delimited",
            WireType::StartGroup => "start-group",
            WireType::EndGroup => "end-group",
            WireType::ThirtyTwoBit => "32-bit",
        })
    }
}

/// A cursor over the fields of one message.
pub(super) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Bytes read so far.
    pub(super) fn pos(&self) -> usize {
        self.pos
    }

    /// Whether every field of the message has been read.
    #[inline]
    pub(super) fn is_done(&self) -> bool {
        self.pos >= self.buf.len()
    }

    #[inline]
    fn varint(&mut self) -> Result<u64, Kind> {
        match self.buf.get(self.pos) {
            Some(&byte) if byte < 0x80 => {
                self.pos += 1;
                Ok(u64::from(byte))
            }
            _ => self.long_varint(),
        }
    }

    fn long_varint(&mut self) -> Result<u64, Kind> {
        let mut value = 0;
        for count in 0..10 {
            let Some(&byte) = self.buf.get(self.pos + count) else {
                return Err(Kind::Truncated);
            };
            value |= u64::from(byte & 0x7f) << (count * 7);
            if byte < 0x80 {
                // The tenth byte may only carry bit 63: prost refuses anything that overflows u64.
                if count == 9 && byte >= 0x02 {
                    return Err(Kind::BadVarint);
                }
                self.pos += count + 1;
                return Ok(value);
            }
        }
        Err(Kind::BadVarint)
    }

    /// The next field's number and wire type.
    #[inline]
    pub(super) fn key(&mut self) -> Result<(u32, WireType), Kind> {
        let key = self.varint()?;
        if key > u64::from(u32::MAX) {
            return Err(Kind::BadKey);
        }
        let wire_type = match key & 7 {
            0 => WireType::Varint,
            1 => WireType::SixtyFourBit,
            2 => WireType::LengthDelimited,
            3 => WireType::StartGroup,
            4 => WireType::EndGroup,
            5 => WireType::ThirtyTwoBit,
            _ => return Err(Kind::BadKey),
        };
        let number = (key >> 3) as u32;
        if number == 0 {
            return Err(Kind::BadKey);
        }
        Ok((number, wire_type))
    }

    #[inline]
    fn take(&mut self, len: u64) -> Result<&'a [u8], Kind> {
        let rest = &self.buf[self.pos..];
        if len > rest.len() as u64 {
            return Err(Kind::Truncated);
        }
        let len = len as usize;
        self.pos += len;
        Ok(&rest[..len])
    }

    #[inline]
    fn length_delimited(&mut self) -> Result<&'a [u8], Kind> {
        let len = self.varint()?;
        self.take(len)
    }

    #[inline]
    fn expect(found: WireType, expected: WireType) -> Result<(), Kind> {
        if found == expected {
            Ok(())
        } else {
            Err(Kind::WireType { found, expected })
        }
    }

    /// A varint field: int32, int64, uint32, uint64, sint32, sint64, bool or enum.
    #[inline]
    pub(super) fn varint_field(&mut self, wire_type: WireType) -> Result<(), Kind> {
        Self::expect(wire_type, WireType::Varint)?;
        self.varint().map(drop)
    }

    /// A fixed64, sfixed64 or double field.
    #[inline]
    pub(super) fn fixed64_field(&mut self, wire_type: WireType) -> Result<(), Kind> {
        Self::expect(wire_type, WireType::SixtyFourBit)?;
        self.take(8).map(drop)
    }

    /// A fixed32, sfixed32 or float field.
    #[inline]
    pub(super) fn fixed32_field(&mut self, wire_type: WireType) -> Result<(), Kind> {
        Self::expect(wire_type, WireType::ThirtyTwoBit)?;
        self.take(4).map(drop)
    }

    /// A `bytes` field's value.
    #[inline]
    pub(super) fn bytes_field(&mut self, wire_type: WireType) -> Result<&'a [u8], Kind> {
        Self::expect(wire_type, WireType::LengthDelimited)?;
        self.length_delimited()
    }

    /// A `string` field, which must be UTF-8.
    #[inline]
    pub(super) fn string_field(&mut self, wire_type: WireType) -> Result<(), Kind> {
        let bytes = self.bytes_field(wire_type)?;
        // Most strings are ASCII, which `is_ascii` confirms a word at a time; `from_utf8` pays a
        // per-call setup that dominates on short keys.
        if bytes.is_ascii() || std::str::from_utf8(bytes).is_ok() {
            Ok(())
        } else {
            Err(Kind::Utf8)
        }
    }

    /// A repeated varint field, in either encoding prost takes: packed or one value per key.
    pub(super) fn repeated_varint(&mut self, wire_type: WireType) -> Result<(), Kind> {
        if wire_type != WireType::LengthDelimited {
            return self.varint_field(wire_type);
        }
        let mut packed = Reader::new(self.length_delimited()?);
        while !packed.is_done() {
            packed.varint()?;
        }
        Ok(())
    }

    /// A repeated fixed64, sfixed64 or double field, packed or one value per key.
    pub(super) fn repeated_fixed64(&mut self, wire_type: WireType) -> Result<(), Kind> {
        if wire_type != WireType::LengthDelimited {
            return self.fixed64_field(wire_type);
        }
        if self.length_delimited()?.len() % 8 != 0 {
            return Err(Kind::PackedLength { width: 8 });
        }
        Ok(())
    }

    /// A message field: its bytes walked by `walk`, which gets the recursion budget prost gives it.
    ///
    /// `ctx` is the budget of the message holding the field: prost refuses to enter a message when it
    /// is 0 and gives the nested message one less.
    #[inline]
    pub(super) fn message<T>(
        &mut self,
        wire_type: WireType,
        ctx: u32,
        seg: Seg,
        walk: impl FnOnce(&'a [u8], u32) -> Walk<T>,
    ) -> Walk<T> {
        match self.message_bytes(wire_type, ctx) {
            Ok(bytes) => walk(bytes, ctx - 1).at(seg),
            Err(kind) => Err(kind).at(seg),
        }
    }

    /// A message field's bytes, checked for wire type, recursion budget and length only.
    #[inline]
    pub(super) fn message_bytes(
        &mut self,
        wire_type: WireType,
        ctx: u32,
    ) -> Result<&'a [u8], Kind> {
        Self::expect(wire_type, WireType::LengthDelimited)?;
        if ctx == 0 {
            return Err(Kind::RecursionLimit);
        }
        self.length_delimited()
    }

    /// Skips a field the schema does not know, as prost's `skip_field` does: groups are walked to their
    /// matching end key, each nesting costing one level of the recursion budget.
    pub(super) fn skip(&mut self, wire_type: WireType, number: u32, ctx: u32) -> Result<(), Kind> {
        if ctx == 0 {
            return Err(Kind::RecursionLimit);
        }
        match wire_type {
            WireType::Varint => self.varint().map(drop),
            WireType::SixtyFourBit => self.take(8).map(drop),
            WireType::ThirtyTwoBit => self.take(4).map(drop),
            WireType::LengthDelimited => self.length_delimited().map(drop),
            WireType::StartGroup => loop {
                let (inner, inner_type) = self.key()?;
                if inner_type == WireType::EndGroup {
                    return if inner == number {
                        Ok(())
                    } else {
                        Err(Kind::EndGroup)
                    };
                }
                self.skip(inner_type, inner, ctx - 1)?;
            },
            WireType::EndGroup => Err(Kind::EndGroup),
        }
    }

    /// Skips the fields ahead while their key is the one byte `key`: the rest of a run of one
    /// repeated length-delimited field, in a message of a block that [`scan`](super::scan) returned.
    ///
    /// # Panics
    /// If the message is not from such a block.
    #[inline]
    pub(super) fn skip_scanned_run(&mut self, key: u8) {
        while self.buf.get(self.pos) == Some(&key) {
            self.pos += 1;
            self.length_delimited().expect(SCANNED);
        }
    }

    #[inline]
    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], Kind> {
        let bytes = *self.buf[self.pos..]
            .first_chunk::<N>()
            .ok_or(Kind::Truncated)?;
        self.pos += N;
        Ok(bytes)
    }

    /// The next field of a message in a block that [`scan`](super::scan) returned: whole, key
    /// included, and with its value, for reading and copying it. The scan checked every key, so this
    /// only finds where the field ends.
    ///
    /// # Panics
    /// If the message is not from such a block.
    #[inline(always)]
    pub(super) fn scanned_field(&mut self) -> RawField<'a> {
        let start = self.pos;
        let (number, payload, scalar) = self.scanned_value();
        RawField {
            number,
            whole: &self.buf[start..self.pos],
            payload,
            scalar,
        }
    }

    /// The next field of a scanned message as [`scanned_field`](Reader::scanned_field) reads it, less
    /// the whole field's bytes: its number, payload and scalar, for readers that only look.
    ///
    /// # Panics
    /// If the message is not from a block that [`scan`](super::scan) returned.
    #[inline(always)]
    pub(super) fn scanned_value(&mut self) -> (u32, &'a [u8], u64) {
        let key = self.varint().expect(SCANNED);
        let number = (key >> 3) as u32;
        let (payload, scalar): (&'a [u8], u64) = match key & 7 {
            2 => (self.length_delimited().expect(SCANNED), 0),
            0 => (&[], self.varint().expect(SCANNED)),
            1 => (&[], u64::from_le_bytes(self.fixed().expect(SCANNED))),
            5 => (
                &[],
                u64::from(u32::from_le_bytes(self.fixed().expect(SCANNED))),
            ),
            3 => {
                self.skip(WireType::StartGroup, number, u32::MAX)
                    .expect(SCANNED);
                (&[], 0)
            }
            other => panic!("wire type {other} in {SCANNED}"),
        };
        (number, payload, scalar)
    }
}

/// The fields of a message inside a block that [`scan`](super::scan) returned, in wire order.
///
/// # Panics
/// If `buf` is not such a message.
pub(super) fn scanned_fields(buf: &[u8]) -> impl Iterator<Item = RawField<'_>> {
    let mut r = Reader::new(buf);
    std::iter::from_fn(move || (!r.is_done()).then(|| r.scanned_field()))
}

/// The payloads of the length-delimited fields numbered `number` of a scanned message, in wire order.
pub(super) fn scanned_payloads(buf: &[u8], number: u32) -> impl Iterator<Item = &[u8]> {
    // Not `scanned_fields` filtered: this runs per span and per attribute, and needs no whole fields.
    let mut r = Reader::new(buf);
    std::iter::from_fn(move || {
        while !r.is_done() {
            let (found, payload, _) = r.scanned_value();
            if found == number {
                return Some(payload);
            }
        }
        None
    })
}

/// The value of a `string` field of a scanned message, which the scan found to be UTF-8.
pub(super) fn scanned_str(bytes: &[u8]) -> &str {
    // Empty is common (a span's `trace_state`) and needs no validation call.
    if bytes.is_empty() {
        return "";
    }
    std::str::from_utf8(bytes).expect(SCANNED)
}

/// Why reading a block that the scan accepted cannot fail.
const SCANNED: &str = "a block that wire::scan returned";

/// One field as it is on the wire.
pub(super) struct RawField<'a> {
    /// The field number.
    pub(super) number: u32,
    /// Key and value.
    pub(super) whole: &'a [u8],
    /// The value of a length-delimited field, without its length; empty for other wire types.
    pub(super) payload: &'a [u8],
    /// The value of a varint, 64-bit or 32-bit field (fixed ones as their little-endian bits); 0 for
    /// other wire types.
    pub(super) scalar: u64,
}
