"""The steps of a run: one interface for every kind of step, built from the registry
(pipeline/steps.yml).

    step.fingerprint(run)   what it depends on (digests), compared with the last good run's
    step.execute(run, into) do it, writing its outputs into the folder `into` (merged afterwards)
    step.code()             the pipeline code it uses
    step.applies(run)       whether it has anything to do for this period

The fingerprint is the same for every kind, read off what the registry says the step reads: the
raw files, the reference data, the previous period's tables, the published figures, this run's
outputs, the report's text; plus period.yml, the parameters, the code it uses and the package
versions. The kinds differ only in what they execute.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline import paths, registry
from pipeline.data.codebook import all_files
from pipeline.data.periods import Period
from pipeline.data.sources import sources
from pipeline.run.code import code_used_by, digest, text_digest, versions_digest

NOTEBOOKS_DIR = paths.NOTEBOOKS_DIR
OUTPUTS_DIR = paths.REPO_ROOT / "pipeline" / "outputs"
BULLETIN_DIR = paths.REPO_ROOT / "pipeline" / "bulletin"


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

    def applies(self, run: Run) -> bool:
        return True

    def execute(self, run: Run, into: Path) -> dict | None:
        """Do the step, writing its outputs into `into`; what it returns updates its record (a
        "note" is added to the reason it ran)."""
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
        if e.reads.get("report"):
            parts["report"] = digest(report_sources(), paths.REPO_ROOT)
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
    from pipeline.bulletin.render import NOT_SOURCE, REPORT

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
        return NOTEBOOKS_DIR / self.entry.notebook

    @property
    def label(self) -> str:
        return self.notebook.name

    def code(self) -> tuple[Path, ...]:
        return code_used_by(self.notebook)

    def fingerprint(self, run: Run) -> dict[str, str]:
        return {"notebook": digest([self.notebook], self.notebook.parent), **super().fingerprint(run)}

    def execute(self, run: Run, into: Path) -> None:
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


class ReconciliationStep(Step):
    """Every published figure beside the one recomputed from this run's tables."""

    def code(self) -> tuple[Path, ...]:
        return code_used_by(OUTPUTS_DIR / "reconcile.py")

    def applies(self, run: Run) -> bool:
        return run.period.published_figures_path.exists()

    def execute(self, run: Run, into: Path) -> None:
        from pipeline.outputs import reconcile

        reconcile.write_for_run(run.folder, run.period, into=into)

    def summary(self, run: Run, record: Record) -> str | None:
        import pandas as pd

        from pipeline.outputs import reconcile

        frame = pd.read_csv(run.folder / "reconciliation.csv", keep_default_na=False)
        return f"reconciliation with the published figures: {reconcile.summary(frame)}"


class DataPackageStep(Step):
    """datapackage.json: the run's tables and maps described (Frictionless Data Package)."""

    def code(self) -> tuple[Path, ...]:
        from pipeline.outputs.datapackage import metadata_files

        return tuple(sorted(set(code_used_by(OUTPUTS_DIR / "datapackage.py")) | set(metadata_files())))

    def execute(self, run: Run, into: Path) -> None:
        from pipeline.outputs import datapackage

        datapackage.write(run.folder, run.period, into=into)


OUTDATED_BULLETIN = "bulletin-outdated"


class BulletinStep(Step):
    """The bulletin rendered by Quarto, the run's editions (pipeline.bulletin.render). The editions
    not rendered (`run --no-bulletin`, `render --lang en`) are never dropped or left as if current:
    kept in bulletin/ while they match the outputs and text, else moved to bulletin-outdated/ with a
    note saying so and how to render them again."""

    def code(self) -> tuple[Path, ...]:
        return code_used_by(BULLETIN_DIR / "render.py")

    def fingerprint(self, run: Run) -> dict[str, str]:
        return {**super().fingerprint(run), "editions": editions_text(run.editions)}

    def execute(self, run: Run, into: Path) -> dict:
        from pipeline.bulletin import render

        written = render.render(run.period, run.folder, run.editions, log=run.log, scratch=run.scratch,
                                target=into / "bulletin") if run.editions else []
        fingerprint = super().fingerprint(run)
        prior = prior_record(run.last, self.name) or {}
        current = prior.get("status") in ("ran", "skipped") and all(
            (prior.get("fingerprint") or {}).get(k) == v for k, v in fingerprint.items())
        kept, outdated = [], []
        for relative in prior.get("outputs", []):
            name = Path(relative).name
            if name in {w.name for w in written} or name == "README.txt" or not (run.final / relative).is_file():
                continue
            keep = current and relative.startswith("bulletin/")
            (kept if keep else outdated).append(name)
            target = into / ("bulletin" if keep else OUTDATED_BULLETIN) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(run.final / relative, target)
        editions = [e for e in render.EDITIONS if f"bulletin_{e[0]}.{e[1]}" in {w.name for w in written} | set(kept)]
        rendered = run.started.isoformat(timespec="seconds") if written else prior.get("rendered", "?")
        again = f"render it again with `hrd-bulletin render {run.period.id}`"
        if outdated:
            (into / OUTDATED_BULLETIN / "README.txt").write_text(
                f"OUTDATED: these editions of the bulletin were rendered from outputs or text that have changed since.\n"
                f"They do not match the tables beside them. To bring them up to date, {again}.\n\n"
                f"УСТАРЕЛ: эти издания бюллетеня подготовлены по данным или тексту, которые с тех пор изменились.\n"
                f"Они не соответствуют таблицам рядом с ними. Чтобы обновить их: hrd-bulletin render {run.period.id}\n",
                encoding="utf-8")
        older = f"; editions made from other outputs or text ({', '.join(sorted(outdated))}) moved to {OUTDATED_BULLETIN}/: {again}" if outdated else ""
        done = {"fingerprint": {**fingerprint, "editions": editions_text(editions)}, "rendered": rendered}
        if written:
            return done | {"note": f"rendered {editions_text(run.editions)}{older}"}
        if kept:
            return done | {"status": "skipped", "reason": f"not rendered; the bulletin of {rendered} still matches: kept{older}"}
        return done | {"status": "outdated" if outdated else "skipped", "reason": f"not rendered{older}"}

    def failure(self, exc: Exception) -> str:
        return str(exc).splitlines()[0]


