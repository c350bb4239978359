//! Counts the items of an OTLP export request by walking its protobuf fields, without decoding them.
//!
//! Only the length-delimited fields on the path down to the items are entered; everything else is
//! skipped by its wire type, so counting costs one pass over the tags, not a decode.

use std::fmt;

use weir_proto::Signal;

/// A request whose protobuf framing is broken (truncated, a bad wire type or field number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed(&'static str);

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed protobuf: {}", self.0)
    }
}

impl std::error::Error for Malformed {}

/// The items (spans, data points or log records) in an encoded `Export*ServiceRequest` of `signal`.
pub fn count_items(signal: Signal, message: &[u8]) -> Result<u64, Malformed> {
    match signal {
        // request.resource_spans(1).scope_spans(2).spans(2)
        Signal::Traces => sum_over(message, &[1, 2, 2], &|_| Ok(1)),
        // request.resource_logs(1).scope_logs(2).log_records(2)
        Signal::Logs => sum_over(message, &[1, 2, 2], &|_| Ok(1)),
        // request.resource_metrics(1).scope_metrics(2).metrics(2), then each metric's data points.
        Signal::Metrics => sum_over(message, &[1, 2, 2], &metric_points),
    }
}

/// The data points of one `Metric`: the `data_points` (1) of whichever of gauge (5), sum (7),
/// histogram (9), exponential_histogram (10) or summary (11) it holds.
fn metric_points(metric: &[u8]) -> Result<u64, Malformed> {
    let mut points = 0;
    for field in Fields(metric) {
        if let (5 | 7 | 9 | 10 | 11, value) = field? {
            points += sum_over(len_value(value)?, &[1], &|_| Ok(1))?;
        }
    }
    Ok(points)
}

/// Follows the length-delimited fields numbered by `path` and sums `leaf` over the messages at its end.
fn sum_over(
    message: &[u8],
    path: &[u64],
    leaf: &dyn Fn(&[u8]) -> Result<u64, Malformed>,
) -> Result<u64, Malformed> {
    let Some((&first, rest)) = path.split_first() else {
        return leaf(message);
    };
    let mut total = 0;
    for field in Fields(message) {
        let (number, value) = field?;
        if number == first {
            total += sum_over(len_value(value)?, rest, leaf)?;
        }
    }
    Ok(total)
}

fn len_value(value: Value<'_>) -> Result<&[u8], Malformed> {
    match value {
        Value::Len(bytes) => Ok(bytes),
        Value::Scalar => Err(Malformed("a message field has a scalar wire type")),
    }
}

/// A field's value: the bytes of a length-delimited one, or nothing for the scalars skipped.
#[derive(Clone, Copy)]
enum Value<'a> {
    Len(&'a [u8]),
    Scalar,
}

/// The fields of one message, in order; ends after the first error.
struct Fields<'a>(&'a [u8]);

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u64, Value<'a>), Malformed>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.0.is_empty() {
            return None;
        }
        let field = self.field();
        if field.is_err() {
            self.0 = &[];
        }
        Some(field)
    }
}

impl<'a> Fields<'a> {
    fn field(&mut self) -> Result<(u64, Value<'a>), Malformed> {
        let tag = self.varint()?;
        let number = tag >> 3;
        if number == 0 || number > u64::from(u32::MAX >> 3) {
            return Err(Malformed("field number out of range"));
        }
        let value = match tag & 7 {
            0 => self.varint().map(|_| Value::Scalar)?,
            1 => self.take(8).map(|_| Value::Scalar)?,
            2 => {
                let len = usize::try_from(self.varint()?)
                    .map_err(|_| Malformed("length does not fit in memory"))?;
                Value::Len(self.take(len)?)
            }
            5 => self.take(4).map(|_| Value::Scalar)?,
            _ => return Err(Malformed("unsupported wire type")),
        };
        Ok((number, value))
    }

    fn varint(&mut self) -> Result<u64, Malformed> {
        let mut value = 0u64;
        for (i, &byte) in self.0.iter().enumerate().take(10) {
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                self.0 = &self.0[i + 1..];
                return Ok(value);
            }
        }
        Err(Malformed("truncated or overlong varint"))
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], Malformed> {
        if len > self.0.len() {
            return Err(Malformed("field runs past the end of its message"));
        }
        let (taken, rest) = self.0.split_at(len);
        self.0 = rest;
        Ok(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use weir_proto::Payload;
    use weir_proto::fixtures;

    fn check(payload: Payload) {
        let bytes = payload.encode_to_vec();
        let counted = count_items(payload.signal(), &bytes);
        assert_eq!(counted, Ok(payload.item_count() as u64));
    }

    #[test]
    fn counts_match_a_full_decode() {
        for items in [0, 1, 7, 512] {
            check(Payload::Traces(fixtures::traces(3, items)));
            check(Payload::Metrics(fixtures::metrics(2, items)));
            check(Payload::Logs(fixtures::logs(3, items)));
        }
    }

    #[test]
    fn an_empty_request_has_no_items() {
        for signal in [Signal::Traces, Signal::Metrics, Signal::Logs] {
            assert_eq!(count_items(signal, &[]), Ok(0));
        }
    }

    #[test]
    fn broken_framing_is_refused() {
        let bytes = Payload::Traces(fixtures::traces(1, 4)).encode_to_vec();
        assert!(count_items(Signal::Traces, &bytes[..bytes.len() - 1]).is_err());
        // Field 1 with wire type 0 where a message is expected.
        assert!(count_items(Signal::Traces, &[0x08, 0x01]).is_err());
        // Wire type 3 (groups) is not OTLP.
        assert!(count_items(Signal::Traces, &[0x0b]).is_err());
        assert!(count_items(Signal::Logs, &[0x0a, 0xff]).is_err());
    }
}
