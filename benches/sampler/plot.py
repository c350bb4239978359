"""Draws the sampler simulation's CSV (examples/sampler_simulation.rs) into a PNG.

usage: plot.py simulation.csv out.png
"""

import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main() -> None:
    source, out = sys.argv[1], sys.argv[2]
    with open(source, newline="") as f:
        rows = list(csv.DictReader(f))
    t = [float(r["second"]) for r in rows]
    offered = [float(r["offered_traces_per_second"]) for r in rows]
    kept = [float(r["kept_traces_per_second"]) for r in rows]
    errors = [float(r["error_share"]) for r in rows]
    p = [float(r["probability"]) for r in rows]

    fig, (rates, prob) = plt.subplots(2, 1, sharex=True, figsize=(9, 6.5))
    rates.plot(t, offered, label="offered traces/s", color="tab:gray")
    rates.plot(t, kept, label="kept traces/s", color="tab:blue")
    rates.axhline(10, linestyle=":", color="tab:blue", label="target 10/s")
    rates.set_yscale("log")
    rates.set_ylabel("traces per second (log)")
    rates.axvspan(400, 450, color="tab:red", alpha=0.12, label="error burst (30%)")
    rates.legend(loc="upper left", fontsize="small")
    rates.set_title("adaptive sampler, target policy: traffic ramp 50 → 500 traces/s, then an error burst")

    prob.plot(t, p, label="probability", color="tab:green")
    prob.plot(t, errors, label="error share", color="tab:red", linestyle="--")
    prob.axvspan(400, 450, color="tab:red", alpha=0.12)
    prob.set_yscale("log")
    prob.set_ylabel("share (log)")
    prob.set_xlabel("simulated seconds (one point per 5 s decision)")
    prob.legend(loc="upper right", fontsize="small")

    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main()
