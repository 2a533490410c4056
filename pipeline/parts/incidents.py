"""Part III: incidents and court cases. Pure functions from the validated incident log to tables.

A violation is one right violated in a case; the bulletin counts violations ("407 нарушений") in
its matrix and shares, cases ("391 случай") as events. Places were resolved to a city and an
oblast by the gazetteer when the log was read. Only aggregates leave this module.
"""
from __future__ import annotations

import pandas as pd

from pipeline import evidence
from pipeline.claims import Claim, Tables, claim, covers_all, listed, names, quoted, ranked, ratio, ref, share_of, top_rows, where
from pipeline.data.io import region_names
from pipeline.parts.inputs import PartInputs

STATE_RESPONSES = ("ignored", "formal", "useful")


def _names(table: pd.DataFrame, key: str) -> pd.DataFrame:
    return table[["id", "name_ru", "name_en"]].rename(columns={"id": key})


def tables(part: PartInputs) -> dict[str, pd.DataFrame]:
    """Every Part III table (described in pipeline/parts/incidents.tables.yml), from the incident log
    and the reference lists: threat_types, threat_categories, hrd_categories, threat_sources, cities."""
    raw, reference, division = part.raw, part.reference, part.division
    v = raw["violations"]
    by_type = violations_by_type(v, reference["threat_types"], reference["threat_categories"])
    return {
        "incidents_summary": summary(raw, by_type),
        "incidents_by_type": by_type,
        "incidents_by_type_and_category": by_type_and_category(v, reference["hrd_categories"]),
        "incidents_matrix": matrix(v, reference["threat_types"], reference["cities"]),
        "incidents_by_city": by_city(v, raw["cases"], reference["cities"]),
        "incidents_by_oblast": by_oblast(v, division, reference["hrd_categories"]),
        "incidents_by_hrd_category": by_hrd_category(v, reference["hrd_categories"]),
        "incidents_by_source": by_source(v, reference["threat_sources"]),
        "incidents_plaintiffs": plaintiffs(v, reference["threat_sources"]),
        "incidents_court": court(v),
        "incidents_state_response": state_response(v),
    }


def _rank(counts: pd.Series) -> pd.Series:
    """1 for the largest; ties share the better rank (two types with 28 are both 4th)."""
    return counts.rank(method="min", ascending=False).astype("int64")


def violations_by_type(v: pd.DataFrame, types: pd.DataFrame, categories: pd.DataFrame) -> pd.DataFrame:
    counts = v["threat_type"].value_counts()
    table = types.rename(columns={"id": "threat_type"})[["threat_type", "category", "name_ru", "name_en", "origin", "matrix_order"]]
    table["violations"] = table["threat_type"].map(counts).fillna(0).astype("int64")
    table["cases"] = table["threat_type"].map(v.groupby("threat_type")["case_id"].nunique()).fillna(0).astype("int64")
    table["share_pct"] = (100 * table["violations"] / len(v)).round(4)
    table["rank"] = _rank(table["violations"])
    table["in_bulletin_matrix"] = table["origin"] == "bulletin_matrix"
    table = table.merge(categories[["id", "name_ru", "name_en"]].rename(
        columns={"id": "category", "name_ru": "category_ru", "name_en": "category_en"}), on="category", how="left")
    table["matrix_order"] = pd.to_numeric(table["matrix_order"], errors="coerce").astype("Int64")
    return table.sort_values(["rank", "threat_type"], kind="stable").reset_index(drop=True)


def by_type_and_category(v: pd.DataFrame, categories: pd.DataFrame) -> pd.DataFrame:
    table = v.groupby(["threat_type", "hrd_category"]).size().rename("violations").reset_index()
    table["share_of_type_pct"] = (100 * table["violations"] / table.groupby("threat_type")["violations"].transform("sum")).round(4)
    return table.sort_values(["threat_type", "violations", "hrd_category"], ascending=[True, False, True], kind="stable").reset_index(drop=True)


