"""Part IV: media attention to threats and risks for HRDs. Pure functions from the media log.

A material appears in an outlet of a city (resolved by the gazetteer) on a day, which falls in a
wave (quarter) of the period, and covers one or more cases of the incident log.
"""
from __future__ import annotations

import pandas as pd

from pipeline import evidence
from pipeline.claims import Claim, Tables, bottom_rows, claim, covers_all, listed, quoted, ranked, ref, share_of, top_rows, where
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
    return pd.DataFrame(rows, columns=["measure", "value", "label_ru", "label_en"]).astype({"value": "int64"})  # counts, all of them


def by_city(m: pd.DataFrame, cities: pd.DataFrame) -> pd.DataFrame:
    table = m.groupby(["city", "oblast"]).agg(materials=("material_id", "size"), outlets=("outlet_id", "nunique")).reset_index()
    table["rank"] = table["materials"].rank(method="min", ascending=False).astype("int64")
    table = table.merge(cities[["city", "name_ru", "name_en", "lat", "lon"]], on="city", how="left")
    return table.sort_values(["rank", "city"]).reset_index(drop=True)


def by_city_wave(m: pd.DataFrame, period: Period) -> pd.DataFrame:
    waves = [w["wave"] for w in period.waves]
    grid = pd.MultiIndex.from_product([sorted(m["city"].unique()), waves], names=["city", "wave"])
    counts = m.groupby(["city", "wave"]).size().reindex(grid, fill_value=0)
    # typed: a period with no materials has an empty grid, which pandas would make float
    return counts.rename("materials").reset_index().astype({"wave": "int64", "materials": "int64"})


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
# Media materials are records, not a sample: words by the rules of pipeline/evidence.yml on any
# non-empty base, every tie named, no zero ranked.
SUMMARY = "media_summary"


def _summary(tables: Tables, *measures: str, keys: dict[str, str] | None = None) -> tuple[dict[str, int], tuple]:
    """Measures of media_summary and the assertions that the sentence quotes them (keys: the values'
    name of a measure, when not its own)."""
    keys = keys or {}
    values = {m: int(tables[SUMMARY].set_index("measure")["value"][m]) for m in measures}
    return values, tuple(quoted(ref(SUMMARY, "value", v, where(measure=m)), keys.get(m, m)) for m, v in values.items())


@claim("media.volume", SUMMARY, cases=("stated", "none"))
def _volume(tables: Tables) -> Claim:
    values, asserts = _summary(tables, "materials", "outlets", "cities")
    return Claim("media.volume", "stated" if values["materials"] else "none", values, f"{values}", asserts)


@claim("media.cases_per_quarter", "media_by_wave", SUMMARY, cases=("range", "same", "none"))
def _cases_per_quarter(tables: Tables) -> Claim:
    waves = tables["media_by_wave"]["cases_covered"]
    materials, asserts = _summary(tables, "materials", keys={"materials": None})
    if not materials["materials"] or waves.empty:
        return Claim("media.cases_per_quarter", "none", {}, "no materials", asserts)
    least, most = int(waves.min()), int(waves.max())
    return Claim("media.cases_per_quarter", "same" if least == most else "range", {"min": least, "max": most},
                 f"cases covered a quarter: {least} to {most}",
                 (quoted(ref("media_by_wave", "cases_covered", least, agg="min"), "min"),
                  quoted(ref("media_by_wave", "cases_covered", most, agg="max"), "max")))


TOP_CITIES, WEAKEST_CITIES = 4, 7  # the bulletin's "most intense" and "weakest" coverage


