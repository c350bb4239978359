//! Why a scan failed, and where. The position of a malformed field is collected only while the error
//! unwinds, so a request that scans cleanly never builds one.

use std::fmt;

use super::reader::WireType;

/// Why an export request was refused by [`scan`](super::scan).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    /// Not a valid protobuf message of the expected type (truncated, bad varint, wrong wire type for a
    /// known field, invalid UTF-8 in a string field, recursion limit...).
    #[error("{0}")]
    Malformed(String),
    /// Well-formed, but breaks an OTLP id rule.
    #[error("{0}")]
    Invalid(String),
}

/// What is wrong with the bytes of one field, without saying where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// A length, varint or fixed-size value runs past the end of its message or of the body.
    Truncated,
    /// A varint longer than 10 bytes, or one that overflows 64 bits.
    BadVarint,
    /// A field key with field number 0, wire type 6 or 7, or a value past 32 bits.
    BadKey,
    /// A known field sent with another wire type than its declared one.
    WireType { found: WireType, expected: WireType },
    /// A `string` field whose bytes are not UTF-8.
    Utf8,
    /// Messages or groups nested deeper than prost's limit of 100.
    RecursionLimit,
    /// An end-group key outside a group, or closing another group than the open one.
    EndGroup,
    /// A packed run of fixed-size values whose length is not a multiple of the value size.
    PackedLength { width: u8 },
}

/// One step of a position, in OTLP/JSON's names.
#[derive(Clone, Copy, Debug)]
pub(super) enum Seg {
    /// A singular field: `resource`, `stringValue`.
    Field(&'static str),
    /// One element of a repeated field: `spans[3]`.
    Item(&'static str, usize),
    /// A field the schema does not know, by number.
    Unknown(u32),
}

/// A malformed field and its position, innermost step first.
#[derive(Debug)]
pub(super) struct Fault {
    kind: Kind,
    path: Vec<Seg>,
}

/// The result of walking part of a request. The error is boxed so that the success path moves a
/// small value.
pub(super) type Walk<T> = Result<T, Box<Fault>>;

impl From<Kind> for Box<Fault> {
    #[cold]
    fn from(kind: Kind) -> Self {
        Box::new(Fault {
            kind,
            path: Vec::new(),
        })
    }
}

/// Adds a step to the position of an error on its way out.
pub(super) trait At<T> {
    /// The same result, with `seg` prepended to the error's position.
    fn at(self, seg: Seg) -> Walk<T>;
}

impl<T> At<T> for Result<T, Kind> {
    #[inline]
    fn at(self, seg: Seg) -> Walk<T> {
        self.map_err(|kind| Box::<Fault>::from(kind).with(seg))
    }
}

impl<T> At<T> for Walk<T> {
    #[inline]
    fn at(self, seg: Seg) -> Walk<T> {
        self.map_err(|fault| fault.with(seg))
    }
}

impl Fault {
    #[cold]
    fn with(mut self: Box<Self>, seg: Seg) -> Box<Self> {
        self.path.push(seg);
        self
    }

    /// The error for a request whose bytes are malformed here.
    pub(super) fn into_error(self) -> ScanError {
        let what = match self.kind {
            Kind::Truncated => "truncated field at".to_owned(),
            Kind::BadVarint => "invalid varint at".to_owned(),
            Kind::BadKey => "invalid field key at".to_owned(),
            Kind::WireType { found, expected } => {
                format!("wire type {found} where {expected} is declared at")
            }
            Kind::Utf8 => "invalid UTF-8 in".to_owned(),
            Kind::RecursionLimit => "messages nested past the recursion limit of 100 at".to_owned(),
            Kind::EndGroup => "unexpected end-group tag at".to_owned(),
            Kind::PackedLength { width } => {
                format!("packed field length not a multiple of {width} bytes at")
            }
        };
        ScanError::Malformed(format!("{what} {}", Path(&self.path)))
    }
}

/// A position, outermost step first.
struct Path<'a>(&'a [Seg]);

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("the top level of the request");
        }
        for (n, seg) in self.0.iter().rev().enumerate() {
            if n > 0 {
                f.write_str(".")?;
            }
            match seg {
                Seg::Field(name) => f.write_str(name)?,
                Seg::Item(name, index) => write!(f, "{name}[{index}]")?,
                Seg::Unknown(number) => write!(f, "(unknown field {number})")?,
            }
        }
        Ok(())
    }
}
