//! `partition_spans` against the decoded request split the same way: every group's block must scan,
//! decode to the entry with only the group's spans (scope entries without them left out), and
//! together the groups must hold every span once.

use proptest::prelude::*;
use prost::Message;

use super::scramble::{Rng, generated, scramble};
use super::{accepted, frame, resource_spans};
use crate::wire::partition_spans;
use crate::{Signal, fixtures};

/// Splits every block of `body` into up to `groups` groups drawn from `seed` and checks each.
fn check_partition(body: &[u8], seed: u64, groups: usize) {
    let mut rng = Rng::new(seed);
    for block in accepted(Signal::Traces, body) {
        let mut drawn = Vec::new();
        let parts = partition_spans(&block, |span| {
            let group = rng.below(groups);
            drawn.push((span.span_id().to_vec(), group));
            group
        });
        let mut order = Vec::new();
        for (_, group) in &drawn {
            if !order.contains(group) {
                order.push(*group);
            }
        }
        assert_eq!(parts.iter().map(|(g, _)| *g).collect::<Vec<_>>(), order);
        for (group, part) in &parts {
            let mut wanted = resource_spans(&block);
            let mut decided = drawn.iter();
            wanted.scope_spans.retain_mut(|scope| {
                scope.spans.retain(|span| {
                    let (id, g) = decided.next().expect("a group per span");
                    assert_eq!(*id, span.span_id);
                    g == group
                });
                !scope.spans.is_empty()
            });
            let kept: usize = wanted.scope_spans.iter().map(|s| s.spans.len()).sum();
            assert_eq!(part.items, kept);
            let rescanned = accepted(Signal::Traces, &frame(std::slice::from_ref(part)));
            assert_eq!(rescanned, std::slice::from_ref(part));
            if parts.len() == 1 {
                // One group takes the block whole, scope entries without spans and all.
                assert_eq!(part, &block);
                continue;
            }
            assert_eq!(resource_spans(part).encode_to_vec(), wanted.encode_to_vec());
        }
        let total: usize = parts.iter().map(|(_, part)| part.items).sum();
        assert_eq!(total, block.items);
    }
}

#[test]
fn fixtures_split_into_their_groups() {
    for seed in 0..16 {
        for groups in [1, 2, 5] {
            check_partition(&fixtures::traces(3, 7).encode_to_vec(), seed, groups);
            check_partition(
                &fixtures::rich(Signal::Traces).encode_to_vec(),
                seed,
                groups,
            );
        }
    }
}

#[test]
fn one_group_shares_the_block() {
    for block in accepted(Signal::Traces, &fixtures::traces(2, 9).encode_to_vec()) {
        let parts = partition_spans(&block, |_| 7);
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].1, block);
        assert_eq!(parts[0].1.bytes.as_ptr(), block.bytes.as_ptr());
    }
}

#[test]
fn by_trace_id_every_trace_gets_its_own_block() {
    let body = fixtures::traces(2, 12).encode_to_vec();
    for block in accepted(Signal::Traces, &body) {
        let mut ids: Vec<Vec<u8>> = Vec::new();
        let parts = partition_spans(&block, |span| {
            ids.iter()
                .position(|id| id == span.trace_id())
                .unwrap_or_else(|| {
                    ids.push(span.trace_id().to_vec());
                    ids.len() - 1
                })
        });
        assert_eq!(parts.len(), ids.len());
        for (index, part) in &parts {
            let decoded = resource_spans(part);
            let spans = decoded.scope_spans.iter().flat_map(|s| &s.spans);
            assert!(spans.clone().count() > 0);
            assert!(spans.into_iter().all(|s| s.trace_id == ids[*index]));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn scrambled_requests_split_into_their_groups((body, seed) in generated()) {
        check_partition(&body, seed, 3);
        check_partition(&scramble(&body, seed), seed, 3);
    }
}
