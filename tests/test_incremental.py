"""Incremental runs: a re-run executes exactly the steps whose inputs changed, copies the rest, and
the run record says what was skipped and why. The engine's logic is tested on cheap stand-in steps
(tests/fake_steps.py); what the real steps depend on is tested on their fingerprints, which a run
compares, without executing them."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from pipeline import registry
from pipeline.checksums import sha256
from pipeline.run import code, engine
from pipeline.run.engine import all_steps, run_period
from pipeline.run.steps import Record, Run
from tests.conftest import PERIOD
from tests.fake_steps import CountStep, fake_steps


def statuses(result):
    return {s.step: s.status for s in result.steps}


def test_rerun_skips_unchanged_and_reruns_what_depends_on_a_change(data_root):
    first = run_period(PERIOD, data_root, steps=fake_steps(), progress=False)
    assert set(statuses(first).values()) == {"ran"}
    tables = {p.name: sha256(p) for p in (first.output_dir / "tables").glob("*")}

    again = run_period(PERIOD, data_root, steps=fake_steps(), progress=False)
    assert statuses(again) == {"surveys": "skipped", "assessments": "skipped", "everything": "skipped"}
    assert {p.name: sha256(p) for p in (again.output_dir / "tables").glob("*")} == tables
    record = json.loads((again.output_dir / "run.json").read_text(encoding="utf-8"))
    assert all("inputs unchanged" in s["reason"] for s in record["steps"])

    # the regional assessments are read by one step only; the step after it does not read them
    path = data_root / "raw" / PERIOD / "regional_assessments.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("KZ-AKM,1,4,3.3", "KZ-AKM,1,4,3.4", 1), encoding="utf-8")
    changed = run_period(PERIOD, data_root, steps=fake_steps(), progress=False)
    assert statuses(changed) == {"surveys": "skipped", "assessments": "ran", "everything": "skipped"}
    assert changed.steps[1].reason == "changed: raw data"
    assert sha256(changed.output_dir / "tables" / "count_surveys.parquet") == tables["count_surveys.parquet"]

    forced = run_period(PERIOD, data_root, steps=fake_steps(), progress=False, force=True)
    assert set(statuses(forced).values()) == {"ran"}
    assert all(s.reason == "forced (--force)" for s in forced.steps)


def test_altered_outputs_are_not_reused(data_root):
    first = run_period(PERIOD, data_root, steps=fake_steps(), progress=False)
    (first.output_dir / "tables" / "count_surveys.csv").write_text("tampered", encoding="utf-8")
    again = run_period(PERIOD, data_root, steps=fake_steps(), progress=False)
    assert statuses(again)["surveys"] == "ran" and "altered" in again.steps[0].reason
    assert statuses(again)["assessments"] == "skipped"


def test_a_failed_step_stops_the_run_and_the_steps_after_it(data_root, capsys):
    from pipeline.run.publish import RunFailed
    from tests.fake_steps import CountStep

    good = run_period(PERIOD, data_root, steps=fake_steps(), progress=False).output_dir
    before = {p.name: sha256(p) for p in (good / "tables").glob("*")}
    capsys.readouterr()
    broken = [CountStep("surveys", ["individuals"], fail=True), *fake_steps()[1:]]
    with pytest.raises(RunFailed, match="step surveys failed: ValueError: step surveys broke"):
        run_period(PERIOD, data_root, steps=broken, progress=False, force=True)
    assert {p.name: sha256(p) for p in (good / "tables").glob("*")} == before
    assert "[3/3] everything" not in capsys.readouterr().err, "the step after the failed one did not start"


class SharingStep(CountStep):
    """Writes, besides its table, a file another step writes too (as plotly.js beside the maps)."""

    def execute(self, run, into, record):
        super().execute(run, into, record)
        (into / "maps").mkdir(exist_ok=True)
        (into / "maps" / "shared.js").write_text("the same bytes", encoding="utf-8")


def sharing_steps():
    return [SharingStep("surveys", ["individuals", "organizations"]), SharingStep("assessments", ["regional_assessments"]),
            CountStep("everything", ["cases", "violations"], after=("surveys", "assessments"))]


def test_reused_outputs_are_copies_the_same_bytes_and_a_failed_run_shares_none(data_root):
    """Outputs taken from the last run are plain copies (hard links bought 0.07 s of a no-op run:
    benchmarks/mechanisms.py), byte for byte the same; a failed run's folder (.failed/, to be
    opened) has files of its own."""
    from pipeline.run.publish import RunFailed

    output_dir = run_period(PERIOD, data_root, steps=sharing_steps(), progress=False).output_dir
    table, shared = output_dir / "tables" / "count_surveys.parquet", output_dir / "maps" / "shared.js"
    before = sha256(table)
    again = run_period(PERIOD, data_root, steps=sharing_steps(), progress=False)
    assert {s.status for s in again.steps} == {"skipped"} and shared.read_text(encoding="utf-8") == "the same bytes"
    assert sha256(table) == before and table.stat().st_nlink == 1
    broken = [*sharing_steps()[:2], CountStep("everything", ["cases"], after=("surveys", "assessments"), fail=True)]
    with pytest.raises(RunFailed, match="step everything broke"):
        run_period(PERIOD, data_root, steps=broken, progress=False)
    failed = data_root / "processed" / ".failed" / PERIOD / "tables" / "count_surveys.parquet"
    assert sha256(failed) == before and failed.stat().st_ino != table.stat().st_ino


def test_a_published_output_edited_since_is_found_altered_by_the_next_run(data_root):
    output_dir = run_period(PERIOD, data_root, steps=fake_steps(), progress=False).output_dir
    with open(output_dir / "tables" / "count_surveys.csv", "a", encoding="utf-8") as table:
        table.write("edited,1\n")
    again = run_period(PERIOD, data_root, steps=fake_steps(), progress=False)
    assert statuses(again)["surveys"] == "ran" and "altered (tables/count_surveys.csv)" in again.steps[0].reason


def test_a_file_changed_under_the_same_size_and_time_is_read_again_in_the_next_run(data_root):
    """Within a run each file is hashed once (pipeline.run.code.file_hash); the next run hashes it again."""
    first = run_period(PERIOD, data_root, steps=fake_steps(), progress=False)
    path = data_root / "raw" / PERIOD / "regional_assessments.csv"
    stamp = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("KZ-AKM,1,4,3.3", "KZ-AKM,1,4,3.4", 1), encoding="utf-8")
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert path.stat().st_size == stamp.st_size
    again = run_period(PERIOD, data_root, steps=fake_steps(), progress=False)
    assert statuses(again)["assessments"] == "ran" and again.steps[1].reason == "changed: raw data"
    assert first.record["inputs"] != again.record["inputs"]


# --- what the real steps depend on: their fingerprints ------------------------------------------------
@pytest.fixture
def fingerprints(data_root, tmp_path):
    """Every registry step's fingerprint for the period, as a run computes them before executing."""
    from pipeline.data.periods import load_period

    period = load_period(PERIOD, data_root)
    run = Run(period=period, folder=tmp_path / "run", scratch=tmp_path / "scratch",
              parameters={"period": PERIOD, "data_root": str(data_root), "output_dir": str(tmp_path / "run")})
    return lambda: {step.name: step.fingerprint(run) for step in all_steps()}


