//! `processors.golden_signals`: latency, traffic and errors from every span, in the spanmetrics connector's shape.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::duration::{serde_duration, serde_durations};

/// `processors.golden_signals`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GoldenSignalsConfig {
    /// Prefix of the metric names, dots becoming underscores: the spanmetrics connector's default, so that Jaeger's
    /// Monitor tab and dashboards built for the connector read weir's series unchanged.
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// Extra labels, each from a span attribute or, failing that, a resource attribute.
    #[serde(default)]
    pub dimensions: Vec<DimensionConfig>,
    /// The latency histogram's buckets.
    #[serde(default)]
    pub histogram: HistogramConfig,
    /// Most series kept at once; spans of new series past it land in one overflow series.
    #[serde(default = "default_max_series")]
    pub max_series: u64,
    /// A series that saw no span for this long is dropped from `/metrics`.
    #[serde(default = "default_series_idle_timeout", with = "serde_duration")]
    pub series_idle_timeout: Duration,
    /// Also count as errors the spans whose `http.response.status_code` (or the older `http.status_code`) is 5xx,
    /// whatever their status: instrumentations that leave server errors UNSET still show in the error rate.
    #[serde(default)]
    pub http_server_errors: bool,
    /// How often a metrics pipeline that lists this processor among its receivers is sent every series, with
    /// cumulative values (the spanmetrics connector's `metrics_flush_interval`).
    #[serde(default = "default_metrics_flush_interval", with = "serde_duration")]
    pub metrics_flush_interval: Duration,
}

impl Default for GoldenSignalsConfig {
    fn default() -> Self {
        GoldenSignalsConfig {
            namespace: default_namespace(),
            dimensions: Vec::new(),
            histogram: HistogramConfig::default(),
            max_series: default_max_series(),
            series_idle_timeout: default_series_idle_timeout(),
            http_server_errors: false,
            metrics_flush_interval: default_metrics_flush_interval(),
        }
    }
}

/// One extra label of the golden signals.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DimensionConfig {
    /// The attribute's key, e.g. `http.route`; the label is its name with every other character than a letter, digit
    /// or `_` made `_`.
    pub name: String,
    /// The value when neither the span nor its resource has the attribute; without one the label is left out.
    #[serde(default)]
    pub default: Option<String>,
}

impl DimensionConfig {
    /// The Prometheus label the attribute key becomes, as the Collector's Prometheus exporters name it.
    pub fn label(&self) -> String {
        let mut label: String = self.name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
        if label.starts_with(|c: char| c.is_ascii_digit()) {
            label.insert_str(0, "key_");
        }
        label
    }
}

/// The latency histogram's buckets: `explicit` or `exponential`, not both.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HistogramConfig {
    /// Upper bounds in increasing order; the default is the spanmetrics connector's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explicit: Option<ExplicitBuckets>,
    /// Bounds `start`, `start·factor`, … , `count` of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exponential: Option<ExponentialBuckets>,
}

/// `histogram.explicit`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExplicitBuckets {
    /// Upper bounds, strictly increasing.
    #[serde(with = "serde_durations")]
    pub buckets: Vec<Duration>,
}

/// `histogram.exponential`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExponentialBuckets {
    /// The first upper bound.
    #[serde(with = "serde_duration")]
    pub start: Duration,
    /// Each bound over the one before; more than 1.
    pub factor: f64,
    /// How many bounds.
    pub count: u32,
}

/// The spanmetrics connector's default buckets, in milliseconds.
pub const DEFAULT_BUCKETS_MS: [u64; 16] = [2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000];

/// Most buckets a histogram may have: each costs a counter per series.
pub const MAX_BUCKETS: u32 = 160;

impl HistogramConfig {
    /// The upper bounds this config describes, checked: strictly increasing, positive, at most [`MAX_BUCKETS`].
    pub fn bounds(&self) -> Result<Vec<Duration>, String> {
        let bounds = match (&self.explicit, &self.exponential) {
            (Some(_), Some(_)) => return Err("set either explicit or exponential buckets, not both".to_owned()),
            (Some(explicit), None) => explicit.buckets.clone(),
            (None, Some(exponential)) => exponential.bounds()?,
            (None, None) => DEFAULT_BUCKETS_MS.iter().map(|&ms| Duration::from_millis(ms)).collect(),
        };
        if bounds.is_empty() || bounds.len() > MAX_BUCKETS as usize {
            return Err(format!("a histogram needs 1 to {MAX_BUCKETS} buckets, not {}", bounds.len()));
        }
        if bounds[0].is_zero() {
            return Err("bucket bounds must be more than 0".to_owned());
        }
        if let Some(pair) = bounds.windows(2).find(|pair| pair[0] >= pair[1]) {
            return Err(format!(
                "bucket bounds must increase: {} is followed by {}",
                crate::duration::format(pair[0]),
                crate::duration::format(pair[1])
            ));
        }
        Ok(bounds)
    }
}

impl ExponentialBuckets {
    fn bounds(&self) -> Result<Vec<Duration>, String> {
        if !(self.factor.is_finite() && self.factor > 1.0) {
            return Err(format!("exponential factor must be a number more than 1, not {}", self.factor));
        }
        if self.count == 0 || self.count > MAX_BUCKETS {
            return Err(format!("exponential count must be 1 to {MAX_BUCKETS}, not {}", self.count));
        }
        let start = self.start.as_secs_f64();
        (0..self.count)
            .map(|i| {
                let bound = start * self.factor.powf(f64::from(i));
                Duration::try_from_secs_f64(bound).map_err(|_| format!("exponential bound {bound}s is out of range"))
            })
            .collect()
    }
}

fn default_namespace() -> String {
    "traces.span.metrics".to_owned()
}

const fn default_max_series() -> u64 {
    10_000
}

const fn default_series_idle_timeout() -> Duration {
    Duration::from_secs(5 * 60)
}

const fn default_metrics_flush_interval() -> Duration {
    Duration::from_secs(15)
}
