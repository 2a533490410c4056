"""Part V: regional risk and its dynamics, from the HRDs' own assessment per region and wave.

risk = threats x vulnerability / resources (pipeline/parts/dynamics.yml says why and sets the levels).
National figures are means over regions weighted by the number of assessors. Dynamics: change
between the waves of the period and, when the previous period's processed tables exist, against it:
the whole country and region by region. When the previous period used another division, the
comparison is on the units of the earlier division, the later division's units pooled into the one
they lie in (pipeline.data.divisions, data/raw/reference/divisions/changes.csv): a pooled unit's
assessors are summed, its scores are the assessor-weighted means, and its risk is computed from
those means by the formula of dynamics.yml, as a region's risk is computed from its assessors' mean
scores (so Abai + East Kazakhstan are scored as East Kazakhstan was before 2022).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline import evidence, formatting
from pipeline.claims import (
    Claim,
    Tables,
    bottom_rows,
    change,
    claim,
    covers_all,
    listed,
    members,
    quoted,
    ranked,
    ref,
    relation,
    share_of,
    top_rows,
    where,
)
from pipeline.data import privacy
from pipeline.data.divisions import load_units, units_match
from pipeline.data.io import region_names
from pipeline.parts.inputs import PartInputs
from pipeline.yamlfiles import read_yaml

METHOD = read_yaml(Path(__file__).with_name("dynamics.yml"))
SCORES = ("threats", "vulnerability", "resources", "security")
MEASURES = SCORES + ("risk",)


def risk(frame: pd.DataFrame) -> pd.Series:
    return frame["threats"] * frame["vulnerability"] / frame["resources"]


def level(value: float, bounds: dict[str, float]) -> str:
    for name, upper in bounds.items():
        if value < upper:
            return name
    return "high"


def tables(part: PartInputs) -> dict[str, pd.DataFrame]:
    """Every Part V table (described in pipeline/parts/dynamics.tables.yml); the comparison with the
    previous period when its tables are there. A region's wave assessed by fewer HRDs than the
    period's min_cell_respondents is left out of every table: its scores would be a few people's
    own answers (and leaving it out of the means too keeps them from being worked back out)."""
    assessments = part.raw["regional_assessments"]
    enough = assessments[assessments["assessors"] >= privacy.min_cell(part.period)]
    waves = regional_waves(enough, part.division)
    previous = part.previous
    out = {
        "dynamics_units": units(assessments, part.division, privacy.min_cell(part.period)),
        "dynamics_regions_by_wave": waves,
        "dynamics_regions": regions(waves),
        "dynamics_national": national(waves),
    }
    if previous is not None and len(previous["dynamics_national"]) and len(out["dynamics_national"]):  # both periods have scores
        match = units_match(part.period.reference_dir, part.period.division, part.previous_division)
        before = previous.get("dynamics_regions_by_wave")
        this_national, previous_national = out["dynamics_national"], previous["dynamics_national"]
        if match.pooled == "this":  # risk is not a mean of its parts: recomputed on the units compared
            this_national = national(pool(last_wave(waves), match.this).assign(wave=waves["wave"].max()))
        elif match.pooled == "previous" and before is not None:
            previous_national = national(pool(last_wave(before), match.previous).assign(wave=before["wave"].max()))
        out["dynamics_vs_previous"] = against_previous(this_national, previous_national).assign(
            division=match.division, previous_division=match.previous_division, compared_on=match.on)
        if before is not None:
            on = part.division if match.on == part.period.division else load_units(part.period.reference_dir, match.on)
            out["dynamics_regions_vs_previous"] = regions_against_previous(waves, before, match, on)
    return out


def units(assessments: pd.DataFrame, division: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Every unit of the division and what Part V shows of it: `shown` (at least one wave assessed
    by min_cell or more), `hidden` (assessed, but by fewer in every wave: left out for privacy) or
    `not_assessed`; with how many of its waves are shown and hidden. What the maps and the text
    say of a blank region comes from here."""
    table = region_names(division).sort_values("oblast").reset_index(drop=True)
    enough = assessments["assessors"] >= min_cell
    shown = assessments[enough].groupby("oblast").size()
    hidden = assessments[~enough].groupby("oblast").size()
    table["waves_shown"] = table["oblast"].map(shown).fillna(0).astype("int64")
    table["waves_hidden"] = table["oblast"].map(hidden).fillna(0).astype("int64")
    table["status"] = ["shown" if s else "hidden" if h else "not_assessed" for s, h in zip(table["waves_shown"], table["waves_hidden"])]
    table["min_assessors"] = min_cell
    return table[["oblast", "oblast_ru", "oblast_en", "status", "waves_shown", "waves_hidden", "min_assessors"]]


