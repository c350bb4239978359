//! Arbitrary damage to valid requests: whatever the bytes become, the scan and prost must agree. This
//! is the fuzz target `scan_vs_prost` in small, so that `cargo test` covers it.

use proptest::prelude::*;
use proptest::sample::Index;
use prost::Message;

use super::{Msg, agrees};
use crate::Signal;
use crate::fixtures;

/// Valid bodies of each signal to damage: the rich fixtures, small generated ones, and one with
/// unknown fields and groups.
fn seeds() -> Vec<(Signal, Vec<u8>)> {
    let unknown = Msg::new()
        .key(40, 3)
        .varint(1, 1)
        .key(40, 4)
        .fixed32(41, 7)
        .0;
    let mut seeds = Vec::new();
    for signal in Signal::ALL {
        seeds.push((signal, fixtures::rich(signal).encode_to_vec()));
        let small = match signal {
            Signal::Traces => fixtures::traces(2, 2).encode_to_vec(),
            Signal::Metrics => fixtures::metrics(1, 2).encode_to_vec(),
            Signal::Logs => fixtures::logs(2, 2).encode_to_vec(),
        };
        let mut with_unknown = unknown.clone();
        with_unknown.extend_from_slice(&small);
        seeds.push((signal, small));
        seeds.push((signal, with_unknown));
    }
    seeds
}

#[derive(Clone, Debug)]
enum Damage {
    Flip(Index, u8),
    Set(Index, u8),
    Insert(Index, u8),
    Delete(Index),
    Truncate(Index),
    /// Copies a run of bytes to another place, as a repeated field or a misplaced fragment would be.
    Copy(Index, Index, u8),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<Index>(), 1u8..=255).prop_map(|(i, mask)| Damage::Flip(i, mask)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, byte)| Damage::Set(i, byte)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, byte)| Damage::Insert(i, byte)),
        any::<Index>().prop_map(Damage::Delete),
        any::<Index>().prop_map(Damage::Truncate),
        (any::<Index>(), any::<Index>(), 1u8..64)
            .prop_map(|(from, to, len)| Damage::Copy(from, to, len)),
    ]
}

fn apply(body: &mut Vec<u8>, damage: &Damage) {
    if body.is_empty() {
        return;
    }
    let len = body.len();
    match damage {
        Damage::Flip(i, mask) => body[i.index(len)] ^= mask,
        Damage::Set(i, byte) => body[i.index(len)] = *byte,
        Damage::Insert(i, byte) => body.insert(i.index(len + 1), *byte),
        Damage::Delete(i) => {
            body.remove(i.index(len));
        }
        Damage::Truncate(i) => body.truncate(i.index(len)),
        Damage::Copy(from, to, run) => {
            let from = from.index(len);
            let end = (from + usize::from(*run)).min(len);
            let run = body[from..end].to_vec();
            let to = to.index(len + 1);
            body.splice(to..to, run);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn damaged_requests_agree_with_prost(
        seed in any::<Index>(),
        damages in prop::collection::vec(damage(), 1..4),
        as_other in any::<bool>(),
    ) {
        let seeds = seeds();
        let (signal, mut body) = seeds[seed.index(seeds.len())].clone();
        for damage in &damages {
            apply(&mut body, damage);
        }
        let _ = agrees(signal, &body);
        if as_other {
            for other in Signal::ALL {
                let _ = agrees(other, &body);
            }
        }
    }
}
