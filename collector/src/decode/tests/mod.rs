mod compression;
mod decode;
mod id_rules;
mod never_panics;
mod response;
mod spec_examples;

use bytes::Bytes;
use weir_proto::{Payload, Signal};

use crate::decode::{DecodeError, Format};

/// [`crate::decode::decode`] on a copied body, with what it kept decoded into structs to compare.
fn decode_to_structs(signal: Signal, format: Format, body: &[u8]) -> Result<Payload, DecodeError> {
    crate::decode::decode(signal, format, &Bytes::copy_from_slice(body)).map(|e| e.decode())
}