def regional_waves(assessments: pd.DataFrame, division: pd.DataFrame) -> pd.DataFrame:
    table = assessments.copy()
    for s in SCORES:
        table[s] = table[s].astype("float64")
    table["assessors"] = table["assessors"].astype("int64")
    table["wave"] = table["wave"].astype("int64")
    table["risk"] = risk(table).round(4)
    table["risk_level"] = [level(r, METHOD["risk_levels"]) for r in table["risk"]]
    table["security_level"] = [level(s, METHOD["security_levels"]) for s in table["security"]]
    names = region_names(division)
    table = names.merge(table, on="oblast", how="right")
    return table.sort_values(["oblast", "wave"]).reset_index(drop=True)


def regions(waves: pd.DataFrame) -> pd.DataFrame:
    """Per region over the period: mean scores and risk over its waves, levels, and change first -> last wave."""
    first, last = waves["wave"].min(), waves["wave"].max()
    rows = []
    for (oblast, ru, en), part in waves.groupby(["oblast", "oblast_ru", "oblast_en"], sort=True):
        row = {"oblast": oblast, "oblast_ru": ru, "oblast_en": en, "waves": len(part)}
        for m in MEASURES:
            row[m] = round(part[m].mean(), 4)
        row["risk_level"] = level(row["risk"], METHOD["risk_levels"])
        row["security_level"] = level(row["security"], METHOD["security_levels"])
        start, end = part[part["wave"] == first], part[part["wave"] == last]
        for m in ("threats", "resources", "risk"):
            row[f"{m}_change"] = round(float(end[m].iloc[0] - start[m].iloc[0]), 4) if len(start) and len(end) else float("nan")
        rows.append(row)
    columns = ["oblast", "oblast_ru", "oblast_en", "waves", *MEASURES, "risk_level", "security_level",
               "threats_change", "resources_change", "risk_change"]
    table = pd.DataFrame(rows, columns=columns).astype({"waves": "int64"})  # no region shown (all assessments hidden): an empty table
    table["risk_rank"] = table["risk"].rank(method="min", ascending=False).astype("int64")
    return table.sort_values(["risk_rank", "oblast"]).reset_index(drop=True)


def national(waves: pd.DataFrame) -> pd.DataFrame:
    """Per wave: means over regions weighted by assessors, and the change from the wave before."""
    rows = []
    for wave, part in waves.groupby("wave", sort=True):
        weights = part["assessors"]
        row = {"wave": int(wave), "regions": len(part), "assessors": int(weights.sum())}
        for m in MEASURES:
            row[m] = round(float((part[m] * weights).sum() / weights.sum()), 4)
        rows.append(row)
    table = pd.DataFrame(rows, columns=["wave", "regions", "assessors", *MEASURES]).astype(
        {"wave": "int64", "regions": "int64", "assessors": "int64"})  # typed when empty too
    for m in MEASURES:
        table[f"{m}_change"] = table[m].astype("float64").diff().round(4)
    return table


