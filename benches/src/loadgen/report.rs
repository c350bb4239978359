//! Results: per-connection tallies, latency percentiles, the collector's CPU and memory from /proc,
//! and the report printed as a table or as one JSON object.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

use super::encode::Body;
use super::send::Outcome;

/// Latencies are recorded in µs up to an hour, to 3 significant digits.
const LATENCY_MAX_US: u64 = 3_600_000_000;
/// A paced send is late once it starts this long after its slot: Tokio's timer wakes on millisecond
/// ticks and a busy 2-core machine adds a little, so lags below this are the clock, not the collector.
pub const LATE_AFTER: Duration = Duration::from_millis(5);

/// What requests were sent and how they were answered: counted per connection, merged, reported.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Counts {
    /// Requests sent.
    pub requests: u64,
    /// Requests the collector took.
    pub requests_ok: u64,
    /// Items in the requests sent.
    pub items_sent: u64,
    /// Items the collector took: in requests it took, less those a partial success rejected.
    pub items_accepted: u64,
    /// Items a partial success rejected.
    pub items_rejected: u64,
    /// Taken requests whose answer did not decode; their items count as accepted.
    pub bad_answers: u64,
    /// Refused requests by gRPC code name or HTTP status; they are not retried.
    pub refusals: BTreeMap<String, u64>,
    /// Requests without an answer, by error.
    pub transport_errors: BTreeMap<String, u64>,
    /// Plain-protobuf size of the requests sent.
    pub protobuf_bytes: u64,
}

impl Counts {
    /// Adds `other` to these counts.
    pub fn merge(&mut self, other: Counts) {
        self.requests += other.requests;
        self.requests_ok += other.requests_ok;
        self.items_sent += other.items_sent;
        self.items_accepted += other.items_accepted;
        self.items_rejected += other.items_rejected;
        self.bad_answers += other.bad_answers;
        for (code, n) in other.refusals {
            *self.refusals.entry(code).or_default() += n;
        }
        for (error, n) in other.transport_errors {
            *self.transport_errors.entry(error).or_default() += n;
        }
        self.protobuf_bytes += other.protobuf_bytes;
    }
}

/// What one connection saw; tallies of all connections are merged into the report.
#[derive(Debug)]
pub struct Tally {
    /// Requests, items and answers.
    pub counts: Counts,
    /// Paced sends that started more than [`LATE_AFTER`] after their slot.
    pub late_sends: u64,
    /// The longest a paced send waited past its slot.
    pub max_lag: Duration,
    /// Latency of answered requests (taken and refused), in µs.
    pub latency_us: Histogram<u64>,
}

impl Default for Tally {
    fn default() -> Tally {
        Tally::new()
    }
}

impl Tally {
    /// An empty tally.
    pub fn new() -> Tally {
        Tally {
            counts: Counts::default(),
            late_sends: 0,
            max_lag: Duration::ZERO,
            latency_us: Histogram::new_with_bounds(1, LATENCY_MAX_US, 3)
                .expect("1 µs to an hour at 3 digits are valid bounds"),
        }
    }

    /// Counts a paced send that started `lag` after its slot.
    pub fn lag(&mut self, lag: Duration) {
        self.late_sends += u64::from(lag > LATE_AFTER);
        self.max_lag = self.max_lag.max(lag);
    }

    /// Counts one request of `body` that ended in `outcome` after `latency`.
    pub fn record(&mut self, body: &Body, outcome: Outcome, latency: Duration) {
        self.counts.requests += 1;
        self.counts.items_sent += body.items;
        self.counts.protobuf_bytes += body.protobuf_len;
        match outcome {
            Outcome::Accepted { rejected } => {
                self.counts.requests_ok += 1;
                let rejected = rejected.unwrap_or_else(|| {
                    self.counts.bad_answers += 1;
                    0
                });
                let rejected = rejected.min(body.items);
                self.counts.items_rejected += rejected;
                self.counts.items_accepted += body.items - rejected;
            }
            Outcome::Refused(code) => *self.counts.refusals.entry(code).or_default() += 1,
            Outcome::Failed(error) => {
                *self.counts.transport_errors.entry(error).or_default() += 1;
                return;
            }
        }
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.latency_us.saturating_record(us.max(1));
    }

    /// Adds `other` to this tally.
    pub fn merge(&mut self, other: Tally) {
        self.counts.merge(other.counts);
        self.late_sends += other.late_sends;
        self.max_lag = self.max_lag.max(other.max_lag);
        // Both histograms have the same bounds, so adding never fails.
        let _ = self.latency_us.add(&other.latency_us);
    }
}

