"""Bulletin No. 5's survey figures, recomputed from the processed tables of a run.

The recomputation reads only what the run published (tables/*.parquet), never constants: a test
below changes a processed table and sees the reconciliation notice it.
"""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline import reconcile
from pipeline.figures import agrees, leaves, load_published
from pipeline.paths import REPO_ROOT

PUBLISHED = load_published(REPO_ROOT / "data" / "raw" / "2015-08_2016-04" / "published_figures.yml")
SURVEY_SECTIONS = ("sample", "survey_individuals", "survey_organizations", "survey_all")


def survey_figures():
    tree = {k: v for k, v in PUBLISHED.items() if k in SURVEY_SECTIONS}
    return [(path, value) for path, value, _ in leaves(tree)]


@pytest.fixture(scope="module")
def tables(period_run):
    return reconcile.load_tables(period_run.output_dir)


@pytest.fixture(scope="module")
def reconciliation(period_run):
    return pd.read_csv(period_run.output_dir / "reconciliation.csv", keep_default_na=False)


def test_every_published_figure_has_a_reconciliation_row(reconciliation):
    expected = [path for path, _, _ in leaves({k: v for k, v in PUBLISHED.items() if k != "period"})]
    assert list(reconciliation["figure"]) == expected


@pytest.mark.parametrize("figure,published", survey_figures(), ids=[p for p, _ in survey_figures()])
def test_survey_figure_agrees(reconciliation, figure, published):
    row = reconciliation.set_index("figure").loc[figure]
    assert row["status"] == "agrees", f"{figure}: published {published}, recomputed {row['recomputed']} ({row['basis']})"


def share(tables, group, item, answer):
    frame = pd.concat([t for name, t in tables.items() if name.endswith("_shares")])
    row = frame[(frame["group"] == group) & (frame["item"] == item) & (frame["answer"] == answer)]
    assert len(row) == 1, (group, item, answer)
    return int(row["count"].iloc[0]), int(row["base"].iloc[0])


def stat(tables, group, item, name):
    frame = pd.concat([t for name_, t in tables.items() if name_.endswith("_stats")])
    row = frame[(frame["group"] == group) & (frame["item"] == item)]
    assert len(row) == 1, (group, item)
    return float(row[name].iloc[0])


def test_headline_figures_read_directly_from_tables(tables):
    """A hand-written check of some figures, independent of published_figures.map.yml."""
    by_oblast = tables["survey_respondents_by_oblast"]
    assert by_oblast["respondents"].sum() == PUBLISHED["sample"]["respondents"]
    assert by_oblast["individuals"].sum() == PUBLISHED["sample"]["individuals"]
    ind = PUBLISHED["survey_individuals"]
    assert share(tables, "individuals", "gender", "female") == (ind["gender"]["female"]["count"], 79)
    count, base = share(tables, "individuals", "has_security_protocol", "no")
    assert agrees(ind["no_security_protocol"]["pct"], 100 * count / base)
    org = PUBLISHED["survey_organizations"]
    for stat_name in ("mean", "min", "max"):
        assert agrees(org["annual_funding_usd"][stat_name], stat(tables, "organizations", "annual_funding_usd", stat_name))
    attacks = PUBLISHED["survey_all"]["attacks_experienced"]["information"]
    assert share(tables, "all", "attacks_information", "at_least_one") == (attacks["all"]["count"], 131)
    assert agrees(attacks["mean"], stat(tables, "all", "attacks_information", "mean"))
    count, base = share(tables, "all", "needs_security_training", "yes")
    assert base < 131, "the printed 68.3% cannot be met with 131 answers: item non-response is expected"
    assert agrees(PUBLISHED["survey_all"]["needs_security_training"]["pct"], 100 * count / base)


def test_reconciliation_reads_the_tables_not_constants(tables):
    changed = {name: t.copy() for name, t in tables.items()}
    shares = changed["survey_portrait_shares"]
    mask = (shares["group"] == "individuals") & (shares["item"] == "gender") & (shares["answer"] == "female")
    shares.loc[mask, "count"] = 44
    result = reconcile.reconcile(PUBLISHED, changed).set_index("figure")
    assert result.loc["survey_individuals.gender.female.count", "status"] == "disagrees"
    assert result.loc["survey_individuals.gender.female.pct", "status"] == "disagrees"
    assert result.loc["survey_individuals.gender.male.count", "status"] == "agrees"


def test_a_missing_table_is_reported_not_skipped(tables):
    partial = {k: v for k, v in tables.items() if k != "survey_security_stats"}
    result = reconcile.reconcile(PUBLISHED, partial).set_index("figure")
    assert result.loc["survey_all.self_rated_security.mean", "status"] == "missing"


def test_figures_not_yet_recomputed_say_so(reconciliation):
    rest = reconciliation[~reconciliation["figure"].str.split(".").str[0].isin(SURVEY_SECTIONS)]
    assert set(rest["status"]) <= {"not_recomputed", "agrees"}
    assert (rest.loc[rest["status"] == "not_recomputed", "basis"] != "").all()
