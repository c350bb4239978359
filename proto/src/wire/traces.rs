//! ResourceSpans and what it holds, down to span events, links and status.

use super::common::{Attributes, resource_entry};
use super::error::{At, Seg, Walk};
use super::ids::{FirstBreach, IdProblem, Item, PARENT_SPAN_ID, Rule, SPAN_ID, TRACE_ID, check};
use super::reader::Reader;

/// Walks ResourceSpans number `r`; returns its span count.
pub(super) fn resource_spans(
    buf: &[u8],
    ctx: u32,
    r: usize,
    first: &mut FirstBreach,
) -> Walk<usize> {
    resource_entry(buf, ctx, ["scopeSpans", "spans"], |buf, ctx, [s, i]| {
        match span(buf, ctx)? {
            Some(SpanBreach::Own(problem)) => first.note(Item::Span { r, s, i }, problem),
            Some(SpanBreach::Link(l, problem)) => first.note(Item::Link { r, s, i, l }, problem),
            None => {}
        }
        Ok(1)
    })
}

/// The first id rule a span breaks: its own ids are checked before its links'.
enum SpanBreach {
    Own(IdProblem),
    Link(usize, IdProblem),
}

fn span(buf: &[u8], ctx: u32) -> Walk<Option<SpanBreach>> {
    let mut r = Reader::new(buf);
    // prost keeps the last occurrence of a singular field, so those are the ids to check.
    let (mut trace_id, mut span_id, mut parent_span_id): (&[u8], &[u8], &[u8]) = (&[], &[], &[]);
    let mut attributes = Attributes::new("attributes");
    let (mut events, mut links) = (0, 0);
    let mut link_breach = None;
    while !r.is_done() {
        let (field, wire_type) = r.key()?;
        match field {
            1 => trace_id = r.bytes_field(wire_type).at(Seg::Field("traceId"))?,
            2 => span_id = r.bytes_field(wire_type).at(Seg::Field("spanId"))?,
            3 => r.string_field(wire_type).at(Seg::Field("traceState"))?,
            4 => parent_span_id = r.bytes_field(wire_type).at(Seg::Field("parentSpanId"))?,
            5 => r.string_field(wire_type).at(Seg::Field("name"))?,
            6 => r.varint_field(wire_type).at(Seg::Field("kind"))?,
            7 => r
                .fixed64_field(wire_type)
                .at(Seg::Field("startTimeUnixNano"))?,
            8 => r
                .fixed64_field(wire_type)
                .at(Seg::Field("endTimeUnixNano"))?,
            9 => attributes.next(&mut r, wire_type, ctx)?,
            10 => r
                .varint_field(wire_type)
                .at(Seg::Field("droppedAttributesCount"))?,
            11 => {
                r.message(wire_type, ctx, Seg::Item("events", events), event)?;
                events += 1;
            }
            12 => r
                .varint_field(wire_type)
                .at(Seg::Field("droppedEventsCount"))?,
            13 => {
                let problem = r.message(wire_type, ctx, Seg::Item("links", links), link)?;
                if let Some(problem) = problem
                    && link_breach.is_none()
                {
                    link_breach = Some(SpanBreach::Link(links, problem));
                }
                links += 1;
            }
            14 => r
                .varint_field(wire_type)
                .at(Seg::Field("droppedLinksCount"))?,
            15 => r.message(wire_type, ctx, Seg::Field("status"), status)?,
            16 => r.fixed32_field(wire_type).at(Seg::Field("flags"))?,
            _ => r.skip(wire_type, field, ctx).at(Seg::Unknown(field))?,
        }
    }
    let own = check(trace_id, &TRACE_ID, Rule::Identity)
        .or_else(|| check(span_id, &SPAN_ID, Rule::Identity))
        .or_else(|| check(parent_span_id, &PARENT_SPAN_ID, Rule::Optional));
    Ok(own.map(SpanBreach::Own).or(link_breach))
}

fn event(buf: &[u8], ctx: u32) -> Walk<()> {
    let mut r = Reader::new(buf);
    let mut attributes = Attributes::new("attributes");
    while !r.is_done() {
        let (field, wire_type) = r.key()?;
        match field {
            1 => r.fixed64_field(wire_type).at(Seg::Field("timeUnixNano"))?,
            2 => r.string_field(wire_type).at(Seg::Field("name"))?,
            3 => attributes.next(&mut r, wire_type, ctx)?,
            4 => r
                .varint_field(wire_type)
                .at(Seg::Field("droppedAttributesCount"))?,
            _ => r.skip(wire_type, field, ctx).at(Seg::Unknown(field))?,
        }
    }
    Ok(())
}

fn link(buf: &[u8], ctx: u32) -> Walk<Option<IdProblem>> {
    let mut r = Reader::new(buf);
    let (mut trace_id, mut span_id): (&[u8], &[u8]) = (&[], &[]);
    let mut attributes = Attributes::new("attributes");
    while !r.is_done() {
        let (field, wire_type) = r.key()?;
        match field {
            1 => trace_id = r.bytes_field(wire_type).at(Seg::Field("traceId"))?,
            2 => span_id = r.bytes_field(wire_type).at(Seg::Field("spanId"))?,
            3 => r.string_field(wire_type).at(Seg::Field("traceState"))?,
            4 => attributes.next(&mut r, wire_type, ctx)?,
            5 => r
                .varint_field(wire_type)
                .at(Seg::Field("droppedAttributesCount"))?,
            6 => r.fixed32_field(wire_type).at(Seg::Field("flags"))?,
            _ => r.skip(wire_type, field, ctx).at(Seg::Unknown(field))?,
        }
    }
    Ok(check(trace_id, &TRACE_ID, Rule::Required)
        .or_else(|| check(span_id, &SPAN_ID, Rule::Required)))
}

fn status(buf: &[u8], ctx: u32) -> Walk<()> {
    let mut r = Reader::new(buf);
    while !r.is_done() {
        let (field, wire_type) = r.key()?;
        match field {
            2 => r.string_field(wire_type).at(Seg::Field("message"))?,
            3 => r.varint_field(wire_type).at(Seg::Field("code"))?,
            _ => r.skip(wire_type, field, ctx).at(Seg::Unknown(field))?,
        }
    }
    Ok(())
}
