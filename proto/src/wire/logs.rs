//! ResourceLogs and the log records it holds.

use super::common::{Attributes, any_value, resource_entry};
use super::error::{At, Seg, Walk};
use super::ids::{FirstBreach, IdProblem, Item, Rule, SPAN_ID, TRACE_ID, check};
use super::reader::Reader;

/// Walks ResourceLogs number `r`; returns its log record count.
pub(super) fn resource_logs(
    buf: &[u8],
    ctx: u32,
    r: usize,
    first: &mut FirstBreach,
) -> Walk<usize> {
    resource_entry(buf, ctx, ["scopeLogs", "logRecords"], |buf, ctx, [s, i]| {
        if let Some(problem) = log_record(buf, ctx)? {
            first.note(Item::LogRecord { r, s, i }, problem);
        }
        Ok(1)
    })
}

fn log_record(buf: &[u8], ctx: u32) -> Walk<Option<IdProblem>> {
    let mut r = Reader::new(buf);
    // prost keeps the last occurrence of a singular field, so those are the ids to check.
    let (mut trace_id, mut span_id): (&[u8], &[u8]) = (&[], &[]);
    let mut attributes = Attributes::new("attributes");
    while !r.is_done() {
        let (field, wire_type) = r.key()?;
        match field {
            1 => r.fixed64_field(wire_type).at(Seg::Field("timeUnixNano"))?,
            2 => r.varint_field(wire_type).at(Seg::Field("severityNumber"))?,
            3 => r.string_field(wire_type).at(Seg::Field("severityText"))?,
            5 => r.message(wire_type, ctx, Seg::Field("body"), any_value)?,
            6 => attributes.next(&mut r, wire_type, ctx)?,
            7 => r
                .varint_field(wire_type)
                .at(Seg::Field("droppedAttributesCount"))?,
            8 => r.fixed32_field(wire_type).at(Seg::Field("flags"))?,
            9 => trace_id = r.bytes_field(wire_type).at(Seg::Field("traceId"))?,
            10 => span_id = r.bytes_field(wire_type).at(Seg::Field("spanId"))?,
            11 => r
                .fixed64_field(wire_type)
                .at(Seg::Field("observedTimeUnixNano"))?,
            12 => r.string_field(wire_type).at(Seg::Field("eventName"))?,
            _ => r.skip(wire_type, field, ctx).at(Seg::Unknown(field))?,
        }
    }
    Ok(check(trace_id, &TRACE_ID, Rule::Optional)
        .or_else(|| check(span_id, &SPAN_ID, Rule::Optional)))
}
