"""What users of a research repository expect: a licence, a citation, a changelog, a version, help
with examples for every command, a project kernel, `make lab`, the tables described, a way for
reviewers to verify a run, and run records without the machine's paths."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import yaml

from pipeline.cli import build_parser, main
from pipeline.paths import REPO_ROOT
from tests.conftest import PERIOD


def test_licence_citation_and_changelog():
    licence = (REPO_ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License") and "Natural Earth" in licence and "public domain" in licence
    citation = yaml.safe_load((REPO_ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] and citation["title"] and citation["license"] == "MIT"
    version = re.search(r'^version = "([^"]+)"', (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M).group(1)
    assert citation["version"] == version
    assert f"## {version} " in (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and re.fullmatch(r"hrd-bulletin \d+\.\d+\.\d+\n", capsys.readouterr().out)


def test_every_command_and_argument_has_help_and_every_command_an_example():
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert set(commands) >= {"run", "render", "validate", "periods", "steps", "tables", "verify", "reconstruct",
                             "codebook", "synthesize"}
    for name, command in commands.items():
        assert command.description and f"hrd-bulletin {name}" in command.epilog, name
        for action in command._actions:
            if action.dest != "help":
                assert action.help, (name, action.dest)


def test_the_project_kernel_is_installed_by_setup():
    """make setup installs it into .venv (JupyterLab lists it)."""
    jupyter = REPO_ROOT / ".venv" / "bin" / "jupyter"
    listed = json.loads(subprocess.run([str(jupyter), "kernelspec", "list", "--json"], capture_output=True, text=True,
                                       check=True).stdout)
    assert "kz-hrd-bulletin" in listed["kernelspecs"]


def test_make_lab_starts_jupyterlab_also_as_root():
    if shutil.which("make") is None:
        pytest.skip("make is not on this machine")
    planned = subprocess.run(["make", "-n", "lab"], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    lab = next(line for line in planned.splitlines() if "jupyter lab" in line)
    assert "notebooks/" in lab and "--allow-root" in lab  # added only when the user is root


def test_tables_command_describes_every_table(capsys):
    from pipeline.outputs.datapackage import tables_meta

    assert main(["tables"]) == 0
    out = capsys.readouterr().out
    for name in tables_meta():
        assert f"\n{name}: " in "\n" + out, name
    assert "# portrait\nsurvey_respondents_by_oblast: Respondents by region" in out


def test_tables_command_for_a_period_never_run_says_so_and_fails(data_root, capsys):
    assert main(["--data-root", str(data_root), "tables", PERIOD]) == 2
    err = capsys.readouterr().err
    assert f"processed/{PERIOD}/tables" in err and f"run `hrd-bulletin run {PERIOD}` first" in err


def test_tables_command_with_a_run_gives_rows(period_run, capsys):
    assert main(["--data-root", str(period_run.output_dir.parent.parent), "tables", PERIOD]) == 0
    assert "survey_respondents_by_oblast: Respondents by region / Респонденты по регионам  [16 rows]" in capsys.readouterr().out


def test_the_run_record_carries_no_machine_paths(period_run):
    record = json.loads((period_run.output_dir / "run.json").read_text(encoding="utf-8"))
    assert record["parameters"]["output_dir"] == f"processed/{PERIOD}"
    data_root = period_run.output_dir.parent.parent
    assert record["parameters"]["data_root"] == str(data_root)  # the tests' data root lies outside the repository
    assert all(not key.startswith("/") for key in (*record["inputs"], *record["code"], *record["outputs"]))


def test_verify_says_equal_or_different_for_every_output(period_run, tmp_path, capsys):
    root = tmp_path / "data"
    shutil.copytree(period_run.output_dir.parent.parent, root, ignore=shutil.ignore_patterns(".staging", ".failed", ".locks"))
    theirs = tmp_path / "their_run.json"
    shutil.copy(root / "processed" / PERIOD / "run.json", theirs)
    assert main(["--data-root", str(root), "verify", PERIOD, "--against", str(theirs)]) == 0
    out = capsys.readouterr().out
    assert "AGREE" in out and "equal                                    output tables/incidents_matrix.csv" in out
    table = root / "processed" / PERIOD / "tables" / "incidents_matrix.csv"
    table.write_text(table.read_text(encoding="utf-8").replace("1", "2", 1), encoding="utf-8")
    assert main(["--data-root", str(root), "verify", PERIOD, "--against", str(theirs)]) == 1
    out = capsys.readouterr().out
    assert "DIFFER" in out and "different                                output tables/incidents_matrix.csv" in out


def test_verify_checks_every_file_the_run_read_and_says_the_verdict_first(data_root, capsys):
    from pipeline.run.engine import run_period
    from tests.fake_steps import fake_steps

    record = run_period(PERIOD, data_root, steps=fake_steps(), progress=False).output_dir / "run.json"
    inputs = json.loads(record.read_text(encoding="utf-8"))["inputs"]
    for read in ("raw/reference/threat_types.csv", "raw/reference/gazetteer.csv", "raw/reference/boundaries/kz_2015.geojson"):
        assert read in inputs, read
    reference = data_root / "raw" / "reference" / "threat_types.csv"
    reference.write_text(reference.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert main(["--data-root", str(data_root), "verify", PERIOD]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("DIFFER: ") and "1 different" in out[1]
    assert out[3] == "differences:" and out[4].startswith("different") and out[4].endswith("input  raw/reference/threat_types.csv")


@pytest.mark.parametrize("change,words", [
    (lambda r: r | {"period": "2016-05_2017-01"}, "a run record of period 2015-08_2016-04"),
    (lambda r: r | {"inputs": {"../../../../../etc/shadow": "0" * 64}}, "a relative path inside the data root"),
    (lambda r: r | {"outputs": {"/etc/passwd": "0" * 64}}, "a relative path inside the data root"),
    (lambda r: r | {"outputs": "x"}, "file names mapped to SHA-256 digests"),
    (lambda r: r | {"inputs": None}, "file names mapped to SHA-256 digests"),
])
def test_verify_refuses_a_record_it_should_not_trust(data_root, tmp_path, capsys, change, words):
    from pipeline.run.engine import run_period
    from tests.fake_steps import fake_steps

    record = json.loads((run_period(PERIOD, data_root, steps=fake_steps(), progress=False).output_dir / "run.json")
                        .read_text(encoding="utf-8"))
    theirs = tmp_path / "their_run.json"
    theirs.write_text(json.dumps(change(record)), encoding="utf-8")
    assert main(["--data-root", str(data_root), "verify", PERIOD, "--against", str(theirs)]) == 2
    err = capsys.readouterr().err
    assert "their_run.json" in err and words in err and "Traceback" not in err


def test_verify_can_run_the_period_again(data_root, monkeypatch):
    """--rerun runs the period from its raw data in a folder of its own and compares that run (here
    with the engine's cheap stand-in steps, as in the engine's tests)."""
    from pipeline.run import engine, verify
    from pipeline.run.engine import run_period
    from tests.fake_steps import fake_steps

    record = run_period(PERIOD, data_root, steps=fake_steps(), progress=False).output_dir / "run.json"
    monkeypatch.setattr(engine, "run_period", lambda period_id, root, **kw: run_period(period_id, root, steps=fake_steps(),
                                                                                        progress=False))
    report, same = verify.verify(PERIOD, data_root, against=record, rerun=True)
    assert same and "a fresh run of" in report and "equal" in report
