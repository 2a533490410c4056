"""The floor of a run: the same steps as `hrd-bulletin run`, in one plain Python process.

    python benchmarks/floor.py <period> <data_root> <output_dir> [--bulletin] [--steps a,b,...]

Checks the raw data once, then goes through the registry's steps (pipeline/steps.yml) in
order: a notebook step's code cells are executed in this process (parameters injected as papermill
would, no kernel, no papermill, nothing displayed or saved into notebooks); the other steps execute
as in a run. The bulletin, an optional step, only with --bulletin. What remains between this and a
real run is the cost of papermill, the kernels and the notebook files. --steps runs only some
steps of the registry (its test compares a few parts with a run's outputs).
"""
from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import nbformat

from pipeline.bulletin.render import EDITIONS
from pipeline.data.io import validate_period
from pipeline.data.periods import load_period
from pipeline.run.engine import all_steps, run_record
from pipeline.run.scratch import fresh_scratch, remove_scratch
from pipeline.run.steps import NotebookStep, Record, Run, write_json_atomically


def execute_cells(step: NotebookStep, period, out: Path) -> None:
    cells = [c.source for c in nbformat.read(step.notebook, as_version=4).cells if c.cell_type == "code"]
    namespace = {"__name__": "__floor__"}
    exec(compile(cells[0], step.notebook.name, "exec"), namespace)  # the parameters cell: defaults
    namespace.update(period=period.id, data_root=str(period.data_root), output_dir=str(out))
    for source in cells[1:]:
        exec(compile(source, step.notebook.name, "exec"), namespace)


def main(argv: list[str]) -> None:
    started = dt.datetime.now(dt.timezone.utc)
    period_id, data_root, output_dir = argv[:3]
    period = load_period(period_id, data_root)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    validate_period(period)
    scratch = fresh_scratch(period.data_root, f"floor-{period.id}")
    run = Run(period=period, folder=out, scratch=scratch, started=started,
              parameters={"period": period.id, "data_root": str(period.data_root), "output_dir": str(out)},
              log=lambda message: None, editions=tuple(EDITIONS) if "--bulletin" in argv else ())
    try:
        only = argv[argv.index("--steps") + 1].split(",") if "--steps" in argv else None
        for step in all_steps():
            if (step.name == "bulletin" and "--bulletin" not in argv) or (only and step.name not in only):
                continue
            began = time.perf_counter()
            if isinstance(step, NotebookStep):
                execute_cells(step, period, out)
            else:
                if "record" in step.entry.run_outputs:  # the bulletin's appendix reads the run record
                    write_json_atomically(out / "run.json", run_record(period, run.parameters, [], out, started))
                step.execute(run, out, Record(step.name))
            print(f"{step.label}: {time.perf_counter() - began:.1f} s", file=sys.stderr)
    finally:
        remove_scratch(scratch)


if __name__ == "__main__":
    main(sys.argv[1:])