/// Client-observed latency percentiles, in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Latency {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Slowest.
    pub max: f64,
}

impl Latency {
    /// Percentiles of a histogram of µs.
    pub fn from_us(h: &Histogram<u64>) -> Latency {
        if h.is_empty() {
            return Latency::default();
        }
        let ms = |us: u64| us as f64 / 1000.0;
        Latency {
            p50: ms(h.value_at_quantile(0.50)),
            p90: ms(h.value_at_quantile(0.90)),
            p99: ms(h.value_at_quantile(0.99)),
            p999: ms(h.value_at_quantile(0.999)),
            max: ms(h.max()),
        }
    }
}

/// A process's CPU time and memory at one moment, from /proc.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcSample {
    /// User plus system CPU time, in clock ticks.
    pub cpu_ticks: u64,
    /// Resident memory (`VmRSS`), in bytes.
    pub rss_bytes: u64,
    /// Peak resident memory since the process started (`VmHWM`), in bytes.
    pub peak_rss_bytes: u64,
}

impl ProcSample {
    /// Reads `/proc/<pid>/stat` and `/proc/<pid>/status`; `pid` may be `self`.
    pub fn read(pid: &str) -> io::Result<ProcSample> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let malformed = |what| io::Error::new(io::ErrorKind::InvalidData, what);
        Ok(ProcSample {
            cpu_ticks: cpu_ticks(&stat).ok_or_else(|| malformed("no utime/stime in stat"))?,
            rss_bytes: status_kib(&status, "VmRSS:").ok_or_else(|| malformed("no VmRSS"))? * 1024,
            peak_rss_bytes: status_kib(&status, "VmHWM:").ok_or_else(|| malformed("no VmHWM"))?
                * 1024,
        })
    }
}

/// utime + stime (fields 14 and 15) of a `/proc/<pid>/stat` line. The command name (field 2) may
/// hold spaces and parentheses, so fields are counted from its last `)`.
fn cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// A `kB` value of `/proc/<pid>/status`.
fn status_kib(status: &str, key: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Clock ticks per second for /proc CPU times, from `getconf CLK_TCK`; 100 (Linux's value on every
/// common architecture) if that cannot be run, with `true` to say it was assumed.
pub fn clock_ticks() -> (u64, bool) {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .filter(|&t| t > 0)
        .map_or((100, true), |t| (t, false))
}

/// The collector's share of the run, from /proc before and after.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CollectorUsage {
    /// Its process id.
    pub pid: u32,
    /// CPU time (user + system) it spent from the start of the run to the end of the settle time.
    pub cpu_s: f64,
    /// CPU µs per 1,000 accepted items; null when none were accepted.
    pub cpu_us_per_1000_items: Option<f64>,
    /// Resident memory after the run, in bytes.
    pub rss_bytes: u64,
    /// Resident memory before the run, in bytes.
    pub rss_bytes_before: u64,
    /// Peak resident memory over the collector's whole life (`VmHWM`), in bytes.
    pub peak_rss_bytes: u64,
    /// Clock ticks per second the CPU times were converted with.
    pub clk_tck: u64,
    /// True when `getconf CLK_TCK` failed and 100 was assumed.
    pub clk_tck_assumed: bool,
}

impl CollectorUsage {
    /// The usage between two samples, per `accepted` items.
    pub fn new(
        pid: u32,
        before: ProcSample,
        after: ProcSample,
        (clk_tck, clk_tck_assumed): (u64, bool),
        accepted: u64,
    ) -> CollectorUsage {
        let cpu_s = after.cpu_ticks.saturating_sub(before.cpu_ticks) as f64 / clk_tck as f64;
        CollectorUsage {
            pid,
            cpu_s,
            cpu_us_per_1000_items: (accepted > 0).then(|| cpu_s * 1e6 / (accepted as f64 / 1000.0)),
            rss_bytes: after.rss_bytes,
            rss_bytes_before: before.rss_bytes,
            peak_rss_bytes: after.peak_rss_bytes,
            clk_tck,
            clk_tck_assumed,
        }
    }
}

/// The result of a run.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The collector's address.
    pub endpoint: String,
    /// `grpc` or `http`.
    pub protocol: String,
    /// `none`, `gzip` or `zstd`.
    pub compression: String,
    /// `traces`, `metrics` or `logs`.
    pub signal: String,
    /// Connections used, each with one request in flight.
    pub connections: usize,
    /// Items in a full request.
    pub items_per_request: u64,
    /// Distinct pre-encoded bodies cycled through.
    pub distinct_bodies: usize,
    /// The paced rate asked for, in items/s; null when sending as fast as answers come.
    pub target_items_per_s: Option<f64>,
    /// Requests, items and answers.
    #[serde(flatten)]
    pub counts: Counts,
    /// From the first send to the last answer, in seconds.
    pub wall_s: f64,
    /// Accepted items per second of wall time.
    pub accepted_items_per_s: f64,
    /// Client-observed latency of answered requests, in ms.
    pub latency_ms: Latency,
    /// Bytes written to the sockets in the timed phase: headers, framing and (compressed) bodies.
    pub wire_bytes: u64,
    /// Paced sends that started late: the collector or the client could not keep up.
    pub late_sends: u64,
    /// The longest a paced send waited past its slot, in ms.
    pub max_lag_ms: f64,
    /// CPU time this load generator spent in the timed phase.
    pub loadgen_cpu_s: f64,
    /// The collector's CPU and memory, with `--pid`.
    pub collector: Option<CollectorUsage>,
    /// Why `collector` is missing although `--pid` was given: the process went away during the run.
    pub collector_error: Option<String>,
}

