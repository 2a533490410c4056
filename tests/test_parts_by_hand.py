"""Each part on a few hand-made rows, with the expected values worked out by hand (not by running the
code): what a part computes, checked where a mistake would show at once."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from pipeline.data.periods import Period
from pipeline.outputs.datapackage import check_integers
from pipeline.parts import dynamics, incidents, media, overview, portrait, security, survey
from pipeline.parts.inputs import PartInputs

DIVISION = pd.DataFrame({"code": ["KZ-AKM", "KZ-AST", "KZ-ZHA"], "kind": ["oblast", "city", "oblast"],
                         "name_ru": ["Акмолинская область", "Астана", "Жамбылская область"],
                         "name_en": ["Akmola Region", "Astana", "Zhambyl Region"]})
WAVES = ({"wave": 1, "first_day": dt.date(2030, 1, 1), "last_day": dt.date(2030, 3, 31)},
         {"wave": 2, "first_day": dt.date(2030, 4, 1), "last_day": dt.date(2030, 6, 30)})


def period(min_cell: int | None = None) -> Period:
    return Period(id="2030-01_2030-06", bulletin_number=9, title_ru="Т", title_en="T", first_day=dt.date(2030, 1, 1),
                  last_day=dt.date(2030, 6, 30), division="kz_2015", data_origin="synthetic", previous=None, waves=WAVES,
                  raw_dir=Path("/nonexistent"), data_root=Path("/nonexistent"), min_cell_respondents=min_cell)


def inputs(raw: dict, reference: dict | None = None, previous: dict | None = None, min_cell: int | None = None) -> PartInputs:
    return PartInputs(period=period(min_cell), raw=raw, division=DIVISION, reference=reference or {}, previous=previous)


def test_every_part_has_the_same_entry_point():
    for part in (overview, portrait, security, incidents, media, dynamics):
        assert list(part.tables.__annotations__) == ["part", "return"], part.__name__


# --- the overview -------------------------------------------------------------------------------------
def test_overview_counts():
    raw = {"individuals": pd.DataFrame({"oblast": ["KZ-AKM"] * 3}), "organizations": pd.DataFrame({"oblast": ["KZ-AST"] * 2}),
           "cases": pd.DataFrame({"case_id": ["C1", "C2"], "observer_id": ["OBS-01", "OBS-01"]}),
           "violations": pd.DataFrame({"threat_type": ["a", "a", "b"], "oblast": ["KZ-AKM", "KZ-AKM", "KZ-ZHA"]}),
           "materials": pd.DataFrame({"outlet_id": ["O1", "O1", "O2", "O3"]}),
           "regional_assessments": pd.DataFrame({"oblast": ["KZ-AKM", "KZ-AKM", "KZ-AST"]})}
    got = overview.tables(inputs(raw))["period_headlines"].set_index("figure")["value"].to_dict()
    assert got == {"respondents": 5, "individuals": 3, "organizations": 2, "cases": 2, "violations": 3, "threat_types": 2,
                   "regions_with_violations": 2, "media_materials": 4, "media_outlets": 3, "regions_assessed": 2, "waves": 2,
                   "observers": 1, "division_regions": 2, "division_cities": 1}


# --- Parts I and II: the survey -------------------------------------------------------------------------
def test_respondents_by_region_with_small_counts_blanked():
    """AKM: 4 individuals, 2 NGOs (2 < 3: blank, and so is its partner, since the total 6 is shown);
    AST: 5 and 3; ZHA: none. The individuals' column would then have one blank, which the column's
    sum (9) would give away: a second cell is blanked, AST's 5 (the smallest shown non-zero), and
    with it AST's NGOs (its total 8 is shown)."""
    raw = {"individuals": pd.DataFrame({"oblast": ["KZ-AKM"] * 4 + ["KZ-AST"] * 5}),
           "organizations": pd.DataFrame({"oblast": ["KZ-AKM"] * 2 + ["KZ-AST"] * 3})}
    table = survey.respondents_by_oblast(raw, DIVISION, min_cell=3).set_index("oblast")
    assert table["respondents"].tolist() == [6, 8, 0]
    assert table["individuals"].isna().tolist() == [True, True, False] and table.loc["KZ-ZHA", "individuals"] == 0
    assert table["organizations"].isna().tolist() == [True, True, False]
    assert table["suppressed"].tolist() == ["individuals;organizations", "individuals;organizations", ""]


def test_a_share_is_of_those_who_answered():
    shares = pd.DataFrame({"item": ["gender"] * 2, "group": ["individuals"] * 2, "answer": ["female", "male"],
                           "count": [3, 1], "base": [4, 4], "item_ru": ["Пол"] * 2, "item_en": ["Gender"] * 2,
                           "answer_ru": ["женщины", "мужчины"], "answer_en": ["women", "men"]})
    assert survey.headline(shares, "individuals", "gender", "female", lang="ru") == "3 из 4 (75,0%)"
    assert survey.headline(shares, "individuals", "gender", "male", lang="en") == "1 of 4 (25.0%)"