def against_previous(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Last wave of this period against the last wave of the previous one."""
    now, before = current.iloc[-1], previous.iloc[-1]
    return pd.DataFrame([{"measure": m, "this_period": now[m], "previous_period": before[m],
                          "change": round(float(now[m] - before[m]), 4)} for m in MEASURES])


def last_wave(waves: pd.DataFrame) -> pd.DataFrame:
    return waves[waves["wave"] == waves["wave"].max()]


def pool(rows: pd.DataFrame, into: dict[str, str] | None) -> pd.DataFrame:
    """Regional rows of one wave (oblast, assessors, scores) pooled into the units `into` maps their
    units to (None: each unit its own): assessors summed, scores their assessor-weighted means, risk
    computed from those means (dynamics.yml), not averaged. Not rounded; `units`: the codes pooled."""
    frame = rows.assign(into=rows["oblast"].map(into) if into is not None else rows["oblast"])
    if frame["into"].isna().any():
        raise ValueError(f"units not in the crosswalk: {sorted(frame.loc[frame['into'].isna(), 'oblast'])}")
    out = []
    for code, part in frame.groupby("into", sort=True):
        weights = part["assessors"].astype("float64")
        row = {"oblast": code, "units": " + ".join(sorted(part["oblast"])), "assessors": int(weights.sum())}
        for s in SCORES:
            row[s] = float((part[s] * weights).sum() / weights.sum())
        out.append(row)
    table = pd.DataFrame(out, columns=["oblast", "units", "assessors", *SCORES])
    table["risk"] = risk(table)
    return table


def regions_against_previous(waves: pd.DataFrame, before: pd.DataFrame, match, on: pd.DataFrame) -> pd.DataFrame:
    """Per unit both periods cover, the last wave of this period against the last wave of the
    previous one, on the units of match.on (names from `on`, that division's unit list). A unit is
    compared only when every unit that makes it up was assessed in both last waves (a part alone
    would stand for ground it does not cover). compared_as: same (one unit on each side) or pooled."""
    sides = []
    for rows, mapping, side in ((last_wave(waves), match.this, "this"), (last_wave(before), match.previous, "previous")):
        pooled = pool(rows, mapping)
        parts = match.parts(side) if mapping is not None else {c: [c] for c in pooled["oblast"]}
        whole = [" + ".join(parts.get(c, [])) for c in pooled["oblast"]]
        sides.append(pooled[pooled["units"] == whole])
    now, then = sides
    table = now.merge(then, on="oblast", suffixes=("", "_previous"))
    table = table.rename(columns={"units_previous": "previous_units"})
    single = ~table["units"].str.contains(" + ", regex=False) & ~table["previous_units"].str.contains(" + ", regex=False)
    table.insert(1, "compared_as", ["same" if one else "pooled" for one in single])
    for m in MEASURES:
        table[f"{m}_change"] = (table[m] - table[f"{m}_previous"]).round(4)
        table[m], table[f"{m}_previous"] = table[m].round(4), table[f"{m}_previous"].round(4)
    columns = ["oblast", "oblast_ru", "oblast_en", "compared_as", "units", "previous_units", "assessors", "assessors_previous"]
    columns += [f"{m}{suffix}" for m in MEASURES for suffix in ("", "_previous", "_change")]
    table = region_names(on).merge(table, on="oblast", how="right")
    table["assessors_previous"] = table["assessors_previous"].astype("int64")
    return table[columns].sort_values("oblast").reset_index(drop=True)


def compared_units(tables: Tables, reference_dir: Path, lang: str) -> str:
    """One sentence, when the previous period used another division, on what Part V compared with
    what: 'The regions changed between the two periods (20 units now, 17 then): the comparison is
    on the previous period's 17 units, with East Kazakhstan Region and Abai Region together as East
    Kazakhstan Region; ...'. Nothing when there is no comparison or the division is the same (from
    dynamics_vs_previous and divisions/changes.csv). The bulletin and notebook 05 both say it."""
    table = tables.get("dynamics_vs_previous")
    if table is None or not len(table) or "division" not in table.columns:
        return ""
    row = table.iloc[0]
    if row["division"] == row["previous_division"]:
        return ""
    match = units_match(reference_dir, row["division"], row["previous_division"])
    units = {d: load_units(reference_dir, d) for d in (match.division, match.previous_division)}
    name = {d: dict(zip(u["code"], u[f"name_{lang}"])) for d, u in units.items()}
    fine = match.division if match.pooled == "this" else match.previous_division
    groups = [(formatting.joined(sorted((name[fine][c] for c in parts), key=lambda n, into=into: n != name[match.on][into]),
                                 lang), name[match.on][into])  # the unit that kept the name first
              for into, parts in match.parts(match.pooled).items() if len(parts) > 1]
    now, then = (len(units[d]) for d in (match.division, match.previous_division))
    if lang == "ru":
        whose = "предыдущего периода" if match.pooled == "this" else "этого периода"
        parts = "; ".join(f"{a} — вместе как {b}" for a, b in groups)
        return (f"Административное деление изменилось между периодами (сейчас "
                f"{formatting.counted(now, 'ru', ('единица', 'единицы', 'единиц'))}, тогда {then}): сравнение ведётся "
                f"по единицам деления {whose} ({len(units[match.on])}), "
                + ("единицы этого периода" if match.pooled == "this" else "единицы предыдущего периода")
                + f" объединены там, где входят в них: {parts}.")
    whose = "the previous period's" if match.pooled == "this" else "this period's"
    other = "this period's" if match.pooled == "this" else "the previous period's"
    parts = "; ".join(f"{a} together as {b}" for a, b in groups)
    return (f"The regions changed between the two periods ({now} units now, {then} then): the comparison is on "
            f"{whose} {len(units[match.on])} units, {other} units pooled into the unit they lie in: {parts}.")


def direction(national_table: pd.DataFrame) -> dict[str, str]:
    """'up', 'down' or 'same' for each measure, first wave to last."""
    first, last = national_table.iloc[0], national_table.iloc[-1]
    out = {}
    for m in MEASURES:
        change = last[m] - first[m]
        out[m] = "same" if abs(change) < METHOD["stable_within"] else "up" if change > 0 else "down"
    return out


# --- checks of the bulletin's statements (used by the reconciliation) -------------------------
def plain_region_name(name: str) -> str:
    """'Zhambyl oblast', 'Zhambyl Region' and 'Zhambyl' name one region."""
    return " ".join(w for w in str(name).lower().replace("-", " ").split() if w not in ("oblast", "region", "city"))


_plain = plain_region_name


def highest_risk_region(tables, published):
    top = tables["dynamics_regions"].sort_values("risk", ascending=False).iloc[0]
    return top["oblast_en"], _plain(top["oblast_en"]) == _plain(published), f"mean risk {top['risk']:.2f} over the waves"


def safe_and_lowest_risk(tables, published):
    """Regions whose HRDs feel safe (security level high) are exactly the published ones, and they
    have the lowest risk of all regions."""
    table = tables["dynamics_regions"]
    safe = table[table["security_level"] == "high"]
    lowest = table.nsmallest(len(safe), "risk") if len(safe) else safe
    names = sorted(safe["oblast_en"])
    ok = {_plain(n) for n in names} == {_plain(n) for n in published} and set(safe["oblast"]) == set(lowest["oblast"])
    return ", ".join(names), ok, "security " + ", ".join(f"{n} {s:.2f}" for n, s in zip(safe["oblast_en"], safe["security"])) \
        + "; lowest risk " + ", ".join(f"{n} {r:.2f}" for n, r in zip(lowest["oblast_en"], lowest["risk"]))


def direction_of_risk(tables, published):
    """'risk slightly up: threats up, resources down', first wave to last, national means."""
    national_table = tables["dynamics_national"]
    d = direction(national_table)
    first, last = national_table.iloc[0], national_table.iloc[-1]
    text = f"risk {d['risk']} ({first['risk']:.2f} -> {last['risk']:.2f}): threats {d['threats']}, resources {d['resources']}"
    wanted = str(published).lower()
    ok = all(f"{m} {d[m]}" in wanted.replace("slightly ", "") for m in ("risk", "threats", "resources"))
    slight = abs(last["risk"] - first["risk"]) / first["risk"] < 0.15
    return text, ok and ("slightly" not in wanted or slight), text


# --- claims: what the text says about this part's data (sentences: pipeline/claims.yml) ---------
# Regional scores are each a few assessors' means: a region is named by its scores (every tie), a
# change over time is stated only when a paired permutation test of the regions supports it
# (pipeline/evidence.yml), and what the text says is over the regions shown (dynamics.coverage).
REGIONS = "dynamics_regions"


@claim("dynamics.coverage", "dynamics_units", cases=("all_shown", "some_missing", "some_hidden", "hidden_and_missing", "none_shown"))
def _coverage(tables: Tables) -> Claim:
    """Which units have risk scores in the tables: shown, hidden for privacy, not assessed."""
    table = tables["dynamics_units"]
    counts = {status: int((table["status"] == status).sum()) for status in ("shown", "hidden", "not_assessed")}
    k = int(table["min_assessors"].iloc[0]) if len(table) else 0
    values = {"units": len(table), "shown": counts["shown"], "hidden": counts["hidden"], "missing": counts["not_assessed"], "k": k}
    if not counts["shown"]:
        case = "none_shown"
    elif counts["hidden"]:
        case = "hidden_and_missing" if counts["not_assessed"] else "some_hidden"
    else:
        case = "some_missing" if counts["not_assessed"] else "all_shown"
    asserts = [quoted(ref("dynamics_units", "status", counts[status], where(status=status), "rows"), key)
               for status, key in (("shown", "shown"), ("hidden", "hidden"), ("not_assessed", "missing"))]
    asserts.append(quoted(ref("dynamics_units", "oblast", len(table), agg="rows"), "units"))
    if len(table):
        asserts.append(quoted(ref("dynamics_units", "min_assessors", k, agg="max"), "k"))
    return Claim("dynamics.coverage", case, values, f"units: {counts}", tuple(asserts))


@claim("dynamics.highest_risk", REGIONS, cases=("one", "tie", "all_same", "single_region", "none"))
def _highest_risk(tables: Tables) -> Claim:
    regions = tables[REGIONS]
    top = top_rows(regions, "risk", 1, key="oblast")
    same = covers_all(top, regions, "risk")  # every region as risky: none is "the riskiest"
    asserts = (ranked("top", REGIONS, "oblast", "risk", top["oblast"], 1, superlative=not same),)
    if top.empty:
        return Claim("dynamics.highest_risk", "none", {}, "no region with scores", asserts)
    case = "single_region" if len(regions) == 1 else "one" if len(top) == 1 else "all_same" if same else "tie"
    named = listed(top, "oblast") if case != "tie" else listed(top, "oblast", quoted="ru")
    return Claim("dynamics.highest_risk", case, {"regions": named, "risk": float(top["risk"].iloc[0])},
                 f"highest risk: {', '.join(top['oblast'])} {top['risk'].iloc[0]:.2f}",
                 asserts + (quoted(ref(REGIONS, "risk", float(top["risk"].iloc[0]), where(oblast=top["oblast"].iloc[0])), "risk"),))


REASONS = ("threats_vulnerability_resources", "threats_vulnerability", "threats_resources", "vulnerability_resources",
           "threats", "vulnerability", "resources", "none")


@claim("dynamics.highest_risk_reason", REGIONS, cases=(*REASONS, "not_one_region"))
def _highest_risk_reason(tables: Tables) -> Claim:
    """What sets the riskiest region apart (when one region alone has the highest risk, among two
    or more): threats or vulnerability above the regions' mean, resources below it."""
    regions = tables[REGIONS]
    top = top_rows(regions, "risk", 1, key="oblast")
    if len(top) != 1 or len(regions) < 2:
        return Claim("dynamics.highest_risk_reason", "not_one_region", {}, "no single riskiest region among several",
                     (ranked("top", REGIONS, "oblast", "risk", top["oblast"], 1, superlative=False),))
    top = top.iloc[0]
    means = regions[["threats", "vulnerability", "resources"]].mean()
    parts = [p for p, worse in (("threats", top["threats"] > means["threats"]),
                                ("vulnerability", top["vulnerability"] > means["vulnerability"]),
                                ("resources", top["resources"] < means["resources"])) if worse]
    here = where(oblast=top["oblast"])
    # each part of the reason: the region's score against the regions' mean, as the sentence says it
    said = {"threats": ">" if "threats" in parts else "<=", "vulnerability": ">" if "vulnerability" in parts else "<=",
            "resources": "<" if "resources" in parts else ">="}
    asserts = (ranked("top", REGIONS, "oblast", "risk", [top["oblast"]], 1),
               *(quoted(ref(REGIONS, m, float(top[m]), here), m) for m in ("threats", "vulnerability", "resources")),
               *(relation(ref(REGIONS, m, float(top[m]), here), said[m], ref(REGIONS, m, float(means[m]), agg="mean"))
                 for m in ("threats", "vulnerability", "resources")))
    return Claim("dynamics.highest_risk_reason", "_".join(parts) if parts else "none",
                 {"threats": float(top["threats"]), "vulnerability": float(top["vulnerability"]), "resources": float(top["resources"])},
                 f"{top['oblast']}: threats {top['threats']:.2f} (mean {means['threats']:.2f}), vulnerability "
                 f"{top['vulnerability']:.2f} ({means['vulnerability']:.2f}), resources {top['resources']:.2f} "
                 f"({means['resources']:.2f})", asserts)


@claim("dynamics.feel_safe", REGIONS, cases=("several", "one", "all", "none", "no_regions"))
def _feel_safe(tables: Tables) -> Claim:
    regions = tables[REGIONS]
    safe = regions[regions["security_level"] == "high"].sort_values("oblast")
    case = ("no_regions" if regions.empty else "none" if safe.empty else "all" if len(safe) == len(regions) and len(regions) > 1
            else "one" if len(safe) == 1 else "several")
    return Claim("dynamics.feel_safe", case, {"regions": listed(safe, "oblast", quoted="ru")},
                 "security high in: " + ", ".join(safe["oblast"]),
                 (members(REGIONS, "oblast", safe["oblast"], where(security_level="high")),))


@claim("dynamics.lowest_risk", REGIONS, cases=("several", "one", "none"))
def _lowest_risk(tables: Tables) -> Claim:
    """The three lowest risks (every tie), never a region that has the highest, and never every
    region but the highest (claims.bottom_rows)."""
    regions = tables[REGIONS]
    top = top_rows(regions, "risk", 1, key="oblast")
    lowest, n = bottom_rows(regions, "risk", 3, "oblast", top["oblast"])
    case = "none" if lowest.empty else "one" if len(lowest) == 1 else "several"
    return Claim("dynamics.lowest_risk", case,
                 {"regions": listed(lowest, "oblast", "risk", quoted="ru", decimals=1)},
                 "lowest risk: " + ", ".join(f"{o} {r:.2f}" for o, r in zip(lowest["oblast"], lowest["risk"])),
                 (ranked("bottom", REGIONS, "oblast", "risk", lowest["oblast"], n, excluding=list(top["oblast"])),))


LEVELS = ("low", "medium", "high")


def _levels_claim(name: str, column: str):
    """How the regions stand on a level (low/medium/high): all of them, the level more than half of
    them share, the two lower levels together when they make more than half, or no majority."""
    @claim(name, REGIONS, cases=(*(f"all_{lv}" for lv in LEVELS), *(f"most_{lv}" for lv in LEVELS), "all_low_or_medium",
                                 "most_low_or_medium", "no_majority", "none"))
    def _levels(tables: Tables) -> Claim:
        counts = tables[REGIONS][column].value_counts()
        total = int(counts.sum())
        values = {lv: int(counts.get(lv, 0)) for lv in LEVELS}
        base = ref(REGIONS, "oblast", total, agg="rows")
        asserts = [quoted(ref(REGIONS, "oblast", n, where(**{column: lv}), "rows"), lv) for lv, n in values.items()]
        majority = [lv for lv in LEVELS if values[lv] * 2 > total]
        if not total:
            case = "none"
        elif majority:
            case = ("all_" if values[majority[0]] == total else "most_") + majority[0]
            asserts.append(share_of(ref(REGIONS, "oblast", values[majority[0]], where(**{column: majority[0]}), "rows"), base,
                                    "all" if case.startswith("all_") else "most", sample=False))
        elif (values["low"] + values["medium"]) * 2 > total:
            lower = values["low"] + values["medium"]
            case = "all_low_or_medium" if lower == total else "most_low_or_medium"
            asserts.append(share_of(ref(REGIONS, "oblast", lower, where(**{column: ["low", "medium"]}), "rows"),
                                    base, "all" if lower == total else "most", sample=False))
        else:
            case = "no_majority"
        return Claim(name, case, {**values, "regions": total}, f"{column}: " + ", ".join(f"{lv} {n}" for lv, n in values.items()),
                     tuple(asserts))
    return _levels


_levels_claim("dynamics.security_levels", "security_level")
_levels_claim("dynamics.risk_levels", "risk_level")


def _tested(x, y, w, assertion: dict, national_before: float, national_after: float) -> tuple[str, dict]:
    """The direction a paired permutation test of the regions gives (evidence.paired_change), kept
    only when the national means move the same way; and the assertion saying it."""
    direction, _ = evidence.paired_change(x, y, w)
    if (direction == "up" and national_after <= national_before) or (direction == "down" and national_after >= national_before):
        direction = "no_clear_change"  # the regions and the national means disagree: no direction is stated
    return direction, {**assertion, "direction": direction}


@claim("dynamics.direction", "dynamics_national", "dynamics_regions_by_wave",
       cases=("risk_up", "risk_down", "risk_no_clear_change", "single_wave", "none"))
def _direction(tables: Tables) -> Claim:
    """Risk, threats and resources from the first wave to the last: up or down only when the paired
    permutation test of the regions assessed in both waves supports it and the national means move
    the same way; else 'no clear change'."""
    national, waves = tables["dynamics_national"], tables["dynamics_regions_by_wave"]
    if national.empty:
        return Claim("dynamics.direction", "none", {}, "no wave with scores", (quoted(ref("dynamics_national", "wave", 0, agg="rows")),))
    first, last = int(national["wave"].iloc[0]), int(national["wave"].iloc[-1])
    if first == last:
        return Claim("dynamics.direction", "single_wave", {}, "one wave", (quoted(ref("dynamics_national", "wave", 1, agg="rows")),))
    directions, asserts = {}, []
    pairs = waves[waves["wave"] == first].merge(waves[waves["wave"] == last], on="oblast", suffixes=("_before", "_after"))
    weights = pairs[["assessors_before", "assessors_after"]].mean(axis=1)
    for measure in ("risk", "threats", "resources"):
        national_first, national_last = float(national[measure].iloc[0]), float(national[measure].iloc[-1])
        assertion = change("dynamics_regions_by_wave", "oblast", {"where": where(wave=first), "column": measure},
                           {"where": where(wave=last), "column": measure}, ["assessors"], "")
        assertion["national"] = {"first": ref("dynamics_national", measure, national_first, where(wave=first)),
                                 "last": ref("dynamics_national", measure, national_last, where(wave=last))}
        directions[measure], asserted = _tested(pairs[f"{measure}_before"], pairs[f"{measure}_after"], weights, assertion,
                                                national_first, national_last)
        asserts.append(asserted)
    values = {"threats": directions["threats"], "resources": directions["resources"],
              "first": float(national["risk"].iloc[0]), "last": float(national["risk"].iloc[-1])}
    asserts += [quoted(ref("dynamics_national", "risk", values["first"], where(wave=first)), "first"),
                quoted(ref("dynamics_national", "risk", values["last"], where(wave=last)), "last")]
    return Claim("dynamics.direction", f"risk_{directions['risk']}", values,
                 f"risk {directions['risk']}, threats {directions['threats']}, resources {directions['resources']} "
                 f"(wave {first} to {last}, paired permutation tests)", tuple(asserts))


@claim("dynamics.vs_previous", "dynamics_national", cases=("up", "down", "no_clear_change", "no_regions", "none"))
def _vs_previous(tables: Tables) -> Claim:
    """Risk against the previous period's last wave, put into words: up or down only when the paired
    permutation test of the regions compared in both periods supports it and the national means
    move the same way."""
    national = tables.get("dynamics_vs_previous")
    if national is None or national.empty:
        return Claim("dynamics.vs_previous", "none", {}, "no previous period compared", ({"kind": "absent", "table": "dynamics_vs_previous"},))
    row = national.set_index("measure").loc["risk"]
    values = {"before": float(row["previous_period"]), "after": float(row["this_period"])}
    asserts = [quoted(ref("dynamics_vs_previous", "previous_period", values["before"], where(measure="risk")), "before"),
               quoted(ref("dynamics_vs_previous", "this_period", values["after"], where(measure="risk")), "after")]
    regions = tables.get("dynamics_regions_vs_previous")
    if regions is None or len(regions) < 2:
        return Claim("dynamics.vs_previous", "no_regions", values, "national figures only", tuple(asserts))
    assertion = change("dynamics_regions_vs_previous", "oblast", {"where": [], "column": "risk_previous"},
                       {"where": [], "column": "risk"}, ["assessors", "assessors_previous"], "")
    assertion["national"] = {"first": asserts[0]["of"], "last": asserts[1]["of"]}
    direction, asserted = _tested(regions["risk_previous"], regions["risk"], regions[["assessors", "assessors_previous"]].mean(axis=1),
                                  assertion, values["before"], values["after"])
    asserts.append(asserted)
    asserts.append(quoted(ref("dynamics_regions_vs_previous", "oblast", len(regions), agg="rows"), "regions"))
    return Claim("dynamics.vs_previous", direction, {**values, "regions": len(regions)},
                 f"risk {values['before']:.2f} -> {values['after']:.2f} over {len(regions)} regions: {direction}", tuple(asserts))
