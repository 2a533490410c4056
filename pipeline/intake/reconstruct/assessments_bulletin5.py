"""Reconstruct the regional self-assessments of bulletin No. 5: 16 regions x 3 waves.

The bulletin shows them only as a map and three statements (Part V): Astana has the highest risk
(more threats, higher vulnerability, fewer resources); HRDs of only two regions, Zhambyl and
Karaganda, feel safe, and these have the lowest risk; over the period risk rose slightly, threats
up and resources down. Most regions rate their security medium or low; risk is medium in most.
This RECONSTRUCTION draws scores that make all of it true; its levels are in ASSUMPTIONS.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.intake.reconstruct.common import write_csv
from pipeline.parts.dynamics import plain_region_name as _plain

SEED = 20160502

ASSUMPTIONS = {
    # (threats, vulnerability, resources, security) on 1-5, drawn uniformly in these ranges
    "typical_region": {"threats": (2.8, 3.5), "vulnerability": (2.7, 3.4), "resources": (2.6, 3.2), "security": (2.3, 3.3)},
    "highest_risk_region": {"threats": (4.0, 4.3), "vulnerability": (3.7, 4.0), "resources": (2.1, 2.4), "security": (2.0, 2.4)},
    "safe_regions": {"threats": (2.0, 2.4), "vulnerability": (2.1, 2.5), "resources": (3.6, 3.9), "security": (3.8, 4.1)},
    # change from one wave to the next, the same everywhere, plus noise
    "trend_per_wave": {"threats": 0.12, "vulnerability": 0.0, "resources": -0.10, "security": -0.05},
    "noise": 0.08,
    "assessors": (4, 12),
}
SCORES = ("threats", "vulnerability", "resources", "security")


def build(published: dict, division: pd.DataFrame, period, seed: int = SEED) -> pd.DataFrame:
    fig = published["dynamics"]
    rng = np.random.default_rng(seed)
    by_name = {_plain(name): code for name, code in zip(division["name_en"], division["code"])}
    highest = by_name[_plain(fig["highest_risk"])]
    safe = {by_name[_plain(name)] for name in fig["feel_safe_lowest_risk"]}
    rows = []
    for code in sorted(division["code"]):
        profile = ASSUMPTIONS["highest_risk_region" if code == highest else "safe_regions" if code in safe else "typical_region"]
        base = {s: rng.uniform(*profile[s]) for s in SCORES}
        for n, wave in enumerate(period.waves):
            row = {"oblast": code, "wave": wave["wave"], "assessors": int(rng.integers(*ASSUMPTIONS["assessors"], endpoint=True))}
            for s in SCORES:
                value = base[s] + n * ASSUMPTIONS["trend_per_wave"][s] + rng.normal(0, ASSUMPTIONS["noise"])
                row[s] = f"{min(5.0, max(1.0, value)):.1f}"
            rows.append(row)
    return pd.DataFrame(rows)


def write(period, division: pd.DataFrame, seed: int = SEED) -> pd.DataFrame:
    from pipeline.data.figures import load_published

    table = build(load_published(period.published_figures_path), division, period, seed)
    write_csv(table, period.raw_dir / "regional_assessments.csv")
    return table