def differs(before, after) -> dict[str, list[str]]:
    return {name: code.changed(before[name], after[name]) for name in before if code.changed(before[name], after[name])}


def test_a_changed_raw_file_changes_the_steps_that_read_it(data_root, fingerprints):
    before = fingerprints()
    path = data_root / "raw" / PERIOD / "media_outlets.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("OUT-001,social_network", "OUT-001,news_site", 1),
                    encoding="utf-8")
    readers = {name for name, e in registry.entries().items() if "raw" in e.reads and (e.raw is None or "outlets" in e.raw)}
    assert set(differs(before, fingerprints())) == readers >= {"overview", "media"}
    assert all(changes == ["raw data"] for changes in differs(before, fingerprints()).values())


def test_a_changed_module_changes_only_the_steps_that_use_it(fingerprints, monkeypatch):
    """An edit of pipeline/parts/survey.py (simulated: its hash changes) concerns Parts I and II,
    which import it, and the claims and the bulletin's content, which read every part's claims; not
    the overview, Part III, IV or V, the reconciliation, nor the render (its code is Quarto's call)."""
    before = fingerprints()
    real = code.file_hash
    monkeypatch.setattr(code, "file_hash", lambda path: "edited" if path.name == "survey.py" else real(path))
    assert differs(before, fingerprints()) == {"portrait": ["code"], "security": ["code"], "claims": ["code"],
                                               "content": ["code"]}


