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
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from jupyter_client import AsyncKernelManager
from traitlets import Unicode

from pipeline import datapackage, paths, reconcile, render, steps
from pipeline.io import validate_period
from pipeline.periods import Period, load_period
from pipeline.publish import RunFailed, checkpoint, lock_period, publish, recover
from pipeline.scratch import environment as scratch_environment
from pipeline.scratch import fresh_scratch, remove_scratch


@dataclass
class Step:
    notebook: str
    seconds: float = 0.0
    status: str = "pending"  # ran | skipped | failed
    reason: str = ""  # why it ran (what changed) or why it was skipped
    fingerprint: dict = field(default_factory=dict)
    outputs: list = field(default_factory=list)  # files the step wrote, relative to the run folder
    rendered: str = ""  # the bulletin step: when the bulletin it holds was rendered


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
    # raises InputError with every problem before any notebook runs
    validate_period(period, previous_in_batch=wait_for_previous is not None)
    ignored = period.ignored_files()
    if ignored:
        _log(f"{ignored} other file(s) in {period.raw_dir} are not the codebook's: not read, and not named in any output")

    # a fixed staging path keeps the notebooks' parameters the same from run to run
    staging = processed_root / ".staging" / period.id
    lock = lock_period(processed_root, period.id)
    scratch = fresh_scratch(period.data_root, period.id)  # removes what a killed run left there
    try:
        result = _run_locked(period, staging, scratch, started, notebooks, progress, bulletin, force,
                             wait_for_previous, jobs, ignored)
    finally:
        lock.close()
        remove_scratch(scratch)
    _log(f"Outputs in {period.processed_dir}")
    return result


def _run_locked(period: Period, staging: Path, scratch: Path, started, notebooks, progress, bulletin, force,
                wait_for_previous, jobs, ignored) -> RunResult:
    processed_root = period.data_root / "processed"
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
                _execute(notebook, staging / "notebooks" / notebook.name, {**parameters, "output_dir": str(own)}, progress,
                         scratch / f"k{number}")
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
    failures = [(n, step, nb, f.exception()) for n, (step, nb, f) in enumerate(zip(result.steps, notebooks, futures), start=1)
                if not f.cancelled() and f.exception() is not None]
    if failures:
        number, step, notebook, exc = failures[0]
        step.status = "failed"
        kernel_log = scratch / f"k{number}" / "kernel.log"
        if kernel_log.exists():  # the kernel's own messages, for a kernel that died
            shutil.copy(kernel_log, staging / "notebooks" / f"{notebook.stem}.kernel.log")
        failed_dir = _keep_failed(staging, processed_root, period.id)
        if isinstance(exc, RunFailed):  # the previous period's run failed (pipeline.batch)
            _log(f"FAILED before {notebook.name}: {exc}\nThe outputs of the last good run are untouched in "
                 f"{period.processed_dir}; this run's outputs so far are in {failed_dir}.")
            exc.logged = True
            raise exc
        message = _describe_failure(notebook, exc)
        _log(f"FAILED: {message}\nThe outputs of the last good run are untouched in {period.processed_dir}.\n"
             f"The executed notebook with the error is in {failed_dir / 'notebooks' / notebook.name}.")
        raise RunFailed(message, logged=True) from exc
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
    _write_record(result, period, parameters, staging, started, ignored)
    began = time.perf_counter()
    step = Step("bulletin", fingerprint=steps.bulletin_fingerprint(staging))
    if bulletin:  # last step: the bulletin reads the tables, maps and run record written above
        result.steps.append(step)
        if _reuse(step, last, period.processed_dir, staging, force):
            _log(f"Bulletin: skipped ({step.reason})")
        else:
            _log(f"Rendering the bulletin with Quarto ({step.reason}) ...")
            try:
                written = render.render(period, staging, log=_log, scratch=scratch)
            except render.RenderFailed as exc:
                failed_dir = _keep_failed(staging, processed_root, period.id)
                _log(f"FAILED: {exc}\nThe outputs of the last good run are untouched in {period.processed_dir}; "
                     f"this run's outputs are in {failed_dir}.")
                raise RunFailed(str(exc).splitlines()[0], logged=True) from exc
            step.status, step.outputs = "ran", sorted(p.relative_to(staging).as_posix() for p in written)
            step.rendered = started.isoformat(timespec="seconds")
    elif _keep_published_bulletin(step, last, period, staging):
        result.steps.append(step)
        _log(f"Bulletin: {step.reason}")
    step.seconds = round(time.perf_counter() - began, 3)
    if step in result.steps:
        _write_record(result, period, parameters, staging, started, ignored)
    checkpoint("before-publish")
    publish(staging, period.processed_dir)
    return result


