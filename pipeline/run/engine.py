"""Run a period: validate its raw data, then execute the steps of the registry
(pipeline/steps.yml) and publish their outputs.

    hrd-bulletin run 2015-08_2016-04

The engine is a loop over the steps: a step starts when the steps it runs after are done, up to
`jobs` at a time; a step whose inputs are unchanged since the last good run is not executed again,
its outputs are copied from that run. Every step writes into a folder of its own, merged into the
run's folder when it is done, so the outputs of every step are known exactly.

The run works in a staging folder (data/processed/.staging/<period>) and replaces
data/processed/<period>/ only when every step succeeded, by renaming folders: the outputs of the
last good run are never half-overwritten, even if the run is killed at any moment (the next run,
or the next read of the outputs, finishes or undoes an interrupted swap). A failed run leaves its
staging folder, with the executed notebook that failed, in data/processed/.failed/<period>/.
A lock keeps two runs of one period apart; a run's temporary files live in one folder of its own.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Collection
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import paths
from pipeline.bulletin import render
from pipeline.checksums import sha256
from pipeline.data.periods import Period, load_period
from pipeline.run import steps as step_kinds
from pipeline.run.code import changed, code_files, file_hash, forget_hashes, package_versions
from pipeline.run.publish import RunFailed, lock_period, publish, recover
from pipeline.run.scratch import fresh_scratch, remove_scratch, stop_children
from pipeline.run.steps import (
    Record,
    Run,
    Step,
    write_json_atomically,
)


@dataclass
class RunResult:
    period: str
    output_dir: Path
    steps: list[Record] = field(default_factory=list)
    record: dict = field(default_factory=dict)


def all_steps() -> list[Step]:
    """The steps of a run as the registry declares them."""
    return step_kinds.from_registry()


def steps_named(*names: str) -> list[Step]:
    """Some of the registry's steps (a run of a few parts, for exploring and tests)."""
    chosen = [s for s in all_steps() if s.name in names]
    unknown = set(names) - {s.name for s in chosen}
    if unknown:
        raise KeyError(f"no steps {sorted(unknown)} in the registry")
    return chosen


def period_notebooks() -> list[Path]:
    """The notebooks of the registry's notebook steps, in order."""
    return [s.notebook for s in all_steps() if isinstance(s, step_kinds.NotebookStep)]


LOG_PREFIX = ""  # set to "[<period>] " by pipeline.run.batch, where several periods log at once


def _log(message: str) -> None:
    # one write per message: steps running side by side do not interleave their lines
    sys.stderr.write("".join(LOG_PREFIX + line + "\n" for line in message.splitlines()))
    sys.stderr.flush()


def run_period(period_id: str, data_root: str | os.PathLike | None = None, steps: list[Step] | None = None,
               progress: bool = True, bulletin: bool = True, force: bool | Collection[str] = False,
               jobs: int | None = None, editions=None) -> RunResult:
    """Run a period's steps (default: all of the registry). force: True executes every step, or
    the steps named; the bulletin renders `editions` (default: all four; none with bulletin=False).
    Steps run `jobs` at a time (default: the cores + 1, default_jobs)."""
    started = dt.datetime.now(dt.timezone.utc)
    forget_hashes()  # the files a step hashes are hashed again in each run
    period = load_period(period_id, data_root)
    processed_root = period.data_root / "processed"
    _log(f"Period {period.id} (bulletin No. {period.bulletin_number}, data: {period.data_origin})")
    _log("Checking the raw data against the codebook ...")
    # raises InputError with every problem before any step runs
    from pipeline.data.io import validate_period  # pandas: here, not at import (hrd-bulletin render's start)

    validate_period(period)
    ignored = period.ignored_files()
    if ignored:
        _log(f"{ignored} other file(s) in {period.raw_dir} are not the codebook's: not read, and not named in any output")

    staging = processed_root / ".staging" / period.id  # fixed: the notebooks' parameters stay the same from run to run
    lock = lock_period(processed_root, period.id)
    scratch = fresh_scratch(period.data_root, period.id)  # removes what a killed run left there
    try:
        recover(processed_root, period.id)
        if staging.exists():
            shutil.rmtree(staging)  # left by a killed run: we hold the lock, so no run is using it
        staging.mkdir(parents=True)
        run = Run(period=period, folder=staging, scratch=scratch, last=_last_record(period.processed_dir),
                  parameters={"period": period.id, "data_root": str(period.data_root), "output_dir": str(staging)},
                  started=started, log=_log, editions=tuple(render.EDITIONS if editions is None and bulletin else editions or ()))
        try:
            try:
                result = _execute_steps(run, all_steps() if steps is None else steps, progress, force, jobs, ignored)
            except KeyboardInterrupt:  # stopped: nothing of this run is kept (a failure keeps it in .failed/)
                shutil.rmtree(staging, ignore_errors=True)
                raise
        finally:
            run.close_painter()
        publish(staging, period.processed_dir)
    finally:
        lock.close()
        remove_scratch(scratch)
    _log(f"Outputs in {period.processed_dir}")
    return result


