"""Incremental runs: a re-run executes exactly the steps whose inputs changed, copies the rest, and
the run record says what was skipped and why."""
from __future__ import annotations

import json
import shutil

from pipeline import steps
from pipeline.datapackage import sha256
from pipeline.run import period_notebooks, run_period
from tests.conftest import PERIOD


def subset():
    return [p for p in period_notebooks() if p.stem in ("00_overview", "01_portrait", "05_dynamics")]


def statuses(result):
    return {s.notebook: s.status for s in result.steps}


def test_rerun_skips_unchanged_and_reruns_what_depends_on_a_change(data_root):
    first = run_period(PERIOD, data_root, notebooks=subset(), progress=False, bulletin=False)
    assert set(statuses(first).values()) == {"ran"}
    tables = {p.name: sha256(p) for p in (first.output_dir / "tables").glob("*")}

    again = run_period(PERIOD, data_root, notebooks=subset(), progress=False, bulletin=False)
    assert statuses(again) == {"00_overview.ipynb": "skipped", "01_portrait.ipynb": "skipped",
                               "05_dynamics.ipynb": "skipped", "reconciliation": "skipped"}
    assert {p.name: sha256(p) for p in (again.output_dir / "tables").glob("*")} == tables
    record = json.loads((again.output_dir / "run.json").read_text(encoding="utf-8"))
    assert all("inputs unchanged" in s["reason"] for s in record["steps"] if s["status"] == "skipped")

    # the regional assessments are read by Part V and the overview only
    path = data_root / "raw" / PERIOD / "regional_assessments.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("KZ-AKM,1,4,3.3", "KZ-AKM,1,4,3.4", 1), encoding="utf-8")
    changed = run_period(PERIOD, data_root, notebooks=subset(), progress=False, bulletin=False)
    assert statuses(changed) == {"00_overview.ipynb": "ran", "01_portrait.ipynb": "skipped",
                                 "05_dynamics.ipynb": "ran", "reconciliation": "ran"}
    reasons = {s.notebook: s.reason for s in changed.steps}
    assert "raw data" in reasons["05_dynamics.ipynb"] and reasons["reconciliation"] == "changed: tables"
    assert sha256(changed.output_dir / "tables" / "survey_portrait_shares.parquet") == tables["survey_portrait_shares.parquet"]

    forced = run_period(PERIOD, data_root, notebooks=subset(), progress=False, bulletin=False, force=True)
    assert set(statuses(forced).values()) == {"ran"}
    assert all(s.reason == "forced (--force)" for s in forced.steps)


def test_a_changed_notebook_reruns_only_itself(data_root, tmp_path):
    notebooks = subset()
    run_period(PERIOD, data_root, notebooks=notebooks, progress=False, bulletin=False)
    edited = tmp_path / "01_portrait.ipynb"
    shutil.copy(notebooks[1], edited)
    edited.write_text(edited.read_text(encoding="utf-8").replace("Кто такие правозащитники", "Кто они, правозащитники"),
                      encoding="utf-8")
    result = run_period(PERIOD, data_root, notebooks=[notebooks[0], edited, notebooks[2]], progress=False, bulletin=False)
    assert statuses(result)["01_portrait.ipynb"] == "ran" and "notebook" in result.steps[1].reason
    assert statuses(result)["00_overview.ipynb"] == statuses(result)["05_dynamics.ipynb"] == "skipped"
    # a prose edit changes no table: the comparison with the published figures is not redone
    assert statuses(result)["reconciliation"] == "skipped"


def test_a_changed_module_reruns_only_the_notebooks_that_use_it(data_root, monkeypatch):
    """An edit of pipeline/survey.py (simulated: its hash changes) re-runs Part I, which imports it,
    and not the overview or Part V, which do not."""
    notebooks = subset()
    run_period(PERIOD, data_root, notebooks=notebooks, progress=False, bulletin=False)
    real = steps.sha256
    monkeypatch.setattr(steps, "sha256", lambda path: "edited" if path.name == "survey.py" else real(path))
    result = run_period(PERIOD, data_root, notebooks=notebooks, progress=False, bulletin=False)
    # the reconciliation imports its checks at run time: it depends on the whole package
    assert statuses(result) == {"00_overview.ipynb": "skipped", "01_portrait.ipynb": "ran",
                                "05_dynamics.ipynb": "skipped", "reconciliation": "ran"}
    assert result.steps[1].reason == result.steps[3].reason == "changed: code"


def test_altered_outputs_are_not_reused(data_root):
    first = run_period(PERIOD, data_root, notebooks=subset()[:1], progress=False, bulletin=False)
    (first.output_dir / "tables" / "period_headlines.csv").write_text("tampered", encoding="utf-8")
    again = run_period(PERIOD, data_root, notebooks=subset()[:1], progress=False, bulletin=False)
    assert again.steps[0].status == "ran" and "altered" in again.steps[0].reason


def test_noop_rerun_of_a_full_period_skips_the_bulletin_too(period_run, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(period_run.output_dir.parent.parent, root, ignore=shutil.ignore_patterns(".staging", ".failed", ".locks"))
    result = run_period(PERIOD, root, progress=False)
    assert all(s.status == "skipped" for s in result.steps), {s.notebook: s.status for s in result.steps}
    assert [s.notebook for s in result.steps][-2:] == ["reconciliation", "bulletin"]
    assert (result.output_dir / "bulletin" / "bulletin_ru.pdf").exists()


def test_reasons_when_the_last_run_has_no_record_of_a_step(tmp_path):
    from pipeline.run import Step, _reuse

    fingerprint = {"tables": "a"}
    for last, reason in ((None, "no previous run"),
                         ({"steps": [{"notebook": "reconciliation", "status": "ran"}]},
                          "the last run did not record this step's inputs (or rendered only some editions)"),
                         ({"steps": [{"notebook": "reconciliation", "status": "ran", "fingerprint": {"tables": "b"}}]},
                          "changed: tables")):
        step = Step("reconciliation", fingerprint=fingerprint)
        assert not _reuse(step, last, tmp_path, tmp_path, force=False)
        assert step.reason == reason
