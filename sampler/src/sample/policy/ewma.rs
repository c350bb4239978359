//! Smoothing of observed rates.

use super::bound;

/// An exponentially weighted moving average: each sample moves the average by `weight` of its
/// distance from it; the first sample sets it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ewma {
    weight: f64,
    value: Option<f64>,
}

impl Ewma {
    /// The default weight, for one sample a second: 0.2 halves a sample's influence in about three
    /// samples and reflects a step in load by 90% after ten (one 10 s `target` interval), while a
    /// one-second spike moves the average by a fifth of its size.
    pub const DEFAULT_WEIGHT: f64 = 0.2;

    /// An empty average; `weight` (the newest sample's share) is taken into (0, 1].
    pub fn new(weight: f64) -> Self {
        Self {
            weight: bound(weight, f64::MIN_POSITIVE, 1.0),
            value: None,
        }
    }

    /// Adds a sample and returns the new average. A NaN or infinite sample (a rate over an empty
    /// interval, say) is ignored, so it cannot poison every later average.
    pub fn update(&mut self, sample: f64) -> Option<f64> {
        if sample.is_finite() {
            let average = self
                .value
                .map_or(sample, |average| average + self.weight * (sample - average));
            self.value = Some(average);
        }
        self.value
    }

    /// The average, or `None` before the first finite sample.
    pub fn value(&self) -> Option<f64> {
        self.value
    }
}

impl Default for Ewma {
    fn default() -> Self {
        Self::new(Self::DEFAULT_WEIGHT)
    }
}