def matrix(v: pd.DataFrame, types: pd.DataFrame, cities: pd.DataFrame) -> pd.DataFrame:
    """Threat type x city, as the bulletin's matrix (long form: one row per non-empty cell)."""
    table = v.groupby(["threat_type", "city"]).size().rename("violations").reset_index()
    in_matrix = set(types.loc[types["origin"] == "bulletin_matrix", "id"])
    table["in_bulletin_matrix"] = table["threat_type"].isin(in_matrix)
    table = table.merge(cities[["city", "name_ru", "name_en"]].rename(columns={"name_ru": "city_ru", "name_en": "city_en"}),
                        on="city", how="left")
    return table.sort_values(["threat_type", "city"]).reset_index(drop=True)


def by_city(v: pd.DataFrame, cases: pd.DataFrame, cities: pd.DataFrame) -> pd.DataFrame:
    table = v.groupby(["city", "oblast"]).agg(violations=("violation_id", "size"), cases=("case_id", "nunique")).reset_index()
    table["rank"] = _rank(table["violations"])
    table = table.merge(cities[["city", "name_ru", "name_en", "lat", "lon"]], on="city", how="left")
    return table.sort_values(["rank", "city"]).reset_index(drop=True)


def by_oblast(v: pd.DataFrame, division: pd.DataFrame, categories: pd.DataFrame) -> pd.DataFrame:
    """Violations per region and HRD category (`all` = every category); every region and category listed."""
    regions = region_names(division)
    regions = regions.sort_values("oblast").reset_index(drop=True)
    keys = ["all"] + list(categories["id"])
    grid = regions.merge(pd.DataFrame({"hrd_category": keys}), how="cross")  # region-major, categories in order
    counts = v.groupby(["oblast", "hrd_category"]).size()
    totals = v.groupby("oblast").size()
    grid["violations"] = [int(totals.get(o, 0)) if c == "all" else int(counts.get((o, c), 0))
                          for o, c in zip(grid["oblast"], grid["hrd_category"])]
    return grid


def _counted(reference: pd.DataFrame, key: str, values: pd.Series, total: int) -> pd.DataFrame:
    """Every id of a reference list with its count in `values`, share of `total` and rank."""
    table = _names(reference, key)
    table["violations"] = table[key].map(values.value_counts()).fillna(0).astype("int64")
    table["share_pct"] = (100 * table["violations"] / total).round(4)
    table["rank"] = _rank(table["violations"])
    return table


def by_hrd_category(v: pd.DataFrame, categories: pd.DataFrame) -> pd.DataFrame:
    table = _counted(categories, "hrd_category", v["hrd_category"], len(v))
    return table.sort_values(["rank", "hrd_category"]).reset_index(drop=True)


