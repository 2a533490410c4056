"""The steps of a run: one interface for both kinds of step (a notebook, a module's run_step),
built from the registry (pipeline/steps.yml).

    step.fingerprint(run)   what it depends on (digests), compared with the last good run's
    step.execute(run, into, record)   do it, writing its outputs into `into` (merged afterwards)
    step.code()             the pipeline code it uses

The fingerprint is the same for every kind, read off what the registry says the step reads: the
raw files, the reference data, the previous period's tables, the published figures, this run's
outputs, the report's text; plus period.yml, the parameters, the code it uses and the package
versions. The kinds differ only in what they execute: the steps' own code is in their notebooks
and modules, each beside what it computes.
"""
from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline import paths, registry
from pipeline.bulletin.render import NOT_SOURCE, REPORT, editions_text
from pipeline.data.codebook import all_files
from pipeline.data.periods import Period
from pipeline.data.sources import sources
from pipeline.run.code import code_used_by, digest, text_digest, versions_digest


@dataclass
class Run:
    """What a step sees of the run it is part of."""

    period: Period
    folder: Path  # the run's folder (staging): outputs of the steps done so far
    scratch: Path  # the run's temporary folder (pipeline.run.scratch)
    parameters: dict  # the notebooks' parameters
    last: dict | None = None  # the last good run's record (run.json), if any
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    progress: bool = False  # per-cell progress bars (notebooks run one at a time)
    editions: tuple = ()  # the bulletin's editions to render, (lang, format) pairs; none: --no-bulletin
    log: Callable[[str], None] = print
    # the Chromium that draws the maps' static images of every notebook (started by the first)
    _painter: Any = field(default=None, repr=False)
    _painter_guard: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def painter(self):
        """The run's Chromium for static images (pipeline.outputs.images), started on first use."""
        with self._painter_guard:
            if self._painter is None:
                from pipeline.outputs.images import Painter

                self._painter = Painter(tmp_dir=self.scratch).__enter__()
            return self._painter

    def close_painter(self) -> None:
        with self._painter_guard:
            if self._painter is not None:
                painter, self._painter = self._painter, None
                try:
                    painter.__exit__(None, None, None)
                except Exception as error:  # noqa: BLE001 - the images are drawn; a stuck Chromium must not fail the run
                    self.log(f"warning: Chromium did not close cleanly ({type(error).__name__}: {error})")

    def prior(self, step: str, statuses: tuple[str, ...] | None = None) -> dict | None:
        """The step's row in the last good run's record (with one of `statuses`, if given), or None."""
        return next((s for s in (self.last or {}).get("steps", []) if s.get("step") == step
                     and (statuses is None or s.get("status") in statuses)), None)

    @property
    def final(self) -> Path:
        """The period's published outputs: the last good run."""
        return self.period.processed_dir


@dataclass
class Record:
    """What happened to a step in a run (a row of run.json's steps)."""

    step: str
    status: str = "pending"  # ran | skipped | failed | outdated
    seconds: float = 0.0
    reason: str = ""  # why it ran (what changed) or why it was skipped
    fingerprint: dict = field(default_factory=dict)
    outputs: list = field(default_factory=list)  # files the step wrote, relative to the run folder
    rendered: str = ""  # the bulletin: when the bulletin it holds was rendered
    details: dict = field(default_factory=dict)  # what a step reports of its outputs (the claims and their changes)

    def as_json(self) -> dict:
        row = {"step": self.step, "status": self.status, "seconds": self.seconds, "reason": self.reason,
               "fingerprint": self.fingerprint, "outputs": self.outputs}
        row.update({"rendered": self.rendered} if self.rendered else {})
        return {**row, **self.details}


