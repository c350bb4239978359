//! The `weir` binary: parses the command line, loads the config, runs the collector.
//!
//! Exit codes: 0 after a clean shutdown, 2 for an invalid config or command line, 1 for any other
//! failure (a port already taken, an exporter that cannot be built).

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use weir_config::{Config, ConfigError};

/// weir: an OpenTelemetry collector that measures every span and keeps the traces worth keeping.
#[derive(Parser)]
#[command(name = "weir", version, about)]
struct Cli {
    /// YAML config in the OpenTelemetry Collector's shape; without it, the embedded default.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Checks the config and exits: 0 when valid, 2 with the errors otherwise.
    Validate,
    /// Prints the effective config, every default filled in.
    PrintConfig,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("weir: invalid configuration:\n{error}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Some(Command::Validate) => {
            println!("configuration is valid");
            ExitCode::SUCCESS
        }
        Some(Command::PrintConfig) => {
            print!("{}", weir_config::to_yaml(&config));
            ExitCode::SUCCESS
        }
        None => match serve(config, cli.config) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("weir: {error:#}");
                ExitCode::FAILURE
            }
        },
    }
}

fn load(path: Option<&std::path::Path>) -> Result<Config, ConfigError> {
    match path {
        Some(path) => weir_config::load_file(path),
        None => weir_config::default_config(&|name| std::env::var(name).ok()),
    }
}

fn serve(config: Config, path: Option<PathBuf>) -> anyhow::Result<()> {
    weir::logging::init(&config.service.telemetry.logs);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("weir")
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let (reloads, configs) = tokio::sync::mpsc::channel(1);
        tokio::spawn(reload_on_hangup(path, reloads));
        weir::app::run(config, shutdown_signal(), configs).await
    })?;
    Ok(())
}

/// On every SIGHUP, reads the config again (the file, or the built-in one and the environment) and
/// sends it on if valid; an invalid one is logged and the running config stays.
async fn reload_on_hangup(path: Option<PathBuf>, reloads: tokio::sync::mpsc::Sender<Config>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hangups = match signal(SignalKind::hangup()) {
            Ok(hangups) => hangups,
            Err(error) => {
                tracing::warn!(message = "Cannot listen for SIGHUP; the config is not reloaded.", %error);
                return;
            }
        };
        while hangups.recv().await.is_some() {
            let path = path.clone();
            // Reading a file blocks: off the async workers.
            let loaded = tokio::task::spawn_blocking(move || load(path.as_deref())).await;
            match loaded {
                Ok(Ok(config)) => {
                    tracing::info!(message = "SIGHUP: config read again.");
                    if reloads.send(config).await.is_err() {
                        return;
                    }
                }
                Ok(Err(error)) => {
                    tracing::error!(message = "SIGHUP: the config is invalid; the running one stays.", error = %error);
                }
                Err(join) => {
                    tracing::error!(message = "SIGHUP: reading the config failed.", error = %join)
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (path, reloads);
}

/// Completes on SIGTERM or SIGINT.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(error) => {
                tracing::warn!(message = "Cannot listen for SIGTERM; only SIGINT stops weir.", %error);
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