def by_source(v: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    table = _counted(sources, "source", v["source"], len(v))
    table.insert(3, "state", (sources["state"] == "yes").to_numpy())
    return table.sort_values(["rank", "source"]).reset_index(drop=True)


def plaintiffs(v: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Who brought proceedings against HRDs (the source of violations where the HRD is accused or defendant)."""
    against = v[v["court_role"].isin(["accused", "defendant"])]
    table = _names(sources, "source")
    table["proceedings"] = table["source"].map(against["source"].value_counts()).fillna(0).astype("int64")
    table["rank"] = _rank(table["proceedings"])
    return table.sort_values(["rank", "source"]).reset_index(drop=True)


def court(v: pd.DataFrame) -> pd.DataFrame:
    """Court proceedings by the HRD's role and outcome."""
    cases = v[v["court_role"].notna()]
    table = cases.groupby(["court_role", cases["court_outcome"].fillna("not_applicable")]).size()
    return table.rename("proceedings").reset_index().sort_values(["court_role", "court_outcome"]).reset_index(drop=True)


def state_response(v: pd.DataFrame) -> pd.DataFrame:
    counts = v["state_response"].value_counts()
    table = pd.DataFrame({"response": list(STATE_RESPONSES)})
    table["violations"] = table["response"].map(counts).fillna(0).astype("int64")
    table["share_pct"] = (100 * table["violations"] / len(v)).round(4)
    reacted = table.loc[table["response"] != "ignored", "violations"].sum()
    table["share_of_reactions_pct"] = [pd.NA if r == "ignored" or not reacted else round(100 * n / reacted, 4)
                                       for r, n in zip(table["response"], table["violations"])]
    table["share_of_reactions_pct"] = table["share_of_reactions_pct"].astype("Float64")
    return table


def summary(raw: dict[str, pd.DataFrame], by_type: pd.DataFrame) -> pd.DataFrame:
    """The headline counts of Part III, one per row."""
    v = raw["violations"]
    role = v["court_role"]
    outcome = v["court_outcome"]
    response = v["state_response"].value_counts()
    reacted = int(response.get("formal", 0) + response.get("useful", 0))
    convictions, acquittals = int((outcome == "conviction").sum()), int((outcome == "acquittal").sum())
    rows = [
        ("cases", len(raw["cases"]), "Случаи атак на правозащитников", "Cases of attacks on HRDs"),
        ("violations", len(v), "Нарушения прав", "Violations of rights"),
        ("threat_types_observed", int((by_type["violations"] > 0).sum()), "Виды угроз, встретившиеся в периоде", "Threat types observed"),
        ("threat_categories_observed", int(by_type.loc[by_type["violations"] > 0, "category"].nunique()),
         "Категории угроз, встретившиеся в периоде", "Threat categories observed"),
        ("matrix_violations", int(by_type.loc[by_type["in_bulletin_matrix"], "violations"].sum()),
         "Нарушения видов, показанных в матрице бюллетеня", "Violations of the types in the bulletin's matrix"),
        ("proceedings_against_hrds", int(role.isin(["accused", "defendant", "witness"]).sum()),
         "Судебные процессы с обвинением или привлечением правозащитников", "Proceedings accusing or involving HRDs"),
        ("lawsuits_by_hrds_against_state", int((role == "plaintiff_against_state").sum()),
         "Иски правозащитников к государству", "Lawsuits of HRDs against the state"),
        ("convictions", convictions, "Обвинительные решения", "Convictions"),
        ("acquittals", acquittals, "Оправдательные решения", "Acquittals"),
        ("convictions_per_acquittal", round(convictions / acquittals, 4) if acquittals else float("nan"),
         "Обвинительных решений на одно оправдательное", "Convictions per acquittal"),
        ("state_reactions", reacted, "Реакции государства (формальные и полезные)", "State reactions (formal and useful)"),
        ("useful_share_of_reactions", round(int(response.get("useful", 0)) / reacted, 4) if reacted else float("nan"),
         "Доля полезных среди реакций государства", "Useful share of the state's reactions"),
    ]
    return pd.DataFrame(rows, columns=["measure", "value", "label_ru", "label_en"]).astype({"value": "float64"})


# --- checks of the bulletin's statements (used by the reconciliation) -------------------------
def most_affected_category(tables: dict[str, pd.DataFrame], published, threat_type: str):
    """'Mostly journalists': the HRD category with most violations of a threat type, and its share."""
    rows = tables["incidents_by_type_and_category"]
    rows = rows[rows["threat_type"] == threat_type].sort_values("violations", ascending=False)
    top = rows.iloc[0]
    recomputed = top["hrd_category"].split("_")[0]
    agrees = str(published) in top["hrd_category"] and top["share_of_type_pct"] > 50
    return recomputed, agrees, f"{top['hrd_category']}: {top['violations']} of {rows['violations'].sum()} ({top['share_of_type_pct']:.1f}%)"


def conviction_ratio(tables: dict[str, pd.DataFrame], published):
    """'10:1': convictions per acquittal in proceedings against HRDs."""
    s = tables["incidents_summary"].set_index("measure")["value"]
    convictions, acquittals = int(s["convictions"]), int(s["acquittals"])
    a, b = (int(x) for x in str(published).split(":"))
    ratio = convictions / acquittals if acquittals else float("inf")
    return f"{ratio:g}:1", abs(ratio - a / b) < 0.5, f"{convictions} convictions, {acquittals} acquittals"


def proceedings_ratio(tables: dict[str, pd.DataFrame], published):
    """'1:8' ("примерно"): lawsuits of HRDs against the state to proceedings against HRDs. The bulletin
    says "about", so a ratio within one of the published one agrees (96/13 = 7.4 is "about 1:8")."""
    s = tables["incidents_summary"].set_index("measure")["value"]
    against, lawsuits = int(s["proceedings_against_hrds"]), int(s["lawsuits_by_hrds_against_state"])
    a, b = (int(x) for x in str(published).split(":"))
    ratio = against / lawsuits if lawsuits else float("inf")
    return f"1:{ratio:.1f}", abs(ratio - b / a) < 1, f"{lawsuits} lawsuits by HRDs, {against} proceedings against them"


# --- claims: what the text says about this part's data (sentences: pipeline/claims.yml) ---------
# Incidents are records, not a sample: their shares and rankings are put into words on any
# non-empty base, by the rules of pipeline/evidence.yml, with every tie named and no zero ranked.
SUMMARY = "incidents_summary"


def _summary(tables: Tables, *measures: str) -> tuple[dict, list]:
    """Measures of incidents_summary (ints) and the assertions that they are the table's."""
    values = {m: tables[SUMMARY].set_index("measure")["value"][m] for m in measures}
    values = {m: int(v) if float(v) == int(v) else float(v) for m, v in values.items()}
    return values, [quoted(ref(SUMMARY, "value", v, where(measure=m))) for m, v in values.items()]


@claim("incidents.volume", SUMMARY, cases=("stated", "none"))
def _volume(tables: Tables) -> Claim:
    found, asserts = _summary(tables, "cases", "violations", "threat_types_observed", "threat_categories_observed")
    values = {"cases": found["cases"], "violations": found["violations"], "types": found["threat_types_observed"],
              "categories": found["threat_categories_observed"]}
    return Claim("incidents.volume", "stated" if values["cases"] else "none", values,
                 f"{values['cases']} cases, {values['violations']} violations", tuple(asserts))


def ranked_claim(name: str, table: str, key: str, by: str, n: int, list_key: str, conditions: list | None = None,
                 inside: bool = False, quoted_names: bool = False, dashes: bool = False, names_from: str | None = None):
    """The n most frequent rows of a table (every tie named, no zero): 'several', 'one' (only one
    row has any), 'all_listed' (the ties take in every row there is: a list, not "the most"),
    'none'. names_from: a table whose name_ru/name_en the rows take (by key)."""
    @claim(name, table, *([names_from] if names_from else []), cases=("several", "all_listed", "one", "none"))
    def compute(tables: Tables) -> Claim:
        rows = tables[table]
        for column, op, value in conditions or []:
            rows = rows[rows[column] == value] if op == "==" else rows
        if names_from:
            rows = rows.merge(tables[names_from][[key, "name_ru", "name_en"]], on=key, how="left")
        top = top_rows(rows, by, n, key=key)
        positive = int((rows[by] > 0).sum())
        case = "none" if top.empty else "one" if positive == 1 else "all_listed" if covers_all(top, rows, by) else "several"
        text = listed(top, count=by, inside=inside, quoted=quoted_names, dashes=dashes or names_from is not None)
        return Claim(name, case, {list_key: text}, f"top {n} by {by}: " + ", ".join(f"{k} {v}" for k, v in zip(top[key], top[by])),
                     (ranked("top", table, key, by, top[key], n, conditions, superlative=case != "all_listed"),))
    return compute


ranked_claim("incidents.most_frequent_types", "incidents_by_type", "threat_type", "violations", 2, "types", inside=True,
             quoted_names=True)
ranked_claim("incidents.sources", "incidents_by_source", "source", "violations", 3, "sources", inside=True, dashes=True)
ranked_claim("incidents.plaintiffs", "incidents_plaintiffs", "source", "proceedings", 3, "plaintiffs", inside=True, dashes=True)
ranked_claim("incidents.court_by_category", "incidents_by_type_and_category", "hrd_category", "violations", 3, "categories",
             conditions=where(threat_type="court_proceedings"), inside=True, names_from="incidents_by_hrd_category")


@claim("incidents.riskiest_cities", "incidents_by_city", cases=("cities_and_next", "cities", "all_listed", "one_city", "none"))
def _riskiest_cities(tables: Tables) -> Claim:
    """The bulletin's "riskiest cities": the three largest counts of violations (ties kept), then the
    cities down to the ninth (ties kept)."""
    cities = tables["incidents_by_city"]
    top = top_rows(cities, "violations", 3, key="city")
    following = top_rows(cities, "violations", 9, key="city", excluding=list(top["city"]))
    case = ("none" if top.empty else "one_city" if len(cities[cities["violations"] > 0]) == 1
            else "all_listed" if covers_all(top, cities, "violations") else "cities_and_next" if len(following) else "cities")
    # "of the cities, only one": the count of cities with violations (violations without a city are not in the table)
    counted = quoted(ref("incidents_by_city", "city", int((cities["violations"] > 0).sum()), [["violations", ">", 0]], "rows"))
    return Claim("incidents.riskiest_cities", case, {"top": listed(top, count="violations"), "next": listed(following)},
                 "top: " + ", ".join(top["city"]) + "; next: " + ", ".join(following["city"]),
                 (ranked("top", "incidents_by_city", "city", "violations", top["city"], 3, superlative=case != "all_listed"),
                  ranked("top", "incidents_by_city", "city", "violations", following["city"], 9, excluding=list(top["city"])),
                  counted))


@claim("incidents.most_exposed", "incidents_by_hrd_category", cases=("one_group", "tie", "all_tied", "none"))
def _most_exposed(tables: Tables) -> Claim:
    table = tables["incidents_by_hrd_category"]
    top = top_rows(table, "violations", 1, key="hrd_category")
    even = covers_all(top, table, "violations")  # every group with a violation has as many: none is "the most exposed"
    asserts = (ranked("top", "incidents_by_hrd_category", "hrd_category", "violations", top["hrd_category"], 1, superlative=not even),)
    if top.empty:  # no violation in the period: no group is "most exposed"
        return Claim("incidents.most_exposed", "none", {}, "no violations recorded", asserts)
    share_pct = float(top["share_pct"].iloc[0])
    asserts += (quoted(ref("incidents_by_hrd_category", "share_pct", share_pct, where(hrd_category=top["hrd_category"].iloc[0])),
                       "share_pct"),)
    return Claim("incidents.most_exposed", "one_group" if len(top) == 1 else "all_tied" if even else "tie",
                 {"group": names(top.iloc[0], inside=True), "groups": listed(top, inside=True), "share_pct": share_pct},
                 ", ".join(f"{r['hrd_category']} {r['violations']}" for _, r in top.iterrows()), asserts)


@claim("incidents.matrix_types", "incidents_by_type", cases=("count",))
def _matrix_types(tables: Tables) -> Claim:
    """The matrix shows the types of the taxonomy marked for it (reference threat_types)."""
    count = int(tables["incidents_by_type"]["in_bulletin_matrix"].sum())
    return Claim("incidents.matrix_types", "count", {"types": count}, f"{count} threat types in the matrix",
                 (quoted(ref("incidents_by_type", "threat_type", count, [["in_bulletin_matrix", "==", True]], "rows"), "types"),))


TOP_TYPES = 12  # the chart of threat types shows this many, and every type tied with the last of them


@claim("incidents.types_shown", "incidents_by_type", cases=("top", "all"))
def _types_shown(tables: Tables) -> Claim:
    counts = tables["incidents_by_type"]["violations"].sort_values(ascending=False)
    observed = int((counts > 0).sum())
    # the chart shows the TOP_TYPES most frequent and every type tied with the last of them
    shown = observed if observed <= TOP_TYPES else int((counts >= counts.iloc[TOP_TYPES - 1]).sum())
    return Claim("incidents.types_shown", "all" if shown == observed else "top", {"shown": shown, "observed": observed},
                 f"{observed} threat types observed, {shown} shown",
                 (quoted(ref("incidents_by_type", "threat_type", observed, [["violations", ">", 0]], "rows"), "observed"),))


@claim("incidents.state_main_source", "incidents_by_source", cases=("state_all", "state_main", "state_half", "state_not_main",
                                                                    "state_none", "none"))
def _state_main_source(tables: Tables) -> Claim:
    """The state (every state body together) as a source of threats: 'main' when more than half."""
    sources = tables["incidents_by_source"]
    state = int(sources.loc[sources["state"].astype(bool), "violations"].sum())
    total = int(sources["violations"].sum())
    count, base = ref("incidents_by_source", "violations", state, [["state", "==", True]], "sum"), \
        ref("incidents_by_source", "violations", total, agg="sum")
    if not total:
        return Claim("incidents.state_main_source", "none", {}, "no violations", (quoted(base),))
    word = evidence.quantifier(state, total)
    case = {"all": "state_all", "half": "state_half", "none": "state_none"}.get(word, "state_main" if 2 * state > total else "state_not_main")
    asserted = {"state_all": "all", "state_half": "half", "state_none": "none", "state_main": "most", "state_not_main": "minority"}[case]
    return Claim("incidents.state_main_source", case, {"state_pct": 100 * state / total},
                 f"state bodies are the source of {state} of {total} violations ({100 * state / total:.1f}%)",
                 (share_of(count, base, asserted, sample=False, key="state_pct"),))


@claim("incidents.refusals_mostly", "incidents_by_type_and_category", "incidents_by_hrd_category",
       cases=("all_one_group", "mostly_one_group", "spread", "spread_tie", "even", "none"))
def _refusals_mostly(tables: Tables) -> Claim:
    """Whom refusals of information concern: all of them one group, mostly one group (more than
    half), or spread, naming the largest (every tie)."""
    table, conditions = "incidents_by_type_and_category", where(threat_type="information_refused")
    rows = tables[table]
    rows = rows[rows["threat_type"] == "information_refused"]
    rows = rows.merge(tables["incidents_by_hrd_category"][["hrd_category", "name_ru", "name_en"]], on="hrd_category", how="left")
    top = top_rows(rows, "violations", 1, key="hrd_category")
    total = int(rows["violations"].sum())
    even = covers_all(top, rows, "violations")
    asserts = (ranked("top", table, "hrd_category", "violations", top["hrd_category"], 1, conditions, superlative=not even),)
    if top.empty:
        return Claim("incidents.refusals_mostly", "none", {}, "no refusals of information recorded", asserts)
    count = int(top["violations"].iloc[0])
    word = evidence.quantifier(count, total)
    case = ("all_one_group" if word == "all" else "mostly_one_group" if 2 * count > total and len(top) == 1
            else "spread" if len(top) == 1 else "even" if even else "spread_tie")
    share = share_of(ref(table, "violations", count, conditions + where(hrd_category=top["hrd_category"].iloc[0])),
                     ref(table, "violations", total, conditions, "sum"),
                     {"all_one_group": "all", "mostly_one_group": "most"}.get(case), sample=False, key="share_pct")
    # {share:share} prints the counts ("1 of 2") where the base is too small for a percentage
    return Claim("incidents.refusals_mostly", case, {"groups": listed(top, inside=True), "share_pct": 100 * count / total,
                                                     "share": {"count": count, "base": total, "pct": 100 * count / total},
                                                     "refusals": total},
                 f"refusals of information: {', '.join(top['hrd_category'])} {count} of {total}", asserts + (share,))


@claim("incidents.court_counts", SUMMARY, cases=("stated",))
def _court_counts(tables: Tables) -> Claim:
    values, asserts = _summary(tables, "proceedings_against_hrds", "lawsuits_by_hrds_against_state")
    return Claim("incidents.court_counts", "stated", {"against": values["proceedings_against_hrds"],
                                                      "lawsuits": values["lawsuits_by_hrds_against_state"]},
                 f"{values}", tuple(asserts))


@claim("incidents.proceedings_to_lawsuits", SUMMARY,
       cases=("more_against_hrds", "more_by_hrds", "about_equal", "no_lawsuits", "no_proceedings", "none"))
def _proceedings_to_lawsuits(tables: Tables) -> Claim:
    """Lawsuits defenders brought against the state, to proceedings against them: '1:N', the bulletin's way."""
    values, asserts = _summary(tables, "proceedings_against_hrds", "lawsuits_by_hrds_against_state")
    against, lawsuits = values["proceedings_against_hrds"], values["lawsuits_by_hrds_against_state"]
    if not against and not lawsuits:
        case, per = "none", 0.0
    elif not against:
        case, per = "no_proceedings", 0.0
    elif not lawsuits:
        case, per = "no_lawsuits", 0.0
    elif against >= lawsuits:
        case, per = "more_against_hrds", round(against / lawsuits)
    else:
        case, per = "more_by_hrds", round(lawsuits / against)
    refs = {m: ref(SUMMARY, "value", v, where(measure=m)) for m, v in values.items()}
    if case.startswith("more_") and per == 1:  # "about 1:1" would call the smaller number the larger
        case = "about_equal"
    elif case == "more_against_hrds":
        asserts.append(ratio(refs["proceedings_against_hrds"], refs["lawsuits_by_hrds_against_state"], "per"))
    elif case == "more_by_hrds":
        asserts.append(ratio(refs["lawsuits_by_hrds_against_state"], refs["proceedings_against_hrds"], "per"))
    return Claim("incidents.proceedings_to_lawsuits", case, {"per": per, "against": against, "lawsuits": lawsuits},
                 f"{against} proceedings against HRDs, {lawsuits} lawsuits by them", tuple(asserts))


@claim("incidents.verdicts", SUMMARY, cases=("ratio", "more_acquittals", "no_acquittals", "no_convictions", "none"))
def _verdicts(tables: Tables) -> Claim:
    """Convictions against acquittals, as counts, and 'about N to one' when there was an acquittal."""
    values, asserts = _summary(tables, "convictions", "acquittals")
    convictions, acquittals = values["convictions"], values["acquittals"]
    case = ("none" if not convictions and not acquittals else "no_acquittals" if not acquittals
            else "no_convictions" if not convictions else "ratio" if convictions >= acquittals else "more_acquittals")
    per = round(convictions / acquittals) if acquittals else 0
    if case == "ratio":
        asserts.append(ratio(ref(SUMMARY, "value", convictions, where(measure="convictions")),
                             ref(SUMMARY, "value", acquittals, where(measure="acquittals")), "per"))
    return Claim("incidents.verdicts", case, {"convictions": convictions, "acquittals": acquittals, "per": per},
                 f"{convictions} convictions, {acquittals} acquittals", tuple(asserts))


@claim("incidents.state_response", "incidents_state_response", SUMMARY,
       cases=("stated", "always_reacted", "never_reacted", "none"))
def _state_response(tables: Tables) -> Claim:
    """How the state responded: the share of violations it ignored, and of its reactions the useful
    and formal ones (a share of reactions only when there was one)."""
    table = "incidents_state_response"
    responses = tables[table].set_index("response")["violations"]
    total = int(tables[SUMMARY].set_index("measure")["value"]["violations"])
    base = ref(SUMMARY, "value", total, where(measure="violations"))
    if not total:
        return Claim("incidents.state_response", "none", {}, "no violations", (quoted(base),))
    ignored, useful, formal = (int(responses.get(r, 0)) for r in ("ignored", "useful", "formal"))
    reacted = useful + formal
    values = {"ignored_pct": 100 * ignored / total, "violations": total}
    asserts = [share_of(ref(table, "violations", ignored, where(response="ignored")), base, None, sample=False, key="ignored_pct")]
    if reacted:
        reactions = ref(table, "violations", reacted, [["response", "in", ["useful", "formal"]]], "sum")
        values |= {"useful_pct": 100 * useful / reacted, "formal_pct": 100 * formal / reacted}
        asserts += [share_of(ref(table, "violations", useful, where(response="useful")), reactions, None, False, "useful_pct"),
                    share_of(ref(table, "violations", formal, where(response="formal")), reactions, None, False, "formal_pct")]
    case = "never_reacted" if not reacted else "always_reacted" if not ignored else "stated"
    return Claim("incidents.state_response", case, values, f"ignored {ignored}, useful {useful}, formal {formal} of {total}",
                 tuple(asserts))
