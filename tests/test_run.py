"""Running a period: outputs, data package, run record, determinism, and failure handling."""
from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from frictionless import Package

from pipeline import paths
from pipeline.checksums import sha256
from pipeline.outputs.datapackage import tables_meta
from pipeline.registry import Entry
from pipeline.run.engine import (
    RunFailed,
    all_steps,
    period_notebooks,
    run_period,
    steps_named,
)
from pipeline.run.notebooks import stable_view
from pipeline.run.steps import NotebookStep

PERIOD = "2015-08_2016-04"


def tree_hashes(folder, pattern="**/*"):
    return {p.relative_to(folder).as_posix(): sha256(p) for p in sorted(folder.glob(pattern)) if p.is_file()}


def test_run_produces_every_described_table_and_nothing_else(period_run):
    """Every table a part's metadata describes is written, as Parquet and CSV with the same rows,
    and no table is written that is not described (the previous period's comparison needs one)."""
    out = period_run.output_dir
    described = set(tables_meta()) - {"reconciliation", "dynamics_vs_previous", "dynamics_regions_vs_previous"}
    written = {p.stem for p in (out / "tables").glob("*.parquet")}
    assert written == described
    for name in written:
        parquet, csv = pd.read_parquet(out / "tables" / f"{name}.parquet"), pd.read_csv(out / "tables" / f"{name}.csv")
        assert len(parquet) == len(csv) > 0 and list(parquet.columns) == list(csv.columns), name
    assert sorted(p.name for p in (out / "notebooks").glob("*.ipynb")) == sorted(p.name for p in period_notebooks())
    for name in ("datapackage.json", "run.json", "reconciliation.csv"):
        assert (out / name).exists()
    assert not any((out.parent / ".staging").glob("*")), "staging folders are cleaned up"


def test_executed_notebooks_received_the_period_parameters(period_run):
    nb = nbformat.read(period_run.output_dir / "notebooks" / "03_incidents.ipynb", as_version=4)
    assert nb.metadata["papermill"]["parameters"]["period"] == PERIOD
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "output_dir" in injected[0].source


