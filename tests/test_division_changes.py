"""Part V across a change of division (issue 16): data/raw/reference/divisions/changes.csv says
which units of a later division nest in which unit of an earlier one; a period compares with a
previous period on another division on the earlier division's units, the later units pooled
(assessors summed, scores weighted by assessors, risk from the pooled scores), and says so.

Quick: the crosswalk, the pooling on hand-made rows, a kz_2022 period against a kz_2015 one
(tables only). End to end (e2e): a kz_2018 period and a kz_2022 period with it as its previous
one, run with the bulletin; their maps in a headless browser, offline, and the bulletin's sentence."""
from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pandas as pd
import pytest

from pipeline import paths
from pipeline.data.divisions import load_units, nesting, units_match
from pipeline.data.errors import InputError
from pipeline.data.periods import Period, load_period
from pipeline.formatting import markdown_text
from pipeline.intake.synthetic import write_period
from pipeline.outputs.processed import write_table
from pipeline.parts import dynamics
from pipeline.parts.dynamics import compared_units
from pipeline.parts.inputs import PartInputs, load_inputs
from tests.conftest import copy_reference

REFERENCE = paths.REPO_ROOT / "data" / "raw" / "reference"
# the units that changed ground: earlier unit -> the later units that make it up
POOLED_2018_2022 = {"KZ-63": ["KZ-10", "KZ-63"], "KZ-19": ["KZ-19", "KZ-33"], "KZ-35": ["KZ-35", "KZ-62"]}
POOLED_2015_2022 = {"KZ-VOS": ["KZ-10", "KZ-63"], "KZ-ALM": ["KZ-19", "KZ-33"], "KZ-KAR": ["KZ-35", "KZ-62"],
                    "KZ-YUZ": ["KZ-61", "KZ-79"]}


# --- the crosswalk ---------------------------------------------------------------------------------------
def test_the_units_that_lost_ground_are_pooled_not_matched_by_their_code():
    match = units_match(REFERENCE, "kz_2022", "kz_2018")
    assert match.on == "kz_2018" and match.pooled == "this" and match.previous is None
    parts = match.parts("this")
    assert {k: v for k, v in parts.items() if len(v) > 1} == POOLED_2018_2022
    assert len(parts) == 17 and all(v == [k] for k, v in parts.items() if k not in POOLED_2018_2022)


def test_2015_to_2022_goes_through_2018_and_agrees_with_the_numeric_codes_file():
    """kz_2015_codes.csv (which kz_2015 unit a numeric code lies in, for reading data typed with
    today's codes) says the same as changes.csv followed from 2015 to 2022."""
    codes = pd.read_csv(REFERENCE / "divisions" / "kz_2015_codes.csv", dtype=str)
    assert nesting(REFERENCE, "kz_2015", "kz_2022") == dict(zip(codes["code"], codes["oblast"]))
    assert nesting(REFERENCE, "kz_2015", "kz_2018")["KZ-79"] == "KZ-YUZ"
    assert nesting(REFERENCE, "kz_2022", "kz_2015") is None  # changes lead forward only


def test_an_earlier_period_after_a_later_one_pools_the_previous_periods_units():
    match = units_match(REFERENCE, "kz_2015", "kz_2018")
    assert match.on == "kz_2015" and match.pooled == "previous" and match.parts("previous")["KZ-YUZ"] == ["KZ-61", "KZ-79"]
    assert units_match(REFERENCE, "kz_2022", None).same and units_match(REFERENCE, "kz_2022", None).pooled is None


def test_a_unit_changes_csv_does_not_place_is_refused(tmp_path):
    root = copy_reference(tmp_path / "data")
    path = root / "raw" / "reference" / "divisions" / "changes.csv"
    path.write_text("\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if ",KZ-62,nests" not in line) + "\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match="KZ-62"):
        units_match(root / "raw" / "reference", "kz_2022", "kz_2018")


def test_a_previous_period_on_a_division_changes_csv_does_not_link_is_refused_before_the_run(tmp_path):
    from pipeline.data.periods import previous_period_problems

    root = copy_reference(tmp_path / "data")
    write_period(root, "2019-01_2019-09", scale=0.05, division="kz_2018")
    write_period(root, "2023-01_2023-09", scale=0.05, division="kz_2022", previous="2019-01_2019-09")
    later = load_period("2023-01_2023-09", root)
    assert previous_period_problems(later, required_run=False) == []
    (root / "raw" / "reference" / "divisions" / "changes.csv").unlink()
    problems = previous_period_problems(later, required_run=False)
    assert len(problems) == 1 and "kz_2018" in problems[0].expected and "changes.csv" in problems[0].expected


