"""Nothing produced or delivered is lost, overwritten or half-written, no path leaves its folder,
and every refusal is a message, not a traceback: synthesize, period ids, --no-bulletin, the lock,
read-only outputs, killed runs' temporary files, a quiet console."""
from __future__ import annotations

import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from pipeline.bulletin.render import OUTDATED as OUTDATED_BULLETIN
from pipeline.checksums import sha256
from pipeline.cli import EXIT_BAD_INPUT, EXIT_BUSY, main
from pipeline.data.errors import InputError, Problem
from pipeline.data.periods import load_period
from pipeline.run.engine import run_period
from pipeline.run.publish import CannotWrite, lock_period
from pipeline.run.scratch import scratch_dir
from tests.conftest import PERIOD, copy_reference
from tests.fake_steps import fake_steps


def hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


# --- synthesize never overwrites data -------------------------------------------------------------
def test_synthesize_refuses_an_existing_period(data_root, capsys):
    folder = data_root / "raw" / PERIOD
    before = hashes(folder)
    assert main(["--data-root", str(data_root), "synthesize", PERIOD]) == EXIT_BAD_INPUT
    assert main(["--data-root", str(data_root), "synthesize", PERIOD, "--replace"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "never overwrites data" in err and "reconstructed" in err
    assert hashes(folder) == before


def test_synthesize_replaces_only_a_synthetic_period_and_only_when_asked(tmp_path, capsys):
    root = copy_reference(tmp_path / "data")
    new = "2030-01_2030-09"
    assert main(["--data-root", str(root), "synthesize", new, "--seed", "1"]) == 0
    first = hashes(root / "raw" / new)
    assert main(["--data-root", str(root), "synthesize", new, "--seed", "2"]) == EXIT_BAD_INPUT
    assert "add --replace" in capsys.readouterr().err
    assert hashes(root / "raw" / new) == first
    assert main(["--data-root", str(root), "synthesize", new, "--seed", "2", "--replace"]) == 0
    assert hashes(root / "raw" / new) != first
    assert sorted(p.name for p in (root / "raw").iterdir()) == [new, "reference"], "no partial or replaced folder is left"


def test_replace_keeps_the_files_synthesize_did_not_write(tmp_path):
    root = copy_reference(tmp_path / "data")
    new = "2030-01_2030-09"
    assert main(["--data-root", str(root), "synthesize", new]) == 0
    (root / "raw" / new / "notes.docx").write_bytes(b"an editor's notes")
    assert main(["--data-root", str(root), "synthesize", new, "--seed", "5", "--replace"]) == 0
    assert (root / "raw" / new / "notes.docx").read_bytes() == b"an editor's notes"


@pytest.mark.parametrize("argv,words", [
    (["--scale", "nan"], "a volume above 0"), (["--scale", "inf"], "a volume above 0"), (["--scale", "0"], "a volume above 0"),
    (["--previous", "2030-01_2030-09"], "a period that ends before 2030-01_2030-09 starts"),
    (["--previous", "2029-06_2030-03"], "a period that ends before"),
])
def test_synthesize_refuses_impossible_arguments_and_leaves_nothing(tmp_path, argv, words, capsys):
    root = copy_reference(tmp_path / "data")
    assert main(["--data-root", str(root), "synthesize", "2030-01_2030-09", *argv]) == EXIT_BAD_INPUT
    assert words in capsys.readouterr().err
    assert sorted(p.name for p in (root / "raw").iterdir()) == ["reference"]


def test_a_period_yml_that_is_a_folder_is_a_message(data_root, capsys):
    path = data_root / "raw" / PERIOD / "period.yml"
    path.unlink()
    path.mkdir()
    assert main(["--data-root", str(data_root), "validate", PERIOD]) == EXIT_BAD_INPUT
    assert "a period folder with period.yml" in capsys.readouterr().err


def test_table_names_read_from_outputs_are_checked(data_root):
    from pipeline.outputs.processed import load_processed

    with pytest.raises(ValueError, match="a table name is lower-case letters"):
        load_processed(PERIOD, "../../other/tables/survey_respondents_by_oblast", data_root)


# --- period ids and division names: one check, paths never leave their folder ----------------------
@pytest.mark.parametrize("argv", [
    ["synthesize", "2030-01_2030-09/../../../../x"],
    ["synthesize", "2030-01_2030-09", "--previous", "../../etc"],
    ["synthesize", "2030-13_2031-09"],
    ["synthesize", "2031-01_2030-09"],
    ["run", "../2015-08_2016-04"],
    ["validate", "2015-08_2016-04/../2015-08_2016-04"],
    ["render", "x"],
    ["reconstruct", "2015-08_2016-04\n"],
])
def test_malformed_period_ids_are_refused_by_every_command(tmp_path, argv, capsys):
    root = copy_reference(tmp_path / "data")
    before = sorted(p for p in tmp_path.rglob("*"))
    with pytest.raises(SystemExit) as exit_:
        main(["--data-root", str(root), *argv])
    assert exit_.value.code == 2
    assert "is not a period id: expected a period id YYYY-MM_YYYY-MM" in capsys.readouterr().err
    assert sorted(p for p in tmp_path.rglob("*")) == before


def test_load_period_refuses_malformed_ids_too(data_root):
    with pytest.raises(InputError, match="YYYY-MM_YYYY-MM"):
        load_period("2015-08_2016-04/../../..", data_root)


# --- --no-bulletin keeps or marks the published bulletin; render records what it made ---------------
def test_a_run_without_the_bulletin_keeps_it_or_says_it_is_outdated(period_run, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(period_run.output_dir.parent.parent, root, ignore=shutil.ignore_patterns(".staging", ".failed", ".locks"))
    out = root / "processed" / PERIOD
    published = {name: sha256(out / "bulletin" / name) for name in ("bulletin_ru.pdf", "bulletin_en.html")}

    # nothing changed: the bulletin still matches its tables and stays
    result = run_period(PERIOD, root, progress=False, bulletin=False)
    step = result.steps[-1]
    assert (step.step, step.status) == ("bulletin", "skipped") and "still matches: kept" in step.reason
    assert {name: sha256(out / "bulletin" / name) for name in published} == published

    # one edition rendered again, nothing else changed: the other three stay where they are, current
    assert main(["--data-root", str(root), "render", PERIOD, "--lang", "en", "--format", "html"]) == 0
    assert sorted(p.name for p in (out / "bulletin").iterdir()) == [
        "bulletin_en.html", "bulletin_en.pdf", "bulletin_ru.html", "bulletin_ru.pdf"]
    assert sha256(out / "bulletin" / "bulletin_ru.pdf") == published["bulletin_ru.pdf"] and not (out / OUTDATED_BULLETIN).exists()
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["steps"][-1]["fingerprint"]["editions"] == "ru html, ru pdf, en html, en pdf"

    # the data changed (one woman fewer): the old bulletin is not left beside the new tables as if current
    path = root / "raw" / PERIOD / "survey_individuals.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",female,", ",male,", 1), encoding="utf-8")
    result = run_period(PERIOD, root, progress=False, bulletin=False)
    step = result.steps[-1]
    assert (step.step, step.status) == ("bulletin", "outdated")
    assert f"moved to {OUTDATED_BULLETIN}/" in step.reason and f"hrd-bulletin render {PERIOD}" in step.reason
    assert not (out / "bulletin").exists()
    assert sha256(out / OUTDATED_BULLETIN / "bulletin_ru.pdf") == published["bulletin_ru.pdf"], "moved, not lost"
    note = (out / OUTDATED_BULLETIN / "README.txt").read_text(encoding="utf-8")
    assert "OUTDATED" in note and "УСТАРЕЛ" in note and f"hrd-bulletin render {PERIOD}" in note
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["steps"][-1]["status"] == "outdated"

    # rendering one edition again puts it in place, with the PDF it links to (the published one no
    # longer matches), records them, and leaves the others marked outdated
    assert main(["--data-root", str(root), "render", PERIOD, "--lang", "en", "--format", "html"]) == 0
    assert (out / "bulletin" / "bulletin_en.html").exists() and not (out / OUTDATED_BULLETIN / "bulletin_en.html").exists()
    assert (out / "bulletin" / "bulletin_en.pdf").exists(), "the page links only to files that exist"
    # and it says what the new tables say: 42 women of 79, not the 43 of bulletin No. 5 (no figure typed in)
    html = (out / "bulletin" / "bulletin_en.html").read_text(encoding="utf-8")
    portrait = html[html.index('id="tbl-portrait"'):]
    portrait = " ".join(re.sub(r"<[^>]+>", " ", portrait[:portrait.index("</table>")]).split())
    assert "Gender female 42 53.2 " in portrait and "Gender male 37 46.8 " in portrait  # each with its interval after it
    assert (out / OUTDATED_BULLETIN / "bulletin_ru.pdf").exists()
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    step = record["steps"][-1]
    assert step["step"] == "bulletin" and step["status"] == "ran" and step["fingerprint"]["editions"] == "en html, en pdf"
    assert "rendered en html, en pdf (a PDF as well: its HTML edition links to it)" in step["reason"]
    assert "bulletin/bulletin_en.html" in step["outputs"]
    assert record["outputs"]["bulletin/bulletin_en.html"] == sha256(out / "bulletin" / "bulletin_en.html")

    # a run without the bulletin after that keeps the edition just made, and the older ones where they are
    rendered = sha256(out / "bulletin" / "bulletin_en.html")
    result = run_period(PERIOD, root, progress=False, bulletin=False)
    step = result.steps[-1]
    assert (step.step, step.status) == ("bulletin", "skipped") and "still matches: kept" in step.reason
    assert sha256(out / "bulletin" / "bulletin_en.html") == rendered
    assert sorted(p.name for p in (out / OUTDATED_BULLETIN).iterdir()) == ["README.txt", "bulletin_ru.html", "bulletin_ru.pdf"]


# --- where the outputs go -----------------------------------------------------------------------------
def test_outputs_folder_as_a_symbolic_link_is_refused_before_anything_runs(data_root, tmp_path):
    elsewhere = tmp_path / "other-disk" / PERIOD
    elsewhere.mkdir(parents=True)
    (elsewhere / "kept.txt").write_text("an earlier run's file", encoding="utf-8")
    (data_root / "processed" / PERIOD).symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(CannotWrite, match="is a symbolic link; expected the period's outputs folder itself"):
        run_period(PERIOD, data_root, steps=fake_steps(), progress=False)
    assert (data_root / "processed" / PERIOD).is_symlink() and (elsewhere / "kept.txt").exists()
    assert not (data_root / "processed" / ".staging" / PERIOD).exists()


def test_a_relative_data_root_works_from_any_folder(data_root, monkeypatch):
    """The notebooks' kernels start in notebooks/: the data root is made absolute first."""
    monkeypatch.chdir(data_root.parent)
    period = load_period(PERIOD, data_root.name)
    assert period.data_root.is_absolute() and period.data_root == data_root.absolute()
    monkeypatch.setenv("HRD_DATA_ROOT", data_root.name)
    assert load_period(PERIOD).raw_dir == data_root.absolute() / "raw" / PERIOD


# --- the lock says who holds it ---------------------------------------------------------------------
def test_a_second_run_of_a_period_says_who_holds_it(data_root, capsys):
    holder = lock_period(data_root / "processed", PERIOD)
    try:
        status = main(["--data-root", str(data_root), "run", PERIOD, "--quiet"])
    finally:
        holder.close()
    err = capsys.readouterr().err
    assert status == EXIT_BUSY
    assert f"another run of {PERIOD} is in progress (run, PID {os.getpid()}, started " in err


# --- read-only outputs --------------------------------------------------------------------------------
def as_reader(command: list[str], home: Path) -> subprocess.CompletedProcess:
    """Run a command that cannot write the read-only outputs. Root ignores file permissions through
    the capabilities DAC_OVERRIDE and DAC_READ_SEARCH: the command runs without them."""
    def drop_override():
        if os.geteuid() == 0:
            libc = ctypes.CDLL(None, use_errno=True)
            for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, from the bounding set
                if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                    raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    env = {**os.environ, "HOME": str(home), "TMPDIR": str(home)}
    return subprocess.run(command, capture_output=True, text=True, preexec_fn=drop_override, env=env, timeout=300)


@pytest.fixture(scope="module")
def read_only_outputs():
    base = Path(tempfile.mkdtemp(prefix="hrd-readonly-"))
    root = base / "data"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "raw", root / "raw")
    (root / "processed").mkdir()
    run_period(PERIOD, root, steps=fake_steps(), progress=False)
    home = base / "home"
    home.mkdir()
    for path in [base, *base.rglob("*")]:
        path.chmod((0o777 if path == home else 0o555) if path.is_dir() else 0o444)
    yield root, home
    for path in [base, *base.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    shutil.rmtree(base)


def test_published_outputs_can_be_read_from_a_read_only_copy(read_only_outputs):
    root, home = read_only_outputs
    code = ("from pipeline import load_processed; "
            f"print(len(load_processed({PERIOD!r}, 'count_surveys', {str(root)!r})))")
    done = as_reader([sys.executable, "-c", code], home)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 0


@pytest.mark.parametrize("command", [["run", PERIOD, "--quiet"], ["render", PERIOD]])
def test_runs_and_renders_on_read_only_outputs_say_so(read_only_outputs, command):
    root, home = read_only_outputs
    done = as_reader([sys.executable, "-m", "pipeline", "--data-root", str(root), *command], home)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"cannot write in {root / 'processed'}" in done.stderr and "writable copy" in done.stderr


# --- messages, not tracebacks -----------------------------------------------------------------------
def test_period_yml_in_windows_1251_is_read_with_a_warning(data_root):
    path = data_root / "raw" / PERIOD / "period.yml"
    path.write_bytes(path.read_text(encoding="utf-8").replace("–", "-").encode("cp1251"))
    with pytest.warns(UserWarning, match="Windows-1251"):
        period = load_period(PERIOD, data_root)
    assert period.title_ru.startswith("Результаты мониторинга")


def test_values_in_messages_are_shown_as_written():
    import datetime as dt

    problem = Problem("period.yml", None, "last_day", dt.date(2015, 4, 30), "a day after first_day 2015-08-01")
    assert str(problem) == "period.yml, column 'last_day': found '2015-04-30', expected a day after first_day 2015-08-01"


def test_period_yml_days_in_messages_are_as_written(data_root):
    path = data_root / "raw" / PERIOD / "period.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("last_day: 2016-04-30", "last_day: 2015-04-30", 1),
                    encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_period(PERIOD, data_root)
    assert "found '2015-04-30'" in error.value.report() and "datetime" not in error.value.report()


# --- a killed run's temporary files, and a quiet console -----------------------------------------------
RUN_SCRIPT = """
import sys
from pipeline.run.engine import run_period, steps_named
run_period(sys.argv[1], sys.argv[2], steps=steps_named("security"), progress=False, force=True)
"""


@pytest.mark.e2e
def test_a_killed_runs_temporary_files_are_in_one_folder_that_the_next_run_removes(tmp_path):
    root = tmp_path / "data"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "raw", root / "raw")
    (root / "processed").mkdir()
    temp = Path(tempfile.mkdtemp(prefix="hrd-tmp-", dir="/tmp"))  # short: kernels' sockets live below it
    env = {**os.environ, "TMPDIR": str(temp)}
    try:
        run = subprocess.Popen([sys.executable, "-c", RUN_SCRIPT, PERIOD, str(root)], env=env, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
        for line in run.stderr:
            if "running" in line:
                break
        deadline = time.monotonic() + 60  # the kernel started, its files written (however loaded the machine)
        while not any(temp.rglob("kernel.json")) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        os.killpg(run.pid, signal.SIGKILL)
        run.wait(timeout=30)
        left = sorted(p.name for p in temp.iterdir())
        expected = scratch_dir(root, PERIOD).name
        assert left == [expected], left  # everything the run made lies in its own folder
        assert any((temp / expected).rglob("kernel.json")), "the kernels' connection files are in it"

        again = subprocess.run([sys.executable, "-c", RUN_SCRIPT, PERIOD, str(root)], env=env, capture_output=True,
                               text=True, timeout=600)
        assert again.returncode == 0, again.stderr
        assert sorted(temp.iterdir()) == [], "the next run removed the killed run's files, and its own"
        # nothing alarming on the console of a normal run
        for word in ("ERROR", "Traceback", "KeyboardInterrupt", "Exception"):
            assert word not in again.stderr, again.stderr
    finally:
        shutil.rmtree(temp, ignore_errors=True)


@pytest.mark.e2e
def test_a_run_stopped_by_sigterm_says_so_ends_its_kernels_and_leaves_nothing(tmp_path):
    """`kill <pid>` (a scheduler's timeout, a closed session) mid-run: a message and exit status 130,
    the kernels ended with it, its temporary files and staging folder removed, the lock released,
    the published outputs as they were."""
    root = tmp_path / "data"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "raw", root / "raw")
    (root / "processed").mkdir()
    temp = Path(tempfile.mkdtemp(prefix="hrd-tmp-", dir="/tmp"))
    env = {**os.environ, "TMPDIR": str(temp)}
    try:
        run = subprocess.Popen([sys.executable, "-m", "pipeline", "--data-root", str(root), "run", PERIOD, "--quiet"],
                               env=env, stderr=subprocess.PIPE, text=True)
        said = []
        for line in run.stderr:
            said.append(line)
            if "running" in line:
                break
        deadline = time.monotonic() + 60
        while not any(temp.rglob("kernel.json")) and time.monotonic() < deadline:
            time.sleep(0.1)
        kernels = kernel_pids(temp)
        assert kernels, "a kernel was running when the run was stopped"
        run.send_signal(signal.SIGTERM)
        said += run.stderr.readlines()
        assert run.wait(timeout=120) == 130
        err = "".join(said)
        assert "stopped: nothing of this run was kept; published outputs are as they were" in err and "Traceback" not in err
        assert not [pid for pid in kernels if Path(f"/proc/{pid}").exists()], "the kernels ended with the run"
        assert sorted(temp.iterdir()) == [], "its temporary files removed"
        assert not (root / "processed" / ".staging" / PERIOD).exists() and not (root / "processed" / PERIOD).exists()
        lock_period(root / "processed", PERIOD).close()  # released
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def kernel_pids(temp: Path) -> list[int]:
    """Processes whose command line names a connection file under temp (the run's kernels)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if str(temp) in (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


def test_a_render_that_fails_midway_leaves_the_published_bulletin_as_it_was(data_root, monkeypatch):
    """A full disk while Quarto writes (simulated): the run fails naming it, the published bulletin
    keeps its files, and no half-written file is left among them."""
    import errno

    from pipeline.bulletin import render
    from pipeline.run.engine import all_steps
    from pipeline.run.publish import RunFailed

    steps = [*fake_steps(), next(s for s in all_steps() if s.name == "bulletin")]

    def rendered(period, folder, editions, log, scratch, target):
        target.mkdir(parents=True, exist_ok=True)
        for lang, fmt in editions:
            (target / f"bulletin_{lang}.{fmt}").write_text(f"the {lang} {fmt} edition", encoding="utf-8")
        return [target / f"bulletin_{lang}.{fmt}" for lang, fmt in editions]

    def full_disk(period, folder, editions, log, scratch, target):
        target.mkdir(parents=True, exist_ok=True)
        (target / ".bulletin_ru.html.partial").write_text("half an edit", encoding="utf-8")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(render, "render", rendered)
    out = run_period(PERIOD, data_root, steps=steps, progress=False).output_dir
    published = {p.name: sha256(p) for p in (out / "bulletin").iterdir()}
    assert len(published) == 4
    monkeypatch.setattr(render, "render", full_disk)
    with pytest.raises(RunFailed, match="No space left on device"):
        run_period(PERIOD, data_root, steps=steps, progress=False, force={"bulletin"})
    assert {p.name: sha256(p) for p in (out / "bulletin").iterdir()} == published
    assert not [p for p in out.rglob("*") if p.name.endswith(".partial")]
