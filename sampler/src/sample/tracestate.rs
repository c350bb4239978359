//! Reading and rewriting the OpenTelemetry (`ot`) member of a W3C `tracestate`, and the keep/drop
//! decision that respects a threshold set upstream.
//!
//! A tracestate is a comma-separated list of `key=value` members (at most 32, blanks around commas
//! and empty members allowed); the `ot` member's value is a semicolon-separated list of `key:value`
//! sub-keys, of which `th` (threshold) and `rv` (explicit randomness) matter here.

use super::threshold::{Randomness, ThValue, Threshold, should_keep};

/// W3C Trace Context: the most list-members a tracestate may carry.
const MAX_MEMBERS: usize = 32;

/// W3C Trace Context: the longest value a list-member may carry.
const MAX_VALUE_LEN: usize = 256;

/// What the `ot` member of a tracestate says about sampling.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OtSampling {
    /// The threshold applied upstream (`th`), if any and well-formed.
    pub threshold: Option<Threshold>,
    /// The explicit randomness (`rv`), if any and well-formed.
    pub randomness: Option<Randomness>,
}

/// Reads `th` and `rv` from the first `ot` member. Unknown sub-keys are ignored; a malformed `ot`
/// value (a sub-key without `key:`) yields neither, and a malformed `th` or `rv` only drops itself.
pub fn read_ot(tracestate: &str) -> OtSampling {
    let mut found = OtSampling::default();
    for (key, value) in ot_value(tracestate)
        .and_then(sub_keys)
        .into_iter()
        .flatten()
    {
        match key {
            "th" => found.threshold = Threshold::parse(value).ok(),
            "rv" => found.randomness = Randomness::parse(value).ok(),
            _ => {}
        }
    }
    found
}

/// The threshold a span leaves with, if it is kept: ours or the incoming one, whichever is larger,
/// since a downstream sampler may only lower a span's probability. The randomness is the incoming
/// `rv`, else the trace id's; a span below the incoming threshold is therefore never kept, even one
/// that arrived (inconsistently) sampled.
pub fn decide(incoming: &OtSampling, trace_id: &[u8; 16], ours: Threshold) -> Option<Threshold> {
    let randomness = incoming
        .randomness
        .unwrap_or_else(|| Randomness::from_trace_id(trace_id));
    let threshold = incoming.threshold.map_or(ours, |theirs| theirs.max(ours));
    should_keep(randomness, threshold).then_some(threshold)
}

/// Writes into `out` (cleared first; its capacity is reused, so a buffer kept across spans stops
/// allocating once it has grown) the tracestate `incoming` with `th` set to `th`.
///
/// The `ot` member comes first, as W3C asks of a modified member: `th`, then the incoming `ot`
/// sub-keys other than `th` in their order (`rv` must survive unchanged). A malformed incoming `ot`
/// value is dropped rather than carried on, and when the sub-keys would push the value past 256
/// characters only `th` and a valid `rv` are kept. The other members follow in their order, trimmed,
/// empty ones and further `ot` members removed, cut from the right to 32 members in all.
pub fn write_tracestate(incoming: &str, th: ThValue, out: &mut String) {
    out.clear();
    out.push_str("ot=");
    let value_start = out.len();
    out.push_str("th:");
    out.push_str(th.as_str());
    let th_end = out.len();
    if let Some(mut ot) = ot_value(incoming).and_then(sub_keys) {
        for (key, value) in ot.clone().filter(|&(key, _)| key != "th") {
            push_sub_key(out, key, value);
        }
        if out.len() - value_start > MAX_VALUE_LEN {
            out.truncate(th_end);
            if let Some((key, value)) =
                ot.find(|&(key, value)| key == "rv" && Randomness::parse(value).is_ok())
            {
                push_sub_key(out, key, value);
            }
        }
    }
    for member in members(incoming)
        .filter(|member| key_of(member) != Some("ot"))
        .take(MAX_MEMBERS - 1)
    {
        out.push(',');
        out.push_str(member);
    }
}

fn push_sub_key(out: &mut String, key: &str, value: &str) {
    out.push(';');
    out.push_str(key);
    out.push(':');
    out.push_str(value);
}

/// The non-empty list-members, without the optional blanks around the commas.
fn members(tracestate: &str) -> impl Iterator<Item = &str> {
    tracestate
        .split(',')
        .map(|member| member.trim_matches([' ', '\t']))
        .filter(|member| !member.is_empty())
}

fn key_of(member: &str) -> Option<&str> {
    member.split_once('=').map(|(key, _)| key)
}

/// The value of the first `ot` member: W3C keys are unique, so a second one is not honoured.
fn ot_value(tracestate: &str) -> Option<&str> {
    members(tracestate).find_map(|member| {
        let (key, value) = member.split_once('=')?;
        (key == "ot").then_some(value)
    })
}

/// The `key:value` sub-keys of an `ot` value, or `None` if any of them is malformed.
fn sub_keys(ot: &str) -> Option<impl Iterator<Item = (&str, &str)> + Clone> {
    ot.split(';')
        .all(|piece| sub_key(piece).is_some())
        .then(|| ot.split(';').filter_map(sub_key))
}

fn sub_key(piece: &str) -> Option<(&str, &str)> {
    piece.split_once(':').filter(|(key, _)| !key.is_empty())
}

#[cfg(test)]
mod tests;
