"""The floor of a run: the same computations as `hrd-bulletin run`, in one plain Python process.

    python benchmarks/floor.py <period> <data_root> <output_dir> [--bulletin]

Checks the raw data once, then executes the code cells of every period notebook in this process
(parameters injected as papermill would, no kernel, no papermill, nothing displayed or saved into
notebooks), then writes the reconciliation and the data package; --bulletin renders it too. What
remains between this and a real run is the cost of papermill, the kernels and the notebook files.
"""
from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

import nbformat

from pipeline import datapackage, reconcile, render
from pipeline.io import validate_period
from pipeline.periods import load_period
from pipeline.run import period_notebooks, run_record


def main(argv: list[str]) -> None:
    started = dt.datetime.now(dt.timezone.utc)
    period_id, data_root, output_dir = argv[:3]
    period = load_period(period_id, data_root)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    validate_period(period)
    for notebook in period_notebooks():
        began = time.perf_counter()
        cells = [c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
        namespace = {"__name__": "__floor__"}
        exec(compile(cells[0], notebook.name, "exec"), namespace)  # the parameters cell: defaults
        namespace.update(period=period.id, data_root=str(period.data_root), output_dir=str(out))
        for source in cells[1:]:
            exec(compile(source, notebook.name, "exec"), namespace)
        print(f"{notebook.name}: {time.perf_counter() - began:.1f} s", file=sys.stderr)
    reconcile.write_for_run(out, period)
    datapackage.write(out, period)
    if "--bulletin" in argv:  # the bulletin's appendix reads the run record
        parameters = {"period": period.id, "data_root": str(period.data_root), "output_dir": str(out)}
        record = run_record(period, parameters, [], out, started)
        (out / "run.json").write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
        render.render(period, out, log=lambda message: None)


if __name__ == "__main__":
    main(sys.argv[1:])
