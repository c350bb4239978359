//! Any bytes as a protobuf export request of each signal: `weir_proto::wire::scan` must accept exactly
//! what prost decodes and the reference id rules pass (`wire::oracle`), refuse an id breach with the
//! same message,
//! and return blocks that frame back into the request prost decoded, with its item count. A block split
//! in two must give what `Payload::split_front` gives.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use weir_proto::wire::oracle::{decode, validate};
use weir_proto::wire::{Block, ScanError, scan, split_block};
use weir_proto::{Encoded, Payload, Signal};

/// Blocks as an export request, framed by weir's own encoder.
fn frame(signal: Signal, blocks: &[Block]) -> Vec<u8> {
    Encoded::from_blocks(signal, blocks.to_vec()).encode_to_vec()
}

fn decode_blocks(signal: Signal, blocks: &[Block]) -> Payload {
    decode(signal, &frame(signal, blocks)).expect("blocks scan returned decode")
}

fuzz_target!(|data: &[u8]| {
    let body = Bytes::copy_from_slice(data);
    for signal in Signal::ALL {
        let expected = decode(signal, data).map(|payload| validate(&payload).map(|()| payload));
        match (scan(signal, &body), expected) {
            (Ok(blocks), Ok(Ok(payload))) => {
                // Compared as prost encodes them, since NaN makes decoded values unequal to themselves.
                assert_eq!(
                    decode_blocks(signal, &blocks).encode_to_vec(),
                    payload.encode_to_vec()
                );
                assert_eq!(
                    blocks.iter().map(|b| b.items).sum::<usize>(),
                    payload.item_count()
                );
                for block in blocks.iter().filter(|b| b.items > 1) {
                    let n = block.items / 2;
                    let (front, rest) = split_block(signal, block, n);
                    let mut wanted_rest = decode_blocks(signal, std::slice::from_ref(block));
                    let wanted_front = wanted_rest.split_front(n);
                    for (half, wanted) in [(front, wanted_front), (rest, wanted_rest)] {
                        let rescanned =
                            scan(signal, &Bytes::from(frame(signal, std::slice::from_ref(&half))))
                                .expect("a half scans");
                        assert_eq!(rescanned, vec![half.clone()]);
                        let found = decode_blocks(signal, std::slice::from_ref(&half));
                        assert_eq!(found.encode_to_vec(), wanted.encode_to_vec());
                    }
                }
            }
            (Err(ScanError::Malformed(_)), Err(_)) => {}
            (Err(ScanError::Invalid(found)), Ok(Err(wanted))) => {
                assert_eq!(found, wanted)
            }
            (found, wanted) => {
                panic!("scan and prost disagree on {signal}:\nscan: {found:?}\nprost: {wanted:?}")
            }
        }
    }
});
