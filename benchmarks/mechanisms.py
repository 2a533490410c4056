"""What each of the run's mechanisms buys, measured: `python benchmarks/mechanisms.py` prints a table.

Issue 23: a mechanism stays when it buys at least half a second on a cold or no-op run (or keeps
peak memory under its target), else it goes. Measured on bulletin No. 5's period after a run of it
(data/processed/2015-08_2016-04/ must exist): each row times the work with the mechanism and the
same work without it, in fresh processes where imports matter, median of three.
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PERIOD = "2015-08_2016-04"
PYTHON = sys.executable


def seconds(action, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def in_fresh_python(code: str) -> float:
    return seconds(lambda: subprocess.run([PYTHON, "-c", code], check=True, cwd=REPO, capture_output=True))


def outputs_copied(folder: Path) -> tuple[float, float]:
    """Reusing the last run's outputs: hard links against plain copies of every file."""
    def link():
        target = Path(tempfile.mkdtemp(dir=folder.parent))
        for path in folder.rglob("*"):
            if path.is_file():
                (target / path.relative_to(folder)).parent.mkdir(parents=True, exist_ok=True)
                os.link(path, target / path.relative_to(folder))
        shutil.rmtree(target)

    def copy():
        target = Path(tempfile.mkdtemp(dir=folder.parent))
        shutil.copytree(folder, target / "x")
        shutil.rmtree(target)

    return seconds(link), seconds(copy)


def code_read() -> tuple[float, float]:
    """Reading which code every step uses (the imports, followed), in a fresh process after its
    imports: with the code-facts cache of an earlier run, if this checkout has one, and with none."""
    code = ("import time\nfrom pipeline.run import steps, code\n{setup}\nbegan = time.perf_counter()\n"
            "[s.code() for s in steps.from_registry()]\nprint(time.perf_counter() - began)")

    def timed(setup: str) -> float:
        runs = [float(subprocess.run([PYTHON, "-c", code.format(setup=setup)], check=True, cwd=REPO, capture_output=True,
                                     text=True).stdout.split()[-1]) for _ in range(3)]
        return statistics.median(runs)

    cached = "" if "code_facts_file" in (REPO / "pipeline" / "run" / "code.py").read_text() else None
    uncached = ("import pathlib\nf = getattr(code, 'code_facts_file', None)\n"
                "f and f().exists() and f().unlink()")
    return (timed(cached) if cached is not None else timed("")), timed(uncached)


def kernel_imports() -> tuple[float, float]:
    """What a notebook's kernel imports before its first cell (ipykernel, plotly's renderers,
    nbformat and jsonschema), with the IRI grammar left out and with it."""
    code = "import ipykernel.kernelapp, nbformat, jsonschema, plotly.io; nbformat.validator.get_validator(4, 5)"
    return in_fresh_python("import sys; sys.modules['rfc3987_syntax'] = None\n" + code), in_fresh_python(code)


def images_drawn(count: int = 30) -> tuple[float, float]:
    """The maps (up to count) drawn: kaleido's page kept (one page, one Chromium process) against kaleido as it comes."""
    folder = REPO / "data" / "processed" / PERIOD / "maps"
    code = ("import json, pathlib, tempfile\nfrom pipeline.outputs import images\nimages.use_system_chromium()\n"
            f"specs = [json.loads(p.read_text()) for p in sorted(pathlib.Path({str(folder)!r}).glob('*.json'))][:{count}]\n"
            "out = pathlib.Path(tempfile.mkdtemp())\n")
    ours = code + "images.draw([images.Image(s, out / f'{i}.png', 700, 500) for i, s in enumerate(specs)])"
    theirs = code + ("import kaleido\nkaleido.write_fig_from_object_sync([{'fig': s, 'path': out / f'{i}.png', "
                     "'opts': {'width': 700, 'height': 500}} for i, s in enumerate(specs)])\n")
    ours, theirs = (c + "assert len(list(out.iterdir())) == len(specs)" for c in (ours + "\n", theirs))
    return in_fresh_python(ours), in_fresh_python(theirs)


def run_seconds(*args: str) -> float:
    began = time.perf_counter()
    subprocess.run([str(REPO / ".venv" / "bin" / "hrd-bulletin"), "run", PERIOD, *args], check=True, cwd=REPO, capture_output=True)
    return time.perf_counter() - began


def one_part_edited() -> tuple[float, float]:
    """After an edit of one part's module (a comment added to pipeline/parts/media.py): the run
    with each step's code read from its imports (Part IV and the steps importing it re-run) against
    every step re-run, as if each depended on the whole package."""
    module = REPO / "pipeline" / "parts" / "media.py"
    original = module.read_bytes()
    run_seconds("--no-bulletin")  # nothing left to do before the edit
    try:
        module.write_bytes(original + b"# an edit\n")
        return run_seconds("--no-bulletin"), run_seconds("--no-bulletin", "--force")
    finally:
        module.write_bytes(original)
        run_seconds("--no-bulletin")


def main() -> None:
    folder = REPO / "data" / "processed" / PERIOD
    if not (folder / "run.json").exists():
        sys.exit(f"run the period first: hrd-bulletin run {PERIOD}")
    rows = []
    link, copy = outputs_copied(folder)
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
    rows.append((f"reused outputs ({size:.0f} MB): hard links / copies", link, copy))
    cached, uncached = code_read()
    rows.append(("which code each step uses: code-facts cache / none", cached, uncached))
    hidden, shown = kernel_imports()
    rows.append(("a kernel's imports: IRI grammar left out / imported", hidden, shown))
    one_page, reloaded = images_drawn()
    rows.append(("maps drawn (PNG): one kaleido page / kaleido as it comes", one_page, reloaded))
    if "--runs" in sys.argv:
        rows.append(("cold run without bulletin: --jobs 3 / --jobs 1", run_seconds("--force", "--no-bulletin"),
                     run_seconds("--force", "--no-bulletin", "--jobs", "1")))
        rows.append(("no-op run", run_seconds(), None))
        rows.append(("one part's module edited: its steps re-run / every step", *one_part_edited()))
    print(f"{'mechanism':<58} {'with':>7} {'without':>8} {'buys':>6}")
    for name, with_it, without in rows:
        buys = f"{without - with_it:6.2f}" if without is not None else "     -"
        print(f"{name:<58} {with_it:7.2f} {(f'{without:8.2f}' if without is not None else '       -')} {buys}")


if __name__ == "__main__":
    main()
