"""A run's temporary files, in one folder of its own: kernels' connection files and sockets, the
kernels' logs, the run's Chromium (its profile folder), Quarto's working copies of the report.

The folder is named after the period and the data root (the same for every run of that period), so
the next run of the period removes what a killed run left there; it is made and emptied only
under the period's lock (pipeline.publish.lock_period). Short names: kernels' Unix sockets live in
it, and a socket's path may not exceed about 100 characters.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import tempfile
from pathlib import Path


def scratch_dir(data_root: Path, period_id: str) -> Path:
    """The temporary folder of the runs of a period under a data root (not created)."""
    key = f"{Path(data_root).resolve()}\n{period_id}".encode()
    return Path(tempfile.gettempdir()) / f"hrd-bulletin-{hashlib.sha256(key).hexdigest()[:10]}"


def fresh_scratch(data_root: Path, period_id: str) -> Path:
    """The period's temporary folder, emptied of what an earlier (killed) run left. Call it holding
    the period's lock."""
    folder = scratch_dir(data_root, period_id)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, mode=0o700)  # sockets of kernels holding sensitive data: ours only
    return folder


def remove_scratch(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def environment(folder: Path) -> dict[str, str]:
    """The environment for a child process (a kernel, Quarto) whose temporary files go into folder."""
    return {**os.environ, "TMPDIR": str(folder), "TEMP": str(folder), "TMP": str(folder)}


# The processes the run's steps start in sessions of their own (kernels, Quarto), while they run: a
# run stopped by SIGTERM or Ctrl-C ends them (stop_children), so its steps' threads return at once
CHILDREN: set = set()


def stop_children() -> None:
    for process in list(CHILDREN):
        try:
            os.killpg(process.pid, signal.SIGTERM)  # the process and whatever it started
        except (ProcessLookupError, PermissionError):
            pass
