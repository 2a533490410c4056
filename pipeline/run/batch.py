"""Several periods in one command, in parallel processes.

    hrd-bulletin run 2015-08_2016-04 2016-05_2017-01     # a list
    hrd-bulletin run --all --jobs 2                      # every period in data/raw/

Each period runs in its own process (pipeline.run.engine.run_period: its own staging folder, lock and
atomic publish). Period N's dynamics compare against period N-1's processed tables, so when both are
in the batch, N's Part V waits until N-1's run has published; N's other notebooks run meanwhile. If
N-1 fails, N fails too instead of comparing against N-1's stale tables from an earlier run.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass

from pipeline import registry
from pipeline.data.errors import InputError, Problem
from pipeline.data.periods import load_period


@dataclass
class PeriodOutcome:
    period: str
    ok: bool
    seconds: float
    ran: list[str]
    skipped: list[str]
    error: str = ""


def run_order(period_ids: list[str], data_root=None) -> tuple[list[str], dict[str, str]]:
    """The periods in an order where each comes after its previous period (when that is in the
    batch), and for each the period it waits for."""
    periods = {pid: load_period(pid, data_root) for pid in period_ids}
    previous = {pid: period.previous for pid, period in periods.items()}
    waits = {pid: prev for pid, prev in previous.items() if prev in previous}
    order, placed = [], set()

    def place(pid, chain=()):
        if pid in placed:
            return
        if pid in chain:
            raise InputError([Problem(str(periods[pid].raw_dir / "period.yml"), None, "previous_period", previous[pid],
                                      "previous_period links without a cycle, found " + " -> ".join(chain + (pid,)))])
        if pid in waits:
            place(waits[pid], chain + (pid,))
        order.append(pid)
        placed.add(pid)

    for pid in sorted(period_ids):
        place(pid)
    return order, waits


def _run_one(period_id: str, data_root, bulletin: bool, force: bool, notebook_jobs: int, previous_done,
             previous_ok, step_names: tuple[str, ...] | None = None) -> PeriodOutcome:
    """One period, in a worker process. previous_done/previous_ok: the previous period's run has
    ended / ended well (shared flags set by the parent), or None when it is not in the batch."""
    from pipeline.run import engine as run

    run.LOG_PREFIX = f"[{period_id}] "
    began = time.perf_counter()

    def wait_for_previous():
        previous_done.wait()
        if not previous_ok.is_set():
            raise run.RunFailed("its previous period failed: comparing against that period's tables from an earlier run would mislead")

    try:
        chosen = run.steps_named(*step_names) if step_names else None
        result = run.run_period(period_id, data_root, steps=chosen, progress=False, bulletin=bulletin, force=force,
                                jobs=notebook_jobs, wait_for_previous=wait_for_previous if previous_done is not None else None)
    except run.RunFailed as exc:
        return PeriodOutcome(period_id, False, round(time.perf_counter() - began, 1), [], [], str(exc).splitlines()[0])
    except InputError as exc:
        run._log(exc.report())
        return PeriodOutcome(period_id, False, round(time.perf_counter() - began, 1), [], [],
                             f"bad input ({len(exc.problems)} problem(s), listed above)")
    return PeriodOutcome(period_id, True, round(time.perf_counter() - began, 1),
                         [s.step for s in result.steps if s.status == "ran"],
                         [s.step for s in result.steps if s.status == "skipped"])


def run_periods(period_ids: list[str], data_root=None, jobs: int | None = None, bulletin: bool = True,
                force: bool = False, step_names: tuple[str, ...] | None = None) -> list[PeriodOutcome]:
    """Run the periods with `jobs` workers in all (default: the number of cores): up to `jobs`
    periods at once, the workers left over running a period's steps side by side. Returns one
    outcome per period, in run order. A failed period stops only the periods after it.
    step_names: run only these steps of the registry (default: all)."""
    order, waits = run_order(period_ids, data_root)
    entries = registry.entries()
    if not any(entries[name].previous_period for name in (step_names or entries)):
        waits = {}  # no step compares against the previous period: nothing to wait for
    workers = max(1, jobs or os.cpu_count() or 1)
    processes = min(workers, len(order))
    notebook_jobs = max(1, workers // processes)
    # spawn, not fork, and a fresh process per period: no inherited threads, open files or locks
    context = multiprocessing.get_context("spawn")
    outcomes: dict[str, PeriodOutcome] = {}
    with context.Manager() as manager, ProcessPoolExecutor(processes, mp_context=context, max_tasks_per_child=1) as pool:
        done = {pid: manager.Event() for pid in order}
        ok = {pid: manager.Event() for pid in order}
        # submitted in run order, so a waiting period's previous one has always started before it
        futures = {pool.submit(_run_one, pid, data_root, bulletin, force, notebook_jobs,
                               done[waits[pid]] if pid in waits else None,
                               ok[waits[pid]] if pid in waits else None, step_names): pid for pid in order}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                pid = futures[future]
                try:
                    outcomes[pid] = future.result()
                except Exception as exc:  # noqa: BLE001 - a crashed worker fails its period, not the batch
                    outcomes[pid] = PeriodOutcome(pid, False, 0.0, [], [], f"worker crashed: {type(exc).__name__}: {exc}")
                if outcomes[pid].ok:
                    ok[pid].set()
                done[pid].set()
    return [outcomes[pid] for pid in order]


def summary(outcomes: list[PeriodOutcome]) -> str:
    lines = [f"{'period':<18} {'result':<7} {'seconds':>8}  steps"]
    for o in outcomes:
        steps = f"ran {len(o.ran)}, skipped {len(o.skipped)}" if o.ok else o.error
        lines.append(f"{o.period:<18} {'ok' if o.ok else 'FAILED':<7} {o.seconds:>8.1f}  {steps}")
    return "\n".join(lines)


def print_summary(outcomes: list[PeriodOutcome]) -> None:
    print(summary(outcomes), file=sys.stderr, flush=True)
