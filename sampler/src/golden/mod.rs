//! Golden signals from every span: a latency histogram, a call count and an error count per
//! service, span name, kind, status and configured dimensions, named as the OpenTelemetry
//! Collector's spanmetrics connector names them.
//!
//! Recording a span builds its series key in a reused buffer, finds the series in a lock-free map
//! (inserting it on first sight) and adds to a few atomic cells. A cardinality guard sends spans of
//! new series past `max_series` to one overflow series; series idle past `series_idle_timeout` are
//! dropped by [`GoldenSignals::expire`], which a background task calls.

mod buckets;
mod exemplar;
mod expose;
mod key;
mod labels;
mod otlp;
mod series;
#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use foldhash::fast::RandomState;
use papaya::{HashMap, HashMapRef, LocalGuard, ResizeMode};
use weir_config::GoldenSignalsConfig;

pub use buckets::Buckets;
pub use labels::AttributeValue;
pub use series::Weight;

use key::SeriesKey;
use labels::KeyBuilder;
use series::Series;

/// The `status_code` of a span whose status is ERROR.
const STATUS_ERROR: i32 = 2;

/// The attributes holding an HTTP response status: the stable name first, then the older one.
const HTTP_STATUS_KEYS: [&str; 2] = ["http.response.status_code", "http.status_code"];

/// The `service_name` of a span whose resource has no `service.name`, as OpenTelemetry SDKs default it.
pub const UNKNOWN_SERVICE: &str = "unknown_service";

/// One extra label: the attribute it comes from, its Prometheus name and its default.
#[derive(Clone, Debug)]
struct Dimension {
    key: String,
    label: String,
    default: Option<String>,
}

/// The golden signals of one `golden_signals` processor.
pub struct GoldenSignals {
    namespace: String,
    dimensions: Vec<Dimension>,
    buckets: Buckets,
    http_server_errors: bool,
    max_series: usize,
    idle_timeout_secs: u64,
    series: HashMap<SeriesKey, Series, RandomState>,
    /// Series in `series`; may pass `max_series` by the number of threads inserting at once.
    count: AtomicUsize,
    /// Where spans of series past `max_series` go.
    overflow: Series,
    overflow_spans: AtomicU64,
    expired: AtomicU64,
}

/// What the golden signals read of one span, besides its attributes.
#[derive(Clone, Copy, Debug)]
pub struct SpanFacts<'a> {
    /// `service.name` of the span's resource.
    pub service: Option<&'a str>,
    /// The span's name.
    pub name: &'a str,
    /// `Span.kind`.
    pub kind: i32,
    /// `Span.status.code`.
    pub status: i32,
    /// End minus start, 0 if the span ends before it starts.
    pub duration_ns: u64,
    /// How many spans this one stands for: 1/p when an upstream sampler kept it with probability p.
    pub weight: Weight,
    /// The span's trace id, for exemplars.
    pub trace_id: &'a [u8],
}

impl GoldenSignals {
    /// The golden signals `config` describes; fails only on a config validation would refuse.
    pub fn new(config: &GoldenSignalsConfig) -> Result<GoldenSignals, String> {
        let buckets = Buckets::new(&config.histogram.bounds()?);
        let now = 0;
        Ok(GoldenSignals {
            namespace: config.namespace.replace('.', "_"),
            dimensions: config
                .dimensions
                .iter()
                .map(|d| Dimension {
                    key: d.name.clone(),
                    label: d.label(),
                    default: d.default.clone(),
                })
                .collect(),
            overflow: Series::new(buckets.len(), now),
            buckets,
            http_server_errors: config.http_server_errors,
            max_series: usize::try_from(config.max_series).unwrap_or(usize::MAX),
            idle_timeout_secs: config.series_idle_timeout.as_secs().max(1),
            // Blocking, not papaya's default incremental resize: only writers move entries to a new
            // table, and once every series exists none come, so an incremental resize stays
            // unfinished and every lookup searches the old table before the new one (half the
            // recording time on the load generator's workload).
            series: HashMap::builder()
                .hasher(RandomState::default())
                .resize_mode(ResizeMode::Blocking)
                .build(),
            count: AtomicUsize::new(0),
            overflow_spans: AtomicU64::new(0),
            expired: AtomicU64::new(0),
        })
    }

    /// A recorder for the spans of one request, seen at `now` (whole seconds on a monotonic clock).
    pub fn recorder(&self, now: u64) -> Recorder<'_> {
        Recorder {
            golden: self,
            map: self.series.pin(),
            key: KeyBuilder::default(),
            now,
            exemplars_at: None,
        }
    }

    /// The attribute keys recording may look up: the dimensions', then the HTTP status ones if
    /// 5xx responses count as errors. A caller can read them from a resource once for all its spans.
    pub fn attribute_keys(&self) -> impl Iterator<Item = &str> {
        let http = if self.http_server_errors {
            &HTTP_STATUS_KEYS[..]
        } else {
            &[]
        };
        self.dimensions
            .iter()
            .map(|d| d.key.as_str())
            .chain(http.iter().copied())
    }

    /// Measures saturation: for every series, the requests in flight over the `seconds` since the
    /// last measurement (Little's law on the sum of durations). A background task calls it.
    pub fn measure_saturation(&self, seconds: f64) {
        for (_, series) in self.series.pin().iter() {
            series.measure_inflight(seconds);
        }
    }

    /// Series kept now, the overflow series not counted.
    pub fn series_count(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    /// Drops every series that saw no span in the `series_idle_timeout` before `now`; returns how many.
    pub fn expire(&self, now: u64) -> usize {
        let cutoff = now.saturating_sub(self.idle_timeout_secs);
        let map = self.series.pin();
        let mut removed = 0;
        for (key, series) in map.iter() {
            if series.retire_if_idle_since(cutoff)
                && map
                    .remove_if(key.as_bytes(), |_, s| s.is_retired())
                    .is_ok_and(|r| r.is_some())
            {
                removed += 1;
            }
        }
        self.count.fetch_sub(removed, Ordering::Relaxed);
        self.expired.fetch_add(removed as u64, Ordering::Relaxed);
        removed
    }
}