impl Report {
    /// Accepted items per second over `wall`.
    pub fn rate(items: u64, wall: Duration) -> f64 {
        let s = wall.as_secs_f64();
        if s > 0.0 { items as f64 / s } else { 0.0 }
    }

    /// The report as an aligned table for people.
    pub fn table(&self) -> String {
        let mut t = String::new();
        let mib = |b: u64| b as f64 / (1 << 20) as f64;
        let counts = |m: &BTreeMap<String, u64>| {
            if m.is_empty() {
                "none".to_owned()
            } else {
                m.iter()
                    .map(|(k, n)| format!("{k}: {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let mut line = |label: &str, value: String| {
            let _ = writeln!(t, "  {label:<20} {value}");
        };
        line(
            "run",
            format!(
                "{} over {} ({}) to {}, {} connections, {} items/request, {} distinct bodies",
                self.signal,
                self.protocol,
                self.compression,
                self.endpoint,
                self.connections,
                self.items_per_request,
                self.distinct_bodies
            ),
        );
        line(
            "requests",
            format!(
                "{} sent, {} taken, {} refused, {} failed",
                self.counts.requests,
                self.counts.requests_ok,
                self.counts.refusals.values().sum::<u64>(),
                self.counts.transport_errors.values().sum::<u64>()
            ),
        );
        line("items sent", self.counts.items_sent.to_string());
        line(
            "items accepted",
            format!(
                "{} ({} rejected by partial success, {} undecodable answers)",
                self.counts.items_accepted, self.counts.items_rejected, self.counts.bad_answers
            ),
        );
        line("refusals", counts(&self.counts.refusals));
        line("transport errors", counts(&self.counts.transport_errors));
        line("wall time", format!("{:.3} s", self.wall_s));
        line(
            "accepted items/s",
            format!("{:.0}", self.accepted_items_per_s),
        );
        let l = &self.latency_ms;
        line(
            "latency ms",
            format!(
                "p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}",
                l.p50, l.p90, l.p99, l.p999, l.max
            ),
        );
        line(
            "bytes",
            format!(
                "{:.1} MiB protobuf, {:.1} MiB on the wire",
                mib(self.counts.protobuf_bytes),
                mib(self.wire_bytes)
            ),
        );
        if let Some(rate) = self.target_items_per_s {
            line(
                "pacing",
                format!(
                    "{rate:.0} items/s asked, {} late sends, max lag {:.1} ms",
                    self.late_sends, self.max_lag_ms
                ),
            );
        }
        line("loadgen CPU", format!("{:.2} s", self.loadgen_cpu_s));
        if let Some(c) = &self.collector {
            let per_1000 = c
                .cpu_us_per_1000_items
                .map_or("n/a".to_owned(), |us| format!("{us:.0} µs"));
            line(
                "collector CPU",
                format!(
                    "{:.2} s (pid {}), {per_1000} per 1000 accepted items{}",
                    c.cpu_s,
                    c.pid,
                    if c.clk_tck_assumed {
                        ", CLK_TCK assumed 100"
                    } else {
                        ""
                    }
                ),
            );
            line(
                "collector RSS",
                format!(
                    "{:.1} MiB after, {:.1} MiB before, {:.1} MiB peak (VmHWM, whole life)",
                    mib(c.rss_bytes),
                    mib(c.rss_bytes_before),
                    mib(c.peak_rss_bytes)
                ),
            );
        }
        if let Some(e) = &self.collector_error {
            line("collector", e.clone());
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;

    fn body(items: u64) -> Body {
        Body {
            bytes: Bytes::from_static(b"x"),
            items,
            protobuf_len: 10,
        }
    }

    #[test]
    fn percentiles_come_from_the_recorded_latencies() {
        let mut tally = Tally::new();
        for ms in 1..=1000 {
            tally.record(
                &body(1),
                Outcome::Accepted { rejected: Some(0) },
                Duration::from_millis(ms),
            );
        }
        let l = Latency::from_us(&tally.latency_us);
        let near = |got: f64, want: f64| (got - want).abs() <= want * 0.002;
        assert!(near(l.p50, 500.0), "p50 {}", l.p50);
        assert!(near(l.p90, 900.0), "p90 {}", l.p90);
        assert!(near(l.p99, 990.0), "p99 {}", l.p99);
        assert!(near(l.p999, 999.0), "p999 {}", l.p999);
        assert!(near(l.max, 1000.0), "max {}", l.max);
        assert_eq!(
            Latency::from_us(&Tally::new().latency_us),
            Latency::default()
        );
    }

    #[test]
    fn outcomes_are_counted_and_tallies_merge() {
        let mut a = Tally::new();
        let ms = Duration::from_millis(3);
        a.record(&body(10), Outcome::Accepted { rejected: Some(2) }, ms);
        a.record(&body(10), Outcome::Accepted { rejected: None }, ms);
        a.record(&body(10), Outcome::Refused("ResourceExhausted".into()), ms);
        let mut b = Tally::new();
        b.record(&body(5), Outcome::Refused("ResourceExhausted".into()), ms);
        b.record(&body(5), Outcome::Failed("reset".into()), ms);
        b.lag(Duration::from_millis(1));
        b.lag(Duration::from_millis(40));
        a.merge(b);
        assert_eq!(a.counts.requests, 5);
        assert_eq!(a.counts.requests_ok, 2);
        assert_eq!(a.counts.items_sent, 40);
        assert_eq!(a.counts.items_accepted, 18);
        assert_eq!(a.counts.items_rejected, 2);
        assert_eq!(a.counts.bad_answers, 1);
        assert_eq!(a.counts.refusals["ResourceExhausted"], 2);
        assert_eq!(a.counts.transport_errors["reset"], 1);
        assert_eq!(a.counts.protobuf_bytes, 50);
        assert_eq!(a.late_sends, 1, "1 ms is the timer, 40 ms is late");
        assert_eq!(a.max_lag, Duration::from_millis(40));
        assert_eq!(a.latency_us.len(), 4, "failed requests have no latency");
    }

    #[test]
    fn proc_files_are_parsed() {
        // A command name with spaces and a parenthesis must not shift the fields.
        let stat = "4242 (weir (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 \
                    250 75 0 0 20 0 9 0 12345 1000000 2000 18446744073709551615";
        assert_eq!(cpu_ticks(stat), Some(325));
        let status = "Name:\tweir\nVmHWM:\t  81920 kB\nVmRSS:\t   40960 kB\nThreads:\t9\n";
        assert_eq!(status_kib(status, "VmHWM:"), Some(81920));
        assert_eq!(status_kib(status, "VmRSS:"), Some(40960));
        assert_eq!(status_kib(status, "VmSwap:"), None);
        let me = ProcSample::read("self").expect("/proc/self");
        assert!(me.rss_bytes > 0 && me.peak_rss_bytes >= me.rss_bytes);
    }

    #[test]
    fn collector_cost_is_per_thousand_accepted_items() {
        let sample = |cpu_ticks, rss| ProcSample {
            cpu_ticks,
            rss_bytes: rss,
            peak_rss_bytes: 2 * rss,
        };
        let u = CollectorUsage::new(1, sample(100, 10), sample(350, 30), (100, false), 500_000);
        assert!((u.cpu_s - 2.5).abs() < 1e-9);
        // 2.5 s over 500 thousands of items: 5000 µs per 1000.
        assert_eq!(u.cpu_us_per_1000_items.map(f64::round), Some(5000.0));
        assert_eq!(
            (u.rss_bytes, u.rss_bytes_before, u.peak_rss_bytes),
            (30, 10, 60)
        );
        let none = CollectorUsage::new(1, sample(0, 1), sample(5, 1), (100, true), 0);
        assert_eq!(none.cpu_us_per_1000_items, None);
        assert_eq!(Report::rate(5000, Duration::from_millis(2500)), 2000.0);
        assert_eq!(Report::rate(5000, Duration::ZERO), 0.0);
        let (ticks, _) = clock_ticks();
        assert!(ticks > 0);
    }
}