# --- pooling, on hand-made rows -------------------------------------------------------------------------
def rows(data) -> pd.DataFrame:
    return pd.DataFrame(data, columns=["oblast", "wave", "assessors", "threats", "vulnerability", "resources", "security"])


def test_pooled_scores_are_weighted_by_assessors_and_risk_is_computed_from_them():
    """KZ-63 (2 HRDs: threats 4, vulnerability 3, resources 2) + KZ-10 (6 HRDs: 2, 2, 4) as East
    Kazakhstan of 2018: threats (4x2 + 2x6)/8 = 2.5, vulnerability (3x2 + 2x6)/8 = 2.25, resources
    (2x2 + 4x6)/8 = 3.5, risk 2.5 x 2.25 / 3.5 = 1.6071 (not the mean of the parts' risks, 6 and 1)."""
    pooled = dynamics.pool(rows([("KZ-63", 3, 2, 4, 3, 2, 3), ("KZ-10", 3, 6, 2, 2, 4, 4)]), {"KZ-63": "KZ-63", "KZ-10": "KZ-63"})
    row = pooled.iloc[0]
    assert len(pooled) == 1 and row["units"] == "KZ-10 + KZ-63" and row["assessors"] == 8
    assert (row["threats"], row["vulnerability"], row["resources"], row["security"]) == (2.5, 2.25, 3.5, 3.75)
    assert row["risk"] == pytest.approx(2.5 * 2.25 / 3.5)


def test_regions_compare_same_and_pooled_units_and_leave_out_a_unit_half_assessed():
    match = units_match(REFERENCE, "kz_2022", "kz_2018")
    now = rows([("KZ-63", 3, 2, 4, 3, 2, 3), ("KZ-10", 3, 6, 2, 2, 4, 4), ("KZ-11", 3, 5, 3, 3, 3, 3),
                ("KZ-19", 3, 4, 3, 3, 3, 3), ("KZ-11", 2, 5, 1, 1, 1, 1)])  # Jetisu not assessed: Almaty Region left out
    before = rows([("KZ-63", 2, 8, 3, 3, 3, 3), ("KZ-11", 2, 5, 2, 2, 2, 2), ("KZ-19", 2, 4, 3, 3, 3, 3), ("KZ-59", 1, 4, 3, 3, 3, 3)])
    table = dynamics.regions_against_previous(now, before, match, load_units(REFERENCE, "kz_2018")).set_index("oblast")
    assert list(table.index) == ["KZ-11", "KZ-63"]  # KZ-59: assessed in the previous period's wave 1 only
    assert table.loc["KZ-11", ["compared_as", "units", "previous_units", "risk", "risk_previous", "risk_change"]].tolist() == \
        ["same", "KZ-11", "KZ-11", 3.0, 2.0, 1.0]
    east = table.loc["KZ-63"]
    assert (east["compared_as"], east["units"], east["previous_units"], east["oblast_en"]) == \
        ("pooled", "KZ-10 + KZ-63", "KZ-63", "East Kazakhstan Region")
    assert (east["assessors"], east["assessors_previous"], east["threats_change"], east["risk"]) == (8, 8, -0.5, 1.6071)


def hand_period(division: str) -> Period:
    waves = ({"wave": 1, "first_day": dt.date(2030, 1, 1), "last_day": dt.date(2030, 6, 30)},)
    return Period(id="2030-01_2030-06", bulletin_number=9, title_ru="Т", title_en="T", first_day=dt.date(2030, 1, 1),
                  last_day=dt.date(2030, 6, 30), division=division, data_origin="synthetic", previous="2029-01_2029-06",
                  waves=waves, raw_dir=Path("/nonexistent"), data_root=paths.REPO_ROOT / "data", min_cell_respondents=1)


