"""The period at a glance: the headline figures of every part, from the validated raw data."""
from __future__ import annotations

import pandas as pd

from pipeline.data.periods import Period
from pipeline.parts.inputs import PartInputs


def tables(part: PartInputs) -> dict[str, pd.DataFrame]:
    """The overview's table (described in pipeline/parts/overview.tables.yml)."""
    return {"period_headlines": headlines(part.raw, part.period)}


def headlines(raw: dict[str, pd.DataFrame], period: Period) -> pd.DataFrame:
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
    ]
    return pd.DataFrame(rows, columns=["figure", "value", "label_ru", "label_en"]).astype({"value": "int64"})