OUTDATED_BULLETIN = "bulletin-outdated"


def _keep_published_bulletin(step: Step, last: dict | None, period: Period, staging: Path) -> bool:
    """A run without the bulletin (--no-bulletin) never drops the published one silently: kept as is
    when it still matches the tables, maps and text, else moved to bulletin-outdated/ with a note
    saying so and how to render it again. False when there is no published bulletin."""
    final = period.processed_dir
    prior = next((s for s in (last or {}).get("steps", []) if s.get("notebook") == "bulletin"), None)
    if prior is None or not prior.get("outputs"):
        return False
    render_again = f"render it again with `hrd-bulletin render {period.id}`"
    if prior.get("status") in ("ran", "skipped") and _reuse(step, last, final, staging, force=False):
        step.reason = f"not rendered (--no-bulletin); the bulletin of {last.get('started', '?')} still matches: kept"
        return True
    # outdated: its files go to bulletin-outdated/, under their names of the last run
    sources = [(final / relative, relative) for relative in prior["outputs"]]
    moved = []
    for source, relative in sources:
        if not source.is_file():
            continue
        name = Path(relative).name
        target = staging / OUTDATED_BULLETIN / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        moved.append(f"{OUTDATED_BULLETIN}/{name}")
    if not moved:
        return False
    rendered = prior.get("rendered") or last.get("started", "?")
    changes = steps.changed(prior.get("fingerprint"), step.fingerprint) if prior.get("status") != "outdated" else []
    why = f" ({', '.join(changes)} changed since)" if changes else ""
    note = staging / OUTDATED_BULLETIN / "README.txt"
    note.write_text(
        f"OUTDATED: this bulletin was rendered on {rendered} from outputs that have changed since{why}.\n"
        f"It does not match the tables beside it. To bring it up to date, {render_again}.\n\n"
        f"УСТАРЕЛ: этот бюллетень подготовлен {rendered} по данным, которые с тех пор изменились.\n"
        f"Он не соответствует таблицам рядом с ним. Чтобы обновить его: hrd-bulletin render {period.id}\n",
        encoding="utf-8")
    step.status, step.outputs = "outdated", sorted(moved + [f"{OUTDATED_BULLETIN}/README.txt"])
    step.fingerprint = prior.get("fingerprint") or {}
    step.rendered = rendered
    step.reason = (f"not rendered (--no-bulletin); the bulletin rendered on {rendered} no longer matches the outputs"
                   f"{why}: moved to {OUTDATED_BULLETIN}/; {render_again}")
    return True