def test_the_national_risk_is_compared_on_the_previous_divisions_units():
    """National threats are the same pooled or not ((4x2 + 2x6)/8 = 2.5); national risk is the
    assessor-weighted mean of the units' risks: 1.6071 on the one 2018 unit, (6x2 + 1x6)/8 = 2.25 on
    the two 2022 units. The comparison takes the first."""
    raw = {"regional_assessments": rows([("KZ-63", 1, 2, 4, 3, 2, 3), ("KZ-10", 1, 6, 2, 2, 4, 4)])}
    previous = {"dynamics_national": pd.DataFrame({"wave": [3], "threats": [3.0], "vulnerability": [3.0], "resources": [3.0],
                                                   "security": [3.0], "risk": [3.0]}),
                "dynamics_regions_by_wave": rows([("KZ-63", 3, 8, 3, 3, 3, 3)]).assign(risk=3.0)}
    part = PartInputs(period=hand_period("kz_2022"), raw=raw, division=load_units(REFERENCE, "kz_2022"), previous=previous,
                      previous_division="kz_2018")
    tables = dynamics.tables(part)
    assert tables["dynamics_national"].loc[0, "risk"] == 2.25
    against = tables["dynamics_vs_previous"].set_index("measure")
    assert against.loc["threats", "this_period"] == 2.5 and against.loc["risk", "this_period"] == 1.6071
    assert against.loc["risk", "change"] == pytest.approx(1.6071 - 3.0)
    assert against[["division", "previous_division", "compared_on"]].drop_duplicates().values.tolist() == \
        [["kz_2022", "kz_2018", "kz_2018"]]
    assert tables["dynamics_regions_vs_previous"]["units"].tolist() == ["KZ-10 + KZ-63"]


# --- 2015 -> 2022: tables only ----------------------------------------------------------------------------
def test_a_2022_period_against_a_2015_period_pools_the_four_changed_regions(tmp_path):
    root = copy_reference(tmp_path / "data")
    write_period(root, "2016-01_2016-09", scale=0.1, seed=5, division="kz_2015")
    write_period(root, "2023-01_2023-09", scale=0.1, seed=6, division="kz_2022", previous="2016-01_2016-09")
    first = dynamics.tables(load_inputs(dynamics, "2016-01_2016-09", root))
    for name in ("dynamics_national", "dynamics_regions_by_wave"):  # what the first period's run would write
        write_table(first[name], root / "processed" / "2016-01_2016-09", name)
    part = load_inputs(dynamics, "2023-01_2023-09", root)
    assert part.previous_division == "kz_2015"
    tables = dynamics.tables(part)
    table = tables["dynamics_regions_vs_previous"].set_index("oblast")
    assert sorted(table.index) == sorted(load_units(REFERENCE, "kz_2015")["code"])  # 16 units, each assessed in both
    pooled = table[table["compared_as"] == "pooled"]
    assert {k: v.split(" + ") for k, v in pooled["units"].items()} == POOLED_2015_2022
    assert (table.loc["KZ-AKM", ["units", "previous_units"]] == ["KZ-11", "KZ-AKM"]).all()
    # worked again from the raw rows: South Kazakhstan = Turkistan Region + Shymkent in the last wave
    raw = part.raw["regional_assessments"]
    last = raw[(raw["wave"].astype(int) == 3) & raw["oblast"].isin(["KZ-61", "KZ-79"])]
    weights = last["assessors"].astype(float)
    scores = {s: (last[s].astype(float) * weights).sum() / weights.sum() for s in ("threats", "vulnerability", "resources")}
    south = table.loc["KZ-YUZ"]
    assert south["assessors"] == weights.sum() and south["threats"] == pytest.approx(scores["threats"], abs=1e-4)
    assert south["risk"] == pytest.approx(scores["threats"] * scores["vulnerability"] / scores["resources"], abs=1e-4)
    previous = first["dynamics_regions_by_wave"].query("wave == 3").set_index("oblast")
    assert south["risk_previous"] == previous.loc["KZ-YUZ", "risk"]
    assert south["risk_change"] == pytest.approx(south["risk"] - south["risk_previous"], abs=2e-4)
    national = tables["dynamics_vs_previous"].set_index("measure")
    assert national.loc["threats", "this_period"] == tables["dynamics_national"].iloc[-1]["threats"]
    assert set(national["compared_on"]) == {"kz_2015"}


# --- end to end: kz_2018, then kz_2022 with it as its previous period ------------------------------------
PERIODS = {"2019-01_2019-09": ("kz_2018", None, 17), "2023-01_2023-09": ("kz_2022", "2019-01_2019-09", 20)}
MAPS = ["risk_en", "violations_all_ru", "media_en", "respondents_ru"]


@pytest.fixture(scope="module")
def chained_runs(tmp_path_factory):
    """Both periods, each run once, the bulletin included (the kz_2022 one after the kz_2018 one)."""
    import time

    from pipeline.run.engine import run_period

    root = copy_reference(tmp_path_factory.mktemp("changes") / "data")
    for period, (division, previous, _) in PERIODS.items():
        write_period(root, period, scale=0.2, seed=16, division=division, previous=previous)
    started, results = time.monotonic(), {}
    for period in PERIODS:
        results[period] = run_period(period, root, progress=False)
        assert all(s.status in ("ran", "skipped") for s in results[period].steps), [(s.step, s.status) for s in results[period].steps]
    print(f"two periods run with their bulletins in {time.monotonic() - started:.0f} s")
    return {"root": root} | results


