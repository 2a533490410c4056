"""Tools shared by the reconstructions of bulletin No. 5's raw data (all seeded, all exact)."""
from __future__ import annotations

import numpy as np
import pandas as pd


def largest_remainder(weights: dict, n: int) -> dict:
    """Whole numbers summing to n in proportion to weights (Hamilton's method, ties by order)."""
    total = sum(weights.values())
    if n == 0 or total == 0:
        return {k: 0 for k in weights}
    raw = {k: n * w / total for k, w in weights.items()}
    out = {k: int(v) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: raw[k] - out[k], reverse=True)[: n - sum(out.values())]:
        out[k] += 1
    return out


def spread(rng: np.random.Generator, n: int, total: int, low: int, high: int) -> list[int]:
    """n whole numbers in [low, high] summing to total, drawn at random."""
    assert low * n <= total <= high * n, (n, total, low, high)
    values = [low] * n
    for _ in range(total - low * n):
        open_ = [i for i in range(n) if values[i] < high]
        values[rng.choice(open_)] += 1
    return values


def write_csv(frame: pd.DataFrame, path) -> None:
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def spelling(rng: np.random.Generator, city: str, cities: pd.DataFrame, gazetteer: pd.DataFrame) -> str:
    """A place name as an observer might write it: mostly the Russian name, sometimes 'г. ...',
    the Kazakh or English name, or an older name (all from the gazetteer)."""
    row = cities.set_index("city").loc[city]
    # other spellings in use: those without a note, or names used since about 1990
    recent = gazetteer["note"].str.contains(r"199\d|20\d\d|spelling|Kazakh name", regex=True) | (gazetteer["note"] == "")
    variants = list(gazetteer.loc[(gazetteer["city"] == city) & recent, "name"])
    roll = rng.random()
    if roll < 0.70:
        return row["name_ru"]
    if roll < 0.80:
        return f"г. {row['name_ru']}"
    if roll < 0.88:
        return row["name_kk"]
    if roll < 0.94:
        return row["name_en"].split(" (")[0]
    return str(rng.choice(variants))
