"""Run a period: validate its raw data, execute its notebooks with papermill, publish the outputs.

    hrd-bulletin run 2015-08_2016-04

The bulletin (HTML and PDF, Russian and English) is rendered by Quarto as the last step.
The run works in a staging folder (data/processed/.staging/<period>) and replaces
data/processed/<period>/ only when every step succeeded, by renaming folders: the outputs of the
last good run are never half-overwritten, even if the run is killed at any moment (the next run,
or the next read of the outputs, finishes or undoes an interrupted swap). A failed run leaves its
staging folder, with the executed notebook that failed, in data/processed/.failed/<period>/.
A lock file keeps two runs of one period from sharing the staging folder.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import datapackage, paths, reconcile, render, steps
from pipeline.io import validate_period
from pipeline.periods import Period, load_period
from pipeline.publish import RunFailed, checkpoint, lock_period, publish, recover


@dataclass
class Step:
    notebook: str
    seconds: float = 0.0
    status: str = "pending"  # ran | skipped | failed
    reason: str = ""  # why it ran (what changed) or why it was skipped
    fingerprint: dict = field(default_factory=dict)
    outputs: list = field(default_factory=list)  # files the step wrote, relative to the run folder


@dataclass
class RunResult:
    period: str
    output_dir: Path
    steps: list[Step] = field(default_factory=list)
    record: dict = field(default_factory=dict)


def period_notebooks(notebooks_dir: Path = paths.NOTEBOOKS_DIR) -> list[Path]:
    """The period's notebooks in the order they run: NN_name.ipynb by number."""
    return sorted(p for p in notebooks_dir.glob("[0-9][0-9]_*.ipynb"))


LOG_PREFIX = ""  # set to "[<period>] " by pipeline.batch, where several periods log at once


def _log(message: str) -> None:
    print("\n".join(LOG_PREFIX + line for line in message.splitlines()), file=sys.stderr, flush=True)


