"""Part II: the security of human rights defenders, from the questionnaires (pipeline.parts.survey
summarises the items the codebook marks for Part II)."""
from __future__ import annotations

import pandas as pd

from pipeline.parts import survey
from pipeline.parts.inputs import PartInputs


def tables(part: PartInputs) -> dict[str, pd.DataFrame]:
    """Every Part II table (described in pipeline/parts/security.tables.yml)."""
    shares_and_stats = survey.security(part.raw)
    return {"survey_security_shares": shares_and_stats["shares"], "survey_security_stats": shares_and_stats["stats"]}