# --- Part III: incidents ----------------------------------------------------------------------------------
TYPES = pd.DataFrame({"id": ["arrest", "threat", "search"], "category": ["legal", "physical", "legal"],
                      "name_ru": ["арест", "угроза", "обыск"], "name_en": ["arrest", "threat", "search"],
                      "origin": ["bulletin_matrix", "bulletin_matrix", "other"], "matrix_order": ["1", "2", ""]})
CATEGORIES = pd.DataFrame({"id": ["legal", "physical"], "name_ru": ["правовые", "физические"], "name_en": ["legal", "physical"]})
HRD = pd.DataFrame({"id": ["journalists", "lawyers"], "name_ru": ["журналисты", "юристы"], "name_en": ["journalists", "lawyers"]})


def violations() -> pd.DataFrame:
    """Four violations in three cases: two arrests (one a conviction), one threat, one search."""
    return pd.DataFrame({"case_id": ["C1", "C1", "C2", "C3"], "threat_type": ["arrest", "threat", "arrest", "search"],
                         "oblast": ["KZ-AKM", "KZ-AKM", "KZ-AST", "KZ-AKM"],
                         "hrd_category": ["journalists", "journalists", "lawyers", "journalists"],
                         "court_role": ["accused", None, "accused", None], "court_outcome": ["conviction", None, "acquittal", None],
                         "state_response": ["ignored", "formal", "useful", "ignored"]})


def test_violations_by_type_counts_shares_and_ranks():
    table = incidents.violations_by_type(violations(), TYPES, CATEGORIES).set_index("threat_type")
    assert table["violations"].to_dict() == {"arrest": 2, "threat": 1, "search": 1}
    assert table["cases"].to_dict() == {"arrest": 2, "threat": 1, "search": 1}
    assert table["share_pct"].to_dict() == {"arrest": 50.0, "threat": 25.0, "search": 25.0}
    assert table["rank"].to_dict() == {"arrest": 1, "threat": 2, "search": 2}  # a tie shares the better rank


def test_violations_by_region_and_category_every_cell_listed():
    table = incidents.by_oblast(violations(), DIVISION, HRD).set_index(["oblast", "hrd_category"])["violations"]
    assert len(table) == 3 * 3  # every region x (all + 2 categories)
    assert table[("KZ-AKM", "all")] == 3 and table[("KZ-AKM", "journalists")] == 3 and table[("KZ-AKM", "lawyers")] == 0
    assert table[("KZ-AST", "lawyers")] == 1 and table[("KZ-ZHA", "all")] == 0


def test_court_outcomes_and_the_states_response():
    v = violations()
    court = incidents.court(v).set_index(["court_role", "court_outcome"])["proceedings"].to_dict()
    assert court == {("accused", "acquittal"): 1, ("accused", "conviction"): 1}
    response = incidents.state_response(v).set_index("response")
    assert response["violations"].to_dict() == {"ignored": 2, "formal": 1, "useful": 1}
    assert response["share_of_reactions_pct"].tolist()[1:] == [50.0, 50.0] and pd.isna(response.loc["ignored", "share_of_reactions_pct"])
    summary = incidents.summary({"cases": pd.DataFrame({"case_id": ["C1", "C2", "C3"]}), "violations": v},
                                incidents.violations_by_type(v, TYPES, CATEGORIES)).set_index("measure")["value"]
    assert (summary["cases"], summary["violations"], summary["matrix_violations"]) == (3, 4, 3)
    assert (summary["convictions_per_acquittal"], summary["useful_share_of_reactions"]) == (1.0, 0.5)


# --- Part IV: media -----------------------------------------------------------------------------------------
def test_media_by_region_and_wave():
    raw = {"outlets": pd.DataFrame({"outlet_id": ["O1", "O2"], "kind": ["news_site", "tv"], "city": ["astana", "kokshetau"],
                                    "oblast": ["KZ-AST", "KZ-AKM"]}),
           "materials": pd.DataFrame({"material_id": ["M1", "M2", "M3"], "outlet_id": ["O1", "O1", "O2"],
                                      "date": pd.to_datetime(["2030-01-05", "2030-04-02", "2030-06-30"]),
                                      "tone": ["negative", "supportive", "neutral"], "genre": ["news", "analysis", "news"]}),
           "material_cases": pd.DataFrame({"material_id": ["M1", "M2", "M3"], "case_id": ["C1", "C1", "C2"]}),
           "cases": pd.DataFrame({"case_id": ["C1", "C2", "C3"]})}
    cities = pd.DataFrame({"city": ["astana", "kokshetau"], "name_ru": ["Астана", "Кокшетау"], "name_en": ["Astana", "Kokshetau"],
                           "lat": [51.17, 53.28], "lon": [71.45, 69.39]})
    tables = media.tables(inputs(raw, reference={"cities": cities}))
    by_oblast = tables["media_by_oblast"].set_index("oblast")["materials"].to_dict()
    assert by_oblast == {"KZ-AKM": 1, "KZ-AST": 2, "KZ-ZHA": 0}
    summary = tables["media_summary"].set_index("measure")["value"]
    assert (summary["materials"], summary["outlets"], summary["cases_covered"], summary["cases_logged"]) == (3, 2, 2, 3)
    assert (summary["analytical_materials"], summary["tone_supportive"]) == (1, 1)
    assert tables["media_by_wave"].set_index("wave")["materials"].to_dict() == {1: 1, 2: 2}