def test_data_package_is_valid(period_run):
    report = Package(str(period_run.output_dir / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = json.loads((period_run.output_dir / "datapackage.json").read_text(encoding="utf-8"))
    assert "reconstructed" in package["description"]
    for resource in package["resources"]:
        assert resource["hash"] == "sha256:" + sha256(period_run.output_dir / resource["path"])
        if "parquet" in resource:
            assert resource["parquet"]["hash"] == "sha256:" + sha256(period_run.output_dir / resource["parquet"]["path"])


def test_run_record_lists_inputs_outputs_versions_and_times(period_run):
    out = period_run.output_dir
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["parameters"]["period"] == PERIOD
    assert record["packages"]["pandas"] and record["packages"]["papermill"]
    assert set(record["outputs"]) == set(tree_hashes(out)) - {"run.json"}
    assert all(record["outputs"][k] == v for k, v in tree_hashes(out).items() if k != "run.json")
    raw = f"raw/{PERIOD}/survey_individuals.csv"
    assert record["inputs"][raw] == sha256(out.parent.parent / raw)
    assert "raw/reference/divisions/kz_2015.csv" in record["inputs"]
    assert "notebooks/01_portrait.ipynb" in record["code"]
    assert [s["step"] for s in record["steps"]] == [s.name for s in all_steps()]
    assert all(s["status"] == "ran" and s["seconds"] > 0 for s in record["steps"])


def test_a_step_run_again_elsewhere_gives_the_same_bytes(period_run, tmp_path):
    """Part IV (tables, maps as HTML, PNG and SVG, an executed notebook with interactive outputs)
    executed again in another data root: the same bytes; its notebook differs only in the fields
    pipeline/run/notebooks.py documents as volatile. (The benchmark floor's test compares every
    table and map of the period, computed in another process.)"""
    first = period_run.output_dir
    root = tmp_path / "data"
    shutil.copytree(first.parent.parent / "raw", root / "raw")
    second = run_period(PERIOD, root, steps=steps_named("media"), progress=False).output_dir
    for pattern in ("tables/media_*", "maps/media_*"):
        assert tree_hashes(first, pattern) == tree_hashes(second, pattern) != {}
    a = nbformat.writes(stable_view(first / "notebooks" / "04_media.ipynb", {str(first.parent.parent): "<data_root>"}))
    b = nbformat.writes(stable_view(second / "notebooks" / "04_media.ipynb", {str(root): "<data_root>"}))
    differences = "".join(difflib.unified_diff(a.splitlines(True), b.splitlines(True), "first run", "second run", n=1))
    assert not differences, differences[:4000]  # the lines that differ, not two whole notebooks


def failing_notebook(folder):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('period = None\ndata_root = None\noutput_dir = None')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("raise ValueError('broken step')")]
    path = folder / "03_broken.ipynb"
    nbformat.write(nb, path)
    return path


def test_failed_notebook_stops_the_run_and_keeps_last_good_outputs(period_run, tmp_path, capsys):
    root = tmp_path / "data"
    shutil.copytree(period_run.output_dir.parent.parent / "raw", root / "raw")
    quick = steps_named("overview")  # the failure handling does not depend on which steps ran
    good = run_period(PERIOD, root, steps=quick, progress=False).output_dir
    before = tree_hashes(good)
    broken = NotebookStep(Entry(name="broken", kind="notebook", notebook=str(failing_notebook(tmp_path))))
    with pytest.raises(RunFailed) as failure:
        run_period(PERIOD, root, steps=quick + [broken], progress=False)
    message = str(failure.value)
    assert "03_broken.ipynb" in message and "cell" in message and "ValueError: broken step" in message
    assert tree_hashes(good) == before, "the last good outputs are untouched"
    failed = root / "processed" / ".failed" / PERIOD / "notebooks" / "03_broken.ipynb"
    assert failed.exists()
    assert "last good run are untouched" in capsys.readouterr().err


def test_cli_reports_bad_input_and_exits_non_zero(data_root, capsys):
    from pipeline.cli import main

    path = data_root / "raw" / PERIOD / "survey_individuals.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",female,", ",femal,", 1), encoding="utf-8")
    assert main(["--data-root", str(data_root), "run", PERIOD, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "survey_individuals.csv" in err and "column 'gender'" in err and "'femal'" in err
    assert not (data_root / "processed" / PERIOD).exists()


def test_repository_layout_of_the_design_card():
    for name in ("notebooks", "pipeline", "data/raw", "data/processed", "report", "tests"):
        assert (paths.REPO_ROOT / name).is_dir(), name
    for name in ("report/_quarto.yml", "environment.yml", "README.md", "requirements.lock", ".ci/run"):
        assert (paths.REPO_ROOT / name).is_file(), name


@pytest.mark.e2e
def test_a_cells_prints_are_one_output_however_the_kernel_sent_them(tmp_path):
    """Two prints with a pause between reach papermill as two messages (under load, even without a
    pause): the executed notebook keeps one stream output, so its bytes do not depend on the load."""
    import tempfile

    from pipeline.run.kernels import execute_notebook

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell("period = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("import time\nprint('Written: a', flush=True)\ntime.sleep(0.5)\nprint('Maps written: b')")]
    nbformat.write(nb, tmp_path / "prints.ipynb")
    scratch = tempfile.mkdtemp(prefix="k")  # short: the kernel's sockets live there
    try:
        execute_notebook(tmp_path / "prints.ipynb", tmp_path / "out.ipynb", {"period": "p"}, progress=False, scratch=Path(scratch))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    outputs = nbformat.read(tmp_path / "out.ipynb", as_version=4).cells[-1].outputs
    assert [(o.output_type, o.name, o.text) for o in outputs] == [("stream", "stdout", "Written: a\nMaps written: b\n")]


def test_no_table_writes_a_whole_number_as_a_decimal(period_run):
    """391, not 391.0: counts are whole numbers in every CSV (also in a column that holds ratios
    beside them), and media_summary's counts are integers in Parquet too."""
    import csv
    import re

    for path in sorted((period_run.output_dir / "tables").glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as handle:
            cells = [cell for row in csv.reader(handle) for cell in row]
        assert not [c for c in cells if re.fullmatch(r"-?[0-9]+\.0", c)], path.name
    assert pd.read_parquet(period_run.output_dir / "tables" / "media_summary.parquet")["value"].dtype == "int64"


def test_whole_numbers_are_written_without_a_decimal_and_others_exactly(tmp_path):
    from pipeline.outputs.processed import write_table

    frame = pd.DataFrame({"measure": ["violations", "ratio", "share", "none", "minus"],
                          "value": [391.0, 2.5, 54.43037974683544, float("nan"), -0.0]})
    csv_path = write_table(frame, tmp_path, "summary")[1]
    assert csv_path.read_text(encoding="utf-8") == (
        "measure,value\nviolations,391\nratio,2.5\nshare,54.43037974683544\nnone,\nminus,0\n")
    assert pd.read_parquet(tmp_path / "tables" / "summary.parquet")["value"].dtype == "float64"
