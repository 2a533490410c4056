"""Part IV: media attention to threats and risks for HRDs. Pure functions from the media log.

A material appears in an outlet of a city (resolved by the gazetteer) on a day, which falls in a
wave (quarter) of the period, and covers one or more cases of the incident log.
"""
from __future__ import annotations

import pandas as pd

from pipeline.claims import Claim, Tables, claim
from pipeline.data.io import region_names
from pipeline.data.periods import Period, wave_of
from pipeline.parts.inputs import PartInputs

TONES = ("negative", "neutral", "supportive")


def _materials(raw: dict[str, pd.DataFrame], period: Period) -> pd.DataFrame:
    outlets = raw["outlets"][["outlet_id", "kind", "city", "oblast"]]
    materials = raw["materials"].merge(outlets, on="outlet_id", how="left", validate="many_to_one")
    materials["wave"] = [wave_of(period, d) for d in materials["date"]]
    return materials


def tables(part: PartInputs) -> dict[str, pd.DataFrame]:
    """Every Part IV table (described in pipeline/parts/media.tables.yml)."""
    raw, period, cities, division = part.raw, part.period, part.reference["cities"], part.division
    m = _materials(raw, period)
    links = raw["material_cases"].merge(m[["material_id", "wave"]], on="material_id")
    return {
        "media_summary": summary(m, raw, links),
        "media_by_city": by_city(m, cities),
        "media_by_city_wave": by_city_wave(m, period),
        "media_by_wave": by_wave(m, links, period),
        "media_by_kind": by_kind(m, raw["outlets"]),
        "media_by_oblast": by_oblast(m, division),
    }


# "Serial coverage" (bulletin No. 5, conclusion III): a case covered by a series of materials,
# three or more; two may be a report and its follow-up.
SERIES_MIN_MATERIALS = 3


def summary(m: pd.DataFrame, raw, links: pd.DataFrame) -> pd.DataFrame:
    tone = m["tone"].value_counts()
    rows = [
        ("materials", len(m), "Материалы", "Materials"),
        ("outlets", m["outlet_id"].nunique(), "СМИ, опубликовавшие материалы", "Outlets that published materials"),
        ("cities", m["city"].nunique(), "Города", "Cities"),
        ("cases_covered", links["case_id"].nunique(), "Случаи, освещённые в СМИ", "Cases covered by the media"),
        ("cases_logged", len(raw["cases"]), "Случаи в журнале", "Cases in the incident log"),
        ("cases_covered_serially", int((links.groupby("case_id").size() >= SERIES_MIN_MATERIALS).sum()),
         f"Случаи, освещённые серией (от {SERIES_MIN_MATERIALS} материалов)",
         f"Cases covered by a series ({SERIES_MIN_MATERIALS} materials or more)"),
        ("analytical_materials", int(m["genre"].isin(["analysis", "multimedia"]).sum()),
         "Аналитические и мультимедийные материалы", "Analytical and multimedia materials"),
    ] + [(f"tone_{t}", int(tone.get(t, 0)), f"Тональность: {t}", f"Tone: {t}") for t in TONES]
    return pd.DataFrame(rows, columns=["measure", "value", "label_ru", "label_en"]).astype({"value": "float64"})


def by_city(m: pd.DataFrame, cities: pd.DataFrame) -> pd.DataFrame:
    table = m.groupby(["city", "oblast"]).agg(materials=("material_id", "size"), outlets=("outlet_id", "nunique")).reset_index()
    table["rank"] = table["materials"].rank(method="min", ascending=False).astype("int64")
    table = table.merge(cities[["city", "name_ru", "name_en", "lat", "lon"]], on="city", how="left")
    return table.sort_values(["rank", "city"]).reset_index(drop=True)


def by_city_wave(m: pd.DataFrame, period: Period) -> pd.DataFrame:
    waves = [w["wave"] for w in period.waves]
    grid = pd.MultiIndex.from_product([sorted(m["city"].unique()), waves], names=["city", "wave"])
    counts = m.groupby(["city", "wave"]).size().reindex(grid, fill_value=0)
    return counts.rename("materials").reset_index()


def by_wave(m: pd.DataFrame, links: pd.DataFrame, period: Period) -> pd.DataFrame:
    rows = []
    for w in period.waves:
        in_wave = m[m["wave"] == w["wave"]]
        rows.append({"wave": w["wave"], "first_day": w["first_day"].isoformat(), "last_day": w["last_day"].isoformat(),
                     "materials": len(in_wave), "outlets": in_wave["outlet_id"].nunique(),
                     "cases_covered": links.loc[links["wave"] == w["wave"], "case_id"].nunique()})
    return pd.DataFrame(rows)


def by_kind(m: pd.DataFrame, outlets: pd.DataFrame) -> pd.DataFrame:
    table = outlets.groupby("kind").size().rename("outlets").to_frame()
    table["materials"] = m.groupby("kind").size()
    for tone in TONES:
        table[tone] = m[m["tone"] == tone].groupby("kind").size()
    table = table.fillna(0).astype("int64").reset_index()
    table["supportive_share_pct"] = (100 * table["supportive"] / table["materials"].where(table["materials"] > 0)).round(4)
    return table.sort_values(["materials", "kind"], ascending=[False, True]).reset_index(drop=True)


