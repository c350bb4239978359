#!/usr/bin/env python3
"""Draws benches/compare.sh's sweep (SWEEP=1) as PNGs: throughput and CPU per span against request
size, and latency against offered load, weir and rotel on the same axes.

Usage: plot.py target/compare/sweep.jsonl OUT_DIR   (needs matplotlib; compare.sh runs it in a venv)
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, ScalarFormatter  # noqa: E402

COLOURS = {"weir": "#1f77b4", "rotel": "#d62728"}


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def refused(record):
    """Whether the collector pushed back on any request of this point (its spans were not retried)."""
    return bool((record.get("saturation") or record.get("latency") or {}).get("refused"))


def plot(ax, records, kind, collector, x, y, style, colour, label):
    """One collector's curve; points where it refused requests are drawn hollow."""
    points = sorted(
        (x(r), y(r), refused(r)) for r in records if r["kind"] == kind and r["collector"] == collector
    )
    points = [p for p in points if p[0] is not None and p[1] is not None]
    ax.plot([p[0] for p in points], [p[1] for p in points], style, color=colour, label=label)
    hollow = [p for p in points if p[2]]
    if hollow:
        ax.plot([p[0] for p in hollow], [p[1] for p in hollow], style[0], color=colour, markerfacecolor="white")


def pushback_note(fig, records):
    if any(refused(r) for r in records):
        fig.text(0.01, 0.01, "hollow points: the collector refused some requests (memory limit), not retried",
                 fontsize=8, color="#555555")


def exports(records):
    """'weir gzip, rotel gzip': what each collector exported with, for the titles."""
    seen = {}
    for r in records:
        seen.setdefault(r["collector"], r.get("export_compression") or "?")
    return ", ".join(f"{c} exports {e}" for c, e in seen.items())


def by_request_size(records, out):
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    sizes = sorted({r["items_per_request"] for r in records if r["kind"] == "size"})
    for collector, colour in COLOURS.items():
        plot(left, records, "size", collector, lambda r: r["items_per_request"],
             lambda r: r["saturation"]["items_per_second"] / 1000, "o-", colour, collector)
        plot(right, records, "size", collector, lambda r: r["items_per_request"],
             lambda r: (r["saturation"].get("collector") or {}).get("cpu_us_per_1000_items"),
             "o-", colour, collector)
    for ax in (left, right):
        ax.set_xscale("log", base=2)
        ax.set_xticks(sizes)
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.set_xlabel("spans per request (client)")
        ax.grid(True, alpha=0.3)
        ax.legend()
    left.set_ylabel("accepted spans/s at saturation (thousands)")
    left.set_ylim(bottom=0)
    right.set_ylabel("collector CPU µs per 1,000 spans")
    right.set_ylim(bottom=0)
    fig.suptitle(f"weir vs rotel, OTLP/gRPC in and out, batches of 8192, 2 shared cores ({exports(records)})")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    pushback_note(fig, [r for r in records if r["kind"] == "size"])
    fig.savefig(f"{out}/compare-request-size.png", dpi=110)


def by_load(records, out):
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for collector, colour in COLOURS.items():
        for quantile, style in (("p99", "o-"), ("p50", "s--")):
            plot(ax, records, "load", collector, lambda r: r["offered_rate"] / 1000,
                 lambda r, q=quantile: r["latency"]["latency_ms"][q], style, colour, f"{collector} {quantile}")
    ax.set_xlabel("offered load (thousand spans/s, 512 spans per request)")
    ax.set_ylabel("client latency (ms)")
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    # Label only the 2s and 5s between the decades.
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}" if f"{v:.0e}"[0] in "25" else ""))
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    ax.set_title(f"Client latency against offered load ({exports(records)})", fontsize=10)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    pushback_note(fig, [r for r in records if r["kind"] == "load"])
    fig.savefig(f"{out}/compare-latency.png", dpi=110)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    records = load(sys.argv[1])
    by_request_size(records, sys.argv[2])
    by_load(records, sys.argv[2])
    print(f"wrote {sys.argv[2]}/compare-request-size.png and {sys.argv[2]}/compare-latency.png")


if __name__ == "__main__":
    main()
