"""Benchmark of a period's run. Prints a table; run it on a quiet machine:

    make bench       # or: .venv/bin/python benchmarks/run_benchmark.py [--scales 1 10 100] [--bulletin]
                     #                   [--jobs N] [--repeat N]

Each measure runs in a fresh temporary data root, as a separate command:
- cold run of bulletin No. 5's period (no previous run: every notebook executed by papermill),
- no-op re-run (nothing changed: every step copied from the last run),
- the floor: the same computations in one plain Python process (benchmarks/floor.py: the
  notebooks' code executed directly, no papermill, no kernels, one notebook after the other),
- cold runs of synthetic periods of 1x, 10x and 100x the volume of bulletin No. 5,
- peak memory: the largest total resident memory of the command and all its processes (kernels,
  Chromium for the static maps, Quarto), sampled every 0.1 s.
By default the runs stop before the bulletin (Quarto's render is the same work in a run and in the
floor); --bulletin includes it in both. Targets (issue 7): cold <= 1.5x floor, no-op <= 5% of
cold, 100x <= 3x the time of 1x.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
PERIOD = "2015-08_2016-04"
SYNTHETIC = "2030-01_2030-09"


def measured(command: list[str]) -> tuple[float, float]:
    """Run a command; its wall-clock seconds and the peak total RSS (MB) of its process tree."""
    print("  " + " ".join(Path(part).name if "/" in part else part for part in command[1:]), file=sys.stderr, flush=True)
    began = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO, text=True)
    peak, done = 0, threading.Event()

    def sample():
        nonlocal peak
        root = psutil.Process(process.pid)
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                total = 0
                for p in tree:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
                peak = max(peak, total)
            except psutil.Error:
                pass
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, errors = process.communicate()
    seconds = time.perf_counter() - began
    done.set()
    sampler.join()
    if process.returncode != 0:
        sys.exit(f"failed ({process.returncode}): {' '.join(command)}\n{errors[-3000:]}")
    return seconds, peak / 2**20


def fresh_root(with_bulletin5: bool) -> Path:
    root = Path(tempfile.mkdtemp(prefix="hrd-bench-")) / "data"
    shutil.copytree(REPO / "data" / "raw" / "reference", root / "raw" / "reference")
    if with_bulletin5:
        shutil.copytree(REPO / "data" / "raw" / PERIOD, root / "raw" / PERIOD)
    (root / "processed").mkdir()
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", type=float, default=[1, 10, 100])
    parser.add_argument("--bulletin", action="store_true", help="include the Quarto render (runs and floor)")
    parser.add_argument("--jobs", type=int, default=None, help="passed to hrd-bulletin run (default: its own)")
    parser.add_argument("--repeat", type=int, default=1, help="measure each N times, report the median (default 1)")
    args = parser.parse_args()
    cli = [sys.executable, "-m", "pipeline"]
    options = ["--quiet", *([] if args.bulletin else ["--no-bulletin"]), *(["--jobs", str(args.jobs)] if args.jobs else [])]
    rows, temporary = [], []

    def scratch(with_bulletin5: bool) -> Path:
        root = fresh_root(with_bulletin5)
        temporary.append(root.parent)
        return root

    def cold_and_noop() -> tuple[tuple[float, float], tuple[float, float]]:
        root = scratch(True)
        return (measured(cli + ["--data-root", str(root), "run", PERIOD, *options]),
                measured(cli + ["--data-root", str(root), "run", PERIOD, *options]))

    def floor_run() -> tuple[float, float]:
        root = scratch(True)
        return measured([sys.executable, str(REPO / "benchmarks" / "floor.py"), PERIOD, str(root),
                         str(root.parent / "floor"), *(["--bulletin"] if args.bulletin else [])])

    def synthetic_run(scale: float) -> tuple[float, float]:
        root = scratch(False)
        subprocess.run(cli + ["--data-root", str(root), "synthesize", SYNTHETIC, "--scale", f"{scale:g}"], check=True,
                       stdout=subprocess.DEVNULL, cwd=REPO)
        return measured(cli + ["--data-root", str(root), "run", SYNTHETIC, *options])

    # measures interleaved round by round, so that a slow spell of the machine hits them all alike
    rounds = []
    for _ in range(args.repeat):
        cold_noop = cold_and_noop()
        rounds.append({"cold": cold_noop[0], "noop": cold_noop[1], "floor": floor_run(),
                       **{scale: synthetic_run(scale) for scale in args.scales}})
        for folder in temporary:
            shutil.rmtree(folder, ignore_errors=True)
        temporary.clear()

    def median(key) -> tuple[float, float]:
        return (statistics.median(r[key][0] for r in rounds), max(r[key][1] for r in rounds))

    (cold, peak), (noop, noop_peak), (floor, floor_peak) = median("cold"), median("noop"), median("floor")
    rows += [("cold run, bulletin No. 5", cold, peak), ("no-op re-run", noop, noop_peak),
             ("floor: same computations, one process", floor, floor_peak)]
    scaled = {}
    for scale in args.scales:
        scaled[scale], peak = median(scale)
        rows.append((f"cold run, synthetic {scale:g}x", scaled[scale], peak))

    print(f"machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}; "
          f"runs: {'with' if args.bulletin else 'without'} the bulletin, jobs {args.jobs or 'default'}; "
          f"median of {args.repeat} round(s), peak memory the largest")
    print(f"{'measure':<40} {'seconds':>8} {'peak MB':>8}")
    for name, seconds, peak in rows:
        print(f"{name:<40} {seconds:>8.1f} {peak:>8.0f}")
    print()
    print(f"cold / floor   {cold / floor:6.2f}   target <= 1.5   {'met' if cold / floor <= 1.5 else 'MISSED'}")
    print(f"no-op / cold   {noop / cold:6.1%}   target <= 5%    {'met' if noop / cold <= 0.05 else 'MISSED'}")
    if 1 in scaled and 100 in scaled:
        ratio = scaled[100] / scaled[1]
        print(f"100x / 1x      {ratio:6.2f}   target <= 3     {'met' if ratio <= 3 else 'MISSED'}")


if __name__ == "__main__":
    main()
