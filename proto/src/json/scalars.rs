//! Scalar field codecs: strings, numbers, enums and bytes.

use std::fmt;
use std::marker::PhantomData;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use super::codec::Codec;

/// A string field.
pub(crate) struct Str;

impl Codec for Str {
    type Value = String;

    fn is_default(value: &String) -> bool {
        value.is_empty()
    }

    fn write<S: Serializer>(value: &String, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(value)
    }

    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
        String::deserialize(deserializer)
    }
}

/// A bool field.
pub(crate) struct Bool;

impl Codec for Bool {
    type Value = bool;

    fn is_default(value: &bool) -> bool {
        !value
    }

    fn write<S: Serializer>(value: &bool, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bool(*value)
    }

    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
        bool::deserialize(deserializer)
    }
}

/// Integer fields. The proto3 JSON mapping accepts numbers and decimal strings for every integer type;
/// 64-bit ones are written as strings because JSON numbers lose precision past 2^53 in most parsers.
macro_rules! integer_codec {
    ($(#[doc = $doc:literal] $codec:ident($ty:ty, $proto:literal, $quoted:literal);)*) => {$(
        #[doc = $doc]
        pub(crate) struct $codec;

        impl Codec for $codec {
            type Value = $ty;

            fn is_default(value: &$ty) -> bool {
                *value == 0
            }

            fn write<S: Serializer>(value: &$ty, serializer: S) -> Result<S::Ok, S::Error> {
                if $quoted {
                    serializer.collect_str(value)
                } else {
                    value.serialize(serializer)
                }
            }

            fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<$ty, D::Error> {
                deserializer.deserialize_any(IntVisitor::<$ty>($proto, PhantomData))
            }
        }
    )*};
}

integer_codec! {
    /// A `uint32` or `fixed32` field.
    U32(u32, "uint32", false);
    /// An `int32` or `sint32` field.
    I32(i32, "int32", false);
    /// A `uint64` or `fixed64` field.
    U64(u64, "uint64", true);
    /// An `int64` or `sfixed64` field.
    I64(i64, "int64", true);
}

/// Reads any JSON integer form into `T`, naming the protobuf type in range errors.
struct IntVisitor<T>(&'static str, PhantomData<T>);

impl<T: TryFrom<i128>> IntVisitor<T> {
    fn convert<E: de::Error>(&self, value: i128) -> Result<T, E> {
        T::try_from(value).map_err(|_| {
            E::custom(format_args!(
                "{value} is out of range for a {} field",
                self.0
            ))
        })
    }
}

impl<T: TryFrom<i128>> Visitor<'_> for IntVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a {} as a JSON number or a decimal string", self.0)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<T, E> {
        self.convert(value.into())
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<T, E> {
        self.convert(value.into())
    }

    // Writers in languages without 64-bit integers send e.g. `1.5e18` or `5.0`; integral values are exact.
    fn visit_f64<E: de::Error>(self, value: f64) -> Result<T, E> {
        const LIMIT: f64 = 18_446_744_073_709_551_616.0; // 2^64
        if value.fract() != 0.0 || !(-LIMIT..LIMIT).contains(&value) {
            return Err(E::custom(format_args!(
                "{value} is not a valid {}: expected a whole number",
                self.0
            )));
        }
        // In range and integral, so the cast is exact.
        self.convert(value as i128)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
        let parsed = value.parse::<i128>().map_err(|_| {
            E::custom(format_args!(
                "\"{value}\" is not a valid {}: expected decimal digits",
                self.0
            ))
        })?;
        self.convert(parsed)
    }
}

/// A `double` field: a JSON number, or one of the strings "NaN", "Infinity" and "-Infinity".
pub(crate) struct F64;

impl Codec for F64 {
    type Value = f64;

    // Compares bits so that -0.0 is written and reads back as -0.0.
    fn is_default(value: &f64) -> bool {
        value.to_bits() == 0
    }

    fn write<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        if value.is_nan() {
            serializer.serialize_str("NaN")
        } else if value.is_infinite() {
            serializer.serialize_str(if *value > 0.0 {
                "Infinity"
            } else {
                "-Infinity"
            })
        } else {
            serializer.serialize_f64(*value)
        }
    }

    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        deserializer.deserialize_any(F64Visitor)
    }
}

struct F64Visitor;

