//! Stage 4: which traces to keep, by OpenTelemetry consistent probability sampling.
//!
//! [`threshold`](Threshold) holds the arithmetic of the specification's 56-bit threshold and
//! randomness, [`tracestate`](read_ot) reads and rewrites the `ot` member of a W3C tracestate that
//! carries them, and [`policy`] chooses the probability each trace is kept with.

pub mod policy;
mod threshold;
mod tracestate;

pub use threshold::{ParseError, Randomness, ThValue, Threshold, should_keep};
pub use tracestate::{OtSampling, decide, read_ot, write_tracestate};
