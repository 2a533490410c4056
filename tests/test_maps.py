"""Maps: the values drawn equal the processed tables; the HTML works with the network off; static
files exist. The later divisions (kz_2018, kz_2022) are mapped in tests/test_divisions.py."""
from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest

from pipeline.data.errors import InputError
from pipeline.data.periods import load_period
from pipeline.outputs import maps
from pipeline.outputs.reconcile import load_tables

PERIOD = "2015-08_2016-04"


def map_names(out: Path) -> list[str]:
    return sorted(p.stem for p in (out / "maps").glob("*.html"))


def test_every_map_in_both_forms(period_run):
    out = period_run.output_dir
    names = map_names(out)
    expected = {"respondents", "violations_all", "violations_journalists_media", "media", "risk", "threats",
                "vulnerability", "resources", "security"}
    assert {n.rsplit("_", 1)[0] for n in names} >= expected
    assert {n.rsplit("_", 1)[1] for n in names} == {"ru", "en"}
    for name in names:
        png, svg = out / "maps" / f"{name}.png", out / "maps" / f"{name}.svg"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
        assert "<svg" in svg.read_text(encoding="utf-8")[:500]
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    listed = {r["path"] for r in package["resources"]}
    assert {f"maps/{n}.{ext}" for n in names for ext in ("html", "png", "svg")} <= listed


def figure_data(html: Path) -> dict:
    """The figure a map's HTML draws (its own layout, not the phone version), read from the HTML itself."""
    text = html.read_text(encoding="utf-8")
    call = text[text.index("drawFigure(") + len("drawFigure("):]
    figure, _ = json.JSONDecoder().raw_decode(call[call.index(",") + 1:].lstrip())
    return figure


def source_of(name: str) -> tuple[str, str, dict]:
    """The processed table, column and rows a map of the run draws."""
    base = name.rsplit("_", 1)[0]
    if base == "respondents":
        return "survey_respondents_by_oblast", "respondents", {}
    if base.startswith("violations_"):
        return "incidents_by_oblast", "violations", {"hrd_category": base.removeprefix("violations_")}
    if base == "media":
        return "media_by_oblast", "materials", {}
    return "dynamics_regions", base, {}  # risk and its components


def test_every_map_draws_the_values_of_its_processed_table(period_run):
    tables = load_tables(period_run.output_dir)
    names = map_names(period_run.output_dir)
    assert len(names) == 30
    for name in names:
        table, column, where = source_of(name)
        rows = tables[table]
        for key, value in where.items():
            rows = rows[rows[key] == value]
        expected = rows.set_index("oblast")[column].astype(float).to_dict()
        figure = figure_data(period_run.output_dir / "maps" / f"{name}.html")
        drawn = {trace["customdata"][0][0]: trace["customdata"][0][1] for trace in figure["data"]
                 if trace.get("fill") == "toself" and trace.get("customdata")}
        assert len(drawn) == 16, name
        assert drawn == pytest.approx(expected), name
        assert figure["layout"]["meta"]["values"] == pytest.approx(expected), name


@pytest.mark.parametrize("name,total", [("violations_all_ru", 407), ("media_en", 175), ("respondents_ru", 131)])
def test_map_totals_are_the_bulletins(period_run, name, total):
    figure = figure_data(period_run.output_dir / "maps" / f"{name}.html")
    assert figure["layout"]["meta"]["total"] == total


def test_html_maps_work_offline_without_errors_or_outside_requests(period_run, browser):
    """One map of each builder, in both languages (every map's values are checked from its HTML above
    and its figure in test_every_map_in_both_forms; loading all 30 in a browser costs a minute)."""
    names = ["respondents_ru", "violations_all_en", "violations_journalists_media_ru", "media_en", "risk_ru", "security_en"]
    assert set(names) <= set(map_names(period_run.output_dir))
    context = browser.new_context(offline=True)
    for name in names:
        page = context.new_page()
        errors, outside = [], []
        page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        page.on("request", lambda r, outside=outside: outside.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
        page.goto((period_run.output_dir / "maps" / f"{name}.html").as_uri())
        page.wait_for_selector(".main-svg", timeout=15_000)
        shapes = "[...document.querySelectorAll('.scatterlayer path.js-fill')].filter(p => p.getBBox().width > 0).length"
        assert page.evaluate(shapes) == 16, name  # the units drawn (a legend swatch's empty path left out)
        assert page.evaluate(f"document.getElementById('map-{name}').layout.meta.map") == name
        assert errors == [] and outside == [], (name, errors, outside)
        page.close()
    context.close()


def test_boundaries_must_match_the_division(data_root):
    path = data_root / "raw" / "reference" / "boundaries" / "kz_2015.geojson"
    shapes = gpd.read_file(path)
    shapes[shapes["code"] != "KZ-AST"].to_file(path, driver="GeoJSON")
    with pytest.raises(InputError) as error:
        maps.load_geography(load_period(PERIOD, data_root))
    assert "KZ-AST" in str(error.value) and "kz_2015.geojson" in str(error.value)


def test_boundaries_with_a_shape_that_is_not_geojson_are_a_message(data_root):
    path = data_root / "raw" / "reference" / "boundaries" / "kz_2015.geojson"
    path.write_text(path.read_text(encoding="utf-8").replace('"type":"Polygon"', '"type":"Circle"', 1), encoding="utf-8")
    with pytest.raises(InputError) as error:
        maps.load_geography(load_period(PERIOD, data_root))
    assert "kz_2015.geojson" in str(error.value) and 'has geometry "Circle", not a Polygon or MultiPolygon' in str(error.value)


def test_boundaries_written_with_a_byte_order_mark_are_read(data_root):
    path = data_root / "raw" / "reference" / "boundaries" / "kz_2015.geojson"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert len(maps.load_geography(load_period(PERIOD, data_root))) == 16


@pytest.mark.parametrize("written,words", [
    ('{"type": "FeatureCollection", "features": [', "Expecting value: line 1"),
    ('[1, 2]', 'the file holds "list", not a FeatureCollection'),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "Astana"}, '
     '"geometry": {"type": "Point", "coordinates": [71.4, 51.2]}}]}', "feature 1 has code null"),
    ('{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:3857"}}, "features": []}',
     'coordinates in "EPSG:3857"'),
    ('{"type": "FeatureCollection", "crs": {"type": "EPSG", "properties": {"code": 3857}}, "features": []}',
     'coordinates in {"type": "EPSG"'),
])
def test_boundaries_that_are_not_geojson_of_the_units_are_a_message(data_root, written, words):
    path = data_root / "raw" / "reference" / "boundaries" / "kz_2015.geojson"
    path.write_text(written, encoding="utf-8")
    with pytest.raises(InputError) as error:
        maps.load_geography(load_period(PERIOD, data_root))
    assert "kz_2015.geojson" in str(error.value) and words in str(error.value) and "GeoJSON" in str(error.value)


