"""The period's outputs folder: who may write it, and how a run replaces it without ever leaving it
half-overwritten (renames only; an interrupted swap is finished or undone by the next run or read).

Reading the outputs never writes: a reader of a period whose run was killed between the two
renames finds the last good outputs still aside (pipeline.outputs.processed.published_folder), and
the next run or render of the period puts them back (recover), under the period's lock.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import sys
import time
from pathlib import Path


class RunFailed(Exception):
    """A run or render that could not be done; `logged`: the run has already said why on stderr."""

    def __init__(self, message: str, logged: bool = False):
        super().__init__(message)
        self.logged = logged


class PeriodBusy(RunFailed):
    """Another run (or render) of the period holds its lock."""


class CannotWrite(RunFailed):
    """The outputs folder is not writable (a read-only copy of published outputs, say)."""


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def lock_period(processed_root: Path, period_id: str, doing: str = "run"):
    """Hold an exclusive lock on the period for the run's life (released by the OS if killed). The
    lock file says who holds it (PID, start time, what), for the message another run gets."""
    if (processed_root / period_id).is_symlink():  # publish() swaps folders by renames: it would replace the link
        raise CannotWrite(f"{processed_root / period_id} is a symbolic link; expected the period's outputs folder itself "
                          "(a run replaces it by renames). To keep outputs on another disk, link data/processed/ as a "
                          "whole, or give --data-root a folder there")
    locks = processed_root / ".locks"
    path = locks / f"{period_id}.lock"
    try:
        locks.mkdir(parents=True, exist_ok=True)
        # not "w": that would empty the holder's note before we know whether we get the lock
        handle = os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o644), "r+", encoding="utf-8")
    except OSError as exc:
        raise CannotWrite(f"cannot write in {processed_root} ({exc.strerror}): a {doing} of {period_id} writes its "
                          "outputs there. Work on a writable copy: hrd-bulletin --data-root <copy of data/> ...") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = handle.read().strip() or "a process that has not yet said who it is"
        handle.close()
        raise PeriodBusy(f"another run of {period_id} is in progress ({holder}; lock {path}): wait for it to end, "
                         "or stop that process") from None
    handle.seek(0)
    handle.truncate()
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime())
    handle.write(f"{doing}, PID {os.getpid()}, started {started}")
    handle.flush()
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
    staging.rename(final)
    if backup.exists():
        shutil.rmtree(backup)


def recover(processed_root: Path, period_id: str) -> None:
    """After a run killed between the two renames of publish(): put the last good outputs back."""
    final, backup = processed_root / period_id, processed_root / ".previous" / period_id
    if backup.exists() and not final.exists():
        backup.rename(final)
    elif backup.exists():
        shutil.rmtree(backup)
