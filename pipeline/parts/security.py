"""Part II: the security of human rights defenders, from the questionnaires (pipeline.parts.survey
summarises the items the codebook marks for Part II)."""
from __future__ import annotations

import pandas as pd

from pipeline.claims import Claim, Tables, band_claim, claim, share
from pipeline.formatting import joined
from pipeline.parts import survey
from pipeline.parts.inputs import PartInputs


def tables(part: PartInputs) -> dict[str, pd.DataFrame]:
    """Every Part II table (described in pipeline/parts/security.tables.yml)."""
    shares_and_stats = survey.security(part.raw)
    return {"survey_security_shares": shares_and_stats["shares"], "survey_security_stats": shares_and_stats["stats"]}


# --- claims: what the text says about this part's data (sentences: pipeline/claims.yml) ---------
band_claim("security.training", "all", "security_training_received", "no", "survey_security_shares")
band_claim("security.threatened", "individuals", "threats", "at_least_one", "survey_security_shares")
PROTECTION = ("has_security_protocol", "has_office_alarm", "has_special_locks", "has_secure_communication")
ATTACKS = ("information", "reputational", "physical", "technical")
SIMILAR_WITHIN = 5.0  # percentage points: closer than this, two groups are "about the same"


@claim("security.protocol", "survey_security_shares", cases=("most_of_both", "most_individuals", "most_organizations", "most_have_one"))
def _protocol(tables: Tables) -> Claim:
    individuals, *_ = share(tables, "individuals", "has_security_protocol", "no")
    organizations, *_ = share(tables, "organizations", "has_security_protocol", "no")
    case = {(True, True): "most_of_both", (True, False): "most_individuals", (False, True): "most_organizations",
            (False, False): "most_have_one"}[(individuals > 50, organizations > 50)]
    return Claim("security.protocol", case, {"individuals_pct": individuals, "organizations_pct": organizations},
                 f"no security protocol: individuals {individuals:.1f}%, NGOs {organizations:.1f}%")


@claim("security.protection_access", "survey_security_shares", cases=("individuals_lower", "organizations_lower", "similar"))
def _protection_access(tables: Tables) -> Claim:
    lacking = {g: sum(share(tables, g, item, "no")[0] for item in PROTECTION) / len(PROTECTION)
               for g in ("individuals", "organizations")}
    gap = lacking["individuals"] - lacking["organizations"]
    case = "similar" if abs(gap) < SIMILAR_WITHIN else "individuals_lower" if gap > 0 else "organizations_lower"
    return Claim("security.protection_access", case, {"individuals_pct": lacking["individuals"],
                                                      "organizations_pct": lacking["organizations"]},
                 f"mean share without a means of protection: individuals {lacking['individuals']:.1f}%, "
                 f"NGOs {lacking['organizations']:.1f}%")


@claim("security.attacks_by_group", "survey_security_shares", cases=("individuals_every_kind", "organizations_every_kind", "mixed"))
def _attacks_by_group(tables: Tables) -> Claim:
    pairs = {kind: (share(tables, "individuals", f"attacks_{kind}", "at_least_one")[0],
                    share(tables, "organizations", f"attacks_{kind}", "at_least_one")[0]) for kind in ATTACKS}
    individuals = sum(i > o for i, o in pairs.values())
    organizations = sum(o > i for i, o in pairs.values())
    case = ("individuals_every_kind" if individuals == len(ATTACKS) else "organizations_every_kind"
            if organizations == len(ATTACKS) else "mixed")
    return Claim("security.attacks_by_group", case, {"individuals_more": individuals, "organizations_more": organizations},
                 "; ".join(f"{k}: individuals {i:.1f}%, NGOs {o:.1f}%" for k, (i, o) in pairs.items()))


@claim("security.appeals_result", "survey_security_shares", cases=("none_with_measures", "some_with_measures", "no_appeals"))
def _appeals_result(tables: Tables) -> Claim:
    pct, count, base = share(tables, "all", "law_enforcement_result", "measures_taken")
    case = "no_appeals" if base == 0 else "none_with_measures" if count == 0 else "some_with_measures"
    return Claim("security.appeals_result", case, {"measures_pct": pct, "measures": count, "appeals": base},
                 f"{count} of {base} appeals led to protective measures")