def test_a_region_is_named_on_the_map_short_unless_that_names_a_city():
    assert maps.short_name("Kostanay Region") == "Kostanay" and maps.short_name("Костанайская область") == "Костанайская"
    assert maps.short_name("Almaty Region", {"Almaty", "Astana"}) == "Almaty<br>Region"  # not the city of Almaty
    assert maps.short_name("Северо-Казахстанская область") == "Северо-<br>Казахстанская"


def test_no_data_a_hidden_count_and_zero_look_different():
    import numpy as np
    import pandas as pd

    period = load_period(PERIOD)
    geo = maps.load_geography(period)
    values = pd.Series(np.arange(len(geo), dtype=float), index=geo["code"])
    values.iloc[[0, 5]] = np.nan
    why = {geo["code"].iloc[5]: {"ru": "скрыто", "en": "not shown: fewer than 3 assessed"}}
    fig = maps.choropleth(values, geo, period, "t", "n", lang="en", why_blank=why, missing={"ru": "нет", "en": "not assessed"})
    units = {t.name: t for t in fig.data if t.fill == "toself" and t.customdata is not None}
    no_data, hidden = units[geo["code"].iloc[0]].fillpattern.shape, units[geo["code"].iloc[5]].fillpattern.shape
    assert no_data and hidden and no_data != hidden
    assert not units[geo["code"].iloc[1]].fillpattern.shape  # a zero is a colour of the scale, not hatched
    legend = {t.name: t.fillpattern.shape for t in fig.data if t.showlegend is not False and t.name in ("not assessed", "not shown: fewer than 3 assessed")}
    assert legend == {"not assessed": no_data, "not shown: fewer than 3 assessed": hidden}


def test_map_classes_are_round_ranges_with_zero_alone_for_counts():
    breaks = maps.class_breaks(0, 42, whole=True)
    assert breaks == [0, 10, 20, 30, 40, 50]
    assert maps.class_labels(breaks, "ru", 0, whole=True) == ["0", "1–10", "11–20", "21–30", "31–40", "41–50"]
    assert [maps.class_of(v, breaks, whole=True) for v in (0, 1, 10, 11, 42)] == [0, 1, 1, 2, 5]
    scores = maps.class_breaks(1, 5, whole=False)  # the fixed 1-5 scale of the assessments
    assert maps.class_labels(scores, "en", 1, whole=False) == ["1.0–2.0", "2.0–3.0", "3.0–4.0", "4.0–5.0"]
    assert [maps.class_of(v, scores, whole=False) for v in (1.0, 2.0, 2.1, 5.0)] == [0, 0, 1, 3]
    assert len(maps.class_labels(maps.class_breaks(0, 131, whole=True), "en", 0, whole=True)) <= 7


def test_a_classed_map_colours_each_region_by_its_class_and_labels_the_steps():
    import numpy as np
    import pandas as pd

    period = load_period(PERIOD)
    geo = maps.load_geography(period)
    values = pd.Series(np.linspace(0, 40, len(geo)).round(), index=geo["code"])
    fig = maps.choropleth(values, geo, period, "t", "n", lang="en")
    fills = {t.name: t.fillcolor for t in fig.data if t.fill == "toself" and t.customdata is not None}
    assert len(set(fills.values())) == 5  # 0, 1-10, 11-20, 21-30, 31-40
    bar = next(t for t in fig.data if t.uid == "map-scale").marker.colorbar
    assert list(bar.ticktext) == ["0", "1–10", "11–20", "21–30", "31–40"]
