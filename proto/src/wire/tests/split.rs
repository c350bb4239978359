//! `split_block` against `Payload::split_front`: both halves must decode to what it makes of the same
//! resource entry, for every split point.

use proptest::prelude::*;
use prost::Message;

use super::{Msg, accepted, decode, frame};
use crate::fixtures;
use crate::wire::{Block, split_block};
use crate::{Payload, Signal};

/// Splits every block of `body` at every point and compares with the decoded split.
fn check_every_split(signal: Signal, body: &[u8]) {
    for block in accepted(signal, body) {
        let whole = decode(signal, &frame(std::slice::from_ref(&block))).expect("a block decodes");
        for n in 1..block.items {
            let (front, rest) = split_block(signal, &block, n);
            assert_eq!((front.items, rest.items), (n, block.items - n));
            let mut wanted_rest = whole.clone();
            let wanted_front = wanted_rest.split_front(n);
            assert_half(signal, &front, &wanted_front, n);
            assert_half(signal, &rest, &wanted_rest, n);
        }
    }
}

fn assert_half(signal: Signal, half: &Block, wanted: &Payload, n: usize) {
    let blocks = accepted(signal, &frame(std::slice::from_ref(half)));
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].items, half.items, "split at {n}");
    let found = decode(signal, &frame(std::slice::from_ref(half))).expect("a half decodes");
    assert_eq!(
        found.encode_to_vec(),
        wanted.encode_to_vec(),
        "split at {n}"
    );
}

#[test]
fn rich_requests_split_at_every_point() {
    for signal in Signal::ALL {
        check_every_split(signal, &fixtures::rich(signal).encode_to_vec());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn generated_requests_split_at_every_point(resources in 1usize..3, items in 0usize..7) {
        check_every_split(Signal::Traces, &fixtures::traces(resources, items).encode_to_vec());
        check_every_split(Signal::Metrics, &fixtures::metrics(resources, items).encode_to_vec());
        check_every_split(Signal::Logs, &fixtures::logs(resources, items).encode_to_vec());
    }
}

fn number_point(value: u64) -> Msg {
    Msg::new().fixed64(3, value).fixed64(4, value)
}

fn gauge(points: u64) -> Msg {
    (0..points).fold(Msg::new(), |m, p| m.msg(1, number_point(p)))
}

fn sum(points: u64, temporality: u64) -> Msg {
    (0..points)
        .fold(Msg::new().varint(2, temporality), |m, p| {
            m.msg(1, number_point(100 + p))
        })
        .varint(3, 1)
}

/// A metric as no encoder writes it: data fields of several kinds, of which prost keeps the last run;
/// envelope fields repeated and interleaved; unknown fields.
fn odd_metric() -> Msg {
    Msg::new()
        .bytes(1, b"first name")
        .msg(7, sum(3, 1))
        .msg(5, gauge(2))
        .varint(99, 7)
        .msg(7, sum(2, 2))
        .bytes(1, b"last name")
        .msg(7, sum(0, 1))
        .bytes(3, b"ms")
        .msg(7, sum(3, 2))
}

#[test]
fn odd_metrics_split_as_prost_reads_them() {
    let scope = Msg::new()
        .msg(2, Msg::new().bytes(1, b"no data"))
        .msg(2, odd_metric())
        .msg(1, Msg::new().bytes(1, b"scope"))
        .msg(2, odd_metric())
        .bytes(3, b"schema");
    let resource = Msg::new()
        .msg(1, Msg::new().varint(2, 1))
        .msg(2, Msg::new())
        .msg(2, scope.clone())
        .bytes(3, b"first")
        .msg(2, Msg::new())
        .msg(1, Msg::new().varint(2, 5))
        .msg(2, scope);
    let body = Msg::new().msg(1, resource).0;
    let blocks = accepted(Signal::Metrics, &body);
    assert_eq!(blocks[0].items, 20);
    check_every_split(Signal::Metrics, &body);
}

#[test]
fn odd_spans_and_records_split_as_prost_reads_them() {
    for (signal, ids) in [(Signal::Traces, [1, 2]), (Signal::Logs, [9, 10])] {
        let item = |n: u8| {
            Msg::new()
                .bytes(ids[0], &[n; 16])
                .bytes(ids[1], &[n; 8])
                .varint(77, u64::from(n))
        };
        let scope = |items: u8| {
            (1..=items).fold(Msg::new().bytes(3, b"s"), |m, n| {
                m.msg(2, item(n)).msg(1, Msg::new().bytes(1, &[b'a' + n]))
            })
        };
        let resource = Msg::new()
            .msg(2, scope(0))
            .msg(2, scope(3))
            .bytes(3, b"r")
            .msg(2, scope(0))
            .msg(2, scope(1))
            .msg(2, scope(2))
            .msg(2, scope(0));
        check_every_split(signal, &Msg::new().msg(1, resource).0);
    }
}

#[test]
#[should_panic(expected = "0 < n < items")]
fn splitting_off_every_item_is_refused() {
    let body = fixtures::rich(Signal::Logs).encode_to_vec();
    let block = &accepted(Signal::Logs, &body)[0];
    split_block(Signal::Logs, block, block.items);
}
