//! A series key as the map stores it: inside the map's entry when it is short, as most are, so
//! finding a series reads one allocation, not two.

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};

/// Keys up to this long stay inline: a service and a span name of 25 bytes each, say.
const INLINE: usize = 62;

/// The encoded labels of a series ([`super::labels::KeyBuilder`]).
#[derive(Clone, Debug)]
pub(crate) enum SeriesKey {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<[u8]>),
}

impl SeriesKey {
    pub(crate) fn new(key: &[u8]) -> SeriesKey {
        match u8::try_from(key.len()) {
            Ok(len) if key.len() <= INLINE => {
                let mut bytes = [0; INLINE];
                bytes[..key.len()].copy_from_slice(key);
                SeriesKey::Inline { len, bytes }
            }
            _ => SeriesKey::Heap(key.into()),
        }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            SeriesKey::Inline { len, bytes } => &bytes[..usize::from(*len)],
            SeriesKey::Heap(bytes) => bytes,
        }
    }
}

impl Borrow<[u8]> for SeriesKey {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

// Hashed and compared as the bytes, as `Borrow` requires: a lookup by `&[u8]` finds the key.
impl Hash for SeriesKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl PartialEq for SeriesKey {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for SeriesKey {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_keys_stay_inline_and_every_key_reads_back() {
        for len in [0, 1, INLINE, INLINE + 1, 300] {
            let bytes: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let key = SeriesKey::new(&bytes);
            assert_eq!(key.as_bytes(), &bytes[..]);
            assert_eq!(
                matches!(key, SeriesKey::Inline { .. }),
                len <= INLINE,
                "{len}"
            );
        }
        assert_eq!(SeriesKey::new(b"ab"), SeriesKey::new(b"ab"));
        assert_ne!(SeriesKey::new(b"ab"), SeriesKey::new(b"ab\0"));
    }
}
