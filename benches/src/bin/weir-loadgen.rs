//! `weir-loadgen`: realistic OTLP load against a collector, with a report of what it took, how fast,
//! at what latency and, with `--pid`, at what CPU and memory cost. `--help` lists the options.

#![forbid(unsafe_code)]

use clap::Parser;
use weir_benches::loadgen::{self, Args};

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // Refusals and failed requests are in the report; only a run that cannot start is an error.
    let report = runtime.block_on(loadgen::run(&args))?;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print!("{}", report.table());
    }
    Ok(())
}
