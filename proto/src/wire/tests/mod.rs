//! The scan is checked against prost itself: for any body, it must accept exactly what prost decodes
//! and the id rules pass, and what it returns must frame back into the request prost decoded.

mod ids;
mod malformed;
mod mutation;
mod partition;
mod retain;
mod roundtrip;
mod scramble;
mod spans;
mod split;

use std::fmt;

use bytes::Bytes;
use prost::Message;

use super::oracle::{self, decode};
use super::{Block, ScanError, scan};
use crate::otlp::collector::trace::v1::ExportTraceServiceRequest;
use crate::otlp::trace::v1::ResourceSpans;
use crate::{Payload, Signal};

/// What prost and the id rules make of a body.
enum Expected {
    Accepted(Payload),
    Malformed(prost::DecodeError),
    Invalid(String),
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::Accepted(payload) => write!(f, "accepted, {} items", payload.item_count()),
            Expected::Malformed(e) => write!(f, "not decoded: {e}"),
            Expected::Invalid(message) => write!(f, "decoded, but {message}"),
        }
    }
}

fn expected(signal: Signal, body: &[u8]) -> Expected {
    match decode(signal, body) {
        Err(e) => Expected::Malformed(e),
        Ok(payload) => match oracle::validate(&payload) {
            Ok(()) => Expected::Accepted(payload),
            Err(message) => Expected::Invalid(message),
        },
    }
}

/// Blocks as the request they came from: each as field 1 of an export request.
fn frame(blocks: &[Block]) -> Vec<u8> {
    let mut out = Vec::new();
    for block in blocks {
        out.extend(Msg::new().bytes(1, &block.bytes).0);
    }
    out
}

/// Scans `body` as `signal` and checks the outcome against prost and the reference id rules: the same
/// verdict, the same id breach message, and blocks that frame back into the same request, each with
/// the item count of its resource entry.
fn agrees(signal: Signal, body: &[u8]) -> Result<Vec<Block>, ScanError> {
    let scanned = scan(signal, &Bytes::copy_from_slice(body));
    match (&scanned, expected(signal, body)) {
        (Ok(blocks), Expected::Accepted(payload)) => {
            let framed = decode(signal, &frame(blocks)).expect("framed blocks decode");
            // Compared as prost encodes them, since NaN makes the decoded values unequal to themselves.
            assert_eq!(framed.encode_to_vec(), payload.encode_to_vec());
            let items: usize = blocks.iter().map(|b| b.items).sum();
            assert_eq!(items, payload.item_count());
            for block in blocks {
                let alone =
                    decode(signal, &frame(std::slice::from_ref(block))).expect("a block decodes");
                assert_eq!(block.items, alone.item_count());
            }
        }
        (Err(ScanError::Malformed(_)), Expected::Malformed(_)) => {}
        (Err(ScanError::Invalid(found)), Expected::Invalid(wanted)) => assert_eq!(found, &wanted),
        (found, wanted) => panic!(
            "scan and prost disagree on {signal} body {body:02x?}:\nscan: {found:?}\nprost: {wanted}"
        ),
    }
    scanned
}

/// A traces block as prost decodes it.
fn resource_spans(block: &Block) -> ResourceSpans {
    let framed = frame(std::slice::from_ref(block));
    let mut request = ExportTraceServiceRequest::decode(&framed[..]).expect("a block decodes");
    assert_eq!(request.resource_spans.len(), 1);
    request.resource_spans.remove(0)
}

/// `agrees`, for a body that must also be accepted.
fn accepted(signal: Signal, body: &[u8]) -> Vec<Block> {
    agrees(signal, body).expect("accepted")
}

/// `agrees`, for a body that must be malformed; returns the message.
fn malformed(signal: Signal, body: &[u8]) -> String {
    match agrees(signal, body) {
        Err(ScanError::Malformed(message)) => message,
        other => panic!("expected a malformed body, got {other:?}"),
    }
}

/// `agrees`, for a body that must break an id rule; returns the message.
fn invalid(signal: Signal, body: &[u8]) -> String {
    match agrees(signal, body) {
        Err(ScanError::Invalid(message)) => message,
        other => panic!("expected an id breach, got {other:?}"),
    }
}

/// A protobuf message built field by field, for bodies prost's encoder would never write.
#[derive(Clone, Default)]
struct Msg(Vec<u8>);

impl Msg {
    fn new() -> Self {
        Msg(Vec::new())
    }

    fn raw(mut self, bytes: &[u8]) -> Self {
        self.0.extend_from_slice(bytes);
        self
    }

    fn key(self, field: u32, wire_type: u8) -> Self {
        self.varint_raw((u64::from(field) << 3) | u64::from(wire_type))
    }

    fn varint_raw(mut self, mut value: u64) -> Self {
        while value >= 0x80 {
            self.0.push(value as u8 | 0x80);
            value >>= 7;
        }
        self.0.push(value as u8);
        self
    }

    fn varint(self, field: u32, value: u64) -> Self {
        self.key(field, 0).varint_raw(value)
    }

    fn fixed64(self, field: u32, value: u64) -> Self {
        self.key(field, 1).raw(&value.to_le_bytes())
    }

    fn fixed32(self, field: u32, value: u32) -> Self {
        self.key(field, 5).raw(&value.to_le_bytes())
    }

    fn bytes(self, field: u32, value: &[u8]) -> Self {
        self.key(field, 2).varint_raw(value.len() as u64).raw(value)
    }

    fn msg(self, field: u32, value: Msg) -> Self {
        self.bytes(field, &value.0)
    }
}

/// The three fixtures with every edge value, encoded.
fn rich_bodies() -> Vec<(Signal, Vec<u8>)> {
    Signal::ALL
        .into_iter()
        .map(|signal| (signal, crate::fixtures::rich(signal).encode_to_vec()))
        .collect()
}

/// Small requests of each signal with every field set, for tests that try many variants of a body.
fn small_bodies() -> Vec<(Signal, Vec<u8>)> {
    vec![
        (
            Signal::Traces,
            crate::fixtures::traces(1, 1).encode_to_vec(),
        ),
        (
            Signal::Metrics,
            crate::fixtures::metrics(1, 1).encode_to_vec(),
        ),
        (Signal::Logs, crate::fixtures::logs(1, 1).encode_to_vec()),
    ]
}