def test_a_changed_notebook_changes_only_its_step(fingerprints, monkeypatch):
    from pipeline.run import steps

    before = fingerprints()
    real = steps.digest
    monkeypatch.setattr(steps, "digest", lambda files, base: "edited" if [Path(f).name for f in files] == ["04_media.ipynb"]
                        else real(files, base))
    assert differs(before, fingerprints()) == {"media": ["notebook"]}


def test_the_previous_periods_tables_are_an_input_of_the_steps_that_compare_against_them(tmp_path):
    from pipeline.data.periods import load_period
    from pipeline.intake.synthetic import write_period
    from pipeline.outputs.processed import write_table
    from tests.conftest import copy_reference

    root = copy_reference(tmp_path / "data")
    write_period(root, "2030-01_2030-09", scale=0.1, seed=1)
    write_period(root, "2030-10_2031-06", scale=0.1, seed=2, previous="2030-01_2030-09")
    period = load_period("2030-10_2031-06", root)
    run = Run(period=period, folder=tmp_path / "run", scratch=tmp_path / "s", parameters={"period": period.id})
    before = {s.name: s.fingerprint(run) for s in all_steps()}
    import pandas as pd

    write_table(pd.DataFrame({"wave": [1], "risk": [1.0]}), root / "processed" / "2030-01_2030-09", "dynamics_national")
    write_table(pd.DataFrame({"oblast": ["KZ-AKM"], "wave": [1], "risk": [1.0]}), root / "processed" / "2030-01_2030-09",
                "dynamics_regions_by_wave")
    after = {s.name: s.fingerprint(run) for s in all_steps()}
    assert differs(before, after) == {"dynamics": ["previous period"]}


# --- a whole period -------------------------------------------------------------------------------------
def test_noop_rerun_of_a_full_period_skips_every_step(period_run, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(period_run.output_dir.parent.parent, root, ignore=shutil.ignore_patterns(".staging", ".failed", ".locks"))
    result = run_period(PERIOD, root, progress=False)
    assert [s.step for s in result.steps] == [s.name for s in all_steps()]
    assert all(s.status == "skipped" for s in result.steps), statuses(result)
    assert (result.output_dir / "bulletin" / "bulletin_ru.pdf").exists()


def test_reasons_when_the_last_run_has_no_record_of_a_step(tmp_path):
    for last, reason in ((None, "no previous run"),
                         ({"steps": [{"step": "reconciliation", "status": "ran"}]},
                          "the last run did not record this step's inputs"),
                         ({"steps": [{"step": "reconciliation", "status": "ran", "fingerprint": {"tables": "b"}}]},
                          "changed: tables"),
                         # `hrd-bulletin render --lang en` records the editions it made: a run makes the others
                         ({"steps": [{"step": "reconciliation", "status": "ran",
                                      "fingerprint": {"tables": "a", "editions": "en html"}}]}, "changed: editions")):
        fingerprint = {"tables": "a", "editions": "ru html, ru pdf, en html, en pdf"} if "editions" in reason else {"tables": "a"}
        record = Record("reconciliation", fingerprint=fingerprint)
        run = Run(period=None, folder=tmp_path, scratch=tmp_path, parameters={}, last=last)
        assert not engine.reuse(record, run, force=False)
        assert record.reason == reason