@claim("security.coalition", "survey_security_shares",
       cases=("most_not_members_some_unaware", "most_not_members", "most_members_some_unaware", "most_members", "half_members"))
def _coalition(tables: Tables) -> Claim:
    """Membership of the Coalition. Not members are those who answered 'not a member' (the bulletin's
    66%) and those who do not know of it (22%): together the majority when members are under half."""
    members, *_ = share(tables, "all", "coalition", "member")
    not_members, *_ = share(tables, "all", "coalition", "not_member")
    unaware, unaware_count, _ = share(tables, "all", "coalition", "not_aware")
    if members == 50:
        case = "half_members"
    else:
        case = ("most_not_members" if members < 50 else "most_members") + ("_some_unaware" if unaware_count else "")
    return Claim("security.coalition", case, {"members_pct": members, "not_members_pct": not_members,
                                              "unaware_pct": unaware},
                 f"members of the Coalition {members:.1f}%, not members {not_members:.1f}%, not aware of it {unaware:.1f}%")


SAME_THREATS_WITHIN = 1.0  # threats per threatened respondent: closer than this, "no difference"


@claim("security.threats_by_group", "survey_security_stats",
       cases=("similar", "individuals_more", "organizations_more", "not_comparable"))
def _threats_by_group(tables: Tables) -> Claim:
    """Mean threats per threatened respondent, individuals against NGOs."""
    stats = tables["survey_security_stats"]
    threats = stats[stats["item"] == "threats"].set_index("group")["mean"]
    mean = {g: float(threats.get(g, float("nan"))) for g in ("individuals", "organizations")}
    gap = mean["individuals"] - mean["organizations"]
    if pd.isna(gap):  # a group nobody in which was threatened: nothing to compare
        case = "not_comparable"
    else:
        case = "similar" if abs(gap) < SAME_THREATS_WITHIN else "individuals_more" if gap > 0 else "organizations_more"
    return Claim("security.threats_by_group", case, {"individuals": mean["individuals"], "organizations": mean["organizations"]},
                 f"threats per threatened respondent: individuals {mean['individuals']:.1f}, NGOs {mean['organizations']:.1f}")


LIKELIHOOD = {"reputational": ("репутационную", "reputational"), "information": ("информационную", "information"),
              "technical": ("техническую", "technical"), "physical": ("физическую", "physical")}


@claim("security.likeliest_attack", "survey_security_shares", cases=(*LIKELIHOOD, "tie", "all_equal"))
def _likeliest_attack(tables: Tables) -> Claim:
    """Which kind of attack respondents most often think possible, and which least often (kinds tied
    at either end are named together; all four alike is said so). Shares are compared as the text
    shows them, to a tenth of a percent: 73.55% and 73.60% both read "73,6%", and the sentence must
    not call one of them the more frequent."""
    shares = {kind: round(share(tables, "all", f"likelihood_{kind}", "possible")[0], 1) for kind in LIKELIHOOD}
    top, least = max(shares.values()), min(shares.values())
    likeliest = [kind for kind in LIKELIHOOD if shares[kind] == top]
    least_likely = [kind for kind in LIKELIHOOD if shares[kind] == least]
    case = "all_equal" if top == least else likeliest[0] if len(likeliest) == 1 else "tie"
    kinds = {lang: joined([LIKELIHOOD[kind][i] for kind in likeliest], lang) for i, lang in enumerate(("ru", "en"))}
    if len(least_likely) == 1:
        english = LIKELIHOOD[least_likely[0]][1]
        least_said = {"ru": LIKELIHOOD[least_likely[0]][0], "en": f"{'an' if english[0] in 'aeiou' else 'a'} {english} one"}
    else:
        least_said = {"ru": "в равной мере — " + joined([LIKELIHOOD[kind][0] for kind in least_likely], "ru"),
                      "en": joined([LIKELIHOOD[kind][1] for kind in least_likely], "en") + " ones equally"}
    return Claim("security.likeliest_attack", case, {"share_pct": top, "least_pct": least, "kinds": kinds,
                                                     "least": least_said},
                 "; ".join(f"{k} {v:.1f}%" for k, v in shares.items()))
