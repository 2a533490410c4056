"""Choropleth maps of the regions of Kazakhstan (geopandas + plotly), offline and reproducible.

Boundaries come from data/raw/reference/boundaries/<division>.geojson, the division of the period.
A map is drawn as plain plotly shapes in a Lambert conformal conic projection centred on
Kazakhstan, not as a plotly `geo` trace: a geo trace loads its base map (topojson) from a CDN,
which breaks offline, and a base map adds nothing inside one country. So the HTML maps need only
plotly.js, shipped beside them, and kaleido renders the same figure to PNG and SVG for print.

Conventions: every unit of the division is drawn; a unit with no observation (NaN) is grey and
hatched, a unit with zero takes the lightest colour of the scale. Cities of republican
significance (Almaty, Astana; from 2018 Shymkent too: the units of kind `city` in the division's
CSV) are too small to see as areas: they get a circle at their centre.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.offline import get_plotlyjs
from shapely.errors import ShapelyError

from pipeline import formatting
from pipeline.data.divisions import BOUNDARIES_EXPECTED, boundaries_path, boundary_features, load_units
from pipeline.data.errors import InputError, Problem
from pipeline.data.names import as_named_in
from pipeline.data.periods import Period
from pipeline.outputs import describe, images, phone
from pipeline.outputs.charts import CHAR_WIDTH, FONT, MIN_WIDTH, add_source, ink, wrap

PROJECTION = "+proj=lcc +lat_0=48 +lon_0=67 +lat_1=45 +lat_2=51 +datum=WGS84 +units=km +no_defs"
NO_DATA = {"ru": "нет наблюдений", "en": "no observations"}
NO_DATA_FILL = "#f0f0f0"
OUTLINE = "#6e6e6e"  # regions' borders: 5:1 against the page, so a region of the lightest class still shows
WIDTH, HEIGHT = 1000, 620


def load_geography(period: Period) -> gpd.GeoDataFrame:
    """The division's units with names, kind, centre coordinates and projected geometry."""
    reference = period.reference_dir
    division = as_named_in(load_units(reference, period.division), "unit", "code", period)
    shapes = _read_boundaries(period, set(division["code"]))
    cities = pd.read_csv(reference / "cities.csv", dtype={"city": str})
    geo = shapes.merge(division, on="code").merge(
        cities[["city", "lat", "lon"]].rename(columns={"city": "centre_city"}), on="centre_city", how="left")
    geo = geo.to_crs(PROJECTION).sort_values("code").reset_index(drop=True)
    centres = gpd.GeoSeries(gpd.points_from_xy(geo["lon"], geo["lat"]), crs="EPSG:4326").to_crs(PROJECTION)
    geo["centre_x"], geo["centre_y"] = centres.x.to_numpy(), centres.y.to_numpy()
    label_points = geo.geometry.representative_point()
    geo["label_x"], geo["label_y"] = label_points.x, label_points.y
    return geo


def _read_boundaries(period: Period, codes: set[str]) -> gpd.GeoDataFrame:
    """The division's GeoJSON (checked by divisions.boundary_features, as before a run), read as
    JSON rather than through GDAL (gpd.read_file): each kernel that draws maps then holds 30 MB
    less, and three run at once."""
    features = boundary_features(period.reference_dir, period.division, codes)
    try:
        shapes = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, ShapelyError) as error:
        raise InputError([Problem(str(boundaries_path(period.reference_dir, period.division)), None, None, None,
                                  f"{BOUNDARIES_EXPECTED} ({type(error).__name__}: {error})")]) from None
    return shapes[[*(c for c in shapes.columns if c != "geometry"), "geometry"]]  # as GDAL orders them


def values_by_unit(table: pd.DataFrame, column: str, geo: gpd.GeoDataFrame, key: str = "oblast") -> pd.Series:
    """The column of a processed table per unit of the division; NaN where the table has no row."""
    values = table.set_index(key)[column].astype("float64")
    unknown = sorted(set(values.index) - set(geo["code"]))
    if unknown:
        raise ValueError(f"units {unknown} are not in the division")
    return values.reindex(geo["code"])