def by_oblast(m: pd.DataFrame, division: pd.DataFrame) -> pd.DataFrame:
    table = region_names(division)
    table["materials"] = table["oblast"].map(m["oblast"].value_counts()).fillna(0).astype("int64")
    table["outlets"] = table["oblast"].map(m.groupby("oblast")["outlet_id"].nunique()).fillna(0).astype("int64")
    return table.sort_values("oblast").reset_index(drop=True)


# --- checks of the bulletin's statements (used by the reconciliation) -------------------------
def _covered(tables) -> pd.DataFrame:
    return tables["media_by_city"].sort_values(["materials", "city"], ascending=[False, True])


def _names_match(published: list[str], cities: pd.DataFrame) -> bool:
    """The published English names (2016 spellings) against the cities' ids and names."""
    aliases = {"uralsk": "oral", "petropavlovsk": "petropavl"}
    ids = set(cities["city"])
    return {aliases.get(n.lower(), n.lower()) for n in published} == ids


def most_covered(tables, published, n: int):
    """The n cities with most materials, compared as a set (the bulletin names them unordered)."""
    table = _covered(tables)
    top = table.head(n)
    clear = len(table) == n or table["materials"].iloc[n - 1] > table["materials"].iloc[n]
    return ", ".join(top["name_en"]), _names_match(published, top) and clear, \
        "materials: " + ", ".join(f"{c} {k}" for c, k in zip(top["city"], top["materials"]))


def least_covered(tables, published, n: int):
    """The n cities with fewest materials (among those with any), compared as a set."""
    table = _covered(tables)
    bottom = table.tail(n)
    clear = len(table) == n or table["materials"].iloc[-n] < table["materials"].iloc[-n - 1]
    return ", ".join(bottom["name_en"]), _names_match(published, bottom) and clear, \
        "materials: " + ", ".join(f"{c} {k}" for c, k in zip(bottom["city"], bottom["materials"]))


# --- claims: what the text says about this part's data (sentences: pipeline/claims.yml) ---------
@claim("media.most_supportive", "media_by_kind", cases=("kind", "none"))
def _most_supportive(tables: Tables) -> Claim:
    kinds = tables["media_by_kind"].dropna(subset=["supportive_share_pct"])
    from pipeline.data.codebook import load_codebook

    labels = load_codebook("media").codes["outlet_kind"]
    if kinds.empty or kinds["supportive"].sum() == 0:
        return Claim("media.most_supportive", "none", {}, "no supportive material")
    best = kinds.sort_values(["supportive_share_pct", "materials"], ascending=False, kind="stable").iloc[0]
    return Claim("media.most_supportive", "kind", {"kind": {lang: labels[best["kind"]][lang] for lang in ("ru", "en")},
                                                  "share_pct": float(best["supportive_share_pct"])},
                 f"{best['kind']}: {best['supportive']} of {best['materials']} materials supportive")


@claim("media.mostly_events", "media_summary", cases=("events", "analysis"))
def _mostly_events(tables: Tables) -> Claim:
    summary = tables["media_summary"].set_index("measure")["value"]
    analytical, materials = int(summary["analytical_materials"]), int(summary["materials"])
    case = "analysis" if materials and analytical > materials / 2 else "events"
    return Claim("media.mostly_events", case, {"analytical": analytical, "materials": materials},
                 f"{analytical} of {materials} materials analytical or multimedia")


@claim("media.coverage", "media_summary", cases=("minority_covered", "majority_covered", "all_covered", "none_covered"))
def _coverage(tables: Tables) -> Claim:
    """Conclusion I of bulletin No. 5 ("a low level of coverage"): the share of logged cases the media covered."""
    summary = tables["media_summary"].set_index("measure")["value"]
    covered, logged = int(summary["cases_covered"]), int(summary["cases_logged"])
    pct = 100 * covered / logged if logged else 0.0
    case = ("none_covered" if not covered else "all_covered" if covered == logged
            else "majority_covered" if pct > 50 else "minority_covered")
    return Claim("media.coverage", case, {"covered": covered, "logged": logged, "share_pct": pct},
                 f"{covered} of {logged} logged cases covered by the media")


@claim("media.serial_coverage", "media_summary", cases=("some_cases", "most_cases", "no_case"))
def _serial_coverage(tables: Tables) -> Claim:
    """Conclusion III ("only some stories get serial coverage"): covered cases with a series of materials."""
    summary = tables["media_summary"].set_index("measure")["value"]
    serial, covered = int(summary["cases_covered_serially"]), int(summary["cases_covered"])
    pct = 100 * serial / covered if covered else 0.0
    case = "no_case" if not serial else "most_cases" if pct > 50 else "some_cases"
    return Claim("media.serial_coverage", case, {"serial": serial, "covered": covered, "share_pct": pct,
                                                 "series": SERIES_MIN_MATERIALS},
                 f"{serial} of {covered} covered cases in {SERIES_MIN_MATERIALS}+ materials")
