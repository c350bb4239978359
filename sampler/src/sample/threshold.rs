//! The two 56-bit numbers of OpenTelemetry consistent probability sampling: the rejection threshold
//! (`th`) and the randomness it is compared with (`rv`, or the trace id's last 7 bytes).

use std::fmt;

use thiserror::Error;

/// 2^56: how many randomness values there are, and the threshold that rejects all of them.
const SPAN: u64 = 1 << 56;

/// Hex digits in a 56-bit value.
const DIGITS: usize = 14;

/// A `th` or `rv` value that is not what the specification allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum ParseError {
    /// A `th` value is empty or longer than 14 bytes.
    #[error("a th value has 1 to 14 hex digits, this one is {0} bytes long")]
    ThresholdLength(usize),
    /// An `rv` value is not exactly 14 bytes long.
    #[error("an rv value has exactly 14 hex digits, this one is {0} bytes long")]
    RandomnessLength(usize),
    /// A character that is not a hex digit.
    #[error("{0:?} is not a hex digit")]
    NotHex(char),
}

/// A rejection threshold T in [0, 2^56]: a span is kept iff its randomness R >= T.
///
/// Ordered by selectivity: a larger threshold keeps fewer spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Threshold(u64);

impl Threshold {
    /// T = 0: keeps every span (probability 1, `th:0`).
    pub const KEEP_ALL: Self = Self(0);

    /// T = 2^56: keeps no span. It has no `th` form: the specification leaves probability 0 undefined.
    pub const KEEP_NONE: Self = Self(SPAN);

    /// The threshold that keeps a share `p` of spans: T = (1 - p) * 2^56, with `p` clamped to [0, 1]
    /// and NaN taken as 0.
    ///
    /// Rounding: the kept count p * 2^56 is rounded to the nearest integer (halves away from zero)
    /// and T = 2^56 minus it. Scaling by 2^56 is exact in binary floating point, so this one rounding
    /// is the only error (at most 2^-57 in probability) and the full 56 bits are kept, where
    /// computing 1 - p first would lose the low bits of small probabilities. Full precision (up to 14
    /// `th` digits rather than the 4 the specification suggests for SDKs) lets the adaptive policies
    /// move p by small steps without the encoded probability drifting from the one they chose. Any
    /// p >= 2^-57 keeps something.
    pub fn from_probability(p: f64) -> Self {
        let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
        let kept = (p * SPAN as f64).round() as u64;
        Self(SPAN - kept)
    }

    /// T as a number, for keeping a threshold in an atomic.
    pub fn to_bits(self) -> u64 {
        self.0
    }

    /// A threshold from [`Threshold::to_bits`]; values past 2^56 keep nothing.
    pub fn from_bits(bits: u64) -> Self {
        Self(bits.min(SPAN))
    }

    /// The share of spans this threshold keeps, (2^56 - T) / 2^56.
    pub fn probability(self) -> f64 {
        (SPAN - self.0) as f64 / SPAN as f64
    }

    /// How many spans a kept span stands for, 1 / probability; 0 for [`Threshold::KEEP_NONE`], which
    /// keeps nothing and so stands for nothing (instead of an infinity that would poison sums).
    pub fn adjusted_count(self) -> f64 {
        if self == Self::KEEP_NONE {
            0.0
        } else {
            SPAN as f64 / (SPAN - self.0) as f64
        }
    }

    /// The `th` form: lowercase hex, trailing zeros removed, `0` for [`Threshold::KEEP_ALL`]; `None`
    /// for [`Threshold::KEEP_NONE`], which has no `th` form.
    pub fn encode(self) -> Option<ThValue> {
        if self == Self::KEEP_NONE {
            return None;
        }
        let mut digits = [b'0'; DIGITS];
        for (i, digit) in digits.iter_mut().enumerate() {
            let nibble = (self.0 >> (4 * (DIGITS - 1 - i))) & 0xf;
            *digit = b"0123456789abcdef"[nibble as usize];
        }
        let len = digits
            .iter()
            .rposition(|&d| d != b'0')
            .map_or(1, |last| last + 1);
        Some(ThValue { digits, len })
    }

    /// Reads a `th` value: 1 to 14 hex digits (either case), extended with trailing zeros to 14.
    pub fn parse(th: &str) -> Result<Self, ParseError> {
        if th.is_empty() || th.len() > DIGITS {
            return Err(ParseError::ThresholdLength(th.len()));
        }
        Ok(Self(parse_hex(th)? << (4 * (DIGITS - th.len()))))
    }
}

/// A threshold's `th` form, on the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThValue {
    digits: [u8; DIGITS],
    len: usize,
}

impl ThValue {
    /// The hex digits.
    pub fn as_str(&self) -> &str {
        // The digits are ASCII, so the fallback is never taken.
        std::str::from_utf8(&self.digits[..self.len]).unwrap_or_default()
    }
}

impl fmt::Display for ThValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A 56-bit randomness value R, shared by every sampler that sees the trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Randomness(u64);

impl Randomness {
    /// The rightmost 7 bytes of a trace id, big-endian, as W3C Trace Context Level 2 makes random.
    pub fn from_trace_id(trace_id: &[u8; 16]) -> Self {
        let mut bytes = [0; 8];
        bytes[1..].copy_from_slice(&trace_id[9..]);
        Self(u64::from_be_bytes(bytes))
    }

    /// Reads an `rv` value: exactly 14 hex digits (either case).
    pub fn parse(rv: &str) -> Result<Self, ParseError> {
        if rv.len() != DIGITS {
            return Err(ParseError::RandomnessLength(rv.len()));
        }
        parse_hex(rv).map(Self)
    }
}

/// Whether a span with this randomness survives this threshold (R >= T).
pub fn should_keep(randomness: Randomness, threshold: Threshold) -> bool {
    randomness.0 >= threshold.0
}

/// Reads at most 14 hex digits; by hand because `u64::from_str_radix` also takes a leading `+`.
fn parse_hex(hex: &str) -> Result<u64, ParseError> {
    hex.chars().try_fold(0, |value, c| {
        let digit = c.to_digit(16).ok_or(ParseError::NotHex(c))?;
        Ok((value << 4) | u64::from(digit))
    })
}

#[cfg(test)]
mod tests;