def render_published(period_id: str, data_root: str | os.PathLike | None = None, editions=render.EDITIONS) -> list[Path]:
    """`hrd-bulletin render`: render editions of a period's bulletin again from its published
    outputs (after a prose edit, or a run with --no-bulletin) and record them in its run.json, so
    the next run does not render them once more. Rendered in the scratch folder and copied in by
    renames: a failed or killed render leaves the published bulletin as it was. Editions not
    rendered that no longer match the outputs go to bulletin-outdated/, never left as if current."""
    period = load_period(period_id, data_root)
    processed_root, final = period.data_root / "processed", period.processed_dir
    lock = lock_period(processed_root, period.id, doing="render")
    scratch = fresh_scratch(period.data_root, period.id)
    try:
        recover(processed_root, period.id)
        record = _last_record(final)
        if record is None:
            raise RunFailed(f"{final}: no run yet; run `hrd-bulletin run {period.id}` first")
        began = time.perf_counter()
        written = render.render(period, final, editions, log=_log, scratch=scratch, target=scratch / "bulletin")
        fingerprint = steps.bulletin_fingerprint(final)
        prior = next((s for s in record.get("steps", []) if s.get("notebook") == "bulletin"), None)
        was_current = bool(prior and prior.get("status") in ("ran", "skipped") and prior.get("fingerprint") == fingerprint)
        complete = {tuple(e) for e in editions} >= set(render.EDITIONS) or was_current
        bulletin_dir, outdated = final / "bulletin", final / OUTDATED_BULLETIN
        bulletin_dir.mkdir(exist_ok=True)
        for path in written:
            partial = bulletin_dir / f".{path.name}.partial"
            shutil.copyfile(path, partial)
            os.replace(partial, bulletin_dir / path.name)
            (outdated / path.name).unlink(missing_ok=True)
        if not complete:  # the editions not rendered now were made from other outputs or text
            for stale in [p for p in bulletin_dir.iterdir() if p.is_file() and p.name not in {w.name for w in written}]:
                outdated.mkdir(exist_ok=True)
                os.replace(stale, outdated / stale.name)
        if outdated.exists() and not any(p.name.startswith("bulletin_") for p in outdated.iterdir()):
            shutil.rmtree(outdated)
        names = ", ".join(f"{lang} {fmt}" for lang, fmt in editions)
        files = sorted(p for folder in (bulletin_dir, outdated) if folder.exists() for p in folder.iterdir() if p.is_file())
        step = {"notebook": "bulletin", "status": "ran", "seconds": round(time.perf_counter() - began, 3),
                "reason": f"rendered by `hrd-bulletin render` ({names})" + (
                    "" if complete else f"; other editions, older, are in {OUTDATED_BULLETIN}/ until rendered"),
                "fingerprint": fingerprint if complete else {},
                "outputs": [p.relative_to(final).as_posix() for p in files],
                "rendered": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        record["steps"] = [s for s in record.get("steps", []) if s.get("notebook") != "bulletin"] + [step]
        record["outputs"] = {p.relative_to(final).as_posix(): datapackage.sha256(p)
                             for p in sorted(final.rglob("*")) if p.is_file() and p.name != "run.json"}
        write_json_atomically(final / "run.json", record)
        return [bulletin_dir / w.name for w in written]
    finally:
        lock.close()
        remove_scratch(scratch)


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
            step.reason = "the last run did not record this step's inputs (or rendered only some editions)"
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
    if step.notebook == "bulletin":
        step.rendered = prior.get("rendered") or last.get("started", "")
    return True


def _write_record(result: RunResult, period: Period, parameters: dict, staging: Path, started, ignored: int) -> None:
    result.record = run_record(period, parameters, result.steps, staging, started, ignored)
    write_json_atomically(staging / "run.json", result.record)


def write_json_atomically(path: Path, data: dict) -> None:
    """Replace a JSON file by a rename: a reader never sees it half-written."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)


class RunKernelManager(AsyncKernelManager):
    """The kernel of one notebook of a run: its connection file and sockets in the run's scratch
    folder, its temporary files there too (TMPDIR), and its own console output (ipykernel's log)
    in a file there. jupyter_client interrupts a kernel before shutting it down, and ipykernel logs
    that as 'ERROR | KeyboardInterrupt caught in kernel' on every normal run: nothing for the
    console. The notebook's outputs are not affected (they come over the kernel's channels)."""

    scratch = Unicode("", config=True, help="the folder of this kernel's files")

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        folder = Path(self.scratch)
        kw["env"] = {**kw.get("env", os.environ), **scratch_environment(folder)}
        with open(folder / "kernel.log", "ab") as log:  # the child keeps its own copy of the handle
            kw["stdout"] = kw["stderr"] = log
            await super()._async_launch_kernel(kernel_cmd, **kw)


def _execute(notebook: Path, output: Path, parameters: dict, progress: bool, scratch: Path) -> None:
    import papermill
    from traitlets.config import Config

    scratch.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(
        str(notebook), str(output), parameters=parameters, kernel_name="python3",
        progress_bar=progress, log_output=False,
        kernel_manager_class=RunKernelManager,
        # The kernel talks to papermill over Unix sockets in the run's private scratch folder, not
        # loopback TCP ports that any local user could reach (and ipykernel warns about): the data
        # is sensitive. Its connection file lies there too, so a killed run leaves nothing elsewhere.
        config=Config({"RunKernelManager": {"transport": "ipc", "ip": str(scratch / "k"),
                                            "connection_file": str(scratch / "kernel.json"), "scratch": str(scratch)}}),
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


def run_record(period: Period, parameters: dict, done: list[Step], folder: Path, started: dt.datetime,
               ignored: int = 0) -> dict:
    root = period.data_root
    # only the files the pipeline reads are hashed and named: others' names may be personal data
    inputs = period.known_files() + [period.division_path]
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
                   "fingerprint": s.fingerprint, "outputs": s.outputs, **({"rendered": s.rendered} if s.rendered else {})}
                  for s in done],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": steps.package_versions(),
        "git_commit": _git_commit(),
        "inputs": {_relative(p, root, paths.REPO_ROOT): datapackage.sha256(p) for p in inputs},
        "ignored_raw_files": ignored,  # how many other files the period folder holds (never named)
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
