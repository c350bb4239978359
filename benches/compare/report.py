#!/usr/bin/env python3
"""Summarises benches/compare.sh's results.jsonl into a Markdown table (stdlib only).

Figures per collector are medians over rounds. The weir/rotel ratio of a figure is computed pair by
pair (round i of weir against round i of rotel, in the same setting), and the median of those
ratios is reported, so that drift across the run (thermal, noisy neighbours) cancels within a pair.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

SETTINGS = {
    "equal-work": "Equal work: clients send uncompressed, both collectors export gzip",
    "weir-defaults": "weir's defaults: clients send uncompressed, weir exports zstd, rotel gzip",
    "weir-signals": "weir's defaults with golden signals from every span (processor golden_signals), rotel as in weir's defaults",
    "weir-sampled": "weir-signals with weir's adaptive_sampler after golden_signals (span mode, target policy, its defaults); "
    "rotel has no such sampler and runs as in weir-signals. CPU per span is per span received; "
    "weir's sink counts are checked against what its sampler says it kept",
}


def dig(record, *path):
    """record[path[0]][path[1]]…, or None when any step is missing."""
    for key in path:
        if not isinstance(record, dict) or record.get(key) is None:
            return None
        record = record[key]
    return record


def per_span_bytes(record):
    spans = dig(record, "sink", "spans")
    wire = dig(record, "sink", "wire_bytes")
    return wire / spans if spans and wire is not None else None


def sink_cpu_per_1000(record):
    cpu = record.get("sink_cpu_seconds")
    spans = dig(record, "sink", "spans")
    return cpu * 1e9 / spans if cpu is not None and spans else None


# (label, how to read it from a record, format, which direction is better)
FIGURES = [
    ("spans/s at saturation", lambda r: dig(r, "saturation", "items_per_second"), "rate", "higher"),
    ("CPU µs per 1,000 spans", lambda r: dig(r, "saturation", "collector", "cpu_us_per_1000_items"), "num", "lower"),
    ("peak RSS under load", lambda r: dig(r, "saturation", "collector", "peak_rss_bytes"), "mib", "lower"),
    ("idle RSS after ready", lambda r: r.get("idle_rss_bytes"), "mib", "lower"),
    ("time to ready (weir: /readyz is 200; rotel: its gRPC port accepts)", lambda r: r.get("ready_ms"), "ms", "lower"),
    ("p99 latency at half load", lambda r: dig(r, "latency", "latency_ms", "p99"), "ms", "lower"),
    ("p50 latency at half load", lambda r: dig(r, "latency", "latency_ms", "p50"), "ms", "lower"),
    ("bytes on the wire to the sink per span", per_span_bytes, "num", "lower"),
    ("sink CPU µs per 1,000 spans (not the collector's)", sink_cpu_per_1000, "num", "lower"),
]


def fmt(value, kind):
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value / 1000:,.1f} K" if value < 1e6 else f"{value / 1e6:,.2f} M"
    if kind == "mib":
        return f"{value / 1048576:,.1f} MiB"
    if kind == "ms":
        return f"{value:,.1f} ms"
    if kind == "ratio":
        return f"{value:.2f}×"
    return f"{value:,.1f}"


def median(values):
    values = [v for v in values if v is not None]
    if values and isinstance(values[0], str):
        # Shares print as text ("23.4%"): the median of their numbers, printed the same way.
        return f"{statistics.median(float(v.rstrip('%')) for v in values):.1f}%"
    return statistics.median(values) if values else None


def refused(record):
    return sum((dig(record, "saturation", "refused") or {}).values())


def accepted_share(record):
    accepted, sent = dig(record, "saturation", "accepted"), dig(record, "saturation", "sent")
    return f"{accepted / sent:.1%}" if accepted is not None and sent else None


def exactness(records):
    exact = sum(1 for r in records if r.get("exact"))
    text = f"{exact}/{len(records)} exact"
    if exact < len(records):
        text += " — MISMATCH"
    return text


def exact_text(record):
    """Whether the sink got what it should: every span accepted, or with weir sampling, what it kept."""
    expected = record.get("expected", dig(record, "saturation", "accepted"))
    if record.get("exact"):
        return f"exact (kept {expected:,} of {dig(record, 'saturation', 'accepted'):,})" if record.get("sampled") else "exact"
    return f"MISMATCH ({dig(record, 'sink', 'spans')} of {expected})"


def setting_table(setting, records):
    by = {c: sorted((r for r in records if r["collector"] == c), key=lambda r: r["round"]) for c in ("weir", "rotel")}
    rounds = sorted(set(r["round"] for r in by["weir"]) & set(r["round"] for r in by["rotel"]))
    lines = [
        f"### {SETTINGS.get(setting, setting)}",
        "",
        "| figure | weir | rotel | weir/rotel (median of per-round ratios) |",
        "|---|---|---|---|",
    ]
    for label, get, kind, better in FIGURES:
        cells = [fmt(median(get(r) for r in by[c]), kind) for c in ("weir", "rotel")]
        ratios = []
        for n in rounds:
            w = get(next(r for r in by["weir"] if r["round"] == n))
            o = get(next(r for r in by["rotel"] if r["round"] == n))
            if w is not None and o:
                ratios.append(w / o)
        ratio = fmt(median(ratios), "ratio") if ratios else "—"
        lines.append(f"| {label} ({better} is better) | {cells[0]} | {cells[1]} | {ratio} |")
    lines.append(
        f"| sink received exactly what was accepted (sampled: what weir kept) | {exactness(by['weir'])} | {exactness(by['rotel'])} | |"
    )
    for label, get in (
        ("spans accepted of those offered at saturation", accepted_share),
        ("requests refused at saturation (pushback; not retried)", refused),
    ):
        cells = [median(get(r) for r in by[c]) for c in ("weir", "rotel")]
        cells = [f"{v:,.0f}" if isinstance(v, (int, float)) else v or "—" for v in cells]
        lines.append(f"| {label} (median) | {cells[0]} | {cells[1]} | |")
    return lines


def ceiling_table(records):
    if not records:
        return []
    return [
        "### Ceiling: the same load straight into weir-sink",
        "",
        "| figure | sink |",
        "|---|---|",
        f"| spans/s at saturation | {fmt(median(dig(r, 'saturation', 'items_per_second') for r in records), 'rate')} |",
        f"| sink CPU µs per 1,000 spans | {fmt(median(dig(r, 'saturation', 'collector', 'cpu_us_per_1000_items') for r in records), 'num')} |",
        f"| p99 latency at half load | {fmt(median(dig(r, 'latency', 'latency_ms', 'p99') for r in records), 'ms')} |",
        f"| counted exactly what was accepted | {exactness(records)} |",
    ]


def rounds_table(records):
    lines = [
        "### Every run",
        "",
        "| setting | collector | round | export | spans/s | CPU µs/1k spans | peak RSS | idle RSS | ready | half load | p99 | sink = accepted (sampled: kept) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        lines.append(
            "| {setting} | {collector} | {round} | {export} | {rate} | {cpu} | {peak} | {idle} | {ready} | {half} | {p99} | {exact} |".format(
                setting=r["setting"],
                collector=r["collector"],
                round=r["round"],
                export=r.get("export_compression") or "—",
                rate=fmt(dig(r, "saturation", "items_per_second"), "rate"),
                cpu=fmt(dig(r, "saturation", "collector", "cpu_us_per_1000_items"), "num"),
                peak=fmt(dig(r, "saturation", "collector", "peak_rss_bytes"), "mib"),
                idle=fmt(r.get("idle_rss_bytes"), "mib"),
                ready=fmt(r.get("ready_ms"), "ms"),
                half=fmt(r.get("half_rate"), "rate") + "/s",
                p99=fmt(dig(r, "latency", "latency_ms", "p99"), "ms"),
                exact=exact_text(r),
            )
        )
    return lines


def cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results")
    parser.add_argument("table")
    parser.add_argument("--rounds", default="?")
    parser.add_argument("--total", default="?")
    parser.add_argument("--latency-duration", default="?")
    parser.add_argument("--rotel", default="rotel")
    parser.add_argument("--weir", default="unknown")
    args = parser.parse_args()

    with open(args.results) as f:
        records = [json.loads(line) for line in f if line.strip()]
    if not records:
        sys.exit(f"{args.results} holds no results")

    lines = [
        "## weir vs rotel, one run (benches/compare.sh)",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M')}; weir {args.weir}, {args.rotel}; {cpu_model()}, "
        f"{os.cpu_count()} cores shared by the loadgen, the collector and the sink. "
        f"{args.rounds} round(s), weir and rotel alternating; saturation: {args.total} spans, 512 per request, "
        f"8 gRPC connections; latency: {args.latency_duration} at half of that round's saturation rate. "
        "Both collectors batch 8192 spans or 200ms and export OTLP/gRPC to weir-sink. "
        "Figures are medians over rounds; CPU and peak RSS are the collector's over the saturation run.",
        "",
    ]
    for setting in SETTINGS:
        subset = [r for r in records if r["setting"] == setting]
        if subset:
            lines += setting_table(setting, subset) + [""]
    lines += ceiling_table([r for r in records if r["setting"] == "ceiling"]) + [""]
    lines += rounds_table(records)
    text = "\n".join(lines) + "\n"
    with open(args.table, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
