use bytes::Bytes;
use proptest::prelude::*;

use super::Encoded;
use crate::fixtures::{self, normal_form};
use crate::{Payload, Signal};

/// Equal as protobuf: NaN attributes make the structs unequal to themselves.
fn same(a: &Payload, b: &Payload) -> bool {
    a.encode_to_vec() == b.encode_to_vec()
}

fn requests() -> Vec<Payload> {
    vec![
        Payload::Traces(fixtures::traces(3, 7)),
        Payload::Metrics(fixtures::metrics(2, 9)),
        Payload::Logs(fixtures::logs(3, 5)),
        fixtures::rich(Signal::Traces),
        fixtures::rich(Signal::Metrics),
        fixtures::rich(Signal::Logs),
    ]
}

#[test]
fn keeps_the_request_as_it_arrived() {
    for payload in requests() {
        let bytes = Bytes::from(payload.encode_to_vec());
        let encoded = Encoded::scan(payload.signal(), &bytes).unwrap();
        assert_eq!(encoded.item_count(), payload.item_count());
        assert_eq!(encoded.encoded_len(), bytes.len());
        assert_eq!(encoded.encode_to_vec(), bytes.to_vec());
        assert!(same(&encoded.decode(), &payload));
    }
}

#[test]
fn write_slices_hands_over_the_request_in_order_and_stops_at_an_error() {
    let payload = Payload::Traces(fixtures::traces(3, 7));
    let encoded = Encoded::from_payload(&payload).unwrap();
    let mut joined = Vec::new();
    let mut calls = 0;
    encoded
        .write_slices(|slice| {
            joined.extend_from_slice(slice);
            calls += 1;
            Ok::<(), ()>(())
        })
        .unwrap();
    assert_eq!(joined, payload.encode_to_vec());
    assert_eq!(
        calls,
        2 * encoded.blocks().len(),
        "a header and a body per entry"
    );
    let mut after_error = 0;
    let stopped = encoded.write_slices(|_| {
        after_error += 1;
        Err("full")
    });
    assert_eq!((stopped, after_error), (Err("full"), 1));
}

#[test]
fn an_empty_body_is_an_empty_request() {
    for signal in Signal::ALL {
        let encoded = Encoded::scan(signal, &Bytes::new()).unwrap();
        assert_eq!(encoded, Encoded::empty(signal));
        assert!(same(&encoded.decode(), &Payload::empty(signal)));
    }
}

#[test]
fn append_concatenates_resource_entries() {
    let a = Payload::Traces(fixtures::traces(2, 3));
    let b = Payload::Traces(fixtures::traces(1, 4));
    let mut encoded = Encoded::from_payload(&a).unwrap();
    encoded.append(Encoded::from_payload(&b).unwrap());
    let mut expected = a.clone();
    expected.append(b);
    assert_eq!(encoded.item_count(), expected.item_count());
    assert!(same(&encoded.decode(), &expected));
}

#[test]
#[should_panic(expected = "mixed signals")]
fn append_refuses_another_signal() {
    let mut traces = Encoded::empty(Signal::Traces);
    traces.append(Encoded::from_payload(&Payload::Logs(fixtures::logs(1, 1))).unwrap());
}

proptest! {
    #[test]
    fn split_front_matches_the_decoded_split(which in 0usize..6, cut in 0usize..80) {
        let payload = requests().swap_remove(which);
        let mut encoded = Encoded::from_payload(&payload).unwrap();
        let mut decoded = payload.clone();
        let front = encoded.split_front(cut);
        let expected_front = decoded.split_front(cut);
        prop_assert_eq!(front.item_count(), expected_front.item_count());
        prop_assert_eq!(encoded.item_count(), decoded.item_count());
        prop_assert!(same(&front.decode(), &expected_front));
        prop_assert!(same(&encoded.decode(), &decoded));
        prop_assert!(normal_form(&[front.decode(), encoded.decode()]) == normal_form(&[payload]));
    }
}
