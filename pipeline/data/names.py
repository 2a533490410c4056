"""Places named as they were during a period: a name that changed on a known day (the capital Astana,
Nur-Sultan from 23 March 2019 to 16 September 2022, Astana again; Kapchagay, Konaev since 4 May
2022) is dated in data/raw/reference/renamings.csv. A period's outputs use the name in force on its
last day, with the former name beside it when the place was renamed during the period
('Нур-Султан (ранее Астана)')."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

FORMERLY = {"ru": "ранее", "en": "formerly"}


def load_renamings(reference_dir: Path) -> pd.DataFrame:
    path = Path(reference_dir) / "renamings.csv"
    if not path.is_file():
        return pd.DataFrame(columns=["kind", "id", "name_ru", "name_en", "from_day", "until_day", "source"])
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _name_on(rows: pd.DataFrame, day: dt.date) -> pd.Series | None:
    for _, row in rows.iterrows():
        if (not row["from_day"] or dt.date.fromisoformat(row["from_day"]) <= day) and \
                (not row["until_day"] or day <= dt.date.fromisoformat(row["until_day"])):
            return row
    return None


def as_named_in(frame: pd.DataFrame, kind: str, key: str, period) -> pd.DataFrame:
    """The frame's name_ru/name_en of places of `kind` (city or unit, by column `key`) as they were
    named in the period."""
    renamings = load_renamings(period.reference_dir)
    renamings = renamings[renamings["kind"] == kind]
    if renamings.empty or frame.empty:
        return frame
    out = frame.copy()
    for place, rows in renamings.groupby("id"):
        at = out[key] == place
        if not at.any():
            continue
        last, first = _name_on(rows, period.last_day), _name_on(rows, period.first_day)
        if last is None:
            continue
        for lang in ("ru", "en"):
            name = last[f"name_{lang}"]
            if first is not None and first[f"name_{lang}"] != name:  # renamed during the period
                name = f"{name} ({FORMERLY[lang]} {first[f'name_{lang}']})"
            out.loc[at, f"name_{lang}"] = name
    return out
