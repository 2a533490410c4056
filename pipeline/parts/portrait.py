"""Part I: the portrait of human rights defenders, from the questionnaires (pipeline.parts.survey
summarises the items the codebook marks for Part I) and the respondents per region."""
from __future__ import annotations

import pandas as pd

from pipeline.data import privacy
from pipeline.parts import survey
from pipeline.parts.inputs import PartInputs


def tables(part: PartInputs) -> dict[str, pd.DataFrame]:
    """Every Part I table (described in pipeline/parts/portrait.tables.yml). Regional counts below
    the period's min_cell_respondents (period.yml, else pipeline/data/privacy.yml) are blanked."""
    shares_and_stats = survey.portrait(part.raw)
    return {
        "survey_respondents_by_oblast": survey.respondents_by_oblast(part.raw, part.division, privacy.min_cell(part.period)),
        "survey_portrait_shares": shares_and_stats["shares"],
        "survey_portrait_stats": shares_and_stats["stats"],
    }