def run_period(period_id: str, data_root: str | os.PathLike | None = None, notebooks: list[Path] | None = None,
               progress: bool = True, bulletin: bool = True, force: bool = False,
               wait_for_previous: Callable[[], None] | None = None, jobs: int | None = None) -> RunResult:
    """Run a period. A step whose inputs are unchanged since the last good run is not executed
    again: its outputs are copied from that run (pipeline.steps); force=True executes every step.
    wait_for_previous is called before the first step that reads the previous period's tables (a
    run of several periods passes one that waits for that period's run, pipeline.batch). The
    notebooks are independent of each other and run `jobs` at a time (default: the number of cores)."""
    started = dt.datetime.now(dt.timezone.utc)
    period = load_period(period_id, data_root)
    processed_root = period.data_root / "processed"
    _log(f"Period {period.id} (bulletin No. {period.bulletin_number}, data: {period.data_origin})")
    _log("Checking the raw data against the codebook ...")
    validate_period(period)  # raises InputError with every problem before any notebook runs

    # a fixed staging path keeps the notebooks' parameters the same from run to run
    staging = processed_root / ".staging" / period.id
    lock = lock_period(processed_root, period.id)
    recover(processed_root, period.id)
    if staging.exists():
        shutil.rmtree(staging)  # left by a killed run: we hold the lock, so no run is using it
    (staging / "notebooks").mkdir(parents=True)
    checkpoint("staging-ready")
    notebooks = period_notebooks() if notebooks is None else notebooks
    result = RunResult(period=period.id, output_dir=period.processed_dir,
                       steps=[Step(nb.name) for nb in notebooks])
    parameters = {"period": period.id, "data_root": str(period.data_root), "output_dir": str(staging)}
    last = _last_record(period.processed_dir)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(notebooks) or 1))
    if jobs > 1:
        progress = False  # per-cell bars of notebooks running side by side would garble each other
        _log(f"Notebooks run {jobs} at a time (--jobs)")
    guard = threading.Lock()

    def do_step(number: int, step: Step, notebook: Path) -> None:
        """Copy the step's outputs from the last run when its inputs are unchanged, else execute it."""
        label = f"[{number}/{len(notebooks)}] {notebook.name}"
        if wait_for_previous and notebook.stem in steps.READS_PREVIOUS_PERIOD:
            _log(f"{label}: waiting for the run of {period.previous}")
            wait_for_previous()
        began = time.perf_counter()
        step.fingerprint = steps.notebook_fingerprint(period, notebook, parameters)
        with guard:  # steps may share a file (plotly.js): one copy at a time
            reused = _reuse(step, last, period.processed_dir, staging, force)
        if reused:
            step.seconds = round(time.perf_counter() - began, 3)
            _log(f"{label}: skipped ({step.reason})")
        else:
            _log(f"{label}: running ({step.reason})")
            # each notebook writes into a folder of its own, merged when it is done, so that the
            # outputs of every step are known exactly even when notebooks run side by side
            own = staging / ".steps" / notebook.stem
            own.mkdir(parents=True)
            try:
                _execute(notebook, staging / "notebooks" / notebook.name, {**parameters, "output_dir": str(own)}, progress)
            except Exception:
                step.status, step.seconds = "failed", round(time.perf_counter() - began, 3)
                raise
            with guard:
                step.outputs = sorted(_merge(own, staging) + [f"notebooks/{notebook.name}"])
            step.status, step.seconds = "ran", round(time.perf_counter() - began, 3)
            _log(f"{label}: done in {step.seconds:.1f} s")
        checkpoint(f"after-{notebook.stem}")

    with ThreadPoolExecutor(jobs, thread_name_prefix="notebook") as pool:
        futures = [pool.submit(do_step, n, step, nb) for n, (step, nb) in enumerate(zip(result.steps, notebooks), start=1)]
        wait(futures, return_when=FIRST_EXCEPTION)
        for future in futures:
            future.cancel()  # after a failure, notebooks not yet started are not started
    failures = [(step, nb, f.exception()) for step, nb, f in zip(result.steps, notebooks, futures)
                if not f.cancelled() and f.exception() is not None]
    if failures:
        step, notebook, exc = failures[0]
        step.status = "failed"
        failed_dir = _keep_failed(staging, processed_root, period.id)
        lock.close()
        if isinstance(exc, RunFailed):  # the previous period's run failed (pipeline.batch)
            _log(f"FAILED before {notebook.name}: {exc}\nThe outputs of the last good run are untouched in "
                 f"{period.processed_dir}; this run's outputs so far are in {failed_dir}.")
            raise exc
        message = _describe_failure(notebook, exc)
        _log(f"FAILED: {message}\nThe outputs of the last good run are untouched in {period.processed_dir}.\n"
             f"The executed notebook with the error is in {failed_dir / 'notebooks' / notebook.name}.")
        raise RunFailed(message) from exc
    shutil.rmtree(staging / ".steps", ignore_errors=True)

    if period.published_figures_path.exists():
        began = time.perf_counter()
        step = Step("reconciliation", fingerprint=steps.reconciliation_fingerprint(period, staging))
        result.steps.append(step)
        if _reuse(step, last, period.processed_dir, staging, force):
            frame = pd.read_csv(staging / "reconciliation.csv", keep_default_na=False)
        else:
            frame = reconcile.write_for_run(staging, period)
            step.status, step.outputs = "ran", ["reconciliation.csv"]
        step.seconds = round(time.perf_counter() - began, 3)
        _log(f"Reconciliation with the published figures: {reconcile.summary(frame)} ({step.status}: {step.reason})")
    datapackage.write(staging, period)
    _write_record(result, period, parameters, staging, started)
    if bulletin:  # last step: the bulletin reads the tables, maps and run record written above
        began = time.perf_counter()
        step = Step("bulletin", fingerprint=steps.bulletin_fingerprint(staging))
        result.steps.append(step)
        if _reuse(step, last, period.processed_dir, staging, force):
            _log(f"Bulletin: skipped ({step.reason})")
        else:
            _log(f"Rendering the bulletin with Quarto ({step.reason}) ...")
            try:
                written = render.render(period, staging, log=_log)
            except render.RenderFailed as exc:
                failed_dir = _keep_failed(staging, processed_root, period.id)
                lock.close()
                _log(f"FAILED: {exc}\nThe outputs of the last good run are untouched in {period.processed_dir}; "
                     f"this run's outputs are in {failed_dir}.")
                raise RunFailed(str(exc).splitlines()[0]) from exc
            step.status, step.outputs = "ran", sorted(p.relative_to(staging).as_posix() for p in written)
        step.seconds = round(time.perf_counter() - began, 3)
        _write_record(result, period, parameters, staging, started)
    checkpoint("before-publish")
    publish(staging, period.processed_dir)
    lock.close()
    _log(f"Outputs in {period.processed_dir}")
    return result


def _merge(own: Path, staging: Path) -> list[str]:
    """Move a step's files into the run folder; returns them relative to it. Two steps may write the
    same file only with the same bytes (plotly.js beside the maps of several parts)."""
    moved = []
    for path in sorted(p for p in own.rglob("*") if p.is_file()):
        relative = path.relative_to(own).as_posix()
        target = staging / relative
        if target.exists():
            if target.read_bytes() != path.read_bytes():
                raise RuntimeError(f"two notebooks wrote different contents to {relative}")
            path.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            path.rename(target)
        moved.append(relative)
    shutil.rmtree(own)
    return moved


