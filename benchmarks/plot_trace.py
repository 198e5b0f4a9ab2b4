#!/usr/bin/env python3
"""Plots Colonies process traces (HDF5, docs/export.md) for comparing benchmark runs.

For each trace: processes finished per 100 ms over the run (throughput), and the distribution of
the time from submission to assignment (queue wait, started_ns - submitted_ns) as a CDF.
Reads with h5py, draws with gnuplot (Debian: python3-h5py gnuplot-nox).

    benchmarks/plot_trace.py run-a.h5 run-b.h5 -o plot.png [--title "..."]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import h5py
    import numpy as np
except ImportError as e:  # pragma: no cover - a message instead of a traceback
    sys.exit(f"plot_trace.py needs h5py and numpy ({e}): on Debian apt-get install python3-h5py and run it with /usr/bin/python3, or pip install h5py numpy")

SCHEMA = "colonies-process-trace/1"
BIN_S = 0.1


def load(path):
    with h5py.File(path, "r") as f:
        attrs = {k: (v.decode() if isinstance(v, bytes) else str(v)) for k, v in f.attrs.items()}
        if attrs.get("schema") != SCHEMA:
            sys.exit(f"{path}: not a Colonies process trace (schema {attrs.get('schema')!r}, want {SCHEMA!r})")
        t = f["processes"][...]
    return attrs, t


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("traces", nargs="+", help="HDF5 trace files")
    ap.add_argument("-o", "--out", required=True, help="PNG file to write")
    ap.add_argument("--title", default="Colonies benchmark traces")
    args = ap.parse_args()
    if not shutil.which("gnuplot"):
        sys.exit("plot_trace.py needs gnuplot; on Debian: apt-get install gnuplot-nox")

    tmp = tempfile.mkdtemp(prefix="colonies-plot-")
    rate_plots, wait_plots = [], []
    for i, path in enumerate(args.traces):
        attrs, t = load(path)
        done = t[t["ended_ns"] > 0]
        started = t[t["started_ns"] > 0]
        if len(done) == 0:
            print(f"{path}: no finished processes, skipped", file=sys.stderr)
            continue
        t0 = t["submitted_ns"].min()
        end_s = (done["ended_ns"] - t0) / 1e9
        bins = np.arange(0, end_s.max() + BIN_S, BIN_S)
        counts, edges = np.histogram(end_s, bins=bins)
        rate_file = os.path.join(tmp, f"rate{i}.dat")
        np.savetxt(rate_file, np.column_stack([edges[:-1], counts / BIN_S]))
        wait_ms = np.sort((started["started_ns"] - started["submitted_ns"]) / 1e6)
        cdf = np.arange(1, len(wait_ms) + 1) / len(wait_ms)
        step = max(1, len(wait_ms) // 2000)  # at most ~2000 points per curve
        wait_file = os.path.join(tmp, f"wait{i}.dat")
        np.savetxt(wait_file, np.column_stack([wait_ms[::step], cdf[::step]]))
        label = os.path.splitext(os.path.basename(path))[0].replace("_", "\\_")
        rate_plots.append(f"'{rate_file}' using 1:2 with steps lw 1.5 title '{label}'")
        wait_plots.append(f"'{wait_file}' using 1:2 with lines lw 1.5 title '{label}'")
        print(f"{path}: {len(t)} processes, {len(done)} finished in {end_s.max():.2f} s, "
              f"queue wait p50 {np.percentile(wait_ms, 50):.2f} ms p99 {np.percentile(wait_ms, 99):.2f} ms")
    if not rate_plots:
        sys.exit("nothing to plot")
    script = f"""
set terminal pngcairo size 1200,480 font ',10'
set output '{args.out}'
set multiplot layout 1,2 title '{args.title}'
set title 'processes finished per second ({int(BIN_S * 1000)} ms bins)'
set xlabel 'seconds since the first submission'
set ylabel 'processes/s'
set key top right
set grid
set yrange [0:*]
plot {', '.join(rate_plots)}
set title 'queue wait: submission to assignment (CDF)'
set xlabel 'ms'
set ylabel 'fraction of processes'
set logscale x
set yrange [0:1]
set key top left
plot {', '.join(wait_plots)}
unset multiplot
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    shutil.rmtree(tmp)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