def choropleth(values: pd.Series, geo: gpd.GeoDataFrame, period: Period, title: str, legend_title: str,
               lang: str = "ru", colorscale: str = "Reds", decimals: int = 0, name: str = "map",
               from_zero: bool = True, missing: dict[str, str] | None = None,
               why_blank: dict[str, dict[str, str]] | None = None, scale: tuple[float, float] | None = None) -> go.Figure:
    """A choropleth of one value per unit (NaN = no observation), with circles for the small cities.

    from_zero: the colour scale starts at 0 (counts); otherwise at the smallest value (scores).
    missing: what a NaN means on this map, per language (default: no observations); why_blank:
    per unit, what its NaN means (per language), where units are blank for different reasons;
    scale: the colour scale's ends, where they are fixed (a 1-5 assessment) or shared by a series of
    maps (one colour means one value in each), instead of the data's."""
    why_blank = why_blank or {}
    values = values.reindex(geo["code"])
    observed = values.dropna()
    low = float(observed.min()) if len(observed) else 0.0
    vmin = min(0.0, low) if from_zero else low
    vmax = float(observed.max()) if len(observed) and observed.max() > vmin else vmin + 1
    if scale is not None:
        vmin, vmax = min(scale[0], low), max(scale[1], float(observed.max()) if len(observed) else scale[1])
    # classes a reader can tell apart and compare across maps, not a continuous shade
    breaks = class_breaks(vmin, vmax, whole=from_zero and decimals == 0)
    labels = class_labels(breaks, lang, decimals, whole=from_zero and decimals == 0)
    palette = sample_colorscale(colorscale, [(i + 0.5) / len(labels) for i in range(len(labels))])
    colours = {code: palette[class_of(v, breaks, whole=from_zero and decimals == 0)] for code, v in observed.items()}
    names = dict(zip(geo["code"], geo[f"name_{lang}"]))

    def shown(v, code=None) -> str:
        if pd.isna(v):
            return why_blank.get(code, missing or NO_DATA)[lang]
        return formatting.number(v, lang, decimals)

    fig = go.Figure()
    reasons: dict[str, int] = {}  # why units are blank, each once, in the order met: each its own hatching
    for _, unit in geo.iterrows():
        code, value = unit["code"], values[unit["code"]]
        xs, ys = _outline(unit.geometry)
        style = {"fillcolor": colours.get(code, NO_DATA_FILL)}
        if pd.isna(value):
            style["fillpattern"] = blank_pattern(reasons.setdefault(shown(value, code), len(reasons)))
        fig.add_scatter(x=xs, y=ys, mode="lines", fill="toself", line={"color": OUTLINE, "width": 0.8},
                        hoveron="fills", text=f"{names[code]}: {shown(value, code)}", hoverinfo="text", showlegend=False,
                        name=code, customdata=[[code, None if pd.isna(value) else float(value), names[code]]], uid=f"{name}-{code}", **style)
    regions = geo[geo["kind"] != "city"]
    cities_named = {names[c] for c in geo.loc[geo["kind"] == "city", "code"]}
    label = {c: short_name(names[c], cities_named) for c in regions["code"]}
    # each region named on the map, its value under its name (the text names regions the reader must find)
    fig.add_scatter(x=regions["label_x"], y=regions["label_y"], mode="text", showlegend=False, hoverinfo="skip",
                    text=[f"{label[c]}<br><b>{shown(values[c])}</b>" if pd.notna(values[c]) else label[c] for c in regions["code"]],
                    textfont={"size": 15, "color": [ink(colours.get(c, NO_DATA_FILL)) for c in regions["code"]]},
                    uid=f"{name}-labels")
    cities = geo[geo["kind"] == "city"]
    fig.add_scatter(x=cities["centre_x"], y=cities["centre_y"], mode="markers", showlegend=False,
                    marker={"size": 18, "color": [colours.get(c, NO_DATA_FILL) for c in cities["code"]],
                            "line": {"color": "#222", "width": 1.5}},
                    text=[f"{names[c]}: {shown(values[c], c)}" for c in cities["code"]],
                    hoverinfo="text", uid=f"{name}-cities")
    for _, city in cities.iterrows():  # labels on a light ground, so the regions under them stay legible
        fig.add_annotation(x=city["centre_x"], y=city["centre_y"], text=f"{names[city['code']]}: {shown(values[city['code']], city['code'])}",
                           showarrow=False, xanchor="left", xshift=12, font={"size": 15, "color": "#222"},
                           bgcolor="rgba(255,255,255,0.8)", borderpad=1)
    # the colour bar in steps, one per class, each labelled with its range
    stepped = [[edge, colour] for i, colour in enumerate(palette) for edge in (i / len(palette), (i + 1) / len(palette))]
    fig.add_scatter(x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip", uid=f"{name}-scale",
                    marker={"colorscale": stepped, "cmin": 0, "cmax": len(palette), "color": [0], "showscale": True,
                            "colorbar": {"title": {"text": wrap(legend_title, 18)}, "thickness": 14, "len": 0.6, "x": 1.0,
                                         "tickvals": [i + 0.5 for i in range(len(palette))], "ticktext": labels,
                                         "outlinecolor": OUTLINE, "outlinewidth": 0.8}})
    for reason, n in reasons.items():  # the legend shows each blank's hatching beside what it means
        fig.add_scatter(x=[None, None], y=[None, None], mode="lines", fill="toself", name=reason, hoverinfo="skip",
                        uid=f"{name}-nodata" + (f"-{n}" if n else ""), fillcolor=NO_DATA_FILL, fillpattern=blank_pattern(n),
                        line={"color": OUTLINE, "width": 0.8})
    # a long title wraps to the narrowest width the HTML edition draws a map at (charts.MIN_WIDTH)
    title = wrap(title, int((MIN_WIDTH - 40) / (CHAR_WIDTH * 18)))
    lines = title.count("<br>") + 1
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 18}}, font={"family": FONT, "size": 15},
        template="plotly_white", width=WIDTH, height=HEIGHT + 25 * (lines - 1),
        margin={"l": 10, "r": 10, "t": 40 + 25 * lines, "b": 70},
        xaxis={"visible": False}, yaxis={"visible": False, "scaleanchor": "x", "scaleratio": 1},
        legend={"x": 0.0, "y": 0.02, "bgcolor": "rgba(255,255,255,0.7)"}, showlegend=bool(values.isna().any()),
        meta={"map": name, "division": period.division,
              "values": {c: (None if pd.isna(v) else float(v)) for c, v in values.items()},
              "total": float(observed.sum())},
    )
    return add_source(fig, period, lang, width=115, yshift=-8)