class Step:
    """A step of a run, as the registry declares it; subclasses say what it executes."""

    def __init__(self, entry: registry.Entry):
        self.entry = entry
        self.name, self.after = entry.name, entry.after

    @property
    def label(self) -> str:
        return self.name

    def code(self) -> tuple[Path, ...]:
        raise NotImplementedError

    def execute(self, run: Run, into: Path, record: Record) -> None:
        """Do the step, writing its outputs into `into`; it may say more in its record (status, reason)."""
        raise NotImplementedError

    def summary(self, run: Run, record: Record) -> str | None:
        """What the console says after the step (ran or reused); the step may add details to its record."""
        return None

    def failure(self, exc: Exception) -> str:
        """The one line that says why the step failed."""
        return f"step {self.label} failed: {type(exc).__name__}: {exc}"

    def reads_text(self) -> str:
        e, said = self.entry, []
        if "raw" in e.reads:
            said.append("every raw file" if e.raw is None else "raw " + ", ".join(e.raw))
        if e.reference:
            said.append("reference " + ", ".join(e.reference))
        if e.previous_period:
            said.append("the previous period's " + ", ".join(e.previous_period))
        if e.reads.get("published"):
            said.append("published figures " + ", ".join(e.reads["published"]))
        if e.run_outputs:
            said.append("this run's " + ", ".join(e.run_outputs))
        if e.reads.get("editorial"):
            said.append("the editor's text (editorial/)")
        if e.reads.get("report"):
            said.append("report/ (the Quarto project)")
        return "; ".join(said + ["period.yml"])

    def fingerprint(self, run: Run) -> dict[str, str]:
        """Digests of everything the step depends on, by name (the names say what changed)."""
        period, e, parts = run.period, self.entry, {}
        root = period.data_root
        if "raw" in e.reads:
            contracts = all_files()
            keys = list(contracts) if e.raw is None else list(e.raw)
            # CSV files in any letter case, workbooks, the period's workbook (pipeline.data.sources)
            parts["raw data"] = digest(sources(period.raw_dir, [contracts[k][1].file for k in keys]), root)
        if "raw" in e.reads or e.reference:  # places are read through the gazetteer and division
            parts["reference data"] = digest([p for p in period.reference_dir.rglob("*") if p.is_file()], root)
        if e.previous_period and period.previous:
            tables = [root / "processed" / period.previous / "tables" / f"{t}.parquet" for t in e.previous_period]
            # and its period.yml: the division its tables are on (pipeline.data.divisions)
            known = [root / "raw" / period.previous / "period.yml"]
            parts["previous period"] = digest(tables + [p for p in known if p.exists()], root) if all(
                p.exists() for p in tables) else "none"
        if e.reads.get("published"):
            parts["published figures"] = digest([period.raw_dir / n for n in e.reads["published"]
                                                 if (period.raw_dir / n).exists()], root)
        if e.reads.get("editorial"):  # the editor's own words for the period (pipeline.data.editorial)
            from pipeline.data.editorial import files

            parts["editorial"] = digest(files(period.raw_dir), root)
        outputs = [o for o in e.run_outputs if o != "record"]
        if outputs:
            parts[" and ".join(outputs)] = digest(run_outputs(run.folder, outputs), run.folder)
        if e.reads.get("report"):  # the Quarto project, and which of its editions the run renders
            parts["report"] = digest(report_sources(), paths.REPO_ROOT)
            parts["editions"] = editions_text(run.editions)
        parts["period.yml"] = digest([period.raw_dir / "period.yml"], root)
        # the registry as a file would tie every step to every entry: a step depends on its own entry
        parts["step"] = text_digest(asdict(self.entry))
        parts["code"] = digest([p for p in self.code() if p != registry.REGISTRY], paths.REPO_ROOT)
        parts["package versions"] = versions_digest()
        # folders are not inputs (the files in them are hashed above): a moved data root re-uses its runs
        parts["parameters"] = text_digest({k: v for k, v in run.parameters.items() if k not in ("data_root", "output_dir")})
        return parts


def report_sources() -> list[Path]:
    """The Quarto project's own files (report/): not the link to a period's content, nor what Quarto writes there."""
    return [p for p in REPORT.rglob("*") if p.is_file() and not any(
        part.startswith(".") or any(Path(part).match(pattern) for pattern in NOT_SOURCE) for part in p.relative_to(REPORT).parts)]


def run_outputs(folder: Path, kinds: list[str]) -> list[Path]:
    """This run's files of some kinds: tables, maps, reconciliation."""
    found = []
    for kind in kinds:
        if kind in ("reconciliation", "claims"):
            found += [p for p in folder.glob(f"{kind}.*") if p.suffix in (".csv", ".json")]
        elif kind == "content":
            found += [p for p in (folder / "bulletin-data").rglob("*") if p.is_file()]
        else:
            found += [p for p in (folder / kind).glob("*") if p.is_file()]
    return found


