"""The later divisions, kz_2018 and kz_2022, used by a period: a synthetic period on each (written
by `hrd-bulletin synthesize --division`) validates, places its cities in the division's units,
computes every part's tables with one row per unit, draws its maps with the cities of republican
significance as circles, and the bulletin names its units. All from the files of
data/raw/reference/ (no code knows a division)."""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline.bulletin.content import Edition
from pipeline.cli import main
from pipeline.data.errors import InputError
from pipeline.data.io import validate_period
from pipeline.data.periods import load_period
from pipeline.intake.synthetic import write_period
from pipeline.outputs import maps
from pipeline.parts import dynamics, incidents, media, overview, portrait, security
from pipeline.parts.inputs import load_inputs
from tests.conftest import copy_reference

# a period in force under each division, and the division's units: regions + cities of republican significance
PERIODS = {"kz_2018": ("2019-01_2019-09", 14, 3), "kz_2022": ("2023-01_2023-09", 17, 3)}
# the capital as the period names it: renamed Nur-Sultan on 23 March 2019 (reference/renamings.csv)
CAPITAL = {"kz_2018": ("Nur-Sultan (formerly Astana)", "Нур-Султан (ранее Астана)"), "kz_2022": ("Astana", "Астана")}
# where the changes put the cities (issue 16), by the units' English names
PLACED = {
    "kz_2015": {"shymkent": "South Kazakhstan Region", "turkestan": "South Kazakhstan Region",
                "semey": "East Kazakhstan Region", "taldykorgan": "Almaty Region", "zhezkazgan": "Karaganda Region",
                "satpayev": "Karaganda Region", "konaev": "Almaty Region"},
    "kz_2018": {"shymkent": "Shymkent", "turkestan": "Turkistan Region", "semey": "East Kazakhstan Region",
                "taldykorgan": "Almaty Region", "zhezkazgan": "Karaganda Region", "satpayev": "Karaganda Region",
                "konaev": "Almaty Region"},
    "kz_2022": {"shymkent": "Shymkent", "turkestan": "Turkistan Region", "semey": "Abai Region",
                "taldykorgan": "Jetisu Region", "zhezkazgan": "Ulytau Region", "satpayev": "Ulytau Region",
                "konaev": "Almaty Region"},
}


def units(root, name: str) -> pd.DataFrame:
    return pd.read_csv(root / "raw" / "reference" / "divisions" / f"{name}.csv", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("name", sorted(PLACED))
def test_the_crosswalk_places_the_cities_the_changes_moved(name, tmp_path):
    root = copy_reference(tmp_path / "data")
    crosswalk = pd.read_csv(root / "raw" / "reference" / "divisions" / f"{name}_cities.csv", dtype=str)
    names = dict(zip(units(root, name)["code"], units(root, name)["name_en"]))
    placed = {city: names[code] for city, code in zip(crosswalk["city"], crosswalk["oblast"])}
    assert {city: placed[city] for city in PLACED[name]} == PLACED[name]


@pytest.fixture(scope="module")
def periods(tmp_path_factory) -> dict:
    """A synthetic period on each later division, written by the command line."""
    root = copy_reference(tmp_path_factory.mktemp("divisions") / "data")
    for name, (period, _, _) in PERIODS.items():
        assert main(["--data-root", str(root), "synthesize", period, "--division", name, "--seed", "16"]) == 0
    return {"root": root} | {name: load_period(period, root) for name, (period, _, _) in PERIODS.items()}


@pytest.mark.parametrize("name", sorted(PERIODS))
def test_a_period_on_a_later_division_validates_and_computes_its_tables(periods, name):
    period, (_, regions, cities) = periods[name], PERIODS[name]
    assert period.division == name
    raw = validate_period(period)
    division = units(periods["root"], name)
    assert (division["kind"] == "oblast").sum() == regions and (division["kind"] == "city").sum() == cities
    crosswalk = pd.read_csv(periods["root"] / "raw" / "reference" / "divisions" / f"{name}_cities.csv", dtype=str)
    expected = dict(zip(crosswalk["city"], crosswalk["oblast"]))
    violations = raw["violations"]
    assert (violations["oblast"] == violations["city"].map(expected)).all()
    assert set(violations["oblast"]) <= set(division["code"])
    tables = {}
    for part in (overview, portrait, security, incidents, media, dynamics):
        tables |= part.tables(load_inputs(part, period))
    by_unit = {table: frame for table, frame in tables.items() if "oblast" in frame.columns and table.endswith("_oblast")}
    assert set(by_unit) >= {"survey_respondents_by_oblast", "incidents_by_oblast", "media_by_oblast"}
    for table, frame in by_unit.items():
        assert set(frame["oblast"]) == set(division["code"]), table
    assert set(tables["dynamics_regions"]["oblast"]) <= set(division["code"])
    totals = tables["incidents_by_oblast"].query("hrd_category == 'all'").set_index("oblast")["violations"]
    assert totals.sum() == len(violations) and len(totals) == regions + cities
    periods[f"{name}-tables"] = tables


@pytest.mark.parametrize("name", sorted(PERIODS))
def test_its_maps_draw_every_unit_and_the_three_cities_as_circles(periods, name):
    period = periods[name]
    tables = periods.get(f"{name}-tables") or incidents.tables(load_inputs(incidents, period))
    geo = maps.load_geography(period)
    division = units(periods["root"], name)
    assert sorted(geo["code"]) == sorted(division["code"])
    part = load_inputs(incidents, period)
    figure = maps.violations_maps(tables["incidents_by_oblast"], part.reference["hrd_categories"], geo,
                                  period)["violations_all_en"]
    drawn = {t.customdata[0][0]: t.customdata[0][1] for t in figure.data if t.fill == "toself" and t.customdata is not None}
    totals = tables["incidents_by_oblast"].query("hrd_category == 'all'").set_index("oblast")["violations"]
    assert drawn == totals.astype(float).to_dict()
    circles = next(t for t in figure.data if t.uid == "violations_all_en-cities")
    assert sorted(text.split(":")[0] for text in circles.text) == sorted(["Almaty", CAPITAL[name][0], "Shymkent"])
    labelled = next(t for t in figure.data if t.uid == "violations_all_en-labels")
    assert len(labelled.text) == PERIODS[name][1]  # the regions carry their value as a label, the cities a circle


@pytest.mark.parametrize("name", sorted(PERIODS))
def test_the_bulletin_names_the_divisions_macro_regions(periods, name, tmp_path):
    assert "5 macro-regions" in Edition(periods[name], tmp_path, "en", {}, {}).macro_regions()


def test_synthesize_refuses_a_division_that_does_not_exist(tmp_path):
    root = copy_reference(tmp_path / "data")
    with pytest.raises(InputError, match="kz_2015, kz_2018, kz_2022"):
        write_period(root, "2030-01_2030-09", division="kz_2030")
    assert not (root / "raw" / "2030-01_2030-09").exists()
