"""Part I: the portrait of human rights defenders, from the questionnaires (pipeline.parts.survey
summarises the items the codebook marks for Part I) and the respondents per region."""
from __future__ import annotations

import pandas as pd

from pipeline.claims import Claim, Tables, band_claim, claim
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


# --- claims: what the text says about this part's data (sentences: pipeline/claims.yml) ---------
@claim("portrait.regions_covered", "survey_respondents_by_oblast", cases=("every_region", "some_regions"))
def _regions_covered(tables: Tables) -> Claim:
    """Regions with respondents: a blank (a small count, suppressed) is at least one respondent."""
    table = tables["survey_respondents_by_oblast"]
    covered = int((table["respondents"].isna() | (table["respondents"] > 0)).sum())
    case = "every_region" if covered == len(table) else "some_regions"
    return Claim("portrait.regions_covered", case, {"covered": covered, "regions": len(table)},
                 f"respondents in {covered} of {len(table)} regions")


band_claim("portrait.civic_activists", "individuals", "employment", "civic_activist_unpaid", "survey_portrait_shares")
band_claim("portrait.media_access", "individuals", "media_access", "yes", "survey_portrait_shares")
band_claim("portrait.ngos_cooperate", "organizations", "cooperates_with_state", "yes", "survey_portrait_shares")
EXPERIENCED_YEARS = 3  # the editors' threshold for "experienced"


@claim("portrait.experience", "survey_portrait_stats", cases=("mostly_experienced", "mostly_new"))
def _experience(tables: Tables) -> Claim:
    """Most respondents are experienced when at least half have EXPERIENCED_YEARS or more."""
    stats = tables["survey_portrait_stats"]
    row = stats[(stats["group"] == "all") & (stats["item"] == "experience_years")].iloc[0]
    case = "mostly_experienced" if row["median"] >= EXPERIENCED_YEARS else "mostly_new"
    return Claim("portrait.experience", case, {"median": float(row["median"]), "threshold": EXPERIENCED_YEARS},
                 f"median experience {row['median']:g} years (experienced: {EXPERIENCED_YEARS} or more)")
