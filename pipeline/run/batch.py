"""Several periods in one command, one after the other.

    hrd-bulletin run 2015-08_2016-04 2016-05_2017-01     # a list
    hrd-bulletin run --all                               # every period in data/raw/

Period N's dynamics compare against period N-1's processed tables, so N runs after N-1 when both
are in the batch; if N-1 fails, N fails too instead of comparing against N-1's stale tables from an
earlier run. Periods run one after the other, each with its steps side by side: on two cores, runs
of periods side by side bought nothing (two periods: 62.6 and 51.4 s side by side, 59.6 and 52.9 s
one after the other; README, "Several periods").
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from pipeline import registry
from pipeline.data.errors import InputError, Problem
from pipeline.data.periods import load_period
from pipeline.run import engine
from pipeline.run.publish import RunFailed


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
    batch), and for each the period it depends on."""
    periods = {pid: load_period(pid, data_root) for pid in period_ids}
    previous = {pid: period.previous for pid, period in periods.items()}
    waits = {pid: prev for pid, prev in previous.items() if prev in previous}
    order: list[str] = []

    def place(pid, chain=()):
        if pid in chain:
            raise InputError([Problem(str(periods[pid].raw_dir / "period.yml"), None, "previous_period", previous[pid],
                                      "previous_period links without a cycle, found " + " -> ".join(chain + (pid,)))])
        if pid not in order:
            if pid in waits:
                place(waits[pid], chain + (pid,))
            order.append(pid)

    for pid in sorted(period_ids):
        place(pid)
    return order, waits


def run_periods(period_ids: list[str], data_root=None, jobs: int | None = None, bulletin: bool = True,
                force: bool = False, step_names: tuple[str, ...] | None = None) -> list[PeriodOutcome]:
    """Run the periods in run order, each with `jobs` steps at a time; one outcome per period. A
    failed period stops only the periods that compare against it. step_names: only these steps."""
    order, waits = run_order(period_ids, data_root)
    entries = registry.entries()
    compares = any(entries[name].previous_period for name in (step_names or entries))
    outcomes: dict[str, PeriodOutcome] = {}
    for pid in order:
        engine.LOG_PREFIX = f"[{pid}] "
        began = time.perf_counter()
        failed, ran, skipped = "", [], []
        try:
            if compares and pid in waits and not outcomes[waits[pid]].ok:
                raise RunFailed("its previous period failed: comparing against that period's tables from an earlier run would mislead")
            result = engine.run_period(pid, data_root, steps=engine.steps_named(*step_names) if step_names else None,
                                       progress=False, bulletin=bulletin, force=force, jobs=jobs)
            ran, skipped = ([s.step for s in result.steps if s.status == status] for status in ("ran", "skipped"))
        except RunFailed as exc:
            failed = str(exc).splitlines()[0]
            if not exc.logged:
                engine._log(f"FAILED: {exc}")
        except InputError as exc:
            engine._log(exc.report())
            failed = f"bad input ({len(exc.problems)} problem(s), listed above)"
        finally:
            engine.LOG_PREFIX = ""
        outcomes[pid] = PeriodOutcome(pid, not failed, round(time.perf_counter() - began, 1), ran, skipped, failed)
    return [outcomes[pid] for pid in order]


def summary(outcomes: list[PeriodOutcome]) -> str:
    lines = [f"{'period':<18} {'result':<7} {'seconds':>8}  steps"]
    for o in outcomes:
        steps = f"ran {len(o.ran)}, skipped {len(o.skipped)}" if o.ok else o.error
        lines.append(f"{o.period:<18} {'ok' if o.ok else 'FAILED':<7} {o.seconds:>8.1f}  {steps}")
    return "\n".join(lines)


def print_summary(outcomes: list[PeriodOutcome]) -> None:
    print(summary(outcomes), file=sys.stderr, flush=True)
