//! A series' identity: its label values encoded in one byte string, which is the registry's key
//! (built per span into a reused buffer, so finding a series allocates nothing) and, decoded, the
//! labels written to `/metrics`.
//!
//! Layout: service name, span name (each a `u32` length and UTF-8), span kind and status code (each
//! an `i32`), then per configured dimension either [`ABSENT`] or [`PRESENT`] and a length-prefixed value.

use std::io::Write;

/// A dimension the span and its resource lack, and which has no default: the label is left out.
const ABSENT: u8 = 0;
/// A dimension with a value.
const PRESENT: u8 = 1;

/// An attribute value a dimension may take.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AttributeValue<'a> {
    /// A string.
    Str(&'a str),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Double(f64),
    /// A boolean.
    Bool(bool),
}

/// Builds keys into one buffer, reused from span to span.
#[derive(Debug, Default)]
pub(crate) struct KeyBuilder {
    key: Vec<u8>,
}

impl KeyBuilder {
    /// Starts a key with the four labels every series has.
    pub(crate) fn start(&mut self, service: &str, span_name: &str, kind: i32, status: i32) {
        self.key.clear();
        self.string(service);
        self.string(span_name);
        self.key.extend_from_slice(&kind.to_le_bytes());
        self.key.extend_from_slice(&status.to_le_bytes());
    }

    /// Adds the next dimension's value, or its absence.
    pub(crate) fn dimension(&mut self, value: Option<AttributeValue<'_>>) {
        let Some(value) = value else {
            self.key.push(ABSENT);
            return;
        };
        self.key.push(PRESENT);
        match value {
            AttributeValue::Str(text) => self.string(text),
            // Numbers are written in place behind a length patched afterwards: no temporary string.
            AttributeValue::Int(n) => self.formatted(format_args!("{n}")),
            AttributeValue::Double(x) => self.formatted(format_args!("{x}")),
            AttributeValue::Bool(b) => self.string(if b { "true" } else { "false" }),
        }
    }

    /// The key built so far.
    pub(crate) fn key(&self) -> &[u8] {
        &self.key
    }

    fn string(&mut self, text: &str) {
        self.key.extend_from_slice(&len(text.len()).to_le_bytes());
        self.key.extend_from_slice(text.as_bytes());
    }

    fn formatted(&mut self, args: std::fmt::Arguments<'_>) {
        let at = self.key.len();
        self.key.extend_from_slice(&[0; 4]);
        // Writing into a Vec cannot fail.
        let _ = self.key.write_fmt(args);
        let written = len(self.key.len() - at - 4);
        self.key[at..at + 4].copy_from_slice(&written.to_le_bytes());
    }
}

/// A label value's length as stored; values past 4 GiB cannot arrive in a 4 MiB request.
fn len(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A key's labels, decoded for `/metrics`.
#[derive(Debug, PartialEq)]
pub(crate) struct Labels<'k> {
    pub(crate) service: &'k str,
    pub(crate) span_name: &'k str,
    pub(crate) kind: i32,
    pub(crate) status: i32,
    /// One per configured dimension, in order; `None` where the label is left out.
    pub(crate) dimensions: Vec<Option<&'k str>>,
}

impl<'k> Labels<'k> {
    /// Decodes a key that [`KeyBuilder`] built; `None` if it is not one.
    pub(crate) fn decode(key: &'k [u8]) -> Option<Labels<'k>> {
        let mut rest = key;
        let service = take_str(&mut rest)?;
        let span_name = take_str(&mut rest)?;
        let kind = i32::from_le_bytes(take(&mut rest, 4)?.try_into().ok()?);
        let status = i32::from_le_bytes(take(&mut rest, 4)?.try_into().ok()?);
        let mut dimensions = Vec::new();
        while let Some((&marker, tail)) = rest.split_first() {
            rest = tail;
            dimensions.push(match marker {
                ABSENT => None,
                _ => Some(take_str(&mut rest)?),
            });
        }
        Some(Labels {
            service,
            span_name,
            kind,
            status,
            dimensions,
        })
    }
}

fn take<'k>(rest: &mut &'k [u8], n: usize) -> Option<&'k [u8]> {
    let (head, tail) = rest.split_at_checked(n)?;
    *rest = tail;
    Some(head)
}

fn take_str<'k>(rest: &mut &'k [u8]) -> Option<&'k str> {
    let n = u32::from_le_bytes(take(rest, 4)?.try_into().ok()?);
    std::str::from_utf8(take(rest, usize::try_from(n).ok()?)?).ok()
}

/// The spanmetrics connector's value of the `span_kind` label.
pub(crate) fn kind_name(kind: i32) -> &'static str {
    match kind {
        1 => "SPAN_KIND_INTERNAL",
        2 => "SPAN_KIND_SERVER",
        3 => "SPAN_KIND_CLIENT",
        4 => "SPAN_KIND_PRODUCER",
        5 => "SPAN_KIND_CONSUMER",
        _ => "SPAN_KIND_UNSPECIFIED",
    }
}

/// The spanmetrics connector's value of the `status_code` label.
pub(crate) fn status_name(status: i32) -> &'static str {
    match status {
        1 => "STATUS_CODE_OK",
        2 => "STATUS_CODE_ERROR",
        _ => "STATUS_CODE_UNSET",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_decode_to_the_labels_they_were_built_from() {
        let mut builder = KeyBuilder::default();
        builder.start("checkout", "GET /cart", 2, 0);
        builder.dimension(Some(AttributeValue::Str("/cart")));
        builder.dimension(None);
        builder.dimension(Some(AttributeValue::Int(-503)));
        builder.dimension(Some(AttributeValue::Double(0.25)));
        builder.dimension(Some(AttributeValue::Bool(true)));
        let labels = Labels::decode(builder.key()).unwrap();
        assert_eq!(
            labels,
            Labels {
                service: "checkout",
                span_name: "GET /cart",
                kind: 2,
                status: 0,
                dimensions: vec![
                    Some("/cart"),
                    None,
                    Some("-503"),
                    Some("0.25"),
                    Some("true")
                ],
            }
        );
    }

    #[test]
    fn different_labels_make_different_keys() {
        let key = |service: &str, name: &str, dimension: Option<AttributeValue<'_>>| {
            let mut builder = KeyBuilder::default();
            builder.start(service, name, 2, 0);
            builder.dimension(dimension);
            builder.key().to_vec()
        };
        // Length prefixes keep a boundary moved between two values from making the same key.
        assert_ne!(key("ab", "c", None), key("a", "bc", None));
        assert_ne!(
            key("a", "b", None),
            key("a", "b", Some(AttributeValue::Str("")))
        );
        assert_ne!(
            key("a", "b", Some(AttributeValue::Int(1))),
            key("a", "b", Some(AttributeValue::Str("1x")))
        );
    }

    #[test]
    fn a_truncated_key_does_not_decode() {
        let mut builder = KeyBuilder::default();
        builder.start("svc", "op", 1, 2);
        builder.dimension(Some(AttributeValue::Str("value")));
        let key = builder.key();
        assert!(Labels::decode(&key[..key.len() - 1]).is_none());
    }
}
