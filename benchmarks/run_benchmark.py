"""Benchmark of a period's run. Prints a table; run it on a quiet machine:

    make bench       # or: .venv/bin/python benchmarks/run_benchmark.py [--scales 1 10 100] [--no-bulletin]
                     #                   [--jobs N] [--repeat N]

Each measure runs in a fresh temporary data root, as a separate command:
- cold run of bulletin No. 5's period (no previous run: every notebook executed by papermill),
- no-op re-run (nothing changed: every step copied from the last run),
- the floor: the same computations in one plain Python process (benchmarks/floor.py: the
  notebooks' code executed directly, no papermill, no kernels, one notebook after the other),
- cold runs of synthetic periods of 1x, 10x and 100x the volume of bulletin No. 5,
- peak memory: the largest total resident memory of the command and all its processes (kernels,
  Chromium for the static maps, Quarto), sampled every 0.1 s.
- the yardstick Y (issue 14): one process that imports pandas, plotly and geopandas and writes
  one PNG with kaleido, plus one `quarto render` of a one-paragraph Markdown document to HTML; the
  time of that render alone is the measure of the editor's loop,
- the editor's loop, two ways: `hrd-bulletin render <period> --lang ru --format html` after a run
  (a prose edit made into a publication: nothing but the edition is redone), and the live preview
  (`hrd-bulletin preview`'s command, `quarto preview report/ --profile ru,html`, on a copy of
  report/): from saving an edit of bulletin.qmd to Quarto's page written again, the median of three edits.
A first run of bulletin No. 5's period warms the machine up and is not counted (--no-warm-up skips
it): "cold" means no previous outputs, not files read from disk after a pause.
The runs include the bulletin's four editions; --no-bulletin stops them before it. Targets: cold run
<= 5 Y (issue 14), cold <= 1.5x floor (issue 7), one edition's re-render <= 1.5x the trivial
Quarto render, no-op <= 5% of cold, 100x <= 3x the time of 1x, peak memory <= 1.5 GB.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
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
    parser.add_argument("--no-bulletin", dest="bulletin", action="store_false",
                        help="stop the runs and the floor before the bulletin (default: its four editions included)")
    parser.add_argument("--jobs", type=int, default=None, help="passed to hrd-bulletin run (default: its own)")
    parser.add_argument("--repeat", type=int, default=1, help="measure each N times, report the median (default 1)")
    parser.add_argument("--no-warm-up", dest="warm_up", action="store_false",
                        help="skip the uncounted first run that brings the libraries, Quarto and Chromium into memory")
    args = parser.parse_args()
    cli = [sys.executable, "-m", "pipeline"]
    options = ["--quiet", *([] if args.bulletin else ["--no-bulletin"]), *(["--jobs", str(args.jobs)] if args.jobs else [])]
    rows, temporary = [], []

    def scratch(with_bulletin5: bool) -> Path:
        root = fresh_root(with_bulletin5)
        temporary.append(root.parent)
        return root

    def cold_and_noop() -> tuple[tuple[float, float], tuple[float, float], tuple[float, float] | None, float]:
        root = scratch(True)
        cold = measured(cli + ["--data-root", str(root), "run", PERIOD, *options])
        noop = measured(cli + ["--data-root", str(root), "run", PERIOD, *options])
        edition = (measured(cli + ["--data-root", str(root), "render", PERIOD, "--lang", "ru", "--format", "html"])
                   if args.bulletin else None)
        return cold, noop, edition, (preview_loop(root) if args.bulletin else float("nan"))

    def yardstick() -> tuple[tuple[float, float], tuple[float, float]]:
        """Y's two halves: the Python libraries and one kaleido PNG; one trivial Quarto render."""
        folder = Path(tempfile.mkdtemp(prefix="hrd-bench-y-"))
        temporary.append(folder)
        code = ("import pandas, geopandas, plotly.graph_objects as go, plotly.io as pio\n"
                "from pipeline.outputs.images import use_system_chromium\nuse_system_chromium()\n"
                f"pio.write_image(go.Figure(go.Bar(x=[1, 2], y=[3, 4])), {str(folder / 'y.png')!r})\n")
        python = measured([sys.executable, "-c", code])
        (folder / "y.qmd").write_text("---\ntitle: Y\n---\n\nOne paragraph of Markdown.\n", encoding="utf-8")
        from pipeline.bulletin.render import find_quarto

        quarto = measured([str(find_quarto()), "render", str(folder / "y.qmd"), "--to", "html"])
        return python, quarto

    def preview_loop(root: Path) -> float:
        """Seconds from saving an edit of report/bulletin.qmd to `quarto preview`'s page written again
        (median of 3): `hrd-bulletin preview`'s command, on a copy of report/ pointed at the run's content."""
        from pipeline.bulletin.preview import preview_command
        from pipeline.bulletin.render import project_copy

        print("  preview: three edits of report/bulletin.qmd", file=sys.stderr, flush=True)
        project = project_copy(root / "processed" / PERIOD / "bulletin-data", root.parent / "report")
        log_path = root.parent / "preview.log"
        with open(log_path, "w", encoding="utf-8") as log:
            with socket.socket() as probe:  # a free port
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            quarto = subprocess.Popen(preview_command("ru", port, False, project), cwd=project, stdout=log, stderr=subprocess.STDOUT)

        page = project / "bulletin_ru.html"  # the page quarto preview writes (and serves)

        def written() -> int:
            if quarto.poll() is not None:
                sys.exit("quarto preview stopped:\n" + log_path.read_text(encoding="utf-8")[-3000:])
            return page.stat().st_mtime_ns if page.exists() else 0

        def wait_for(done, what: str) -> None:
            deadline = time.monotonic() + 300
            while not done():
                if time.monotonic() > deadline:
                    sys.exit(f"quarto preview: {what} not within 300 s:\n" + log_path.read_text(encoding="utf-8")[-3000:])
                time.sleep(0.05)

        try:
            wait_for(lambda: written() > 0, "the first page")
            part, loops = project / "bulletin.qmd", []
            original = part.read_text(encoding="utf-8")
            for edit in range(3):
                before = written()
                part.write_text(original.replace("\n\n", f"\n\nEdit {edit}.\n\n", 1), encoding="utf-8")
                began = time.perf_counter()
                wait_for(lambda before=before: written() != before, "the page written again after an edit")
                loops.append(time.perf_counter() - began)
                time.sleep(1)
        finally:
            quarto.terminate()
            quarto.wait(10)
        return statistics.median(loops)

    def floor_run() -> tuple[float, float]:
        root = scratch(True)
        return measured([sys.executable, str(REPO / "benchmarks" / "floor.py"), PERIOD, str(root),
                         str(root.parent / "floor"), *(["--bulletin"] if args.bulletin else [])])

    def synthetic_run(scale: float) -> tuple[float, float]:
        root = scratch(False)
        subprocess.run(cli + ["--data-root", str(root), "synthesize", SYNTHETIC, "--scale", f"{scale:g}"], check=True,
                       stdout=subprocess.DEVNULL, cwd=REPO)
        return measured(cli + ["--data-root", str(root), "run", SYNTHETIC, *options])

    if args.warm_up:
        # Not counted: after a pause the first run read the libraries, Quarto and Chromium from disk
        # (this machine's host reclaims idle page cache: 51 s against 27 s for the next run)
        print("  warm-up: one run of bulletin No. 5's period, not counted", file=sys.stderr, flush=True)
        measured(cli + ["--data-root", str(scratch(True)), "run", PERIOD, *options])
    # measures interleaved round by round, so that a slow spell of the machine hits them all alike
    rounds = []
    for _ in range(args.repeat):
        cold, noop, edition, loop = cold_and_noop()
        y_python, y_quarto = yardstick()
        rounds.append({"cold": cold, "noop": noop, "edition": edition or (float("nan"), 0), "loop": (loop, 0),
                       "y_python": y_python,
                       "y_quarto": y_quarto, "floor": floor_run(), **{scale: synthetic_run(scale) for scale in args.scales}})
        for folder in temporary:
            shutil.rmtree(folder, ignore_errors=True)
        temporary.clear()

    def median(key) -> tuple[float, float]:
        return (statistics.median(r[key][0] for r in rounds), max(r[key][1] for r in rounds))

    (cold, peak), (noop, noop_peak), (floor, floor_peak) = median("cold"), median("noop"), median("floor")
    (edition, edition_peak), (y_python, _), (y_quarto, _) = median("edition"), median("y_python"), median("y_quarto")
    loop, _ = median("loop")
    y = y_python + y_quarto
    rows += [("cold run, bulletin No. 5", cold, peak), ("no-op re-run", noop, noop_peak),
             ("floor: same computations, one process", floor, floor_peak),
             ("one edition re-rendered (ru html)", edition, edition_peak),
             ("preview: an edit to its page again", loop, 0),
             ("Y: libraries + one kaleido PNG", y_python, 0), ("Y: trivial Quarto render", y_quarto, 0)]
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
    print(f"Y = {y:.1f} s ({y_python:.1f} s libraries and a PNG + {y_quarto:.1f} s a trivial Quarto render)")

    def target(name: str, value: float, limit: float, shown: str) -> None:
        print(f"{name:<24} {shown:>8}   target <= {limit:g}   {'met' if value <= limit else 'MISSED'}")

    target("cold run / Y", cold / y, 5, f"{cold / y:.2f}")
    target("cold / floor", cold / floor, 1.5, f"{cold / floor:.2f}")
    if args.bulletin:
        target("edition / trivial render", edition / y_quarto, 1.5, f"{edition / y_quarto:.2f}")
        target("preview edit / trivial", loop / y_quarto, 1.5, f"{loop / y_quarto:.2f}")
    target("no-op / cold", noop / cold, 0.05, f"{noop / cold:.1%}")
    if 1 in scaled and 100 in scaled:
        target("100x / 1x", scaled[100] / scaled[1], 3, f"{scaled[100] / scaled[1]:.2f}")
    largest = max(r[2] for r in rows)
    target("peak memory, GB", largest / 1024, 1.5, f"{largest / 1024:.2f}")


if __name__ == "__main__":
    main()
