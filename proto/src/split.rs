//! Splitting OTLP requests by item count, keeping every part a complete request.

use crate::otlp::logs::v1::{ResourceLogs, ScopeLogs};
use crate::otlp::metrics::v1::metric::Data;
use crate::otlp::metrics::v1::{Metric, ResourceMetrics, ScopeMetrics};
use crate::otlp::trace::v1::{ResourceSpans, ScopeSpans};

/// A level of an OTLP request that holds items and can give up its first ones.
pub(crate) trait Splittable: Sized {
    /// Items (spans, data points, log records) below this level.
    fn items(&self) -> usize;
    /// Moves the first `n` items (fewer than [`Self::items`]) into a copy of this level's envelope.
    fn split_front(&mut self, n: usize) -> Self;
}

/// Moves the first `n` items of `v` into a new vector, splitting at most one element.
pub(crate) fn split_vec<T: Splittable>(v: &mut Vec<T>, n: usize) -> Vec<T> {
    let mut budget = n;
    let mut whole = 0;
    for element in v.iter() {
        let items = element.items();
        if items > budget {
            break;
        }
        budget -= items;
        whole += 1;
    }
    let mut front: Vec<T> = v.drain(..whole).collect();
    if budget > 0
        && let Some(first) = v.first_mut() {
            front.push(first.split_front(budget));
        }
    front
}

/// Data points in one metric.
pub(crate) fn data_point_count(metric: &Metric) -> usize {
    match &metric.data {
        Some(Data::Gauge(g)) => g.data_points.len(),
        Some(Data::Sum(s)) => s.data_points.len(),
        Some(Data::Histogram(h)) => h.data_points.len(),
        Some(Data::ExponentialHistogram(h)) => h.data_points.len(),
        Some(Data::Summary(s)) => s.data_points.len(),
        None => 0,
    }
}

impl Splittable for ResourceSpans {
    fn items(&self) -> usize {
        self.scope_spans.iter().map(Splittable::items).sum()
    }
    fn split_front(&mut self, n: usize) -> Self {
        ResourceSpans {
            resource: self.resource.clone(),
            scope_spans: split_vec(&mut self.scope_spans, n),
            schema_url: self.schema_url.clone(),
        }
    }
}

impl Splittable for ScopeSpans {
    fn items(&self) -> usize {
        self.spans.len()
    }
    fn split_front(&mut self, n: usize) -> Self {
        ScopeSpans {
            scope: self.scope.clone(),
            spans: self.spans.drain(..n).collect(),
            schema_url: self.schema_url.clone(),
        }
    }
}

impl Splittable for ResourceLogs {
    fn items(&self) -> usize {
        self.scope_logs.iter().map(Splittable::items).sum()
    }
    fn split_front(&mut self, n: usize) -> Self {
        ResourceLogs {
            resource: self.resource.clone(),
            scope_logs: split_vec(&mut self.scope_logs, n),
            schema_url: self.schema_url.clone(),
        }
    }
}

impl Splittable for ScopeLogs {
    fn items(&self) -> usize {
        self.log_records.len()
    }
    fn split_front(&mut self, n: usize) -> Self {
        ScopeLogs {
            scope: self.scope.clone(),
            log_records: self.log_records.drain(..n).collect(),
            schema_url: self.schema_url.clone(),
        }
    }
}

impl Splittable for ResourceMetrics {
    fn items(&self) -> usize {
        self.scope_metrics.iter().map(Splittable::items).sum()
    }
    fn split_front(&mut self, n: usize) -> Self {
        ResourceMetrics {
            resource: self.resource.clone(),
            scope_metrics: split_vec(&mut self.scope_metrics, n),
            schema_url: self.schema_url.clone(),
        }
    }
}

impl Splittable for ScopeMetrics {
    fn items(&self) -> usize {
        self.metrics.iter().map(data_point_count).sum()
    }
    fn split_front(&mut self, n: usize) -> Self {
        ScopeMetrics {
            scope: self.scope.clone(),
            metrics: split_vec(&mut self.metrics, n),
            schema_url: self.schema_url.clone(),
        }
    }
}

impl Splittable for Metric {
    fn items(&self) -> usize {
        data_point_count(self)
    }
    fn split_front(&mut self, n: usize) -> Self {
        let data = self.data.as_mut().map(|data| match data {
            Data::Gauge(g) => Data::Gauge(crate::otlp::metrics::v1::Gauge {
                data_points: g.data_points.drain(..n).collect(),
            }),
            Data::Sum(s) => Data::Sum(crate::otlp::metrics::v1::Sum {
                data_points: s.data_points.drain(..n).collect(),
                aggregation_temporality: s.aggregation_temporality,
                is_monotonic: s.is_monotonic,
            }),
            Data::Histogram(h) => Data::Histogram(crate::otlp::metrics::v1::Histogram {
                data_points: h.data_points.drain(..n).collect(),
                aggregation_temporality: h.aggregation_temporality,
            }),
            Data::ExponentialHistogram(h) => {
                Data::ExponentialHistogram(crate::otlp::metrics::v1::ExponentialHistogram {
                    data_points: h.data_points.drain(..n).collect(),
                    aggregation_temporality: h.aggregation_temporality,
                })
            }
            Data::Summary(s) => Data::Summary(crate::otlp::metrics::v1::Summary {
                data_points: s.data_points.drain(..n).collect(),
            }),
        });
        Metric {
            name: self.name.clone(),
            description: self.description.clone(),
            unit: self.unit.clone(),
            metadata: self.metadata.clone(),
            data,
        }
    }
}
