"""Benchmark of a period's run. Prints a table; run it on a quiet machine:

    .venv/bin/python benchmarks/run_benchmark.py [--scales 1 10 100] [--bulletin]

Measures, each in a fresh temporary data root:
- cold run of bulletin No. 5's period (every notebook executed by papermill),
- no-op re-run (nothing changed: every step skipped and copied),
- the floor: the same computations called directly in one Python process (no papermill, no kernels),
- cold runs of synthetic periods of 1x, 10x and 100x the volume of bulletin No. 5,
- peak memory (largest resident set of the run's processes, kernels included).
Targets (issue 7): cold <= 1.5x floor, no-op <= 5% of cold, 100x <= 3x the time of 1x.
"""
from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PERIOD = "2015-08_2016-04"

FLOOR = """
import sys
from pathlib import Path
from pipeline import dynamics, incidents, io, maps, media, overview, reconcile, survey, datapackage
from pipeline.periods import load_period
period = load_period(sys.argv[1], sys.argv[2]); out = Path(sys.argv[3])
raw = io.validate_period(period)
division = io.load_division(period)
ref = {n: io.load_reference(period, n) for n in ("threat_types", "threat_categories", "hrd_categories", "threat_sources", "cities")}
geo = maps.load_geography(period)
tables = {"period_headlines": overview.headlines(raw, period)}
p1, p2 = survey.portrait(raw), survey.security(raw)
by_oblast = survey.respondents_by_oblast(raw, division)
tables.update({"survey_respondents_by_oblast": by_oblast, "survey_portrait_shares": p1["shares"], "survey_portrait_stats": p1["stats"],
               "survey_security_shares": p2["shares"], "survey_security_stats": p2["stats"]})
tables.update(incidents.tables(raw, ref, division)); tables.update(media.tables(raw, period, ref["cities"], division))
tables.update(dynamics.tables(raw, division))
io.save_tables(out, tables)
figures = {**maps.respondents_maps(by_oblast, geo, period),
           **maps.violations_maps(tables["incidents_by_oblast"], ref["hrd_categories"], geo, period),
           **maps.media_maps(tables["media_by_oblast"], geo, period), **maps.risk_maps(tables["dynamics_regions"], geo, period)}
maps.save(out, figures)
reconcile.write_for_run(out, period); datapackage.write(out, period)
"""


def timed(command: list[str]) -> tuple[float, float]:
    """Seconds, and peak resident memory (MB) of the command's processes."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    began = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
    seconds = time.perf_counter() - began
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return seconds, peak


def data_root(with_bulletin5: bool) -> Path:
    root = Path(tempfile.mkdtemp(prefix="hrd-bench-")) / "data"
    shutil.copytree(REPO / "data" / "raw" / "reference", root / "raw" / "reference")
    if with_bulletin5:
        shutil.copytree(REPO / "data" / "raw" / PERIOD, root / "raw" / PERIOD)
    (root / "processed").mkdir()
    return root


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", nargs="+", type=float, default=[1, 10, 100])
    parser.add_argument("--bulletin", action="store_true", help="include the Quarto render in the runs")
    args = parser.parse_args()
    cli = [sys.executable, "-m", "pipeline"]
    bulletin = [] if args.bulletin else ["--no-bulletin"]
    rows = []

    root = data_root(True)
    cold, peak = timed(cli + ["--data-root", str(root), "run", PERIOD, "--quiet", *bulletin])
    rows.append(("cold run, bulletin No. 5", cold, peak))
    noop, peak = timed(cli + ["--data-root", str(root), "run", PERIOD, "--quiet", *bulletin])
    rows.append(("no-op re-run", noop, peak))
    floor, peak = timed([sys.executable, "-c", FLOOR, PERIOD, str(root), str(root / "floor")])
    rows.append(("floor: same computations, one process", floor, peak))

    scaled = {}
    for scale in args.scales:
        root = data_root(False)
        period = "2030-01_2030-09"
        subprocess.run(cli + ["--data-root", str(root), "synthesize", period, "--scale", f"{scale:g}"], check=True,
                       stdout=subprocess.DEVNULL, cwd=REPO)
        seconds, peak = timed(cli + ["--data-root", str(root), "run", period, "--quiet", *bulletin])
        scaled[scale] = seconds
        rows.append((f"cold run, synthetic {scale:g}x", seconds, peak))

    print(f"{'measure':<42} {'seconds':>9} {'peak MB':>9}")
    for name, seconds, peak in rows:
        print(f"{name:<42} {seconds:>9.1f} {peak:>9.0f}")
    print()
    print(f"cold / floor          {cold / floor:6.2f}   (target <= 1.5)")
    print(f"no-op / cold          {noop / cold:6.1%}   (target <= 5%)")
    if 1 in scaled and 100 in scaled:
        print(f"100x / 1x             {scaled[100] / scaled[1]:6.2f}   (target <= 3)")


if __name__ == "__main__":
    main()
