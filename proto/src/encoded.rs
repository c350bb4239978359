//! The unit that flows between stages: one OTLP export request kept in the protobuf bytes it arrived in.
//!
//! Decoding every span into owned structs and encoding it again on export cost about half of weir's
//! CPU and six times the wire size in memory. A request is instead scanned once ([`wire::scan`]: every
//! rule prost checks, plus the id rules) and kept as slices of its own buffer, one per resource entry;
//! batching appends slices and exporting copies them out.

use std::convert::Infallible;

use bytes::{BufMut, Bytes};
use prost::Message;

use crate::otlp::collector::logs::v1::ExportLogsServiceRequest;
use crate::otlp::collector::metrics::v1::ExportMetricsServiceRequest;
use crate::otlp::collector::trace::v1::ExportTraceServiceRequest;
use crate::wire::{self, Block, ScanError};
use crate::{Payload, Signal};

/// The tag of field 1, length-delimited: the resource entries of every export request.
const RESOURCE_TAG: u8 = 0x0a;

/// One OTLP export request of one signal, in protobuf wire format, checked by [`wire::scan`].
#[derive(Clone, Debug, PartialEq)]
pub struct Encoded {
    signal: Signal,
    blocks: Vec<Block>,
    items: usize,
}

impl Encoded {
    /// An empty request of `signal`.
    pub fn empty(signal: Signal) -> Encoded {
        Encoded {
            signal,
            blocks: Vec::new(),
            items: 0,
        }
    }

    /// Checks a protobuf export request of `signal` and keeps it as slices of `body`.
    pub fn scan(signal: Signal, body: &Bytes) -> Result<Encoded, ScanError> {
        let blocks = wire::scan(signal, body)?;
        let items = blocks.iter().map(|b| b.items).sum();
        Ok(Encoded {
            signal,
            blocks,
            items,
        })
    }

    /// A request of `signal` made of resource entries that [`wire::scan`] or the functions built on
    /// it (`wire::split_block`, `wire::retain_spans`) returned.
    pub fn from_blocks(signal: Signal, blocks: Vec<Block>) -> Encoded {
        let items = blocks.iter().map(|b| b.items).sum();
        Encoded {
            signal,
            blocks,
            items,
        }
    }

    /// Encodes a decoded request, checking it as a received one would be.
    pub fn from_payload(payload: &Payload) -> Result<Encoded, ScanError> {
        Encoded::scan(payload.signal(), &Bytes::from(payload.encode_to_vec()))
    }

    /// The signal this request carries.
    pub fn signal(&self) -> Signal {
        self.signal
    }

    /// Spans, metric data points or log records in the request: the unit batch sizes count.
    pub fn item_count(&self) -> usize {
        self.items
    }

    /// The resource entries, in order.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// Size of the request in protobuf wire format.
    pub fn encoded_len(&self) -> usize {
        self.blocks
            .iter()
            .map(|b| 1 + prost::length_delimiter_len(b.bytes.len()) + b.bytes.len())
            .sum()
    }

    /// Writes the request in protobuf wire format: each resource entry copied as it arrived.
    pub fn encode(&self, buf: &mut impl BufMut) {
        let written: Result<(), Infallible> = self.write_slices(|slice| {
            buf.put_slice(slice);
            Ok(())
        });
        written.unwrap_or_else(|never| match never {});
    }

    /// Hands `write` the request in protobuf wire format, slice by slice in order: a few bytes of
    /// field header, then a resource entry as it arrived, for each entry. A compressor fed this way
    /// never needs the whole request copied into one buffer first.
    pub fn write_slices<E>(&self, mut write: impl FnMut(&[u8]) -> Result<(), E>) -> Result<(), E> {
        // The tag and the longest varint a length can take.
        let mut header = [0u8; 11];
        header[0] = RESOURCE_TAG;
        for block in &self.blocks {
            let mut rest = &mut header[1..];
            prost::encoding::encode_varint(block.bytes.len() as u64, &mut rest);
            let unused = rest.len();
            let used = header.len() - unused;
            write(&header[..used])?;
            write(&block.bytes)?;
        }
        Ok(())
    }

    /// The request in protobuf wire format.
    pub fn encode_to_vec(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(self.encoded_len());
        self.encode(&mut buf);
        buf
    }

    /// The request decoded into owned structs, for the stages that need every field (OTLP/JSON output).
    pub fn decode(&self) -> Payload {
        let bytes = self.encode_to_vec();
        let decoded = match self.signal {
            Signal::Traces => ExportTraceServiceRequest::decode(&bytes[..]).map(Payload::Traces),
            Signal::Metrics => {
                ExportMetricsServiceRequest::decode(&bytes[..]).map(Payload::Metrics)
            }
            Signal::Logs => ExportLogsServiceRequest::decode(&bytes[..]).map(Payload::Logs),
        };
        // Every block passed `wire::scan`, which accepts exactly what prost decodes.
        decoded.expect("a scanned request decodes")
    }

    /// Appends `other`'s resource entries to this request.
    ///
    /// Resources are appended, not merged: two entries for one resource are valid OTLP and keep the
    /// append cheap.
    ///
    /// # Panics
    /// If the signals differ: a pipeline only ever carries one signal, so that is a wiring bug.
    pub fn append(&mut self, mut other: Encoded) {
        assert_eq!(
            self.signal, other.signal,
            "a pipeline mixed signals: {} and {}",
            self.signal, other.signal
        );
        self.items += other.items;
        if self.blocks.is_empty() {
            self.blocks = other.blocks;
        } else {
            self.blocks.append(&mut other.blocks);
        }
    }

    /// Splits off the first `max_items` items into a new request and leaves the rest in `self`.
    ///
    /// A resource entry whose items fall on both sides is rewritten into two, each with the resource,
    /// scope and metric fields copied; every other entry moves as it is.
    pub fn split_front(&mut self, max_items: usize) -> Encoded {
        let mut budget = max_items.min(self.items);
        let whole = self
            .blocks
            .iter()
            .take_while(|b| {
                let fits = b.items <= budget;
                if fits {
                    budget -= b.items;
                }
                fits
            })
            .count();
        let mut front: Vec<Block> = self.blocks.drain(..whole).collect();
        if budget > 0 {
            let (head, tail) = wire::split_block(self.signal, &self.blocks[0], budget);
            front.push(head);
            self.blocks[0] = tail;
        }
        let items = front.iter().map(|b| b.items).sum();
        self.items -= items;
        Encoded {
            signal: self.signal,
            blocks: front,
            items,
        }
    }
}

#[cfg(test)]
mod tests;
