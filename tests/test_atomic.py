"""A run killed at any moment (SIGKILL) leaves the last good outputs intact, and the next run
succeeds. The steps are cheap stand-ins (tests/fake_steps.py): what is tested is the engine's
staging, swap and recovery, which do not depend on what a step computes."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from pipeline.checksums import sha256
from pipeline.outputs.processed import load_processed
from pipeline.run.engine import run_period
from tests.fake_steps import fake_steps

PERIOD = "2015-08_2016-04"
# The run in a process of its own, made to wait at one moment (PAUSE_AT) so that the test kills it
# exactly there: the waits are put in by wrapping the engine's functions here, not by hooks in the engine.
SCRIPT = """
import os, sys, time
from pathlib import Path
from pipeline.run import engine
from tests.fake_steps import fake_steps

pause = os.environ.get("PAUSE_AT", "")


def paused():
    print(f"PAUSED AT {pause}", file=sys.stderr, flush=True)
    time.sleep(120)


if pause == "staging-ready":  # the staging folder made, no step run yet
    execute = engine._execute_steps
    engine._execute_steps = lambda *a, **k: (paused(), execute(*a, **k))[1]
elif pause == "after-surveys":  # one step's outputs merged into the staging folder
    merge = engine._merge
    engine._merge = lambda own, staging, strict=True: (merge(own, staging, strict), own.name == "surveys" and paused())[0]
elif pause == "before-publish":
    publish = engine.publish
    engine.publish = lambda *a: (paused(), publish(*a))[1]
elif pause == "between-renames":  # the last good outputs moved aside, the new ones not yet in place
    rename = Path.rename
    Path.rename = lambda self, target: (rename(self, target), ".previous" in Path(target).parts and paused())[0]
engine.run_period(sys.argv[1], sys.argv[2], steps=fake_steps(), progress=False, force=True)
"""  # force: every step really executes, so the kills fall inside real work


def hashes(folder):
    return {p.relative_to(folder).as_posix(): sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def start_run(root, pause_at=None, sleep=0):
    env = {**os.environ, "PAUSE_AT": pause_at or "", "HRD_FAKE_SLEEP": str(sleep)}
    return subprocess.Popen([sys.executable, "-c", SCRIPT, PERIOD, str(root)], env=env, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def kill_when(process, marker: str) -> None:
    """SIGKILL the run's whole process group when it prints marker."""
    deadline = time.time() + 120
    for line in process.stderr:
        if marker in line:
            break
        assert time.time() < deadline, f"never reached {marker}"
    else:
        pytest.fail(f"the run ended before {marker}")
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    from tests.conftest import copy_raw

    root = copy_raw(tmp_path_factory.mktemp("atomic") / "data")
    output = run_period(PERIOD, root, steps=fake_steps(), progress=False).output_dir
    return root, output, hashes(output)


@pytest.mark.parametrize("moment", ["staging-ready", "after-surveys", "in the middle of a step", "before-publish",
                                    "between-renames"])
def test_killed_run_leaves_last_good_outputs(good_run, moment):
    root, output, before = good_run
    if moment == "in the middle of a step":
        process = start_run(root, sleep=60)
        kill_when(process, "running")
    else:
        process = start_run(root, pause_at=moment)
        kill_when(process, f"PAUSED AT {moment}")
    # the last good outputs, exactly: in place, or (killed between the two renames) still aside in
    # .previous/, where reading finds them, changing nothing, until the next run puts them back
    assert len(load_processed(PERIOD, "count_surveys", root)) == 2
    aside = root / "processed" / ".previous" / PERIOD
    assert hashes(output if output.exists() else aside) == before, f"outputs changed after a kill at {moment}"
    assert output.exists() or moment == "between-renames"


def test_next_run_after_kills_succeeds(good_run):
    root, output, _ = good_run
    process = start_run(root, pause_at="between-renames")
    kill_when(process, "PAUSED AT between-renames")
    result = run_period(PERIOD, root, steps=fake_steps(), progress=False)
    assert result.output_dir == output and (output / "run.json").exists()
    assert not (root / "processed" / ".previous" / PERIOD).exists()
    assert not (root / "processed" / ".staging" / PERIOD).exists()
