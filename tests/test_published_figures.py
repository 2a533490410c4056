"""Bulletin No. 5's survey figures, recomputed from the processed tables of a run.

The recomputation reads only what the run published (tables/*.parquet), never constants: a test
below changes a processed table and sees the reconciliation notice it.
"""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline.data.figures import agrees, leaves
from pipeline.data.periods import load_period
from pipeline.outputs import reconcile

PUBLISHED = reconcile.published_tree(load_period("2015-08_2016-04"))  # published_figures.yml + matrix
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
    expected = [path for path, _, _ in leaves(reconcile.figures_of(PUBLISHED))]
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
    assert by_oblast["respondents"].sum() == PUBLISHED["sample"]["respondents"]  # no regional total is below 3
    headlines = tables["period_headlines"].set_index("figure")["value"]
    assert headlines["individuals"] == PUBLISHED["sample"]["individuals"]
    assert headlines["organizations"] == PUBLISHED["sample"]["organizations"]
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


# Figures the bulletin contradicts itself on: the data follows its most detailed table (the matrix).
CONTRADICTED = {
    "incidents.top_types.refusal_of_information.count",  # text 60, matrix row 59
    "incidents.top_types.court_proceedings.count",  # text 48, matrix row and its own split 47
    "incidents.top_types.demand_to_remove_publication.count",  # text 27, matrix row 26
    "incidents.top_types.demand_to_remove_publication.rank",  # 4th, but police detention (28) ranks above
    "media.demand_to_remove_rank",  # the same rank, repeated in Part IV
    "incidents.riskiest_cities.Almaty",  # text 70, matrix column alone 90
}


def test_every_figure_is_recomputed_and_only_contradictions_disagree(reconciliation):
    assert (reconciliation["status"] != "not_recomputed").all()
    assert (reconciliation["status"] != "missing").all()
    disagreeing = set(reconciliation.loc[reconciliation["status"] == "disagrees", "figure"])
    assert disagreeing == CONTRADICTED


def test_each_disagreement_says_why_in_both_languages_with_the_figures_worked_out(reconciliation):
    rows = reconciliation[reconciliation["status"] == "disagrees"].set_index("figure")
    assert (rows["reason_ru"].str.len() > 40).all() and (rows["reason_en"].str.len() > 40).all()
    refusal = rows.loc["incidents.top_types.refusal_of_information.count"]
    assert "«Отказ в предоставлении информации» его же матрицы даёт 59" in refusal["reason_ru"]
    assert "«Задержание полицией» (28)" in rows.loc["incidents.top_types.demand_to_remove_publication.rank", "reason_ru"]
    assert "дают городу «Алматы» 90 нарушений, больше 70" in rows.loc["incidents.riskiest_cities.Almaty", "reason_ru"]
    agreeing = reconciliation[reconciliation["status"] == "agrees"]
    assert (agreeing["reason_ru"] == "").all(), "no reason stays attached to a figure that is met"


def test_a_reason_follows_the_data(reconciliation):
    """Had the data given 60 refusals, the figure would agree and carry no reason; with 58, the
    reason says the recomputation and the matrix row differ, instead of a stale sentence."""
    from pipeline.outputs.reconcile import reason

    source = {"where": {"threat_type": "information_refused"}, "why": "matrix_row"}
    tables = {"incidents_by_type": pd.DataFrame({"threat_type": ["information_refused"], "name_ru": ["Отказ"],
                                                 "name_en": ["Refusal"]})}
    matrix = {"incidents_matrix": {"information_refused": {"almaty": 50, "astana": 9}}}
    assert "его же матрицы даёт 59" in reason(source, "count", 60, 59, tables, matrix)["reason_ru"]
    assert reason(source, "count", 60, 58, tables, matrix)["reason_en"] == (
        'the matrix row "Refusal" sums to 59, the text says 60, the recomputation gives 58')


def test_no_code_id_in_the_titles(reconciliation):
    assert not reconciliation["title_ru"].str.contains(r"[a-z]+_[a-z]+").any()
    assert not reconciliation["title_ru"].str.contains(r"\b(?:survey|incidents|media|dynamics)\.").any()


@pytest.mark.parametrize("figure,published", [(p, v) for p, v, _ in leaves({k: v for k, v in PUBLISHED.items()
                                                                             if k in ("incidents", "media", "dynamics", "incidents_matrix")})])
def test_part_three_to_five_figure(reconciliation, figure, published):
    row = reconciliation.set_index("figure").loc[figure]
    expected = "disagrees" if figure in CONTRADICTED else "agrees"
    assert row["status"] == expected, f"{figure}: published {published}, recomputed {row['recomputed']} ({row['basis']})"


def test_matrix_cell_by_cell_from_the_violations(tables):
    """The bulletin's matrix against the processed matrix table, every cell (zeros included)."""
    matrix = tables["incidents_matrix"]
    for threat_type, row in PUBLISHED["incidents_matrix"].items():
        for city, published in row.items():
            cell = matrix[(matrix["threat_type"] == threat_type) & (matrix["city"] == city)]["violations"]
            assert int(cell.sum()) == published, (threat_type, city)


def test_court_and_state_figures_from_tables(tables):
    summary = tables["incidents_summary"].set_index("measure")["value"]
    incidents = PUBLISHED["incidents"]
    assert summary["proceedings_against_hrds"] == incidents["proceedings_against_hrds"]
    assert summary["lawsuits_by_hrds_against_state"] == incidents["lawsuits_by_hrds_against_state"]
    court = tables["incidents_court"]
    convictions = court.loc[court["court_outcome"] == "conviction", "proceedings"].sum()
    acquittals = court.loc[court["court_outcome"] == "acquittal", "proceedings"].sum()
    assert convictions == 10 * acquittals > 0
    response = tables["incidents_state_response"].set_index("response")
    assert agrees(incidents["state_ignored_pct"], response.loc["ignored", "share_pct"])
    assert agrees(incidents["state_reaction_useful_share"],
                  response.loc["useful", "violations"] / response.loc[["useful", "formal"], "violations"].sum())


def test_sources_ranked_as_published(tables):
    ranked = tables["incidents_by_source"].sort_values("violations", ascending=False)["source"].head(3).tolist()
    assert ranked == ["police", "akimat", "court"]
    plaintiffs = tables["incidents_plaintiffs"].sort_values("proceedings", ascending=False)["source"].head(3).tolist()
    assert plaintiffs == ["police", "akimat", "private_person"]


def test_media_figures_from_tables(tables):
    media = PUBLISHED["media"]
    by_wave = tables["media_by_wave"]
    assert by_wave["materials"].sum() == media["materials"]
    assert (by_wave["cases_covered"].min(), by_wave["cases_covered"].max()) == (30, 33)
    per_city_wave = tables["media_by_city_wave"].pivot(index="city", columns="wave", values="materials")
    most = {"Aktobe": "aktobe", "Almaty": "almaty", "Pavlodar": "pavlodar", "Astana": "astana"}
    assert ((per_city_wave.loc[[most[c] for c in media["most_covered"]]] >= 10) &
            (per_city_wave.loc[[most[c] for c in media["most_covered"]]] <= 20)).all().all()