@claim("media.top_cities", "media_by_city", "media_by_city_wave", cases=("several", "all_listed", "one", "none"))
def _top_cities(tables: Tables) -> Claim:
    """The cities with most materials (every tie), and how many materials a quarter they had."""
    top = top_rows(tables["media_by_city"], "materials", TOP_CITIES, key="city")
    every = covers_all(top, tables["media_by_city"], "materials")  # the cities with materials are no more than these
    asserts = (ranked("top", "media_by_city", "city", "materials", top["city"], TOP_CITIES, superlative=not every),)
    if top.empty:
        return Claim("media.top_cities", "none", {}, "no materials", asserts)
    quarters = tables["media_by_city_wave"]
    quarters = quarters[quarters["city"].isin(top["city"])]["materials"]
    in_top = [["city", "in", list(top["city"])]]
    values = {"cities": listed(top), "least": int(quarters.min()), "most": int(quarters.max())}
    asserts += (quoted(ref("media_by_city_wave", "materials", values["least"], in_top, "min"), "least"),
                quoted(ref("media_by_city_wave", "materials", values["most"], in_top, "max"), "most"))
    return Claim("media.top_cities", "one" if len(top) == 1 else "all_listed" if every else "several", values,
                 "top: " + ", ".join(f"{c} {m}" for c, m in zip(top["city"], top["materials"])), asserts)


@claim("media.weakest_cities", "media_by_city", cases=("several", "one", "none"))
def _weakest_cities(tables: Tables) -> Claim:
    """The cities with fewest materials among those that had any (every tie), never one of the top."""
    cities = tables["media_by_city"]
    top = top_rows(cities, "materials", TOP_CITIES, key="city")
    weakest, n = bottom_rows(cities, "materials", WEAKEST_CITIES, "city", top["city"])
    case = "none" if weakest.empty else "one" if len(weakest) == 1 else "several"
    return Claim("media.weakest_cities", case, {"cities": listed(weakest)}, "weakest: " + ", ".join(weakest["city"]),
                 (ranked("bottom", "media_by_city", "city", "materials", weakest["city"], n,
                         excluding=list(top["city"])),))


@claim("media.most_supportive", "media_by_kind", cases=("one", "tie", "all_tied", "none"))
def _most_supportive(tables: Tables) -> Claim:
    """The kinds of outlet with the largest share of supportive materials (every tie), if any."""
    from pipeline.data.codebook import load_codebook

    kinds = tables["media_by_kind"]
    labels = load_codebook("media").codes["outlet_kind"]
    top = top_rows(kinds, "supportive_share_pct", 1, key="kind")
    even = covers_all(top, kinds, "supportive_share_pct")
    asserts = (ranked("top", "media_by_kind", "kind", "supportive_share_pct", top["kind"], 1, superlative=not even),)
    if top.empty:
        return Claim("media.most_supportive", "none", {}, "no supportive material", asserts)
    named = top.assign(name_ru=[labels[k]["ru"] for k in top["kind"]], name_en=[labels[k]["en"] for k in top["kind"]])
    return Claim("media.most_supportive", "one" if len(top) == 1 else "all_tied" if even else "tie",
                 {"kinds": listed(named) if len(top) == 1 else listed(named, quoted=True),
                  "share_pct": float(top["supportive_share_pct"].iloc[0])},
                 ", ".join(f"{k}: {s} of {m} supportive" for k, s, m in zip(top["kind"], top["supportive"], top["materials"])),
                 asserts + (quoted(ref("media_by_kind", "supportive_share_pct", float(top["supportive_share_pct"].iloc[0]),
                                       where(kind=top["kind"].iloc[0])), "share_pct"),))


@claim("media.tone", SUMMARY, cases=("some_negative", "no_negative", "all_negative", "none"))
def _tone(tables: Tables) -> Claim:
    values, asserts = _summary(tables, "tone_negative", "materials", keys={"tone_negative": "negative", "materials": None})
    negative, materials = values["tone_negative"], values["materials"]
    case = "none" if not materials else "no_negative" if not negative else "all_negative" if negative == materials else "some_negative"
    return Claim("media.tone", case, {"negative": negative}, f"{negative} of {materials} negative", asserts)


