//! `weir-loadgen`: sends realistic OTLP load to a collector and reports what it took, how fast, at
//! what latency, and (with `--pid`) at what CPU and memory cost to the collector.
//!
//! A run builds a pool of distinct requests first ([`workload`], [`encode`]), connects every
//! connection, then times only the sending ([`send`]): each connection is one Tokio task with its
//! own channel and one request in flight. Without `--rate` the connections send as fast as answers
//! come; with it, request `i` has a slot at `i · items_per_request / rate` seconds, taken by
//! connection `i mod connections`, and a send that misses its slot goes out late and is counted, not
//! skipped. Refused and failed requests are counted and never retried, so a sink behind the
//! collector can be checked against the accepted count ([`report`]).

pub mod encode;
pub mod report;
pub mod send;
pub mod workload;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::{Parser, ValueEnum};
use tonic::codec::CompressionEncoding;
use weir_proto::Signal;

use encode::Pool;
use report::{CollectorUsage, Latency, ProcSample, Report, Tally};
use send::{ConnectError, Outcome, Sender};
use workload::{Workload, WorkloadConfig};

/// Items sent when neither `--total` nor `--rate` says how many.
const DEFAULT_TOTAL: u64 = 100_000;

/// The transport requests are sent over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Protocol {
    /// OTLP/gRPC.
    Grpc,
    /// OTLP/HTTP with protobuf bodies.
    Http,
}

/// How request bodies are compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip, level 6.
    Gzip,
    /// zstd, level 3.
    Zstd,
}

impl Compression {
    /// The `Content-Encoding` of an HTTP body, if compressed.
    pub fn content_encoding(self) -> Option<&'static str> {
        match self {
            Compression::None => None,
            Compression::Gzip => Some("gzip"),
            Compression::Zstd => Some("zstd"),
        }
    }

    /// tonic's encoding for gRPC messages, if compressed.
    pub fn grpc(self) -> Option<CompressionEncoding> {
        match self {
            Compression::None => None,
            Compression::Gzip => Some(CompressionEncoding::Gzip),
            Compression::Zstd => Some(CompressionEncoding::Zstd),
        }
    }
}

/// The command line of `weir-loadgen`.
#[derive(Clone, Debug, Parser)]
#[command(
    name = "weir-loadgen",
    about = "Sends realistic OTLP load to a collector and reports throughput, latency and its CPU/memory cost."
)]
pub struct Args {
    /// The collector's OTLP address, host:port [default: 127.0.0.1:4317 for grpc, 127.0.0.1:4318 for http].
    #[arg(long)]
    pub endpoint: Option<String>,
    /// Transport.
    #[arg(long, value_enum, default_value_t = Protocol::Grpc)]
    pub protocol: Protocol,
    /// Body compression; over gRPC tonic compresses each message as it is sent, over HTTP bodies are
    /// compressed before the timed phase.
    #[arg(long, value_enum, default_value_t = Compression::None)]
    pub compression: Compression,
    /// traces, metrics or logs.
    #[arg(long, value_parser = parse_signal, default_value = "traces")]
    pub signal: Signal,
    /// Spans, data points or log records in each request.
    #[arg(long, default_value_t = 512)]
    pub items_per_request: u64,
    /// Concurrent connections, each with one request in flight.
    #[arg(long, default_value_t = 8)]
    pub connections: usize,
    /// Items to send in all [default: 100000 unless --rate and --duration are given].
    #[arg(long, conflicts_with = "duration")]
    pub total: Option<u64>,
    /// Pace the sends at this many items per second over all connections (open loop), for
    /// --duration or until --total items are sent.
    #[arg(long)]
    pub rate: Option<f64>,
    /// How long to send at --rate, e.g. 10s, 500ms, 2m.
    #[arg(long, value_parser = parse_duration, requires = "rate")]
    pub duration: Option<Duration>,
    /// Distinct services (resources).
    #[arg(long, default_value_t = 20)]
    pub services: usize,
    /// Distinct operations (route templates) shared by the services.
    #[arg(long, default_value_t = 50)]
    pub operations: usize,
    /// Fraction of spans, log records and histogram points that are errors (status ERROR, 5xx).
    #[arg(long, default_value_t = 0.02)]
    pub error_ratio: f64,
    /// Median duration of a trace's root span, in ms.
    #[arg(long, default_value_t = 20.0)]
    pub duration_median_ms: f64,
    /// Sigma of the log-normal root durations.
    #[arg(long, default_value_t = 0.8)]
    pub duration_sigma: f64,
    /// Seed of the workload: the same seed sends the same requests.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Distinct request bodies to build before the timed phase (fewer if they pass 256 MiB).
    #[arg(long, default_value_t = 128)]
    pub pool: usize,
    /// A request with no answer within this time counts as a transport error.
    #[arg(long, value_parser = parse_duration, default_value = "30s")]
    pub timeout: Duration,
    /// The collector's process id, to read its CPU time and memory from /proc.
    #[arg(long)]
    pub pid: Option<u32>,
    /// With --pid, how long to wait after the last answer before reading the collector's CPU time, so
    /// the batches it still holds are exported within the measurement.
    #[arg(long, value_parser = parse_duration, default_value = "1s")]
    pub settle: Duration,
    /// Print the report as one JSON object.
    #[arg(long)]
    pub json: bool,
}

