"""Incremental runs: what each step of a run depends on, as fingerprints (SHA-256), so that a re-run
executes only the steps whose inputs changed and copies the others' outputs from the last good run.

A notebook step depends on: the notebook file; the raw files it reads (pipeline/steps.yml); the
reference data; the pipeline's code and the versions of the packages that shape outputs; the
parameters; for Part V, the previous period's processed dynamics. The bulletin step depends on the
run's tables, maps and reconciliation, the report's text and the code.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

import yaml

from pipeline import paths
from pipeline.codebook import all_files
from pipeline.datapackage import sha256

STEPS = yaml.safe_load(Path(__file__).with_name("steps.yml").read_text(encoding="utf-8"))
# Notebooks that read the previous period's processed tables: in a run of several periods they wait
# for that period's run to finish (pipeline.batch), and its tables are part of their fingerprint.
READS_PREVIOUS_PERIOD = ("05_dynamics",)


def reads(notebook: str) -> tuple[str, ...] | None:
    """File keys a notebook reads (None = all), by notebook name without extension."""
    declared = STEPS.get(notebook, "all")
    return None if declared == "all" else tuple(declared)


def _digest(files: list[Path], base: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(path.relative_to(base).as_posix().encode())
        h.update(sha256(path).encode())
    return h.hexdigest()


def code_files() -> list[Path]:
    """The pipeline's code and data contracts (what run.json lists as code, with the notebooks)."""
    return sorted(p for p in (paths.REPO_ROOT / "pipeline").rglob("*") if p.suffix in (".py", ".yml"))


@lru_cache(maxsize=None)
def code_digest() -> str:
    """The pipeline's code and data contracts, and the versions of the packages that shape outputs."""
    from pipeline.run import RECORDED_PACKAGES, _version

    files = code_files()
    versions = json.dumps({name: _version(name) for name in RECORDED_PACKAGES}, sort_keys=True)
    return hashlib.sha256((_digest(files, paths.REPO_ROOT) + versions).encode()).hexdigest()


def notebook_fingerprint(period, notebook: Path, parameters: dict) -> dict[str, str]:
    contracts = all_files()
    wanted = reads(notebook.stem)
    keys = list(contracts) if wanted is None else list(wanted)
    raw_files = [period.raw_dir / contracts[k][1].file for k in keys]
    reference = [p for p in (period.data_root / "raw" / "reference").rglob("*") if p.is_file()]
    parts = {
        "notebook": _digest([notebook], notebook.parent),
        "raw data": _digest([p for p in raw_files if p.exists()], period.data_root),
        "reference data": _digest(reference, period.data_root),
        "period.yml": _digest([period.raw_dir / "period.yml"], period.data_root),
        "code": code_digest(),
        # folders are not inputs (the files in them are hashed above): a moved data root re-uses its runs
        "parameters": hashlib.sha256(json.dumps({k: v for k, v in parameters.items() if k not in ("data_root", "output_dir")},
                                                sort_keys=True).encode()).hexdigest(),
    }
    if notebook.stem in READS_PREVIOUS_PERIOD and period.previous:
        previous = period.data_root / "processed" / period.previous / "tables" / "dynamics_national.parquet"
        parts["previous period"] = _digest([previous], period.data_root) if previous.exists() else "none"
    return parts


def bulletin_fingerprint(folder: Path) -> dict[str, str]:
    outputs = [p for sub in ("tables", "maps") for p in (folder / sub).glob("*") if p.is_file()]
    outputs += [p for p in folder.glob("reconciliation.csv")]
    report = [p for p in (paths.REPO_ROOT / "report").rglob("*") if p.is_file()]
    report += list(paths.REPO_ROOT.glob("_quarto*.yml"))
    return {"tables and maps": _digest(outputs, folder), "report": _digest(report, paths.REPO_ROOT), "code": code_digest()}


def changed(previous: dict | None, current: dict[str, str]) -> list[str]:
    """Which parts of a fingerprint differ from the previous run's (["no previous run"] when there
    is none; empty when nothing changed)."""
    if not previous:
        return ["no previous run"]
    return [name for name, value in current.items() if previous.get(name) != value]
