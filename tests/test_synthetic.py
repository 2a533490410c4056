"""Synthetic periods: valid at any scale, reproducible from their seed, labelled synthetic."""
from __future__ import annotations

import json

from pipeline.cli import main
from pipeline.io import validate_period
from pipeline.periods import load_period
from pipeline.run import period_notebooks, run_period
from pipeline.synthetic import write_period
from tests.conftest import copy_reference


def test_synthetic_periods_are_valid_at_several_scales(tmp_path):
    root = copy_reference(tmp_path / "data")
    for scale, period in ((1, "2030-01_2030-09"), (5, "2031-01_2031-12")):
        write_period(root, period, scale=scale, seed=scale)
        tables = validate_period(load_period(period, root))
        assert len(tables["violations"]) == round(407 * scale)
        assert len(tables["individuals"]) == round(79 * scale)
        assert load_period(period, root).data_origin == "synthetic"


def test_same_seed_same_bytes(tmp_path):
    root = copy_reference(tmp_path / "data")
    a = write_period(root, "2030-01_2030-09", scale=2, seed=7)
    first = {p.name: p.read_bytes() for p in a.iterdir()}
    write_period(root, "2030-01_2030-09", scale=2, seed=7, replace=True)
    assert first == {p.name: p.read_bytes() for p in a.iterdir()}


def test_a_synthetic_period_runs_and_says_it_is_synthetic(tmp_path):
    root = copy_reference(tmp_path / "data")
    assert main(["--data-root", str(root), "synthesize", "2030-01_2030-09", "--scale", "2", "--seed", "3"]) == 0
    notebooks = [p for p in period_notebooks() if p.name.startswith(("00", "03"))]
    out = run_period("2030-01_2030-09", root, notebooks=notebooks, progress=False, bulletin=False).output_dir
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert "Synthetic data" in package["description"]
    assert not (out / "reconciliation.csv").exists()  # no published figures for a synthetic period
    assert "Синтетические данные" in (out / "maps" / "violations_all_ru.svg").read_text(encoding="utf-8")
