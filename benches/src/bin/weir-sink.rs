//! `weir-sink`: counts the OTLP it receives, for the collector comparison (`benches/compare.sh`).
//!
//! ```text
//! weir-sink --listen 127.0.0.1:14317 --admin 127.0.0.1:18888 [--http-listen 127.0.0.1:14318]
//! curl -s 127.0.0.1:18888/counts    # {"spans":…,"data_points":…,"log_records":…,"requests":…,"bytes":…}
//! curl -s -X POST 127.0.0.1:18888/reset
//! ```
//!
//! Prints one line with the bound addresses once it listens, then serves until SIGINT or SIGTERM.

#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use weir_benches::sink::{self, SinkOptions};

/// A counting OTLP sink: accepts everything, decodes nothing, reports counts.
#[derive(Debug, Parser)]
#[command(name = "weir-sink", version)]
struct Args {
    /// OTLP/gRPC listen address (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:4317")]
    listen: SocketAddr,
    /// Admin HTTP address: `GET /counts`, `POST /reset`, `GET /healthz`.
    #[arg(long)]
    admin: Option<SocketAddr>,
    /// OTLP/HTTP (protobuf) listen address: `POST /v1/traces`, `/v1/metrics`, `/v1/logs`.
    #[arg(long)]
    http_listen: Option<SocketAddr>,
    /// Tokio worker threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if args.threads > 0 {
        runtime.worker_threads(args.threads);
    }
    let result = runtime
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| runtime.block_on(run(&args)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("weir-sink: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args) -> anyhow::Result<()> {
    let options = SinkOptions {
        grpc: args.listen,
        admin: args.admin,
        http: args.http_listen,
    };
    let running = sink::start(&options).await?;
    let show = |addr: Option<SocketAddr>| addr.map_or_else(|| "-".to_owned(), |a| a.to_string());
    println!(
        "weir-sink listening grpc={} admin={} http={}",
        running.grpc_addr,
        show(running.admin_addr),
        show(running.http_addr),
    );
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    running
        .run_until(async move {
            let signal = tokio::select! {
                _ = tokio::signal::ctrl_c() => "SIGINT",
                _ = terminate.recv() => "SIGTERM",
            };
            eprintln!("weir-sink: stopping on {signal}");
        })
        .await
}