impl Args {
    /// The endpoint, or the protocol's default port on loopback.
    pub fn endpoint(&self) -> String {
        self.endpoint.clone().unwrap_or_else(|| {
            match self.protocol {
                Protocol::Grpc => "127.0.0.1:4317",
                Protocol::Http => "127.0.0.1:4318",
            }
            .to_owned()
        })
    }
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum LoadgenError {
    /// The arguments make no run.
    #[error("invalid arguments: {0}")]
    Args(String),
    /// The collector could not be reached.
    #[error("cannot connect to {endpoint}")]
    Connect {
        /// The address tried.
        endpoint: String,
        /// Why it failed.
        source: ConnectError,
    },
    /// The collector's /proc entries could not be read.
    #[error("cannot read /proc/{pid}")]
    Proc {
        /// The process id given.
        pid: u32,
        /// Why reading failed.
        source: std::io::Error,
    },
    /// A request body could not be compressed.
    #[error("cannot build the requests")]
    Encode(#[source] std::io::Error),
    /// A connection's task panicked or was cancelled.
    #[error("a connection task failed")]
    Task(#[from] tokio::task::JoinError),
}

/// How many requests a run sends, and when.
#[derive(Clone, Debug, PartialEq)]
struct Plan {
    requests: u64,
    /// Items of the last, short request; 0 when every request is full.
    tail_items: u64,
    /// Time between two slots over all connections, when paced.
    interval: Option<Duration>,
}

impl Plan {
    fn new(args: &Args) -> Result<Plan, LoadgenError> {
        let invalid = |m: &str| Err(LoadgenError::Args(m.to_owned()));
        if args.items_per_request == 0 || args.connections == 0 || args.pool == 0 {
            return invalid("--items-per-request, --connections and --pool must be at least 1");
        }
        if args.services == 0 || args.operations == 0 {
            return invalid("--services and --operations must be at least 1");
        }
        if !(0.0..=1.0).contains(&args.error_ratio) {
            return invalid("--error-ratio must be within 0..=1");
        }
        if !(args.duration_median_ms > 0.0 && args.duration_sigma >= 0.0) {
            return invalid("--duration-median-ms must be above 0 and --duration-sigma at least 0");
        }
        if let Some(rate) = args.rate
            && !(rate.is_finite() && rate > 0.0)
        {
            return invalid("--rate must be a positive number");
        }
        let items = match (args.total, args.duration, args.rate) {
            (Some(_), Some(_), _) => return invalid("--total and --duration exclude each other"),
            (Some(total), None, _) => total,
            (None, Some(d), Some(rate)) => (rate * d.as_secs_f64()).round() as u64,
            (None, Some(_), None) => return invalid("--duration needs --rate"),
            (None, None, Some(_)) => return invalid("--rate needs --duration or --total"),
            (None, None, None) => DEFAULT_TOTAL,
        };
        if items == 0 {
            return invalid("nothing to send");
        }
        let ipr = args.items_per_request;
        let tail_items = items % ipr;
        Ok(Plan {
            requests: items / ipr + u64::from(tail_items > 0),
            tail_items,
            interval: args
                .rate
                .map(|rate| Duration::from_secs_f64(ipr as f64 / rate)),
        })
    }
}

/// Runs the load described by `args` and reports on it. Refusals and failed requests are counted
/// in the report; an error means the run could not start.
pub async fn run(args: &Args) -> Result<Report, LoadgenError> {
    let plan = Plan::new(args)?;
    let endpoint = args.endpoint();
    let clk_tck = report::clock_ticks();
    let read_collector = |pid: u32| {
        ProcSample::read(&pid.to_string()).map_err(|source| LoadgenError::Proc { pid, source })
    };
    if let Some(pid) = args.pid {
        read_collector(pid)?;
    }

    // Connections first: a wrong endpoint fails before the pool is built.
    let connections = args.connections.min(plan.requests as usize);
    let wire = Arc::new(AtomicU64::new(0));
    let mut senders = Vec::with_capacity(connections);
    for _ in 0..connections {
        let sender = Sender::connect(
            args.protocol,
            &endpoint,
            args.signal,
            args.compression,
            Arc::clone(&wire),
        )
        .await
        .map_err(|source| LoadgenError::Connect {
            endpoint: endpoint.clone(),
            source,
        })?;
        senders.push(sender);
    }

    let config = WorkloadConfig {
        services: args.services,
        operations: args.operations,
        error_ratio: args.error_ratio,
        duration_median_ms: args.duration_median_ms,
        duration_sigma: args.duration_sigma,
        seed: args.seed,
        base_time_unix_nano: now_unix_nano(),
    };
    // gRPC bodies stay plain: tonic compresses them as it sends (see `encode`).
    let up_front = match args.protocol {
        Protocol::Grpc => Compression::None,
        Protocol::Http => args.compression,
    };
    let (signal, ipr, tail) = (args.signal, args.items_per_request, plan.tail_items);
    let distinct = args.pool.min(plan.requests as usize);
    let pool = tokio::task::spawn_blocking(move || {
        Pool::build(
            &mut Workload::new(config),
            signal,
            ipr,
            distinct,
            tail,
            up_front,
        )
    })
    .await?
    .map_err(LoadgenError::Encode)?;
    let pool = Arc::new(pool);

    let collector_before = args.pid.map(read_collector).transpose()?;
    let self_before = ProcSample::read("self").ok();
    let wire_before = wire.load(Ordering::Relaxed);
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let tasks: Vec<_> = senders
        .into_iter()
        .enumerate()
        .map(|(connection, sender)| {
            let work = Work {
                plan: plan.clone(),
                pool: Arc::clone(&pool),
                next: Arc::clone(&next),
                connection: connection as u64,
                connections: connections as u64,
                timeout: args.timeout,
                start,
            };
            tokio::spawn(work.drive(sender))
        })
        .collect();
    let mut tally = Tally::new();
    for task in tasks {
        tally.merge(task.await?);
    }
    let wall = start.elapsed();
    let wire_bytes = wire.load(Ordering::Relaxed) - wire_before;
    let self_after = ProcSample::read("self").ok();

    // A collector that died under load is a finding, not a reason to lose the report.
    let (collector, collector_error) = match (args.pid, collector_before) {
        (Some(pid), Some(before)) => {
            tokio::time::sleep(args.settle).await;
            match ProcSample::read(&pid.to_string()) {
                Ok(after) => (
                    Some(CollectorUsage::new(
                        pid,
                        before,
                        after,
                        clk_tck,
                        tally.counts.items_accepted,
                    )),
                    None,
                ),
                Err(e) => (
                    None,
                    Some(format!("cannot read /proc/{pid} after the run: {e}")),
                ),
            }
        }
        _ => (None, None),
    };
    let loadgen_cpu_s = match (self_before, self_after) {
        (Some(b), Some(a)) => a.cpu_ticks.saturating_sub(b.cpu_ticks) as f64 / clk_tck.0 as f64,
        _ => 0.0,
    };

    Ok(Report {
        endpoint,
        protocol: value_name(args.protocol),
        compression: value_name(args.compression),
        signal: args.signal.to_string(),
        connections,
        items_per_request: args.items_per_request,
        distinct_bodies: pool.distinct(),
        target_items_per_s: args.rate,
        accepted_items_per_s: Report::rate(tally.counts.items_accepted, wall),
        latency_ms: Latency::from_us(&tally.latency_us),
        counts: tally.counts,
        wall_s: wall.as_secs_f64(),
        wire_bytes,
        late_sends: tally.late_sends,
        max_lag_ms: tally.max_lag.as_secs_f64() * 1e3,
        loadgen_cpu_s,
        collector,
        collector_error,
    })
}

/// One connection's share of the run.
struct Work {
    plan: Plan,
    pool: Arc<Pool>,
    /// The next unsent request, shared by the connections when not paced.
    next: Arc<AtomicU64>,
    connection: u64,
    connections: u64,
    timeout: Duration,
    start: Instant,
}

impl Work {
    async fn drive(self, mut sender: Sender) -> Tally {
        let mut tally = Tally::new();
        let mut paced = self.connection;
        loop {
            let index = match self.plan.interval {
                Some(_) => paced,
                None => self.next.fetch_add(1, Ordering::Relaxed),
            };
            if index >= self.plan.requests {
                return tally;
            }
            if let Some(interval) = self.plan.interval {
                paced += self.connections;
                let slot = self.start + interval.mul_f64(index as f64);
                tokio::time::sleep_until(slot.into()).await;
                tally.lag(Instant::now().saturating_duration_since(slot));
            }
            let body = self.pool.body(index, self.plan.requests);
            let sent = Instant::now();
            let outcome = tokio::time::timeout(self.timeout, sender.send(body.bytes.clone()))
                .await
                .unwrap_or_else(|_| {
                    Outcome::Failed(format!("no answer within {:?}", self.timeout))
                });
            tally.record(body, outcome, sent.elapsed());
        }
    }
}

fn value_name(v: impl ValueEnum) -> String {
    v.to_possible_value()
        .map(|p| p.get_name().to_owned())
        .unwrap_or_default()
}

fn now_unix_nano() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// Parses `traces`, `metrics` or `logs`.
pub fn parse_signal(s: &str) -> Result<Signal, String> {
    Signal::ALL
        .into_iter()
        .find(|signal| signal.as_str() == s)
        .ok_or_else(|| format!("{s:?} is not traces, metrics or logs"))
}

/// Parses a duration such as `10s`, `500ms`, `2m`, `1.5s` or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 10s or 500ms"))?;
    let seconds = match unit.trim() {
        "" | "s" => number,
        "ms" => number / 1e3,
        "us" | "µs" => number / 1e6,
        "m" => number * 60.0,
        "h" => number * 3600.0,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {s:?}: use ms, s, m or h"
            ));
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("{s:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(["weir-loadgen"].iter().chain(extra))
    }

    fn plan(extra: &[&str]) -> Result<Plan, String> {
        Plan::new(&args(extra).map_err(|e| e.to_string())?).map_err(|e| e.to_string())
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("3d").is_err());
    }