impl Visitor<'_> for F64Visitor {
    type Value = f64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(
            "a double as a JSON number, a decimal string, \"NaN\", \"Infinity\" or \"-Infinity\"",
        )
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<f64, E> {
        Ok(value)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<f64, E> {
        Ok(value as f64)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<f64, E> {
        Ok(value as f64)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<f64, E> {
        match value {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            // Rust's parser also takes "inf" and "nan", which the mapping does not.
            _ => value.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
                E::custom(format_args!(
                    "\"{value}\" is not a valid double: expected a number, \"NaN\", \"Infinity\" or \"-Infinity\""
                ))
            }),
        }
    }
}

/// An enum that OTLP/JSON writers may send by name as well as by number.
pub(crate) trait NamedEnum {
    /// The common prefix of the enum's names, for error messages.
    const PREFIX: &'static str;
    /// The number of the value named `name`.
    fn number(name: &str) -> Option<i32>;
}

/// An enum field: written as its number, as OTLP requires; read from a number or a name.
pub(crate) struct Enum<E>(PhantomData<E>);

impl<N: NamedEnum> Codec for Enum<N> {
    type Value = i32;

    fn is_default(value: &i32) -> bool {
        *value == 0
    }

    fn write<S: Serializer>(value: &i32, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i32(*value)
    }

    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i32, D::Error> {
        deserializer.deserialize_any(EnumVisitor::<N>(PhantomData))
    }
}

struct EnumVisitor<N>(PhantomData<N>);

impl<N: NamedEnum> Visitor<'_> for EnumVisitor<N> {
    type Value = i32;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an enum number or a {}* name", N::PREFIX)
    }

    // Numbers outside the known values are kept: proto3 enums are open.
    fn visit_i64<E: de::Error>(self, value: i64) -> Result<i32, E> {
        IntVisitor::<i32>("enum", PhantomData).visit_i64(value)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<i32, E> {
        IntVisitor::<i32>("enum", PhantomData).visit_u64(value)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<i32, E> {
        N::number(value).ok_or_else(|| {
            E::custom(format_args!(
                "unknown enum name \"{value}\": send the enum's number or a {}* name",
                N::PREFIX
            ))
        })
    }
}

/// A trace or span id: a hex string (either case), not base64 as the plain proto3 mapping has it.
pub(crate) struct Hex;

impl Codec for Hex {
    type Value = Vec<u8>;

    fn is_default(value: &Vec<u8>) -> bool {
        value.is_empty()
    }

    fn write<S: Serializer>(value: &Vec<u8>, serializer: S) -> Result<S::Ok, S::Error> {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let hex: String = value
            .iter()
            .flat_map(|byte| {
                [
                    DIGITS[usize::from(byte >> 4)],
                    DIGITS[usize::from(byte & 0xf)],
                ]
            })
            .map(char::from)
            .collect();
        serializer.serialize_str(&hex)
    }

    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        deserializer.deserialize_str(HexVisitor)
    }
}

struct HexVisitor;

impl Visitor<'_> for HexVisitor {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a hex string (OTLP/JSON trace and span ids are hex, not base64)")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Vec<u8>, E> {
        decode_hex(value).ok_or_else(|| {
            E::custom(format_args!(
                "\"{value}\" is not a valid id: OTLP/JSON trace and span ids are hex strings (32 digits for \
                 a trace id, 16 for a span id), not base64"
            ))
        })
    }
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    fn nibble(digit: u8) -> Option<u8> {
        char::from(digit)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    }
    let digits = hex.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

/// A `bytes` field other than an id: base64, standard or URL-safe alphabet, padded or not.
pub(crate) struct Base64;

const BASE64_DECODE: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, BASE64_DECODE);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, BASE64_DECODE);

impl Codec for Base64 {
    type Value = Vec<u8>;

    fn is_default(value: &Vec<u8>) -> bool {
        value.is_empty()
    }

    fn write<S: Serializer>(value: &Vec<u8>, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(value))
    }

    fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        deserializer.deserialize_str(Base64Visitor)
    }
}

struct Base64Visitor;

impl Visitor<'_> for Base64Visitor {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a base64 string")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Vec<u8>, E> {
        let engine = if value.contains(['-', '_']) {
            &URL_SAFE
        } else {
            &STANDARD
        };
        engine.decode(value).map_err(|e| {
            E::custom(format_args!(
                "bytes value is not valid base64 ({e}): send standard base64"
            ))
        })
    }
}
