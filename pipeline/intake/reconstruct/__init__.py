"""Seeded reconstructions of raw data that was published only as aggregates (bulletin No. 5)."""
from __future__ import annotations

from pathlib import Path


def rebuild_bulletin5(period) -> list[Path]:
    """Rewrite every reconstructed raw file of bulletin No. 5's period; same bytes on every run."""
    from pipeline.data.io import load_division, load_reference
    from pipeline.intake.reconstruct import (
        assessments_bulletin5,
        incidents_bulletin5,
        media_bulletin5,
        survey_bulletin5,
    )

    division = load_division(period)
    reference = {name: load_reference(period, name)
                 for name in ("threat_types", "hrd_categories", "threat_sources", "cities", "gazetteer")}
    reference["crosswalk"] = load_reference(period, f"divisions/{period.division}_cities")
    reference["division"] = division
    written = survey_bulletin5.write(period.raw_dir, list(division["code"]))
    incidents = incidents_bulletin5.write(period, reference)
    media_bulletin5.write(period, incidents, reference)
    assessments_bulletin5.write(period, division)
    written += [period.raw_dir / name for name in ("incidents_cases.csv", "incidents_violations.csv", "media_outlets.csv",
                                                   "media_materials.csv", "media_material_cases.csv",
                                                   "regional_assessments.csv")]
    return written
