"""Part I: the portrait of human rights defenders, from the questionnaires (pipeline.parts.survey
summarises the items the codebook marks for Part I) and the respondents per region."""
from __future__ import annotations

import pandas as pd

from pipeline import evidence
from pipeline.claims import (
    Claim,
    Tables,
    band_claim,
    claim,
    quoted,
    ranked,
    ref,
    share_of,
    shares_claim,
    stat_claim,
    top_rows,
    where,
)
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
RESPONDENTS = "survey_respondents_by_oblast"
SHARES, STATS = "survey_portrait_shares", "survey_portrait_stats"


@claim("portrait.regions_covered", RESPONDENTS,
       cases=("every_region", "some_regions", "some_hidden", "only_hidden", "all_hidden", "no_respondents"))
def _regions_covered(tables: Tables) -> Claim:
    """Regions with respondents, as the published table shows them: a blank is not counted as a
    region with respondents (a blank may hide any count, even 0), it is said to be hidden."""
    table = tables[RESPONDENTS]
    covered = int((table["respondents"] > 0).sum())
    hidden = int(table["respondents"].isna().sum())
    regions = len(table)
    if hidden:
        case = "all_hidden" if hidden == regions else "some_hidden" if covered else "only_hidden"
    else:
        case = "no_respondents" if not covered else "every_region" if covered == regions else "some_regions"
    asserts = (quoted(ref(RESPONDENTS, "respondents", covered, [["respondents", ">", 0]], agg="rows"), "covered"),
               quoted(ref(RESPONDENTS, "respondents", hidden, [["respondents", "isna", None]], agg="rows"), "hidden"),
               quoted(ref(RESPONDENTS, "oblast", regions, agg="rows"), "regions"))
    return Claim("portrait.regions_covered", case, {"covered": covered, "hidden": hidden, "regions": regions},
                 f"respondents shown in {covered} of {regions} regions, hidden in {hidden}", asserts)


stat_claim("portrait.experience", "individuals", "experience_years", STATS)
stat_claim("portrait.ngo_experience", "organizations", "experience_years", STATS)
stat_claim("portrait.ngo_projects", "organizations", "projects_per_year", STATS)
stat_claim("portrait.ngo_funding", "organizations", "annual_funding_usd", STATS, decimals=0)


shares_claim("portrait.employment", "individuals", "employment",
             {"labour": "labour_contract", "service": "service_contract", "sole": "sole_proprietor"}, SHARES)
shares_claim("portrait.gender", "individuals", "gender", {"female": "female", "male": "male"}, SHARES)
shares_claim("portrait.nationality", "individuals", "nationality", {"kazakh": "kazakh", "russian": "russian", "other": "other"}, SHARES)
shares_claim("portrait.education", "individuals", "education",
             {"higher": "higher", "vocational": "vocational", "secondary": "secondary"}, SHARES)


def top_answer_claim(name: str, group: str, item: str, table: str):
    """The most frequent answer of an item (every tied answer named), when the base allows a word."""
    @claim(name, table, cases=("one", "tie", "small_base", "zero", "none"))
    def compute(tables: Tables) -> Claim:
        shares = tables[table]
        rows = shares[(shares["group"] == group) & (shares["item"] == item)]
        rows = rows[~rows["answer"].isin(DERIVED_ANSWERS)]
        base = int(rows["base"].max()) if len(rows) else 0
        conditions = where(group=group, item=item) + [["answer", "in", list(rows["answer"])]]
        values = {"min_base": evidence.MIN_BASE, "item": {lang: str(rows[f"item_{lang}"].iloc[0]) for lang in ("ru", "en")}
                  if len(rows) else {"ru": "", "en": ""}}
        if not base or not rows["count"].sum():  # nobody answered, or nobody chose any answer (of several)
            return Claim(name, "zero" if base else "none", values, f"{item}: {base} answered, none chosen",
                         (quoted(ref(table, "base", base, conditions, "max")),))
        if base < evidence.MIN_BASE:
            return Claim(name, "small_base", values, f"{item}: {base} answers",
                         (quoted(ref(table, "base", base, conditions, "max")),))
        top = top_rows(rows, "count", 1, key="answer")
        answers = [{lang: str(r[f"answer_{lang}"]) for lang in ("ru", "en")} for _, r in top.iterrows()]
        share_pct = 100 * int(top["count"].iloc[0]) / base
        asserts = (ranked("top", table, "answer", "count", top["answer"], 1, conditions, superlative=len(top) == 1),  # ties: "equally"
                   share_of(ref(table, "count", int(top["count"].iloc[0]), conditions + [["answer", "==", top["answer"].iloc[0]]]),
                            ref(table, "base", base, conditions + [["answer", "==", top["answer"].iloc[0]]]), None, True,
                            key="share_pct"))
        return Claim(name, "one" if len(top) == 1 else "tie", {**values, "answers": answers, "share_pct": share_pct},
                     f"{item}: most frequent {', '.join(top['answer'])} ({share_pct:.1f}%)", asserts)
    return compute


DERIVED_ANSWERS = ("possible",)  # answers computed from others (codebook derived_answers): never ranked against them
top_answer_claim("portrait.top_gender", "individuals", "gender", SHARES)
top_answer_claim("portrait.top_education", "individuals", "education", SHARES)
top_answer_claim("portrait.top_activity", "individuals", "activity_type", SHARES)

band_claim("portrait.civic_activists", "individuals", "employment", "civic_activist_unpaid", SHARES)
band_claim("portrait.media_access", "individuals", "media_access", "yes", SHARES)
band_claim("portrait.ngos_cooperate", "organizations", "cooperates_with_state", "yes", SHARES)