def _last_record(final: Path) -> dict | None:
    try:
        return json.loads((final / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _reuse(step: Step, last: dict | None, final: Path, staging: Path, force: bool) -> bool:
    """Copy a step's outputs from the last good run when its inputs are unchanged; else say why it runs."""
    if force:
        step.reason = "forced (--force)"
        return False
    prior = next((s for s in (last or {}).get("steps", []) if s.get("notebook") == step.notebook
                  and s.get("status") in ("ran", "skipped")), None)
    changes = steps.changed(prior.get("fingerprint") if prior else None, step.fingerprint)
    if changes:
        if not prior:
            step.reason = changes[0]
        elif not prior.get("fingerprint"):
            step.reason = "the last run did not record this step's inputs"
        else:
            step.reason = "changed: " + ", ".join(changes)
        return False
    recorded = last.get("outputs", {})
    for relative in prior.get("outputs", []):
        source = final / relative
        if not source.exists() or datapackage.sha256(source) != recorded.get(relative):
            step.reason = f"outputs of the last run missing or altered ({relative})"
            return False
    for relative in prior["outputs"]:
        (staging / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(final / relative, staging / relative)
    step.status, step.outputs = "skipped", list(prior["outputs"])
    step.reason = f"inputs unchanged since the run of {last.get('started', '?')}"
    return True


def _write_record(result: RunResult, period: Period, parameters: dict, staging: Path, started) -> None:
    result.record = run_record(period, parameters, result.steps, staging, started)
    (staging / "run.json").write_text(json.dumps(result.record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _execute(notebook: Path, output: Path, parameters: dict, progress: bool) -> None:
    import papermill
    from traitlets.config import Config

    # The kernel talks to papermill over Unix sockets in a private folder, not loopback TCP ports
    # that any local user could reach (and ipykernel warns about): the data is sensitive.
    with tempfile.TemporaryDirectory(prefix="hrd-kernel-") as sockets:
        papermill.execute_notebook(
            str(notebook), str(output), parameters=parameters, kernel_name="python3",
            progress_bar=progress, log_output=False,
            config=Config({"KernelManager": {"transport": "ipc", "ip": str(Path(sockets) / "kernel")}}),
            # the kernel starts in the notebooks' folder; not papermill's cwd=, which changes the
            # directory of the whole process and would race between notebooks running side by side
            resources={"metadata": {"path": str(notebook.parent)}},
            # saved once at the end (or at the failing cell), not after every cell: the executed
            # notebooks embed plotly.js (~5 MB each) and per-cell saves cost seconds per notebook
            request_save_on_cell_execute=False,
        )


def _describe_failure(notebook: Path, exc: Exception) -> str:
    try:
        from papermill.exceptions import PapermillExecutionError
    except ImportError:  # pragma: no cover
        PapermillExecutionError = ()  # noqa: N806
    if isinstance(exc, PapermillExecutionError):
        return (f"notebook {notebook.name} failed in cell {exc.exec_count} (cell #{exc.cell_index + 1}): "
                f"{exc.ename}: {exc.evalue}")
    return f"notebook {notebook.name} failed: {type(exc).__name__}: {exc}"


def _keep_failed(staging: Path, processed_root: Path, period_id: str) -> Path:
    failed = processed_root / ".failed" / period_id
    if failed.exists():
        shutil.rmtree(failed)
    failed.parent.mkdir(parents=True, exist_ok=True)
    staging.rename(failed)
    return failed


def run_record(period: Period, parameters: dict, done: list[Step], folder: Path, started: dt.datetime) -> dict:
    root = period.data_root
    inputs = sorted(p for p in period.raw_dir.rglob("*") if p.is_file())
    inputs.append(root / "raw" / "reference" / "divisions" / f"{period.division}.csv")
    code = steps.code_files() + period_notebooks()
    outputs = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "run.json")
    finished = dt.datetime.now(dt.timezone.utc)
    return {
        "period": period.id,
        "bulletin_number": period.bulletin_number,
        "data_origin": period.data_origin,
        "parameters": {**parameters, "output_dir": str(period.processed_dir)},
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "seconds": round((finished - started).total_seconds(), 3),
        "steps": [{"notebook": s.notebook, "status": s.status, "seconds": s.seconds, "reason": s.reason,
                   "fingerprint": s.fingerprint, "outputs": s.outputs} for s in done],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": steps.package_versions(),
        "git_commit": _git_commit(),
        "inputs": {_relative(p, root, paths.REPO_ROOT): datapackage.sha256(p) for p in inputs},
        "code": {_relative(p, root, paths.REPO_ROOT): datapackage.sha256(p) for p in code},
        "outputs": {p.relative_to(folder).as_posix(): datapackage.sha256(p) for p in outputs},
    }


def _relative(path: Path, *bases: Path) -> str:
    for base in bases:
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            continue
    return str(path)


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=paths.REPO_ROOT, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "pipeline", "notebooks"], cwd=paths.REPO_ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() + ("+uncommitted-changes" if dirty else "")