def _execute_steps(run: Run, chosen: list[Step], progress, force, jobs, ignored) -> RunResult:
    """The loop over the steps: each starts once the steps it runs after (among those chosen) are done."""
    period, staging = run.period, run.folder
    result = RunResult(period=period.id, output_dir=period.processed_dir)
    todo = list(chosen)
    names = {s.name for s in todo}
    records = {s.name: Record(s.name) for s in todo}
    jobs = max(1, min(jobs or default_jobs(), len(todo) or 1))
    run.progress = progress and jobs == 1  # per-cell bars of steps running side by side would garble each other
    if jobs > 1:
        _log(f"Steps run {jobs} at a time (--jobs)")
    guard = threading.Lock()  # the run folder and record are shared by the steps running side by side

    def do(number: int, step: Step) -> None:
        record = records[step.name]
        label = f"[{number}/{len(todo)}] {step.label}"
        began = time.perf_counter()
        if "record" in step.entry.run_outputs:  # the bulletin's appendix reads the run record so far
            with guard:
                _write_record(result, run, [records[s.name] for s in todo if records[s.name].status != "pending"], ignored)
        record.fingerprint = step.fingerprint(run)
        with guard:  # steps may share a file (plotly.js): one copy at a time
            reused = reuse(record, run, force is True or step.name in (force or ()))
        if not reused:
            _log(f"{label}: running ({record.reason})")
            own = staging / ".steps" / step.name
            own.mkdir(parents=True)
            try:
                step.execute(run, own, record)
            except Exception:
                record.status, record.seconds = "failed", round(time.perf_counter() - began, 3)
                with guard:  # what it wrote, the failed notebook among it, goes to .failed/ with the run
                    record.outputs = _merge(own, staging, strict=False)
                raise
            with guard:
                record.outputs = sorted(_merge(own, staging))
            record.status = "ran" if record.status == "pending" else record.status
        record.seconds = round(time.perf_counter() - began, 3)
        summary = step.summary(run, record)
        said = f"done in {record.seconds:.1f} s" if record.status == "ran" else f"{record.status} ({record.reason})"
        _log(f"{label}: {said}" + (f"; {summary}" if summary else ""))

    failure = None
    pending = list(todo)
    with ThreadPoolExecutor(jobs, thread_name_prefix="step") as pool:
        running: dict = {}
        finished_names: set[str] = set()
        while pending or running:
            for step in list(pending):
                if failure or len(running) >= jobs:
                    break
                if all(a in finished_names or a not in names for a in step.after):
                    pending.remove(step)
                    running[pool.submit(do, todo.index(step) + 1, step)] = step
            if not running:
                break
            try:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
            except KeyboardInterrupt:  # Ctrl-C or SIGTERM (pipeline.cli): end what the steps started, then go
                stop_children()
                pool.shutdown(wait=True, cancel_futures=True)
                raise
            for future in finished:
                step = running.pop(future)
                if future.exception() is not None:
                    failure = failure or (step, future.exception())
                else:
                    finished_names.add(step.name)
    result.steps = [records[s.name] for s in todo]
    if failure:
        step, exc = failure
        failed_dir = _keep_failed(staging, period.data_root / "processed", period.id)
        message = step.failure(exc)
        _log(f"FAILED: {message}\nThe outputs of the last good run are untouched in {period.processed_dir}; "
             f"this run's outputs so far, the executed notebook that failed among them, are in {failed_dir}.")
        raise RunFailed(message, logged=True) from exc
    shutil.rmtree(staging / ".steps", ignore_errors=True)
    _write_record(result, run, result.steps, ignored)
    return result


