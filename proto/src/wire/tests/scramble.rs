//! Requests no encoder writes but prost decodes by its merge rules: the fields of every resource
//! entry, scope entry and span shuffled, some repeated, some taken from elsewhere in the request at
//! the same level. Every field moved is a whole valid one, so the result stays valid.

use proptest::prelude::*;
use prost::Message;

use super::Msg;
use crate::fixtures;
use crate::wire::common::{ITEMS, SCOPES};
use crate::wire::reader::scanned_fields;

/// A generated traces request of one or two resources, and a seed to scramble it with.
pub(super) fn generated() -> impl Strategy<Value = (Vec<u8>, u64)> {
    (1usize..3, 0usize..6, any::<u64>()).prop_map(|(resources, spans, seed)| {
        let body = fixtures::traces(resources, spans).encode_to_vec();
        (body, seed)
    })
}

/// A splitmix64 stream: proptest picks the seed, the stream makes the many small choices.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// A number below `n` (which must not be 0).
    pub(super) fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

/// The resource entries, scope entries and span levels below a request.
const LEVELS: usize = 3;

/// `body`, a valid traces request, scrambled as the module says.
pub(super) fn scramble(body: &[u8], seed: u64) -> Vec<u8> {
    let mut pools: [Vec<&[u8]>; LEVELS] = Default::default();
    for entry in scanned_fields(body) {
        collect(entry.payload, 0, &mut pools);
    }
    let mut rng = Rng::new(seed);
    scanned_fields(body)
        .fold(Msg::new(), |out, entry| {
            out.bytes(1, &rebuild(entry.payload, 0, &pools, &mut rng))
        })
        .0
}

/// Adds the fields of `message`, at `level`, and of the messages below it to `pools`.
fn collect<'a>(message: &'a [u8], level: usize, pools: &mut [Vec<&'a [u8]>; LEVELS]) {
    for field in scanned_fields(message) {
        pools[level].push(field.whole);
        if level + 1 < LEVELS && field.number == child(level) {
            collect(field.payload, level + 1, pools);
        }
    }
}

/// The field that holds the next level down: scope entries in a resource entry, spans in a scope.
fn child(level: usize) -> u32 {
    if level == 0 { SCOPES } else { ITEMS }
}

fn rebuild(message: &[u8], level: usize, pools: &[Vec<&[u8]>; LEVELS], rng: &mut Rng) -> Vec<u8> {
    let mut fields: Vec<Vec<u8>> = scanned_fields(message)
        .map(|field| {
            if level + 1 < LEVELS && field.number == child(level) {
                let inner = rebuild(field.payload, level + 1, pools, rng);
                Msg::new().bytes(field.number, &inner).0
            } else {
                field.whole.to_vec()
            }
        })
        .collect();
    for _ in 0..rng.below(5) {
        let at = rng.below(fields.len() + 1);
        let pool = &pools[level];
        match rng.below(3) {
            0 if !fields.is_empty() => {
                let copy = fields[rng.below(fields.len())].clone();
                fields.insert(at, copy);
            }
            1 if fields.len() > 1 => {
                let (a, b) = (rng.below(fields.len()), rng.below(fields.len()));
                fields.swap(a, b);
            }
            2 if !pool.is_empty() => fields.insert(at, pool[rng.below(pool.len())].to_vec()),
            _ => {}
        }
    }
    fields.concat()
}
