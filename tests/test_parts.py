"""Parts III-V: the tables against the raw logs counted again with plain pandas, the gazetteer,
and the dynamics against a previous period."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from pipeline.data.gazetteer import Gazetteer, normalise
from pipeline.data.io import load_raw, load_reference
from pipeline.data.periods import load_period
from pipeline.parts import dynamics, incidents, media
from pipeline.parts.inputs import load_inputs

PERIOD = "2015-08_2016-04"


@pytest.fixture(scope="module")
def period():
    return load_period(PERIOD)


@pytest.fixture(scope="module")
def raw(period):
    return load_raw(period)


@pytest.fixture(scope="module")
def part3(period):
    return incidents.tables(load_inputs(incidents, period))


def test_place_names_resolve_whatever_the_spelling(period):
    gazetteer = Gazetteer.load(period.data_root / "raw" / "reference", period.division)
    for spelling in ("Алматы", "г. Алматы", "Алма-Ата", "ALMATY", "город  Алматы"):
        assert gazetteer.city(spelling) == "almaty", spelling
    for spelling in ("Усть-Каменогорск", "Өскемен", "Öskemen", "Оскемен"):
        assert gazetteer.city(spelling) == "oskemen"
    assert gazetteer.city("Ақтөбе") == gazetteer.city("Актобе") == gazetteer.city("Aqtöbe") == "aktobe"
    assert gazetteer.oblast("zhezkazgan") == "KZ-KAR"  # Karaganda oblast in 2016, Ulytau since 2022
    assert "Актобе" in gazetteer.closest("Актоби")
    assert normalise("г. Петропавловск") == "петропавловск"


def test_oblast_of_a_violation_comes_from_the_gazetteer(raw, period):
    crosswalk = load_reference(period, f"divisions/{period.division}_cities")
    expected = raw["violations"]["city"].map(dict(zip(crosswalk["city"], crosswalk["oblast"])))
    assert (raw["violations"]["oblast"] == expected).all()
    assert raw["violations"]["place"].nunique() > raw["violations"]["city"].nunique(), "observers' spellings vary"


def test_incident_tables_match_plain_counts(raw, part3):
    v = pd.read_csv(load_period(PERIOD).raw_dir / "incidents_violations.csv", dtype=str, keep_default_na=False)
    by_type = part3["incidents_by_type"].set_index("threat_type")["violations"]
    assert by_type.to_dict() == {t: int((v["threat_type"] == t).sum()) for t in by_type.index}
    by_category = part3["incidents_by_hrd_category"].set_index("hrd_category")["violations"]
    assert by_category.sum() == len(v) and by_category["journalists_media"] == (v["hrd_category"] == "journalists_media").sum()
    oblast = part3["incidents_by_oblast"]
    totals = oblast[oblast["hrd_category"] == "all"]
    assert totals["violations"].sum() == len(v)
    by_parts = oblast[oblast["hrd_category"] != "all"].groupby("oblast")["violations"].sum()
    assert (totals.set_index("oblast")["violations"] == by_parts).all()
    assert len(totals) == 16


def test_every_violation_belongs_to_a_logged_case(raw):
    assert set(raw["violations"]["case_id"]) == set(raw["cases"]["case_id"])


def test_media_tables_match_plain_counts(raw, period):
    tables = media.tables(load_inputs(media, period))
    assert tables["media_by_city"]["materials"].sum() == len(raw["materials"])
    assert tables["media_by_oblast"]["materials"].sum() == len(raw["materials"])
    assert tables["media_by_kind"]["outlets"].sum() == len(raw["outlets"])
    links = raw["material_cases"].merge(raw["materials"], on="material_id")
    first_day = raw["violations"].groupby("case_id")["date"].min()
    assert (links["date"] >= links["case_id"].map(first_day)).all(), "a material appears after the case it covers"


def test_risk_is_threats_times_vulnerability_over_resources(raw, period):
    waves = dynamics.tables(load_inputs(dynamics, period))["dynamics_regions_by_wave"]
    expected = waves["threats"] * waves["vulnerability"] / waves["resources"]
    assert (waves["risk"] - expected).abs().max() < 1e-4
    assert set(waves["risk_level"]) <= {"low", "medium", "high"}


def test_dynamics_against_the_previous_period(period_run, tmp_path):
    """A later period naming bulletin No. 5's as previous compares with its processed tables."""
    root = tmp_path / "data"
    shutil.copytree(period_run.output_dir.parent.parent, root, ignore=shutil.ignore_patterns(".staging", ".failed", ".locks"))
    later = root / "raw" / "2016-05_2017-01"
    later.mkdir(exist_ok=True)
    text = (root / "raw" / PERIOD / "period.yml").read_text(encoding="utf-8")
    text = (text.replace("id: 2015-08_2016-04", "id: 2016-05_2017-01").replace("previous_period: null", f"previous_period: {PERIOD}")
            .replace("first_day: 2015-08-01", "first_day: 2016-05-01").replace("last_day: 2016-04-30", "last_day: 2017-01-31"))
    text = text.split("waves:")[0] + ("waves:\n  - {wave: 1, first_day: 2016-05-01, last_day: 2016-07-31}\n"
                                      "  - {wave: 2, first_day: 2016-08-01, last_day: 2016-10-31}\n"
                                      "  - {wave: 3, first_day: 2016-11-01, last_day: 2017-01-31}\n")
    (later / "period.yml").write_text(text, encoding="utf-8")
    shutil.copy(root / "raw" / PERIOD / "regional_assessments.csv", later / "regional_assessments.csv")
    assessments = later / "regional_assessments.csv"
    frame = pd.read_csv(assessments, dtype=str)
    frame["threats"] = (frame["threats"].astype(float) + 0.3).clip(upper=5).round(1).astype(str)
    frame.to_csv(assessments, index=False)
    part = load_inputs(dynamics, "2016-05_2017-01", root)
    assert part.previous is not None
    result = dynamics.tables(part)["dynamics_vs_previous"]
    threats = result.set_index("measure").loc["threats"]
    assert threats["change"] > 0.25


def test_no_previous_period_no_comparison(period):
    part = load_inputs(dynamics, period)
    assert period.previous is None and part.previous is None
    assert "dynamics_vs_previous" not in dynamics.tables(part)