def class_breaks(low: float, high: float, whole: bool) -> list[float]:
    """Class edges from low to at least high in a round step (1, 2, 2.5 or 5 times a power of ten),
    at most six classes (whole counts: a whole step)."""
    span = max(high - low, 1e-9)
    step = next(s * 10 ** k for k in range(-2, 8) for s in (1, 2, 2.5, 5) if span / (s * 10 ** k) <= 6)
    if whole:
        step = max(1.0, float(-(-step // 1)))
    edges = [low]
    while edges[-1] < high:
        edges.append(round(edges[-1] + step, 6))
    return edges if len(edges) > 1 else [low, low + step]


def class_of(value: float, breaks: list[float], whole: bool) -> int:
    """A value's class: counts (whole) have a class of their own for zero, then (edge, next edge];
    other values [first edge, second], then (edge, next edge]."""
    if whole and value == breaks[0]:
        return 0
    for i in range(1, len(breaks)):
        if value <= breaks[i]:
            return i if whole else i - 1
    return len(breaks) - (1 if whole else 2)


def class_labels(breaks: list[float], lang: str, decimals: int, whole: bool) -> list[str]:
    """Each class's range as the colour bar writes it: counts '0', '1–10', '11–20'; scores '1,0–2,0'."""
    if whole:
        ranges = [(int(breaks[i]) + 1, int(breaks[i + 1])) for i in range(len(breaks) - 1)]
        return [formatting.number(breaks[0], lang)] + [formatting.number(a, lang) if a == b else f"{formatting.number(a, lang)}–{formatting.number(b, lang)}"
                                                       for a, b in ranges]
    digits = max(decimals, 1)
    return [f"{formatting.number(breaks[i], lang, digits)}–{formatting.number(breaks[i + 1], lang, digits)}" for i in range(len(breaks) - 1)]


def blank_pattern(n: int) -> dict:
    """The hatching of the n-th reason a unit is blank (no observations, hidden to protect
    respondents, not assessed): each reason its own, none like a zero, which takes the scale's lightest colour."""
    return {"shape": ("/", "x", ".", "-")[n % 4], "fgcolor": "#767676", "bgcolor": NO_DATA_FILL, "size": 7, "solidity": 0.25}


def short_name(name: str, taken: set[str] = frozenset()) -> str:
    """A region's name as the map writes it: without 'Region' / 'область' unless that leaves the name
    of a city on the map (`taken`: 'Almaty Region' beside the city of Almaty), a long one on two
    lines at its hyphen ('Северо-<br>Казахстанская')."""
    short = re.sub(r"\s+(Region|область)$", "", name)
    short = name if short in taken else short
    if len(short) > 12 and "-" in short:
        return short.replace("-", "-<br>", 1)
    if len(short) > 12 and " " in short:
        return short.replace(" ", "<br>", 1)
    return short


def _outline(geometry) -> tuple[list, list]:
    """Exterior rings of a (multi)polygon as one path, rings separated by None (plotly's convention)."""
    xs, ys = [], []
    for polygon in getattr(geometry, "geoms", [geometry]):
        x, y = polygon.exterior.xy
        xs += [round(v, 2) for v in x] + [None]
        ys += [round(v, 2) for v in y] + [None]
    return xs, ys


# --- writing -------------------------------------------------------------------------------
def save(output_dir: str | os.PathLike | None, figures: dict[str, go.Figure], static: bool = True) -> list[Path]:
    """Write each map as maps/<name>.html (plotly.js beside it, no network needed), .png and .svg,
    and its plotly figure as .json (what the bulletin and other tools re-draw it from). In a run's
    kernel the PNG and SVG are left to the run, which draws them from the JSON (images.DRAWN_BY_THE_RUN)."""
    if output_dir is None:
        print("Exploring: maps not written (a run passes output_dir).")
        return []
    folder = Path(output_dir) / "maps"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for script, text in (("plotly.min.js", get_plotlyjs), ("draw_figure.js", phone.DRAW_FIGURE.read_text)):
        if not (folder / script).exists():
            (folder / script).write_text(text(), encoding="utf-8")
    for name, fig in figures.items():
        path = folder / f"{name}.html"
        path.write_text(page(fig, name), encoding="utf-8")
        fig.write_json(folder / f"{name}.json")
        written += [path, folder / f"{name}.json"]
    if static and not os.environ.get(images.DRAWN_BY_THE_RUN):
        written += images.draw_figure_files(folder, (WIDTH, HEIGHT), names=list(figures))
    print("Maps written: " + ", ".join(figures))
    return written


PAGE = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<script src="plotly.min.js"></script>
<script src="draw_figure.js"></script>
<style>
body {{ font-family: "PT Sans", "DejaVu Sans", Arial, sans-serif; color: #222; margin: 0 auto; max-width: 1040px; padding: 0.75rem; }}
h1 {{ font-size: 1.25rem; font-weight: 600; margin: 0.25rem 0 0.5rem; }}
.figure-data summary {{ cursor: pointer; color: #1f5f8b; }}
.figure-data table {{ border-collapse: collapse; font-size: 0.9rem; }}
.figure-data th, .figure-data td {{ border-bottom: 1px solid #ddd; padding: 0.15rem 0.6rem; text-align: left; }}
</style>
</head>
<body>
<main>
<h1>{title}</h1>
<div id="map-{name}" class="plotly-graph-div" role="img" aria-label="{alt}"></div>
<script>drawFigure("map-{name}", {figure}, {phone});</script>
{table}
</main>
</body>
</html>
"""


def page(fig: go.Figure, name: str) -> str:
    """A map's own page: its title as the heading, the map (its phone version in a narrow window),
    read by screen readers as an image with its text alternative, and its values in a table; in
    the map's language; plotly.js beside it, no network needed."""
    spec = json.loads(fig.to_json())
    lang = name.rsplit("_", 1)[1]
    # the page's heading is the map's title: the figure drawn without it, its top margin given back
    untitled = {"data": spec["data"], "layout": {k: v for k, v in spec["layout"].items() if k not in ("title", "width")}}
    layout = phone.fixed({**untitled["layout"], "autosize": True})
    top = (layout.get("margin") or {}).get("t", 10)
    layout["margin"], layout["height"] = {**layout.get("margin", {}), "t": 10}, (layout.get("height") or HEIGHT) - top + 10
    return PAGE.format(lang=lang, name=name, title=describe.raw_html(describe.title_of(spec)),
                       alt=describe.raw_html(describe.described(spec, lang)), table=describe.data_table(spec, lang),
                       figure=json.dumps({"data": spec["data"], "layout": layout}).replace("</", "<\\/"),
                       phone=json.dumps(phone.version(untitled)).replace("</", "<\\/"))


# --- the period's maps, one builder per bulletin part ---------------------------------------
TEXT = {
    "respondents": {"ru": ("Респонденты анкетирования по регионам", "респондентов"),
                    "en": ("Survey respondents by region", "respondents")},
    "violations": {"ru": ("Нарушения прав правозащитников по регионам", "нарушений"),
                   "en": ("Violations of the rights of HRDs by region", "violations")},
    "media": {"ru": ("Медиа-материалы об угрозах правозащитникам по регионам", "материалов"),
              "en": ("Media materials on threats to HRDs by region", "materials")},
    "risk": {"ru": ("Риск для правозащитников (угрозы × уязвимость / ресурсы)", "риск"),
             "en": ("Risk for HRDs (threats × vulnerability / resources)", "risk")},
    "threats": {"ru": ("Угрозы: самооценка правозащитников (1-5)", "угрозы"), "en": ("Threats: HRDs' own assessment (1-5)", "threats")},
    "vulnerability": {"ru": ("Уязвимость: самооценка правозащитников (1-5)", "уязвимость"),
                      "en": ("Vulnerability: HRDs' own assessment (1-5)", "vulnerability")},
    "resources": {"ru": ("Ресурсы: самооценка правозащитников (1-5)", "ресурсы"), "en": ("Resources: HRDs' own assessment (1-5)", "resources")},
    "security": {"ru": ("Безопасность: самооценка правозащитников (1-5)", "безопасность"),
                 "en": ("Security: HRDs' own assessment (1-5)", "security")},
}
LANGS = ("ru", "en")
ASSESSMENT_SCALE = (1.0, 5.0)  # the HRDs' own assessments: the questionnaire's 1-5 scale, the same on every map


def respondents_maps(by_oblast: pd.DataFrame, geo, period: Period) -> dict[str, go.Figure]:
    """Part I: respondents per region (survey_respondents_by_oblast). Every region has a row there,
    so a blank is a count suppressed to protect respondents (pipeline.privacy), not a gap."""
    values = values_by_unit(by_oblast, "respondents", geo)
    # a blank hides a small count or, so that it cannot be worked out, a larger one beside it
    hidden = {"ru": "скрыто для защиты респондентов", "en": "not shown, to protect respondents"}
    return {f"respondents_{lang}": choropleth(values, geo, period, *TEXT["respondents"][lang], lang=lang,
                                             colorscale="Blues", name=f"respondents_{lang}", missing=hidden) for lang in LANGS}


def violations_maps(by_oblast: pd.DataFrame, categories: pd.DataFrame, geo, period: Period) -> dict[str, go.Figure]:
    """Part III: violations per region, all and per HRD category (incidents_by_oblast)."""
    figures = {}
    labels = {"all": {"ru": "", "en": ""}} | {c: {"ru": ru, "en": en} for c, ru, en in
                                            zip(categories["id"], categories["name_ru"], categories["name_en"])}
    # the maps of the categories are a series: one scale for all of them, so one colour means one count
    series = by_oblast[by_oblast["hrd_category"] != "all"]["violations"]
    shared = (0.0, float(max(series.max(), 1))) if len(series) else None
    for category, label in labels.items():
        rows = by_oblast[by_oblast["hrd_category"] == category]
        values = values_by_unit(rows, "violations", geo)
        for lang in LANGS:
            title, legend = TEXT["violations"][lang]
            if label[lang]:
                # inside the title the name starts lower case, its acronyms stay ('…коллективы и СМИ')
                title = f"{title}: {label[lang][:1].lower() + label[lang][1:] if lang == 'ru' else label[lang]}"
            name = f"violations_{category}_{lang}"
            figures[name] = choropleth(values, geo, period, title, legend, lang=lang, name=name,
                                       scale=None if category == "all" else shared)
    return figures


def media_maps(by_oblast: pd.DataFrame, geo, period: Period) -> dict[str, go.Figure]:
    """Part IV: media materials per region of the outlet (media_by_oblast)."""
    values = values_by_unit(by_oblast, "materials", geo)
    return {f"media_{lang}": choropleth(values, geo, period, *TEXT["media"][lang], lang=lang, colorscale="Purples",
                                       name=f"media_{lang}") for lang in LANGS}


def risk_maps(regions: pd.DataFrame, geo, period: Period, units: pd.DataFrame | None = None) -> dict[str, go.Figure]:
    """Part V: risk and its components per region, means over the waves (dynamics_regions); a blank
    region says why (dynamics_units): hidden because too few assessed it, or not assessed."""
    figures = {}
    why_blank = {}
    if units is not None:
        for _, unit in units.iterrows():
            if unit["status"] == "hidden":
                k = int(unit["min_assessors"])
                why_blank[unit["oblast"]] = {"ru": f"скрыто: оценивали меньше {k}", "en": f"not shown: fewer than {k} assessed"}
            elif unit["status"] == "not_assessed":
                why_blank[unit["oblast"]] = {"ru": "нет оценок", "en": "not assessed"}
    scales = {"risk": "Reds", "threats": "Oranges", "vulnerability": "Oranges", "resources": "Greens", "security": "Greens"}
    for measure, scale in scales.items():
        values = values_by_unit(regions, measure, geo)
        for lang in LANGS:
            name = f"{measure}_{lang}"
            figures[name] = choropleth(values, geo, period, *TEXT[measure][lang], lang=lang, colorscale=scale,
                                       decimals=1, name=name, from_zero=measure == "risk", why_blank=why_blank,
                                       scale=None if measure == "risk" else ASSESSMENT_SCALE)
    return figures
