"""The period at a glance: the headline figures of every part, from the validated raw data."""
from __future__ import annotations

import pandas as pd

from pipeline.claims import Claim, Tables, claim, quoted, ref, where
from pipeline.data.periods import Period
from pipeline.parts.inputs import PartInputs


def tables(part: PartInputs) -> dict[str, pd.DataFrame]:
    """The overview's table (described in pipeline/parts/overview.tables.yml)."""
    return {"period_headlines": headlines(part.raw, part.period, part.division)}


def headlines(raw: dict[str, pd.DataFrame], period: Period, division: pd.DataFrame) -> pd.DataFrame:
    v = raw["violations"]
    rows = [
        ("respondents", len(raw["individuals"]) + len(raw["organizations"]), "Респонденты анкетирования", "Survey respondents"),
        ("individuals", len(raw["individuals"]), "Физические лица", "Individuals"),
        ("organizations", len(raw["organizations"]), "Юридические лица (НПО)", "Organizations (NGOs)"),
        ("cases", len(raw["cases"]), "Случаи атак на правозащитников", "Cases of attacks on HRDs"),
        ("violations", len(v), "Нарушения прав", "Violations of rights"),
        ("threat_types", v["threat_type"].nunique(), "Виды угроз", "Threat types"),
        ("regions_with_violations", v["oblast"].nunique(), "Регионы, где зафиксированы нарушения", "Regions with violations"),
        ("media_materials", len(raw["materials"]), "Медиа-материалы", "Media materials"),
        ("media_outlets", raw["materials"]["outlet_id"].nunique(), "СМИ", "Media outlets"),
        ("regions_assessed", raw["regional_assessments"]["oblast"].nunique(), "Регионы с самооценкой рисков", "Regions that assessed their risk"),
        ("waves", len(period.waves), "Волны (кварталы) мониторинга", "Waves (quarters) of the monitoring"),
        ("observers", raw["cases"]["observer_id"].nunique(), "Наблюдатели, записавшие случаи", "Observers who logged cases"),
        ("division_regions", int((division["kind"] != "city").sum()), "Области в административном делении периода",
         "Regions of the period's administrative division"),
        ("division_cities", int((division["kind"] == "city").sum()), "Города республиканского значения",
         "Cities of republican significance"),
    ]
    return pd.DataFrame(rows, columns=["figure", "value", "label_ru", "label_en"]).astype({"value": "int64"})


# --- claims: what the text says about this part's data (sentences: pipeline/claims.yml) ---------
@claim("overview.coverage", "period_headlines", cases=("stated", "no_cases"))
def _coverage(tables: Tables) -> Claim:
    """The division, and in how many of its units cases were logged and risks assessed (the
    respondents' coverage is Part I's: its table hides small counts)."""
    headlines = tables["period_headlines"].set_index("figure")["value"]
    keys = {"regions": "division_regions", "cities": "division_cities", "observers": "observers",
            "with_cases": "regions_with_violations", "assessed": "regions_assessed", "cases": "cases"}
    values = {key: int(headlines[figure]) for key, figure in keys.items()}
    values["units"] = values["regions"] + values["cities"]
    asserts = tuple(quoted(ref("period_headlines", "value", values[key], where(figure=figure)), key) for key, figure in keys.items())
    return Claim("overview.coverage", "stated" if values["cases"] else "no_cases", values,
                 f"{values['observers']} observers logged cases in {values['with_cases']} of {values['units']} units; "
                 f"{values['assessed']} assessed", asserts)