class NotebookStep(Step):
    """A part of the bulletin: its notebook executed with papermill (pipeline.run.kernels)."""

    @property
    def notebook(self) -> Path:
        return paths.NOTEBOOKS_DIR / self.entry.notebook

    @property
    def label(self) -> str:
        return self.notebook.name

    def code(self) -> tuple[Path, ...]:
        return code_used_by(self.notebook)

    def fingerprint(self, run: Run) -> dict[str, str]:
        return {"notebook": digest([self.notebook], self.notebook.parent), **super().fingerprint(run)}

    def execute(self, run: Run, into: Path, record: Record) -> None:
        from pipeline.run.kernels import execute_notebook

        kernel = run.scratch / self.name
        try:
            execute_notebook(self.notebook, into / "notebooks" / self.notebook.name, {**run.parameters, "output_dir": str(into)},
                             run.progress, kernel)
        except Exception:
            log = kernel / "kernel.log"
            if log.exists():  # the kernel's own messages, for a kernel that died
                shutil.copy(log, into / "notebooks" / f"{self.notebook.stem}.kernel.log")
            raise
        if (into / "maps").is_dir():  # the maps' PNG and SVG, in the run's one Chromium (pipeline.outputs.maps)
            from pipeline.outputs import images

            try:  # every map has its size in its layout
                images.draw_figure_files(into / "maps", painter=run.painter())
            except Exception as error:
                raise RuntimeError(f"the maps' images could not be drawn ({type(error).__name__}: {error}); "
                                   "kaleido needs Chromium (make setup installs it)") from error

    def failure(self, exc: Exception) -> str:
        from papermill.exceptions import PapermillExecutionError

        if isinstance(exc, PapermillExecutionError):
            return (f"notebook {self.label} failed in cell {exc.exec_count} (cell #{exc.cell_index + 1}): "
                    f"{exc.ename}: {exc.evalue}")
        return f"notebook {self.label} failed: {type(exc).__name__}: {exc}"


class PythonStep(Step):
    """A step done by a module of the package: its run_step(run, into, record), and what the
    console says after it, its step_summary(run, record) if it has one."""

    @property
    def module(self):
        return importlib.import_module(self.entry.module)

    def code(self) -> tuple[Path, ...]:
        return tuple(sorted(set(code_used_by(registry.module_file(self.entry.module))) | {p for pattern in self.entry.uses for p in paths.REPO_ROOT.glob(pattern)}))

    def execute(self, run: Run, into: Path, record: Record) -> None:
        self.module.run_step(run, into, record)

    def summary(self, run: Run, record: Record) -> str | None:
        return self.module.step_summary(run, record) if hasattr(self.module, "step_summary") else None


KINDS: dict[str, type[Step]] = {"notebook": NotebookStep, "python": PythonStep}


def from_registry(entries: dict[str, registry.Entry] | None = None) -> list[Step]:
    """The steps of a run, in registry order."""
    entries = registry.entries() if entries is None else entries
    return [KINDS[e.kind](e) for e in entries.values()]


def describe(steps: list[Step]) -> str:
    """What each step reads and the code it uses, for `hrd-bulletin steps` (why did this step re-run?)."""
    from pipeline.run.code import code_files

    whole = set(code_files())
    package = paths.REPO_ROOT / "pipeline"
    lines = []
    for step in steps:
        code = set(step.code())
        shown = "the whole package" if code >= whole else ", ".join(
            p.relative_to(package).as_posix() for p in sorted(code) if p.is_relative_to(package))
        after = f"  after: {', '.join(step.after)}" if step.after else None
        lines += [f"{step.name} ({step.entry.kind}: {step.entry.notebook or step.entry.module})",
                  f"  reads: {step.reads_text()}", f"  code: {shown}"]
        lines += [after] if after else []
    return "\n".join(lines)


def write_json_atomically(path: Path, data: dict) -> None:
    """Replace a JSON file by a rename: a reader never sees it half-written."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)


__all__ = ["Run", "Record", "Step", "NotebookStep", "PythonStep", "KINDS", "from_registry", "describe", "write_json_atomically"]