# --- Part V: dynamics ------------------------------------------------------------------------------------------
def assessments(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["oblast", "wave", "assessors", "threats", "vulnerability", "resources", "security"])
    return frame.astype({"assessors": "Int64", "wave": "Int64"})


def test_risk_national_means_weighted_by_assessors_and_the_previous_period():
    """Wave 1: AKM threats 4, vulnerability 3, resources 2 (risk 4 x 3 / 2 = 6) by 2 HRDs; ZHA threats 2,
    vulnerability 2, resources 4 (risk 1) by 6. National threats (4x2 + 2x6)/8 = 2.5, risk (6x2 + 1x6)/8
    = 2.25. Wave 2: AKM alone, threats 5 (risk 7.5)."""
    raw = {"regional_assessments": assessments([("KZ-AKM", 1, 2, 4, 3, 2, 3), ("KZ-ZHA", 1, 6, 2, 2, 4, 4),
                                                ("KZ-AKM", 2, 2, 5, 3, 2, 3)])}
    previous = {"dynamics_national": pd.DataFrame({"wave": [3], "threats": [3.0], "vulnerability": [2.0], "resources": [3.0],
                                                   "security": [3.0], "risk": [2.0]})}
    tables = dynamics.tables(inputs(raw, previous=previous, min_cell=1))
    national = tables["dynamics_national"].set_index("wave")
    assert national.loc[1, "threats"] == 2.5 and national.loc[1, "risk"] == 2.25 and national.loc[1, "assessors"] == 8
    assert national.loc[2, "risk"] == 7.5 and national.loc[2, "threats_change"] == 2.5
    regions = tables["dynamics_regions"].set_index("oblast")
    assert regions.loc["KZ-AKM", "risk"] == 6.75 and regions.loc["KZ-AKM", "risk_change"] == 1.5  # mean of 6 and 7.5
    assert regions.loc["KZ-AKM", "risk_rank"] == 1 and regions.loc["KZ-ZHA", "waves"] == 1
    against = tables["dynamics_vs_previous"].set_index("measure")
    assert against.loc["threats", "change"] == 2.0 and against.loc["risk", "change"] == 5.5  # wave 2 against the last wave before


def test_a_wave_assessed_by_too_few_hrds_is_left_out():
    raw = {"regional_assessments": assessments([("KZ-AKM", 1, 2, 4, 3, 2, 3), ("KZ-ZHA", 1, 6, 2, 2, 4, 4)])}
    tables = dynamics.tables(inputs(raw, min_cell=3))
    assert tables["dynamics_regions_by_wave"]["oblast"].tolist() == ["KZ-ZHA"]
    assert tables["dynamics_national"].loc[0, "threats"] == 2.0 and tables["dynamics_national"].loc[0, "assessors"] == 6


@pytest.mark.parametrize("module", [overview, portrait, security, incidents, media, dynamics])
def test_each_part_writes_exactly_the_tables_its_metadata_describes(module):
    """A part's tables are described in pipeline/parts/<part>.tables.yml, and nothing else is."""
    from pipeline.outputs.datapackage import tables_by_part
    from pipeline.parts.inputs import load_inputs

    described = tables_by_part()[module.__name__.rpartition(".")[2]]
    tables = module.tables(load_inputs(module, "2015-08_2016-04"))
    assert set(tables) == set(described) - {"dynamics_vs_previous", "dynamics_regions_vs_previous"}  # written only when the previous period has a run
    for name, frame in tables.items():
        assert set(described[name].get("integers", [])) <= set(described[name]["columns"]), name
        check_integers(name, frame, described[name].get("integers", []))


def test_a_count_that_is_not_a_whole_number_is_stopped_before_it_is_written():
    good = pd.DataFrame({"city": ["a", "b"], "violations": [3, 0], "cases": pd.array([2, None], dtype="Int64")})
    check_integers("t", good, ["violations", "cases"])
    with pytest.raises(TypeError, match=r"table t: column 'violations' is float64, expected an integer dtype"):
        check_integers("t", good.assign(violations=[3.0, 0.0]), ["violations"])
    with pytest.raises(ValueError, match="holds -1, expected no negative count"):
        check_integers("t", good.assign(violations=[3, -1]), ["violations"])
    with pytest.raises(ValueError, match="column 'rank', declared integer .* is missing"):
        check_integers("t", good, ["rank"])