@claim("media.mostly_events", SUMMARY, cases=("all_events", "events", "half", "analysis", "all_analysis", "none"))
def _mostly_events(tables: Tables) -> Claim:
    """Event reports against analysis: 'mostly events' only when analytical pieces are fewer than half."""
    values, asserts = _summary(tables, "analytical_materials", "materials", keys={"analytical_materials": "analytical"})
    analytical, materials = values["analytical_materials"], values["materials"]
    if not materials:
        return Claim("media.mostly_events", "none", {"analytical": 0, "materials": 0}, "no materials", asserts)
    case = ("all_events" if not analytical else "all_analysis" if analytical == materials else "half" if 2 * analytical == materials
            else "analysis" if 2 * analytical > materials else "events")
    word = {"all_events": "none", "all_analysis": "all", "half": "half", "analysis": "most", "events": "minority"}[case]
    share = share_of(ref(SUMMARY, "value", analytical, where(measure="analytical_materials")),
                     ref(SUMMARY, "value", materials, where(measure="materials")), word, sample=False)
    return Claim("media.mostly_events", case, {"analytical": analytical, "materials": materials},
                 f"{analytical} of {materials} materials analytical or multimedia", asserts + (share,))


def _summary_share(tables: Tables, count: str, base: str) -> tuple[int, int, float]:
    values, _ = _summary(tables, count, base)
    return values[count], values[base], (100 * values[count] / values[base] if values[base] else float("nan"))


@claim("media.coverage", SUMMARY, cases=("minority_covered", "half_covered", "majority_covered", "all_covered", "none_covered",
                                         "no_cases"))
def _coverage(tables: Tables) -> Claim:
    """Conclusion I of bulletin No. 5 ("a low level of coverage"): the share of logged cases the media covered."""
    covered, logged, pct = _summary_share(tables, "cases_covered", "cases_logged")
    count, base = (ref(SUMMARY, "value", covered, where(measure="cases_covered")),
                   ref(SUMMARY, "value", logged, where(measure="cases_logged")))
    if not logged:
        return Claim("media.coverage", "no_cases", {}, "no cases logged", (quoted(base),))
    word = evidence.quantifier(covered, logged)
    case = {"none": "none_covered", "all": "all_covered", "half": "half_covered"}.get(
        word, "majority_covered" if 2 * covered > logged else "minority_covered")
    asserted = {"none_covered": "none", "all_covered": "all", "half_covered": "half", "majority_covered": "most",
                "minority_covered": "minority"}[case]
    return Claim("media.coverage", case, {"covered": covered, "logged": logged, "share_pct": pct},
                 f"{covered} of {logged} logged cases covered by the media",
                 (share_of(count, base, asserted, sample=False, key="share_pct"),))


@claim("media.serial_coverage", SUMMARY, cases=("some_cases", "half_cases", "most_cases", "all_cases", "no_case", "not_covered"))
def _serial_coverage(tables: Tables) -> Claim:
    """Conclusion III ("only some stories get serial coverage"): covered cases with a series of materials."""
    serial, covered, pct = _summary_share(tables, "cases_covered_serially", "cases_covered")
    count, base = (ref(SUMMARY, "value", serial, where(measure="cases_covered_serially")),
                   ref(SUMMARY, "value", covered, where(measure="cases_covered")))
    values = {"serial": serial, "covered": covered, "share_pct": pct, "series": SERIES_MIN_MATERIALS}
    if not covered:
        return Claim("media.serial_coverage", "not_covered", values, "no case covered", (quoted(base),))
    word = evidence.quantifier(serial, covered)
    case = {"none": "no_case", "all": "all_cases", "half": "half_cases"}.get(word, "most_cases" if 2 * serial > covered else "some_cases")
    asserted = {"no_case": "none", "all_cases": "all", "half_cases": "half", "most_cases": "most", "some_cases": "minority"}[case]
    return Claim("media.serial_coverage", case, values, f"{serial} of {covered} covered cases in {SERIES_MIN_MATERIALS}+ materials",
                 (share_of(count, base, asserted, sample=False, key="share_pct" if case in ("some_cases", "most_cases") else None),))