def drawn_in_browser(page) -> tuple[int, dict]:
    """The filled shapes a map page draws, and the values its figure carries per unit."""
    count = page.evaluate("[...document.querySelectorAll('.scatterlayer path.js-fill')].filter(p => p.getBBox().width > 0).length")  # the units drawn, not a legend swatch
    values = page.evaluate("""() => { const div = document.querySelector('.js-plotly-plot');
        return Object.fromEntries(div.data.filter(t => t.fill === 'toself' && t.customdata).map(t => [t.customdata[0][0], t.customdata[0][1]])); }""")
    return count, values


@pytest.mark.e2e
def test_the_maps_show_each_divisions_units_with_the_processed_values_offline(chained_runs, browser):
    from tests.test_maps import source_of

    context = browser.new_context(offline=True)
    for period, (_, _, units) in PERIODS.items():
        out = chained_runs[period].output_dir
        for name in MAPS:
            table, column, where = source_of(name)
            frame = pd.read_parquet(out / "tables" / f"{table}.parquet")
            for key, value in where.items():
                frame = frame[frame[key] == value]
            expected = frame.set_index("oblast")[column].astype(float).to_dict()
            page = context.new_page()
            errors, outside = [], []
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
            page.on("request", lambda r, outside=outside: outside.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
            page.goto((out / "maps" / f"{name}.html").as_uri())
            page.wait_for_selector(".main-svg", timeout=15_000)
            count, values = drawn_in_browser(page)
            assert count == units and len(values) == units, (period, name, count)
            drawn = {code: float("nan") if value is None else value for code, value in values.items()}  # no data: null
            assert drawn == pytest.approx(expected, nan_ok=True), (period, name)
            assert errors == [] and outside == [], (period, name, errors, outside)
            page.close()
    context.close()


@pytest.mark.e2e
def test_the_later_periods_bulletin_says_what_was_compared_with_what(chained_runs):
    earlier, later = (chained_runs[p] for p in PERIODS)
    tables = {n: pd.read_parquet(later.output_dir / "tables" / f"{n}.parquet")
              for n in ("dynamics_vs_previous", "dynamics_regions_vs_previous")}
    regions = tables["dynamics_regions_vs_previous"].set_index("oblast")
    assert len(regions) == 17 and set(regions.index) == set(load_units(REFERENCE, "kz_2018")["code"])
    assert {k: v.split(" + ") for k, v in regions.query("compared_as == 'pooled'")["units"].items()} == POOLED_2018_2022
    before = pd.read_parquet(earlier.output_dir / "tables" / "dynamics_regions_by_wave.parquet").query("wave == 3")
    assert regions["risk_previous"].to_dict() == before.set_index("oblast")["risk"].to_dict()
    period = load_period("2023-01_2023-09", chained_runs["root"])
    for lang, words in (("en", "together as East Kazakhstan Region"), ("ru", "вместе как Восточно-Казахстанская область")):
        sentence = markdown_text(compared_units(tables, period.reference_dir, lang))
        assert words in sentence
        text = html.unescape(re.sub(r"<[^>]+>", " ", (later.output_dir / "bulletin" / f"bulletin_{lang}.html").read_text(encoding="utf-8")))
        text = re.sub(r"\s+", " ", text).replace("’", "'")
        assert sentence.replace("\\", "") in text, lang  # Markdown-escaped in the source, plain on the page
    first_html = (earlier.output_dir / "bulletin" / "bulletin_en.html").read_text(encoding="utf-8")
    assert "The regions changed between" not in first_html and "Against the previous period" not in first_html
    # notebook 05 shows the same comparison: the sentence, and each region compared as same or pooled
    import nbformat

    def shown(run) -> str:
        notebook = nbformat.read(run.output_dir / "notebooks" / "05_dynamics.ipynb", as_version=4)
        outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
        return "\n".join(o.get("text", "") + o.get("data", {}).get("text/markdown", "") + o.get("data", {}).get("text/html", "")
                         for o in outputs)

    sentence = markdown_text(compared_units(tables, period.reference_dir, "ru"))
    assert sentence.replace("\\", "") in shown(later) and "<td>pooled</td>" in shown(later) and "<td>same</td>" in shown(later)
    assert "Нет сравнения с предыдущим периодом по регионам." in shown(earlier)
