"""Part V: regional risk and its dynamics, from the HRDs' own assessment per region and wave.

risk = threats x vulnerability / resources (pipeline/parts/dynamics.yml says why and sets the levels).
National figures are means over regions weighted by the number of assessors. Dynamics: change
between the waves of the period and, when the previous period's processed tables exist, against it.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from pipeline.claims import Claim, Tables, claim, names
from pipeline.data import privacy
from pipeline.data.io import region_names
from pipeline.parts.inputs import PartInputs

METHOD = yaml.safe_load(Path(__file__).with_name("dynamics.yml").read_text(encoding="utf-8"))
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
        out["dynamics_vs_previous"] = against_previous(out["dynamics_national"], previous["dynamics_national"])
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
