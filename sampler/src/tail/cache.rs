//! The verdicts of recently decided traces, for their late spans.

use std::collections::{HashMap, VecDeque};

use super::{TraceId, Verdict};

/// The last `capacity` verdicts, the oldest forgotten first. A late span whose trace was forgotten
/// starts a new trace in the buffer; decided by the same consistent probability it most often gets
/// the same answer, so forgetting costs completeness only at the margin.
#[derive(Debug)]
pub struct DecisionCache {
    verdicts: HashMap<TraceId, Verdict>,
    order: VecDeque<TraceId>,
    capacity: usize,
}

impl DecisionCache {
    /// An empty cache remembering at most `capacity` verdicts.
    pub fn new(capacity: usize) -> DecisionCache {
        DecisionCache {
            verdicts: HashMap::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// The verdict on `trace_id`, if it is remembered.
    pub fn get(&self, trace_id: &TraceId) -> Option<Verdict> {
        self.verdicts.get(trace_id).copied()
    }

    /// Remembers `verdict` on `trace_id`, forgetting the oldest verdict when full.
    pub fn insert(&mut self, trace_id: TraceId, verdict: Verdict) {
        if self.verdicts.insert(trace_id, verdict).is_some() {
            return;
        }
        self.order.push_back(trace_id);
        if self.order.len() > self.capacity
            && let Some(oldest) = self.order.pop_front()
        {
            self.verdicts.remove(&oldest);
        }
    }

    /// Verdicts remembered.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether no verdict is remembered.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}