/// Records the spans of one request: holds the map's epoch guard and the key buffer across spans.
pub struct Recorder<'g> {
    golden: &'g GoldenSignals,
    map: HashMapRef<'g, SeriesKey, Series, RandomState, LocalGuard<'g>>,
    key: KeyBuilder,
    now: u64,
    /// When set, the Unix time in milliseconds recorded spans are offered as exemplars at: only
    /// when every one of them belongs to a trace that is kept.
    exemplars_at: Option<u64>,
}

impl Recorder<'_> {
    /// Offers every span recorded from now on as its series' exemplar, stamped `now_unix_ms`: for
    /// requests whose spans all go on unsampled.
    pub fn with_exemplars(mut self, now_unix_ms: u64) -> Self {
        self.exemplars_at = Some(now_unix_ms);
        self
    }

    /// Offers a span a sampler kept as its series' exemplar, stamped `now_unix_ms`; a series not
    /// seen yet gets none (the span was counted in it before it was sampled).
    pub fn offer_exemplar<'a>(
        &mut self,
        span: &SpanFacts<'_>,
        now_unix_ms: u64,
        attribute: impl Fn(&str) -> Option<AttributeValue<'a>>,
    ) {
        self.build_key(span, &attribute);
        if let (Some(series), Ok(trace_id)) = (
            self.map.get(self.key.key()),
            <&[u8; 16]>::try_from(span.trace_id),
        ) {
            series
                .exemplar
                .offer(trace_id, span.duration_ns as f64 / 1e6, now_unix_ms);
        }
    }

    fn build_key<'a>(
        &mut self,
        span: &SpanFacts<'_>,
        attribute: &impl Fn(&str) -> Option<AttributeValue<'a>>,
    ) {
        self.key.start(
            span.service.unwrap_or(UNKNOWN_SERVICE),
            span.name,
            span.kind,
            span.status,
        );
        for dimension in &self.golden.dimensions {
            let value =
                attribute(&dimension.key).or(dimension.default.as_deref().map(AttributeValue::Str));
            self.key.dimension(value);
        }
    }

    /// Counts one span; `attribute` looks a key up on the span, then on its resource.
    pub fn record<'a>(
        &mut self,
        span: &SpanFacts<'_>,
        attribute: impl Fn(&str) -> Option<AttributeValue<'a>>,
    ) {
        let golden = self.golden;
        self.build_key(span, &attribute);
        let error =
            span.status == STATUS_ERROR || golden.http_server_errors && is_server_error(&attribute);
        let bucket = golden.buckets.index(span.duration_ns);
        let duration_ms = span.duration_ns as f64 / 1e6;
        let series = self.series();
        series.record(bucket, duration_ms, span.weight, error);
        if let (Some(now_ms), Ok(trace_id)) =
            (self.exemplars_at, <&[u8; 16]>::try_from(span.trace_id))
        {
            series.exemplar.offer(trace_id, duration_ms, now_ms);
        }
    }

    /// The series of the key built, entered: found, or inserted, or the overflow series.
    fn series(&self) -> &Series {
        let golden = self.golden;
        let key = self.key.key();
        loop {
            let found = match self.map.get(key) {
                Some(series) => series,
                None if golden.count.load(Ordering::Relaxed) >= golden.max_series => {
                    golden.overflow_spans.fetch_add(1, Ordering::Relaxed);
                    golden.overflow.enter(self.now);
                    return &golden.overflow;
                }
                None => match self.map.try_insert_with(SeriesKey::new(key), || {
                    Series::new(golden.buckets.len(), self.now)
                }) {
                    Ok(inserted) => {
                        golden.count.fetch_add(1, Ordering::Relaxed);
                        inserted
                    }
                    Err(existing) => existing,
                },
            };
            if found.enter(self.now) {
                return found;
            }
            // Expired between lookup and use: expiry removes it at once, then a new one is inserted.
            std::thread::yield_now();
        }
    }
}

/// Whether the span's HTTP response status is 5xx.
fn is_server_error<'a>(attribute: &impl Fn(&str) -> Option<AttributeValue<'a>>) -> bool {
    HTTP_STATUS_KEYS
        .iter()
        .find_map(|key| attribute(key))
        .is_some_and(|value| match value {
            AttributeValue::Int(code) => (500..600).contains(&code),
            AttributeValue::Str(code) => code
                .parse::<u16>()
                .is_ok_and(|code| (500..600).contains(&code)),
            AttributeValue::Double(_) | AttributeValue::Bool(_) => false,
        })
}
