"""Cheap steps for testing the run machinery (the engine, incremental runs, kills, batches) in
seconds: the engine only knows the step interface, so these stand in for the kernels and Quarto.

A CountStep reads raw files as the registry would declare them and writes one table, the number of
data rows of each; with HRD_FAKE_SLEEP=<seconds> it dawdles first, so a test can kill it mid-step.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pandas as pd

from pipeline.data.codebook import all_files
from pipeline.outputs.processed import write_table
from pipeline.registry import Entry
from pipeline.run.code import code_used_by
from pipeline.run.steps import Record, Run, Step


class CountStep(Step):
    def __init__(self, name: str, raw: list[str], after: tuple[str, ...] = (), fail: bool = False):
        super().__init__(Entry(name=name, kind="python", reads={"raw": raw}, after=after))
        self.fail = fail

    def code(self) -> tuple[Path, ...]:
        return code_used_by(Path(__file__))

    def execute(self, run: Run, into: Path, record: Record) -> None:
        time.sleep(float(os.environ.get("HRD_FAKE_SLEEP", "0")))
        if self.fail:
            raise ValueError(f"step {self.name} broke")
        contracts = all_files()
        rows = [{"file": contracts[k][1].file,
                 "rows": len((run.period.raw_dir / contracts[k][1].file).read_text(encoding="utf-8").splitlines()) - 1}
                for k in self.entry.raw]
        write_table(pd.DataFrame(rows), into, f"count_{self.name}")


def fake_steps() -> list[Step]:
    """Three steps: two independent ones and one after both."""
    return [CountStep("surveys", ["individuals", "organizations"]),
            CountStep("assessments", ["regional_assessments"]),
            CountStep("everything", ["cases", "violations"], after=("surveys", "assessments"))]
