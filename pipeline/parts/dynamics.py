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

from pipeline import formatting
from pipeline.claims import Claim, Tables, claim, names
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
        "dynamics_regions_by_wave": waves,
        "dynamics_regions": regions(waves),
        "dynamics_national": national(waves),
    }
    if previous is not None:
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
    table = pd.DataFrame(rows)
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
    table = pd.DataFrame(rows)
    for m in MEASURES:
        table[f"{m}_change"] = table[m].diff().round(4)
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
REASONS = ("threats_vulnerability_resources", "threats_vulnerability", "threats_resources", "vulnerability_resources",
           "threats", "vulnerability", "resources", "none")


@claim("dynamics.highest_risk_reason", "dynamics_regions", cases=REASONS)
def _highest_risk_reason(tables: Tables) -> Claim:
    """What sets the riskiest region apart: threats or vulnerability above the regions' mean,
    resources below it."""
    regions = tables["dynamics_regions"]
    top = regions.sort_values("risk", ascending=False, kind="stable").iloc[0]
    means = regions[["threats", "vulnerability", "resources"]].mean()
    parts = [p for p, worse in (("threats", top["threats"] > means["threats"]),
                                ("vulnerability", top["vulnerability"] > means["vulnerability"]),
                                ("resources", top["resources"] < means["resources"])) if worse]
    case = "_".join(parts) if parts else "none"
    return Claim("dynamics.highest_risk_reason", case, {"region": names(top, "oblast"), "risk": float(top["risk"]),
                                                        "threats": float(top["threats"]), "vulnerability": float(top["vulnerability"]),
                                                        "resources": float(top["resources"])},
                 f"{top['oblast']}: threats {top['threats']:.2f} (mean {means['threats']:.2f}), vulnerability "
                 f"{top['vulnerability']:.2f} ({means['vulnerability']:.2f}), resources {top['resources']:.2f} "
                 f"({means['resources']:.2f})")


@claim("dynamics.direction", "dynamics_national", cases=("risk_up", "risk_down", "risk_same"))
def _direction(tables: Tables) -> Claim:
    national = tables["dynamics_national"]
    d = direction(national)
    return Claim("dynamics.direction", f"risk_{d['risk']}", {"threats": d["threats"], "resources": d["resources"],
                                                             "first": float(national["risk"].iloc[0]),
                                                             "last": float(national["risk"].iloc[-1])},
                 f"risk {d['risk']}, threats {d['threats']}, resources {d['resources']} (first wave to last)")


LEVELS = ("low", "medium", "high")


def _levels_claim(name: str, column: str):
    """How most regions stand on a level (low/medium/high): the level more than half of the regions
    share, else the two lower levels together when they make a majority, else no majority."""
    @claim(name, "dynamics_regions", cases=(*(f"mostly_{lv}" for lv in LEVELS), "mostly_low_or_medium", "no_majority"))
    def _levels(tables: Tables) -> Claim:
        counts = tables["dynamics_regions"][column].value_counts()
        total = int(counts.sum())
        values = {lv: int(counts.get(lv, 0)) for lv in LEVELS}
        majority = [lv for lv in LEVELS if values[lv] * 2 > total]
        if majority:
            case = f"mostly_{majority[0]}"
        elif (values["low"] + values["medium"]) * 2 > total:
            case = "mostly_low_or_medium"
        else:
            case = "no_majority"
        return Claim(name, case, {**values, "regions": total}, f"{column}: " + ", ".join(f"{lv} {n}" for lv, n in values.items()))
    return _levels


_levels_claim("dynamics.security_levels", "security_level")
_levels_claim("dynamics.risk_levels", "risk_level")
