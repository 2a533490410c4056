"""The survey tables against the raw questionnaires, counted again with plain pandas."""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline.data.codebook import load_codebook
from pipeline.data.io import load_division, load_raw
from pipeline.data.periods import load_period
from pipeline.parts import survey

PERIOD = "2015-08_2016-04"


@pytest.fixture(scope="module")
def raw():
    return load_raw(PERIOD)


@pytest.fixture(scope="module")
def csv():
    folder = load_period(PERIOD).raw_dir
    return {"individuals": pd.read_csv(folder / "survey_individuals.csv", dtype=str, keep_default_na=False),
            "organizations": pd.read_csv(folder / "survey_organizations.csv", dtype=str, keep_default_na=False)}


def test_every_coded_share_matches_a_plain_count(raw, csv):
    book = load_codebook()
    shares = pd.concat([survey.portrait(raw)["shares"], survey.security(raw)["shares"]])
    checked = 0
    for row in shares.itertuples():
        groups = ["individuals", "organizations"] if row.group == "all" else [row.group]
        frames = [csv[g] for g in groups]
        column = next((c for f in book.files.values() for c in f.columns if c.item_name == row.item), None)
        if column.summary == "multi":
            name = next(c.name for f in book.files.values() for c in f.columns if c.answer == row.answer)
            count = sum((f[name] == "yes").sum() for f in frames)
        elif column.summary == "events":
            count = sum((f[row.item].replace("", "0").astype(int) > 0).sum() for f in frames)
        elif row.answer in book.derived_answers.get(column.codes, {}):
            sources = book.derived_answers[column.codes][row.answer]["from"]
            count = sum(f[row.item].isin(sources).sum() for f in frames)
        else:
            count = sum((f[row.item] == row.answer).sum() for f in frames)
        assert row.count == count, (row.item, row.group, row.answer)
        checked += 1
    assert checked > 100


def test_bases_exclude_non_response(raw, csv):
    shares = survey.security(raw)["shares"]
    row = shares[(shares["item"] == "needs_security_information") & (shares["group"] == "all")].iloc[0]
    answered = sum((f["needs_security_information"] != "").sum() for f in csv.values())
    assert row["base"] == answered and row["non_response"] == 131 - answered


def test_appeal_result_is_over_those_who_appealed(raw):
    shares = survey.security(raw)["shares"]
    result = shares[(shares["item"] == "law_enforcement_result") & (shares["group"] == "all")]
    appealed = shares[(shares["item"] == "law_enforcement_appeal") & (shares["group"] == "all") & (shares["answer"] == "yes")]
    assert (result["base"] == appealed["count"].iloc[0]).all()


def test_stats_match_plain_pandas(raw, csv):
    stats = survey.portrait(raw)["stats"].set_index(["item", "group"])
    funding = csv["organizations"]["annual_funding_usd"].astype(int)
    assert stats.loc[("annual_funding_usd", "organizations"), "mean"] == pytest.approx(funding.mean())
    assert stats.loc[("annual_funding_usd", "organizations"), "max"] == funding.max()
    both = pd.concat([csv["individuals"]["experience_years"], csv["organizations"]["experience_years"]]).astype(int)
    assert stats.loc[("experience_years", "all"), "n"] == len(both)
    assert stats.loc[("experience_years", "all"), "median"] == both.median()


def test_every_region_listed_once(raw):
    period = load_period(PERIOD)
    table = survey.respondents_by_oblast(raw, load_division(period), min_cell=3)
    assert list(table["oblast"]) == sorted(load_division(period)["code"])
    shown = table.dropna(subset=["individuals", "organizations"])
    assert (shown["respondents"] == shown["individuals"] + shown["organizations"]).all()


def test_tables_hold_aggregates_only(raw):
    """No table of Parts I-II has a respondent id or one row per respondent (HRD data is sensitive)."""
    for tables in (survey.portrait(raw), survey.security(raw)):
        for frame in tables.values():
            assert "respondent_id" not in frame.columns
            text = frame.to_csv()
            assert "IND-0" not in text and "ORG-0" not in text
