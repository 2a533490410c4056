"""Several periods in one command: one after the other, period N's dynamics against period N-1's
processed tables, a failed period stopping only those after it. Synthetic periods (no personal data)."""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.data.errors import InputError
from pipeline.intake.synthetic import write_period
from pipeline.run.batch import print_summary, run_order, run_periods, summary
from tests.conftest import copy_reference

FIRST, SECOND, THIRD = "2030-01_2030-09", "2030-10_2031-06", "2031-07_2032-03"


@pytest.fixture
def chained(tmp_path):
    """Three synthetic periods, each naming the one before as its previous period."""
    root = copy_reference(tmp_path / "data")
    write_period(root, FIRST, scale=0.1, seed=1)
    write_period(root, SECOND, scale=0.1, seed=2, previous=FIRST)
    write_period(root, THIRD, scale=0.1, seed=3, previous=SECOND)
    return root


def test_the_command_runs_every_period_and_ends_with_a_summary(chained, capfd):
    """`run --all` is the batch (the runs themselves are tested below, on Part V alone). Every
    period here has bad input, so the command ends before any notebook runs."""
    for period in (FIRST, SECOND, THIRD):
        bad = chained / "raw" / period / "survey_individuals.csv"
        bad.write_text(bad.read_text(encoding="utf-8").replace("IND-", "XX-", 1), encoding="utf-8")
    assert main(["--data-root", str(chained), "run", "--all", "--no-bulletin", "--jobs", "3"]) == 1
    err = capfd.readouterr().err
    table = {line.split()[0]: line.split()[1] for line in err.splitlines()[-3:]}
    assert table == {FIRST: "FAILED", SECOND: "FAILED", THIRD: "FAILED"}
    assert f"[{SECOND}] " in err and "survey_individuals.csv, row 2, column 'respondent_id'" in err


def test_order_puts_each_period_after_its_previous_one(chained):
    order, waits = run_order([THIRD, FIRST, SECOND], chained)
    assert order == [FIRST, SECOND, THIRD]
    assert waits == {SECOND: FIRST, THIRD: SECOND}
    order, waits = run_order([THIRD, SECOND], chained)  # FIRST not in the batch: nothing to wait for
    assert waits == {THIRD: SECOND}


def test_a_cycle_of_previous_periods_is_refused(chained):
    path = chained / "raw" / FIRST / "period.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("previous_period: null", f"previous_period: {SECOND}"),
                    encoding="utf-8")
    with pytest.raises(InputError, match="previous_period"):
        run_order([FIRST, SECOND], chained)


# Part V alone: the step that compares against the previous period, real notebook and kernel
DYNAMICS = ("dynamics",)


@pytest.mark.e2e
def test_periods_run_in_order_and_dynamics_use_the_previous_period(chained):
    outcomes = run_periods([FIRST, SECOND], chained, jobs=2, bulletin=False, step_names=DYNAMICS)
    assert [(o.period, o.ok) for o in outcomes] == [(FIRST, True), (SECOND, True)], summary(outcomes)
    first = pd.read_parquet(chained / "processed" / FIRST / "tables" / "dynamics_national.parquet")
    against = pd.read_parquet(chained / "processed" / SECOND / "tables" / "dynamics_vs_previous.parquet")
    last_wave = first.iloc[-1]
    for row in against.itertuples():
        assert row.previous_period == pytest.approx(last_wave[row.measure])
    assert not (chained / "processed" / FIRST / "tables" / "dynamics_vs_previous.parquet").exists()

    # re-run of both: nothing changed, every notebook is copied from the last run
    again = run_periods([FIRST, SECOND], chained, jobs=2, bulletin=False, step_names=DYNAMICS)
    assert all(o.ok and o.ran == [] and o.skipped == ["dynamics"] for o in again), summary(again)


@pytest.mark.e2e
def test_a_failed_period_stops_the_ones_after_it_only(chained, capfd):
    bad = chained / "raw" / SECOND / "regional_assessments.csv"
    bad.write_text(bad.read_text(encoding="utf-8").replace("KZ-", "XX-", 1), encoding="utf-8")
    outcomes = run_periods([FIRST, SECOND, THIRD], chained, jobs=2, bulletin=False, step_names=DYNAMICS)
    print_summary(outcomes)
    assert not all(o.ok for o in outcomes)
    report = capfd.readouterr().err
    assert "regional_assessments.csv, row 2, column 'oblast'" in report  # the bad file is named in the log
    table = {line.split()[0]: line.split()[1] for line in report.splitlines()[-3:]}
    assert table == {FIRST: "ok", SECOND: "FAILED", THIRD: "FAILED"}
    assert "previous period failed" in report
    assert (chained / "processed" / FIRST / "run.json").exists()
    assert not (chained / "processed" / THIRD).exists()
