"""Synthetic periods: valid at any scale, reproducible from their seed, labelled synthetic."""
from __future__ import annotations

from pipeline.cli import main
from pipeline.data.io import validate_period
from pipeline.data.periods import load_period
from pipeline.intake.synthetic import write_period
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


def test_a_synthetic_period_says_it_is_synthetic_in_its_tables_package_and_maps(tmp_path):
    from pipeline.outputs import datapackage, maps, processed
    from pipeline.parts import incidents
    from pipeline.parts.inputs import load_inputs
    from pipeline.run.engine import all_steps
    from pipeline.run.steps import Record, Run

    root = copy_reference(tmp_path / "data")
    assert main(["--data-root", str(root), "synthesize", "2030-01_2030-09", "--scale", "2", "--seed", "3"]) == 0
    part = load_inputs(incidents, "2030-01_2030-09", root)
    out = tmp_path / "out"
    tables = incidents.tables(part)
    processed.save_tables(out, tables)
    package = datapackage.build(out, part.period)
    assert "Synthetic data" in package["description"] and "data origin: synthetic" in package["keywords"]
    figure = maps.violations_maps(tables["incidents_by_oblast"], part.reference["hrd_categories"],
                                  maps.load_geography(part.period), part.period)["violations_all_ru"]
    assert any("Синтетические данные" in a.text for a in figure.layout.annotations)
    run = Run(period=part.period, folder=out, scratch=tmp_path, parameters={})
    reconciliation = next(s for s in all_steps() if s.name == "reconciliation")
    reconciliation.execute(run, tmp_path / "reconciled", Record("reconciliation"))
    assert not (tmp_path / "reconciled").exists(), "no published figures for a synthetic period: nothing to reconcile"
    assert reconciliation.summary(run, Record("reconciliation")).startswith("no published figures")
