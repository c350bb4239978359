//! The OTLP id rules weir enforces: spans need a non-zero 16-byte trace id and 8-byte span id; every
//! other id is either absent or of its full length.
//!
//! The rules and their messages are those of the collector's validation of decoded requests, so a
//! request is refused with the same words whichever path decodes it. A breach is noted as a few
//! numbers and only worded if the request is refused for it.

use std::fmt;

/// An id field: its protobuf name, its length, and what its kind is called in messages.
#[derive(Debug)]
pub(super) struct IdField {
    name: &'static str,
    len: usize,
    kind: &'static str,
}

pub(super) const TRACE_ID: IdField = IdField {
    name: "trace_id",
    len: 16,
    kind: "trace ids",
};
pub(super) const SPAN_ID: IdField = IdField {
    name: "span_id",
    len: 8,
    kind: "span ids",
};
pub(super) const PARENT_SPAN_ID: IdField = IdField {
    name: "parent_span_id",
    len: 8,
    kind: "span ids",
};

#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) enum Rule {
    /// Full length and not all zero: the span's own identity.
    Identity,
    /// Full length: a reference that must be there.
    Required,
    /// Full length or empty: a reference that may be absent.
    Optional,
}

/// An id that breaks its rule: which id, under which rule, and how long it was (all zero if of the
/// right length).
#[derive(Clone, Copy, Debug)]
pub(super) struct IdProblem {
    field: &'static IdField,
    rule: Rule,
    found: usize,
}

/// Whether `bytes` break `rule` for `field`.
#[inline]
pub(super) fn check(bytes: &[u8], field: &'static IdField, rule: Rule) -> Option<IdProblem> {
    let fine = if bytes.len() == field.len {
        rule != Rule::Identity || bytes.iter().any(|b| *b != 0)
    } else {
        bytes.is_empty() && rule == Rule::Optional
    };
    (!fine).then_some(IdProblem {
        field,
        rule,
        found: bytes.len(),
    })
}

impl fmt::Display for IdProblem {
    /// Phrased to follow "span ... ".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let IdField { name, len, kind } = *self.field;
        if self.found == len {
            return write!(
                f,
                "has an all-zero {name}: {kind} need at least one non-zero byte"
            );
        }
        let or_empty = if self.rule == Rule::Optional {
            " or empty"
        } else {
            ""
        };
        if self.found == 0 {
            write!(f, "has no {name}: {kind} are {len} bytes{or_empty}")
        } else {
            write!(
                f,
                "has a {}-byte {name}: {kind} are {len} bytes{or_empty}",
                self.found
            )
        }
    }
}

/// The item an id belongs to, by its indices in the request.
#[derive(Clone, Copy, Debug)]
pub(super) enum Item {
    Span {
        r: usize,
        s: usize,
        i: usize,
    },
    Link {
        r: usize,
        s: usize,
        i: usize,
        l: usize,
    },
    LogRecord {
        r: usize,
        s: usize,
        i: usize,
    },
    Exemplar {
        r: usize,
        s: usize,
        m: usize,
        data: &'static str,
        p: usize,
        e: usize,
    },
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Item::Span { r, s, i } => {
                write!(f, "span resourceSpans[{r}].scopeSpans[{s}].spans[{i}]")
            }
            Item::Link { r, s, i, l } => write!(
                f,
                "span link resourceSpans[{r}].scopeSpans[{s}].spans[{i}].links[{l}]"
            ),
            Item::LogRecord { r, s, i } => write!(
                f,
                "log record resourceLogs[{r}].scopeLogs[{s}].logRecords[{i}]"
            ),
            Item::Exemplar {
                r,
                s,
                m,
                data,
                p,
                e,
            } => write!(
                f,
                "exemplar resourceMetrics[{r}].scopeMetrics[{s}].metrics[{m}].{data}.dataPoints[{p}].exemplars[{e}]"
            ),
        }
    }
}

/// An id rule broken somewhere in a request.
#[derive(Clone, Copy, Debug)]
pub(super) struct Breach {
    item: Item,
    problem: IdProblem,
}

impl Breach {
    /// The message the request is refused with.
    pub(super) fn message(&self) -> String {
        format!("{} {}", self.item, self.problem)
    }
}

/// The first breach of a request, in document order.
#[derive(Default)]
pub(super) struct FirstBreach(Option<Breach>);

impl FirstBreach {
    /// Notes a breach unless an earlier one was noted.
    #[inline]
    pub(super) fn note(&mut self, item: Item, problem: IdProblem) {
        if self.0.is_none() {
            self.0 = Some(Breach { item, problem });
        }
    }

    pub(super) fn into_inner(self) -> Option<Breach> {
        self.0
    }
}
