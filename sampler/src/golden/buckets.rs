//! The latency histogram's bucket bounds and the search for a span's bucket.

use std::time::Duration;

/// Upper bounds (inclusive, Prometheus `le`) of the finite buckets, in nanoseconds; one more bucket,
/// `+Inf`, holds what is above the last.
#[derive(Clone, Debug, PartialEq)]
pub struct Buckets {
    bounds_ns: Box<[u64]>,
}

impl Buckets {
    /// Buckets with these upper bounds, which the config checked to be increasing.
    pub fn new(bounds: &[Duration]) -> Buckets {
        Buckets {
            bounds_ns: bounds
                .iter()
                .map(|b| u64::try_from(b.as_nanos()).unwrap_or(u64::MAX))
                .collect(),
        }
    }

    /// Buckets, counting `+Inf`.
    pub fn len(&self) -> usize {
        self.bounds_ns.len() + 1
    }

    /// Never: there is always the `+Inf` bucket.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The bucket a duration falls in: the first whose bound is at or above it.
    pub fn index(&self, duration_ns: u64) -> usize {
        // A binary search: 16 bounds take 4 or 5 comparisons, all in one cache line or two.
        self.bounds_ns.partition_point(|&bound| bound < duration_ns)
    }

    /// The finite upper bounds in milliseconds, the unit of the spanmetrics connector's histogram.
    pub fn bounds_ms(&self) -> impl Iterator<Item = f64> + '_ {
        self.bounds_ns.iter().map(|&ns| ns as f64 / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duration_on_a_bound_falls_in_that_bucket() {
        let buckets = Buckets::new(&[Duration::from_millis(2), Duration::from_millis(4)]);
        assert_eq!(buckets.len(), 3);
        assert_eq!(buckets.index(0), 0);
        assert_eq!(buckets.index(2_000_000), 0);
        assert_eq!(buckets.index(2_000_001), 1);
        assert_eq!(buckets.index(4_000_000), 1);
        assert_eq!(buckets.index(4_000_001), 2, "above the last bound: +Inf");
        assert_eq!(buckets.bounds_ms().collect::<Vec<_>>(), [2.0, 4.0]);
    }
}