def editions_text(editions) -> str:
    return ", ".join(f"{lang} {fmt}" for lang, fmt in editions)


class ContentStep(Step):
    """Everything the bulletin says about the period, as data for report/ (pipeline.bulletin.content)."""

    def code(self) -> tuple[Path, ...]:
        return tuple(sorted(set(code_used_by(BULLETIN_DIR / "content.py")) | {paths.REPO_ROOT / "report" / "references.yml"}))

    def execute(self, run: Run, into: Path) -> None:
        from pipeline.bulletin import content

        content.write(run.period, run.folder, into / "bulletin-data", painter=run.painter())


class ClaimsStep(Step):
    """claims.json: what the prose says about the period's data, computed from its tables (pipeline.outputs.claims)."""

    def code(self) -> tuple[Path, ...]:
        return code_used_by(OUTPUTS_DIR / "claims.py")  # the parts' claims, pipeline/claims.py and claims.yml

    def execute(self, run: Run, into: Path) -> None:
        from pipeline.outputs import claims

        claims.write_for_run(run.folder, into)

    def summary(self, run: Run, record: Record) -> str | None:
        """Every claim with its case, and which changed since the previous period: what an editor
        reads before the text."""
        from pipeline.outputs import claims

        current = claims.load(run.folder) or {}
        previous = claims.load(run.period.data_root / "processed" / run.period.previous) if run.period.previous else None
        compared = claims.compared(current, previous)
        record.details = {"claims": compared}
        changed = [n for n, c in compared.items() if c["changed"]]
        lines = [f"{len(current)} claims" + (f", {len(changed)} changed since {run.period.previous}" if previous else "")]
        for name, row in compared.items():
            mark = f"  (was {row['previous_case']})" if row["changed"] else ""
            lines.append(f"      {name}: {row['case']}{mark}")
        return "\n".join(lines)


KINDS: dict[str, type[Step]] = {"notebook": NotebookStep, "reconciliation": ReconciliationStep,
                                "claims": ClaimsStep, "datapackage": DataPackageStep, "content": ContentStep,
                                "bulletin": BulletinStep}


def from_registry(entries: dict[str, registry.Entry] | None = None) -> list[Step]:
    """The steps of a run, in registry order."""
    entries = registry.entries() if entries is None else entries
    return [KINDS[e.kind](e) for e in entries.values()]


def step_name(row: dict) -> str:
    """A step's name in a run record (records before the registry named notebooks by file)."""
    return row.get("step") or row.get("notebook", "")


def prior_record(record: dict | None, name: str, statuses: tuple[str, ...] | None = None) -> dict | None:
    """A step's row in a run record (with one of `statuses`, if given), or None."""
    return next((s for s in (record or {}).get("steps", []) if step_name(s) == name
                 and (statuses is None or s.get("status") in statuses)), None)


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
        lines += [f"{step.name} ({step.entry.kind}{': ' + step.label if step.label != step.name else ''})",
                  f"  reads: {step.reads_text()}", f"  code: {shown}"]
        lines += [after] if after else []
    return "\n".join(lines)


def write_json_atomically(path: Path, data: dict) -> None:
    """Replace a JSON file by a rename: a reader never sees it half-written."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)


__all__ = ["Run", "Record", "Step", "NotebookStep", "ReconciliationStep", "DataPackageStep", "BulletinStep", "KINDS",
           "from_registry", "describe", "write_json_atomically"]