def default_jobs() -> int:
    """Steps at once by default: one more than the cores. A notebook's kernel waits now and then
    (starting, on its files, for the run to draw its maps), and a third step fills those gaps: on
    two cores a cold run of bulletin No. 5's period takes 28 s instead of 34, its peak memory
    unchanged (`make bench`); a fourth made it slower."""
    return (os.cpu_count() or 1) + 1


def _merge(own: Path, staging: Path, strict: bool = True) -> list[str]:
    """Move a step's files into the run folder; returns them relative to it. Two steps may write the
    same file only with the same bytes (plotly.js beside the maps of several parts); strict=False
    (a failed step) keeps what is already there."""
    moved = []
    for path in sorted(p for p in own.rglob("*") if p.is_file()):
        relative = path.relative_to(own).as_posix()
        target = staging / relative
        if target.exists():
            if strict and target.read_bytes() != path.read_bytes():
                raise RuntimeError(f"two steps wrote different contents to {relative}")
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


def reuse(record: Record, run: Run, force: bool) -> bool:
    """Copy a step's outputs from the last good run when its fingerprint is unchanged; else say why
    it runs (record.reason)."""
    if force:
        record.reason = "forced (--force)"
        return False
    last = run.last or {}
    prior = run.prior(record.step, ("ran", "skipped"))
    changes = changed(prior.get("fingerprint") if prior else None, record.fingerprint)
    if changes:
        if not prior:
            record.reason = changes[0]
        elif not prior.get("fingerprint"):
            record.reason = "the last run did not record this step's inputs"
        else:
            record.reason = "changed: " + ", ".join(changes)
        return False
    recorded = last.get("outputs", {})
    for relative in prior.get("outputs", []):
        source = run.final / relative
        if not source.is_file() or sha256(source) != recorded.get(relative):
            record.reason = f"outputs of the last run missing or altered ({relative})"
            return False
    for relative in prior["outputs"]:
        (run.folder / relative).parent.mkdir(parents=True, exist_ok=True)
        # a plain copy: hard links bought 0.07 s of a no-op run's 91 MB (benchmarks/mechanisms.py)
        shutil.copy2(run.final / relative, run.folder / relative)
    record.status, record.outputs = "skipped", list(prior["outputs"])
    record.reason = f"inputs unchanged since the run of {last.get('started', '?')}"
    record.rendered = prior.get("rendered", "")
    return True


def _write_record(result: RunResult, run: Run, records: list[Record], ignored: int) -> None:
    result.record = run_record(run.period, run.parameters, records, run.folder, run.started, ignored)
    write_json_atomically(run.folder / "run.json", result.record)


def _keep_failed(staging: Path, processed_root: Path, period_id: str) -> Path:
    failed = processed_root / ".failed" / period_id
    if failed.exists():
        shutil.rmtree(failed)
    failed.parent.mkdir(parents=True, exist_ok=True)
    staging.rename(failed)
    return failed


def run_record(period: Period, parameters: dict, done: list[Record], folder: Path, started: dt.datetime,
               ignored: int = 0) -> dict:
    """The run record (run.json)."""
    root = period.data_root
    # only the files the pipeline reads are hashed and named: others' names may be personal data;
    # the reference folder (public: divisions, boundaries, gazetteer, taxonomies) is read as a whole
    inputs = sorted(set(period.known_files()) | {p for p in period.reference_dir.rglob("*") if p.is_file()})
    code = code_files() + period_notebooks()
    outputs = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "run.json" and ".steps" not in p.parts)
    finished = dt.datetime.now(dt.timezone.utc)
    return {
        "period": period.id,
        "bulletin_number": period.bulletin_number,
        "data_origin": period.data_origin,
        # folders relative to the repository (data_root) and to the data root (output_dir), so the
        # record does not carry the machine's paths; a data root outside the repository stays as given
        "parameters": {**parameters, "data_root": _relative(Path(parameters.get("data_root", root)), paths.REPO_ROOT),
                       "output_dir": _relative(period.processed_dir, root)},
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "seconds": round((finished - started).total_seconds(), 3),
        "steps": [r.as_json() for r in done],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": package_versions(),
        "git_commit": _git_commit(),
        "inputs": {_relative(p, root, paths.REPO_ROOT): file_hash(p) for p in inputs},
        "ignored_raw_files": ignored,  # how many other files the period folder holds (never named)
        "code": {_relative(p, root, paths.REPO_ROOT): file_hash(p) for p in code},
        "outputs": {p.relative_to(folder).as_posix(): sha256(p) for p in outputs},
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
