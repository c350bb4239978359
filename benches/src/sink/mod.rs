//! `weir-sink`: a counting OTLP sink for the collector comparison (`benches/compare.sh`).
//!
//! It accepts OTLP/gRPC (and optionally OTLP/HTTP protobuf), gzip, zstd or uncompressed, and counts
//! spans, data points and log records by walking the protobuf tags ([`walk`]) instead of decoding,
//! so it stays cheap next to the collector it measures. An admin server reports the counts
//! (`GET /counts`) and zeroes them (`POST /reset`).

mod grpc;
mod http;
pub mod walk;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context as _;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use weir_proto::Signal;

/// Largest message accepted, after decompression: far above any batch a collector sends.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;

/// Running totals since start or the last reset.
#[derive(Debug, Default)]
pub struct Counts {
    spans: AtomicU64,
    data_points: AtomicU64,
    log_records: AtomicU64,
    requests: AtomicU64,
    bytes: AtomicU64,
    wire_bytes: AtomicU64,
    bad_requests: AtomicU64,
}

/// The counts at one moment, as `GET /counts` reports them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CountsSnapshot {
    /// Spans in accepted trace requests.
    pub spans: u64,
    /// Metric data points in accepted metrics requests.
    pub data_points: u64,
    /// Log records in accepted logs requests.
    pub log_records: u64,
    /// Requests accepted (every signal and transport).
    pub requests: u64,
    /// Protobuf bytes of the accepted requests, after decompression.
    pub bytes: u64,
    /// Request body bytes as they arrived: compressed, with gRPC framing.
    pub wire_bytes: u64,
    /// Requests refused as malformed or badly compressed.
    pub bad_requests: u64,
}

impl Counts {
    /// Counts one accepted request of `signal` holding `items` items in `bytes` protobuf bytes.
    pub fn record(&self, signal: Signal, items: u64, bytes: usize) {
        let counter = match signal {
            Signal::Traces => &self.spans,
            Signal::Metrics => &self.data_points,
            Signal::Logs => &self.log_records,
        };
        counter.fetch_add(items, Ordering::Relaxed);
        self.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts body bytes as they arrive off the connection.
    pub fn record_wire(&self, bytes: usize) {
        self.wire_bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// Counts a request refused as malformed.
    pub fn record_bad(&self) {
        self.bad_requests.fetch_add(1, Ordering::Relaxed);
    }

    /// The current totals.
    pub fn snapshot(&self) -> CountsSnapshot {
        CountsSnapshot {
            spans: self.spans.load(Ordering::Relaxed),
            data_points: self.data_points.load(Ordering::Relaxed),
            log_records: self.log_records.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            wire_bytes: self.wire_bytes.load(Ordering::Relaxed),
            bad_requests: self.bad_requests.load(Ordering::Relaxed),
        }
    }

    /// Zeroes every total and returns what they were.
    pub fn reset(&self) -> CountsSnapshot {
        CountsSnapshot {
            spans: self.spans.swap(0, Ordering::Relaxed),
            data_points: self.data_points.swap(0, Ordering::Relaxed),
            log_records: self.log_records.swap(0, Ordering::Relaxed),
            requests: self.requests.swap(0, Ordering::Relaxed),
            bytes: self.bytes.swap(0, Ordering::Relaxed),
            wire_bytes: self.wire_bytes.swap(0, Ordering::Relaxed),
            bad_requests: self.bad_requests.swap(0, Ordering::Relaxed),
        }
    }
}

/// Where the sink listens; port 0 picks a free port.
#[derive(Debug, Clone)]
pub struct SinkOptions {
    /// OTLP/gRPC.
    pub grpc: SocketAddr,
    /// The admin server (`GET /counts`, `POST /reset`), if any.
    pub admin: Option<SocketAddr>,
    /// OTLP/HTTP (protobuf), if any.
    pub http: Option<SocketAddr>,
}

/// A started sink: its bound addresses, its counts, and its servers' tasks.
#[derive(Debug)]
pub struct RunningSink {
    /// The bound OTLP/gRPC address.
    pub grpc_addr: SocketAddr,
    /// The bound admin address.
    pub admin_addr: Option<SocketAddr>,
    /// The bound OTLP/HTTP address.
    pub http_addr: Option<SocketAddr>,
    counts: Arc<Counts>,
    stop: watch::Sender<bool>,
    tasks: JoinSet<anyhow::Result<()>>,
}

/// Binds every listener in `options`, then serves them on the current Tokio runtime.
pub async fn start(options: &SinkOptions) -> anyhow::Result<RunningSink> {
    let counts = Arc::new(Counts::default());
    let (stop, stopped) = watch::channel(false);
    let on_stop = move || {
        let mut stopped = stopped.clone();
        async move {
            // An error means the sender is gone, which is a stop too.
            let _ = stopped.wait_for(|stop| *stop).await;
        }
    };
    let mut tasks = JoinSet::new();

    let listener = bind(options.grpc, "OTLP/gRPC").await?;
    let grpc_addr = listener.local_addr()?;
    tasks.spawn(grpc::serve(listener, Arc::clone(&counts), on_stop()));

    let mut admin_addr = None;
    if let Some(addr) = options.admin {
        let listener = bind(addr, "admin").await?;
        admin_addr = Some(listener.local_addr()?);
        tasks.spawn(http::serve(
            listener,
            http::admin_router(Arc::clone(&counts)),
            on_stop(),
        ));
    }
    let mut http_addr = None;
    if let Some(addr) = options.http {
        let listener = bind(addr, "OTLP/HTTP").await?;
        http_addr = Some(listener.local_addr()?);
        tasks.spawn(http::serve(
            listener,
            http::otlp_router(Arc::clone(&counts)),
            on_stop(),
        ));
    }
    Ok(RunningSink {
        grpc_addr,
        admin_addr,
        http_addr,
        counts,
        stop,
        tasks,
    })
}

async fn bind(addr: SocketAddr, what: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding the {what} listener to {addr}"))
}

impl RunningSink {
    /// The current totals.
    pub fn counts(&self) -> CountsSnapshot {
        self.counts.snapshot()
    }

    /// Zeroes the totals and returns what they were.
    pub fn reset(&self) -> CountsSnapshot {
        self.counts.reset()
    }

    /// Serves until `stop` completes or a server fails, then stops every server.
    pub async fn run_until(mut self, stop: impl Future<Output = ()>) -> anyhow::Result<()> {
        let failed = tokio::select! {
            () = stop => None,
            Some(ended) = self.tasks.join_next() => Some(ended),
        };
        let result = match failed {
            None => Ok(()),
            Some(Ok(Ok(()))) => Err(anyhow::anyhow!("a server stopped on its own")),
            Some(Ok(Err(error))) => Err(error),
            Some(Err(join)) => Err(join.into()),
        };
        let shutdown = self.shutdown().await;
        result.and(shutdown)
    }

    /// Stops every server after the requests in flight, and waits for them.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        // No receiver left means every server has already ended.
        let _ = self.stop.send(true);
        while let Some(ended) = self.tasks.join_next().await {
            ended??;
        }
        Ok(())
    }
}