    #[test]
    fn plans_count_requests_and_pace_them() {
        let total = plan(&["--total", "5000"]).expect("plan");
        assert_eq!(
            total,
            Plan {
                requests: 10,
                tail_items: 392,
                interval: None
            }
        );
        let default = plan(&[]).expect("plan");
        assert_eq!(default.requests, DEFAULT_TOTAL.div_ceil(512));
        let paced = plan(&["--rate", "51200", "--duration", "10s"]).expect("plan");
        assert_eq!(paced.requests, 1000);
        assert_eq!(paced.tail_items, 0);
        assert_eq!(paced.interval, Some(Duration::from_millis(10)));
        let paced_total = plan(&[
            "--rate",
            "1000",
            "--total",
            "1000",
            "--items-per-request",
            "100",
        ]);
        assert_eq!(paced_total.map(|p| p.requests), Ok(10));
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert!(
            args(&["--duration", "10s"]).is_err(),
            "--duration needs --rate"
        );
        assert!(args(&["--total", "5", "--rate", "1", "--duration", "1s"]).is_err());
        assert!(args(&["--signal", "profiles"]).is_err());
        assert!(args(&["--compression", "lz4"]).is_err());
        for bad in [
            &["--rate", "1000"][..],
            &["--total", "0"],
            &["--connections", "0"],
            &["--items-per-request", "0"],
            &["--error-ratio", "1.5"],
            &["--rate", "-3", "--total", "10"],
            &["--duration-median-ms", "0"],
        ] {
            assert!(plan(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn endpoints_default_to_the_protocol_port() {
        assert_eq!(args(&[]).expect("args").endpoint(), "127.0.0.1:4317");
        let http = args(&["--protocol", "http"]).expect("args");
        assert_eq!(http.endpoint(), "127.0.0.1:4318");
        assert_eq!(value_name(http.protocol), "http");
    }
}
