"""The period's outputs folder: who may write it, and how a run replaces it without ever leaving it
half-overwritten (renames only; an interrupted swap is finished or undone by the next run or read).

Kept apart from pipeline.run so that the notebooks, which read processed tables through pipeline.io,
depend on this small module only and not on the whole run machinery (pipeline.steps fingerprints
each notebook by the code it imports).
"""
from __future__ import annotations

import fcntl
import os
import shutil
import sys
import time
from pathlib import Path


class RunFailed(Exception):
    pass


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def checkpoint(name: str) -> None:
    """A named point of the run. HRD_PAUSE_AT=<name> makes the run announce it on stderr and wait
    there, so a test can kill the run at that exact moment (tests/test_atomic.py)."""
    if os.environ.get("HRD_PAUSE_AT") == name:
        _log(f"PAUSED AT {name}")
        time.sleep(float(os.environ.get("HRD_PAUSE_SECONDS", "60")))


def lock_period(processed_root: Path, period_id: str):
    """Hold an exclusive lock on the period for the run's life (released by the OS if killed)."""
    locks = processed_root / ".locks"
    locks.mkdir(parents=True, exist_ok=True)
    handle = open(locks / f"{period_id}.lock", "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise RunFailed(f"another run of {period_id} is in progress (lock {locks / (period_id + '.lock')})") from None
    return handle


def publish(staging: Path, final: Path) -> None:
    """Swap the staging folder in place of the period's outputs, by renames only.

    Killed between the two renames, the last good outputs wait in .previous/ and recover() puts
    them back; killed after, the new outputs are in place and .previous/ is stale."""
    backup = final.parent / ".previous" / final.name
    if backup.exists():
        shutil.rmtree(backup)
    backup.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        final.rename(backup)
    checkpoint("between-renames")
    staging.rename(final)
    if backup.exists():
        shutil.rmtree(backup)


def settle(processed_root: Path, period_id: str) -> None:
    """recover() when no run of the period is in progress (a running one finishes its own swap)."""
    try:
        lock = lock_period(processed_root, period_id)
    except RunFailed:
        return
    try:
        recover(processed_root, period_id)
    finally:
        lock.close()


def recover(processed_root: Path, period_id: str) -> None:
    """After a run killed between the two renames of publish(): put the last good outputs back."""
    final, backup = processed_root / period_id, processed_root / ".previous" / period_id
    if backup.exists() and not final.exists():
        backup.rename(final)
    elif backup.exists():
        shutil.rmtree(backup)
