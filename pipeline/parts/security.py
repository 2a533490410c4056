"""Part II: the security of human rights defenders, from the questionnaires (pipeline.parts.survey
summarises the items the codebook marks for Part II)."""
from __future__ import annotations

import pandas as pd

from pipeline import evidence
from pipeline.claims import (
    Claim,
    Tables,
    band_claim,
    claim,
    difference,
    quoted,
    ranked,
    ref,
    share,
    shares_claim,
    stat_claim,
    survey_share,
    top_rows,
    where,
)
from pipeline.formatting import joined
from pipeline.parts import survey
from pipeline.parts.inputs import PartInputs


def tables(part: PartInputs) -> dict[str, pd.DataFrame]:
    """Every Part II table (described in pipeline/parts/security.tables.yml)."""
    shares_and_stats = survey.security(part.raw)
    return {"survey_security_shares": shares_and_stats["shares"], "survey_security_stats": shares_and_stats["stats"]}


# --- claims: what the text says about this part's data (sentences: pipeline/claims.yml) ---------
SHARES, STATS = "survey_security_shares", "survey_security_stats"
GROUPS = ("individuals", "organizations")

band_claim("security.training", "all", "security_training_received", "no", SHARES)
band_claim("security.threatened", "individuals", "threats", "at_least_one", SHARES)
band_claim("security.protocol_individuals", "individuals", "has_security_protocol", "no", SHARES)
band_claim("security.protocol_organizations", "organizations", "has_security_protocol", "no", SHARES)
band_claim("security.coalition_members", "all", "coalition", "member", SHARES)
shares_claim("security.needs_training", "all", "needs_security_training", {"share": "yes"}, SHARES)
shares_claim("security.needs_information", "all", "needs_security_information", {"share": "yes"}, SHARES)
stat_claim("security.threat_counts", "individuals", "threats", STATS)
stat_claim("security.self_rated", "all", "self_rated_security", STATS)

# the means of protection, as the text names them: genitive (лишены ...) / English
PROTECTION = {"has_security_protocol": ("протокола безопасности", "a security protocol"),
              "has_office_alarm": ("сигнализации в офисе", "an office alarm"),
              "has_special_locks": ("специальных замков", "special locks"),
              "has_secure_communication": ("безопасных средств связи", "secure means of communication")}
# kinds of attack: nominative plural adjective (... атаки), dative plural (по ... атакам) / English
ATTACKS = {"information": ("информационные", "информационным", "information"),
           "reputational": ("репутационные", "репутационным", "reputational"),
           "physical": ("физические", "физическим", "physical"),
           "technical": ("технические", "техническим", "technical")}


def _group_share(tables: Tables, group: str, item: str, answer: str) -> dict:
    """The count and base of a group's answer, as references a difference is checked on."""
    _, asserted = survey_share(tables, group, item, answer, words=False)
    return {"count": asserted["count"], "base": asserted["base"]}


def compared_lists(tables: Tables, items: list[str], answer: str) -> tuple[dict[str, list[str]], tuple]:
    """Each item's answer compared between individuals and NGOs (Fisher's exact test at
    evidence.ALPHA): the items more frequent among individuals, among NGOs, with no clear
    difference, and not comparable (a group with fewer than evidence.MIN_BASE answers), with the
    assertions behind them."""
    lists: dict[str, list[str]] = {"individuals": [], "organizations": [], "rest": [], "not_comparable": []}
    asserts = []
    for item in items:
        _, count_i, base_i = share(tables, "individuals", item, answer)
        _, count_o, base_o = share(tables, "organizations", item, answer)
        relation, _ = evidence.compare_shares(count_i, base_i, count_o, base_o)
        lists[{"greater": "individuals", "less": "organizations", "no_clear_difference": "rest",
               "not_comparable": "not_comparable"}[relation]].append(item)
        asserts.append(difference("shares", _group_share(tables, "individuals", item, answer),
                                  _group_share(tables, "organizations", item, answer), relation))
    return lists, tuple(asserts)


def lists_case(lists: dict[str, list[str]]) -> str:
    """individuals / organizations / both, '_rest' when some are no different; no_clear_difference;
    partly_comparable when some items could not be compared (a group gave too few answers: the sentence
    then says only that); not_comparable when none could."""
    if not (lists["individuals"] or lists["organizations"] or lists["rest"]):
        return "not_comparable"
    if lists["not_comparable"]:
        return "partly_comparable"
    sides = [side for side in ("individuals", "organizations") if lists[side]]
    if not sides:
        return "no_clear_difference"
    case = "both" if len(sides) == 2 else sides[0]
    return case + ("_rest" if lists["rest"] else "")


@claim("security.protection_access", SHARES, cases=("individuals", "individuals_rest", "organizations", "organizations_rest",
                                                   "both", "both_rest", "no_clear_difference", "partly_comparable",
                                                   "not_comparable"))
def _protection_access(tables: Tables) -> Claim:
    """Which means of protection individuals lack more often than NGOs, and the other way round:
    each mean compared on its own, by a test (a mean of the four shares would hide the items)."""
    lists, asserts = compared_lists(tables, list(PROTECTION), "no")
    named = {key: {"ru": joined([PROTECTION[i][0] for i in items], "ru"), "en": joined([PROTECTION[i][1] for i in items], "en")}
             for key, items in lists.items()}
    return Claim("security.protection_access", lists_case(lists), {**named, "min_base": evidence.MIN_BASE},
                 "; ".join(f"{side}: {', '.join(items) or '-'}" for side, items in lists.items()), asserts)


@claim("security.attacks_by_group", SHARES, cases=("individuals", "individuals_rest", "organizations", "organizations_rest",
                                                  "both", "both_rest", "no_clear_difference", "partly_comparable",
                                                  "not_comparable"))
def _attacks_by_group(tables: Tables) -> Claim:
    """Which kinds of attack are more common among individuals, which among NGOs (a test for each)."""
    lists, asserts = compared_lists(tables, [f"attacks_{kind}" for kind in ATTACKS], "at_least_one")
    kinds = {key: [item.removeprefix("attacks_") for item in items] for key, items in lists.items()}
    named = {key: {"ru": joined([ATTACKS[k][1 if key in ("rest", "not_comparable") else 0] for k in ks], "ru"),
                   "en": joined([ATTACKS[k][2] for k in ks], "en")} for key, ks in kinds.items()}
    return Claim("security.attacks_by_group", lists_case(lists), {**named, "min_base": evidence.MIN_BASE},
                 "; ".join(f"{side}: {', '.join(ks) or '-'}" for side, ks in kinds.items()), asserts)


def two_groups_claim(name: str, item: str, answers: dict[str, str], nobody: str | None = None):
    """Answers of an item asked of both groups, quoted for each group that answered; `nobody`: the
    case when no one who answered gave the (one) answer."""
    @claim(name, SHARES, cases=("both", "individuals", "organizations", "none") + ((nobody,) if nobody else ()))
    def compute(tables: Tables) -> Claim:
        values, asserts = {}, []
        for group in GROUPS:
            if share(tables, group, item, next(iter(answers.values())))[2]:
                for key, answer in answers.items():
                    values[f"{group}{key}"], asserted = survey_share(tables, group, item, answer, words=False)
                    asserts.append(asserted)
        answered = [g for g in GROUPS if any(k.startswith(g) for k in values)]
        case = "both" if len(answered) == 2 else answered[0] if answered else "none"
        for group in GROUPS:  # "no NGO answered it": the other group's base is 0
            if group not in answered:
                asserts.append(quoted(ref(SHARES, "base", 0, where(group=group, item=item), agg="max")))
        if nobody and answered and not any(v["count"] for v in values.values()):
            case = nobody
        return Claim(name, case, values, f"{item}: answered by {', '.join(answered) or 'nobody'}", tuple(asserts))
    return compute


two_groups_claim("security.secure_exchange", "secure_information_exchange", {"_yes": "yes", "_dont_know": "dont_know", "_no": "no"})
two_groups_claim("security.law_enforcement_appeal", "law_enforcement_appeal", {"": "yes"}, nobody="nobody_appealed")


@claim("security.coalition_detail", SHARES, cases=("both", "one_group", "none"))
def _coalition_detail(tables: Tables) -> Claim:
    """Members of the Coalition among individuals and NGOs, and among all who are not or do not know of it."""
    values, asserts = {}, []
    for key, group, answer in (("not_member", "all", "not_member"), ("not_aware", "all", "not_aware"),
                               ("individuals", "individuals", "member"), ("organizations", "organizations", "member")):
        if share(tables, group, "coalition", answer)[2]:
            values[key], asserted = survey_share(tables, group, "coalition", answer, words=False)
            asserts.append(asserted)
    case = "none" if "not_member" not in values else "both" if {"individuals", "organizations"} <= set(values) else "one_group"
    if not asserts:
        asserts = [quoted(ref(SHARES, "base", 0, where(item="coalition"), agg="max"))]
    return Claim("security.coalition_detail", case, values, f"coalition: {sorted(values)}", tuple(asserts))


@claim("security.appeals_result", SHARES, cases=("counts", "no_appeals"))
def _appeals_result(tables: Tables) -> Claim:
    """What came of the appeals, as counts: measures taken, not taken, no answer yet (a pending
    appeal is neither a success nor a failure)."""
    counts, asserts = {}, []
    for key, answer in (("measures", "measures_taken"), ("no_measures", "no_measures"), ("pending", "pending")):
        _, counts[key], base = share(tables, "all", "law_enforcement_result", answer)
        asserts.append(quoted(ref(SHARES, "count", counts[key], where(group="all", item="law_enforcement_result", answer=answer)), key))
    return Claim("security.appeals_result", "counts" if base else "no_appeals", {**counts, "appeals": base},
                 f"of {base} appeals: {counts}", tuple(asserts))


@claim("security.threats_by_group", STATS, cases=("no_clear_difference", "individuals_more", "organizations_more", "not_comparable"))
def _threats_by_group(tables: Tables) -> Claim:
    """Mean threats per threatened respondent, individuals against NGOs (Welch's t-test)."""
    stats = tables[STATS]
    rows = {g: stats[(stats["item"] == "threats") & (stats["group"] == g)].iloc[0] for g in GROUPS}
    relation, p = evidence.compare_means(*(float(rows["individuals"][c]) for c in ("mean", "sd", "n")),
                                         *(float(rows["organizations"][c]) for c in ("mean", "sd", "n")))
    case = {"greater": "individuals_more", "less": "organizations_more"}.get(relation, relation)
    sides = {g: {c: ref(STATS, c, rows[g][c], where(item="threats", group=g)) for c in ("mean", "sd", "n")} for g in GROUPS}
    return Claim("security.threats_by_group", case, {**{g: float(rows[g]["mean"]) for g in GROUPS}, "min_base": evidence.MIN_BASE},
                 f"threats per threatened respondent: individuals {rows['individuals']['mean']:.1f} "
                 f"(n {rows['individuals']['n']}), NGOs {rows['organizations']['mean']:.1f} (n {rows['organizations']['n']}); p = {p:.3f}",
                 (difference("means", sides["individuals"], sides["organizations"], relation),))


@claim("security.likelihood", SHARES, cases=("stated", "incomplete", "none"))
def _likelihood(tables: Tables) -> Claim:
    values, asserts = {}, []
    for kind in LIKELIHOOD:
        if share(tables, "all", f"likelihood_{kind}", "possible")[2]:
            values[kind], asserted = survey_share(tables, "all", f"likelihood_{kind}", "possible", words=False)
            asserts.append(asserted)
    case = "stated" if len(values) == len(LIKELIHOOD) else "incomplete" if values else "none"
    answered = ref(SHARES, "base", len(values), where(group="all", answer="possible")
                   + [["item", "in", [f"likelihood_{k}" for k in LIKELIHOOD]], ["base", ">", 0]], agg="rows")
    return Claim("security.likelihood", case, {**values, "answered": len(values)}, f"likelihood answered for {sorted(values)}",
                 tuple(asserts) + (quoted(answered, "answered"),))


# kinds of attack thought possible: accusative singular, and plural for several (... атаки) / English
LIKELIHOOD = {"reputational": ("репутационную", "reputational"), "information": ("информационную", "information"),
              "technical": ("техническую", "technical"), "physical": ("физическую", "physical")}


def _attack_phrase(kinds: list[str], lang: str) -> str:
    """'репутационную атаку' / 'репутационную и информационную атаки'; 'a reputational attack' /
    'reputational and information attacks'."""
    if lang == "ru":
        return joined([LIKELIHOOD[k][0] for k in kinds], "ru") + (" атаку" if len(kinds) == 1 else " атаки")
    if len(kinds) > 1:
        return joined([LIKELIHOOD[k][1] for k in kinds], "en") + " attacks"
    english = LIKELIHOOD[kinds[0]][1]
    return f"{'an' if english[0] in 'aeiou' else 'a'} {english} attack"


@claim("security.likeliest_attack", SHARES, cases=("top_and_least", "top_only", "least_only", "no_clear_difference",
                                                   "all_equal", "small_base", "not_all_answered", "none"))
def _likeliest_attack(tables: Tables) -> Claim:
    """Which kind of attack respondents most (least) often think possible: the kinds with the largest
    (smallest) share, all of them when tied, named only when Fisher's exact test sets them apart
    from every other kind; all four alike is said so."""
    found = {kind: share(tables, "all", f"likelihood_{kind}", "possible") for kind in LIKELIHOOD}
    bases = [base for _, _, base in found.values()]
    values = {"min_base": evidence.MIN_BASE}
    conditions = where(group="all", answer="possible") + [["item", "in", [f"likelihood_{k}" for k in LIKELIHOOD]]]
    if not any(bases):
        return Claim("security.likeliest_attack", "none", values, "no kind of attack has answers",
                     (quoted(ref(SHARES, "base", 0, conditions, "max")),))
    if not all(bases):
        return Claim("security.likeliest_attack", "not_all_answered", values, "a kind of attack without answers",
                     (quoted(ref(SHARES, "base", 0, conditions, "min")),))
    if min(bases) < evidence.MIN_BASE:
        return Claim("security.likeliest_attack", "small_base", values, f"{min(bases)} answers",
                     (quoted(ref(SHARES, "base", min(bases), conditions, "min")),))
    shares = tables[SHARES].set_index(["group", "item", "answer"])["share_pct"]  # ranked as the table holds them
    table = pd.DataFrame([{"kind": k, "item": f"likelihood_{k}", "pct": float(shares[("all", f"likelihood_{k}", "possible")]),
                           "count": c, "base": b} for k, (_, c, b) in found.items()])
    top = top_rows(table, "pct", 1, key="kind", positive=False)
    least = top_rows(table, "pct", 1, key="kind", smallest=True, positive=False)
    values |= {"share_pct": float(top["pct"].iloc[0]), "least_pct": float(least["pct"].iloc[0]),
               "top": {lang: _attack_phrase(list(top["kind"]), lang) for lang in ("ru", "en")},
               "least": {lang: _attack_phrase(list(least["kind"]), lang) for lang in ("ru", "en")}}
    asserts = [ranked("top", SHARES, "item", "share_pct", top["item"], 1, conditions, positive=False, superlative=len(top) < len(table)),
               ranked("bottom", SHARES, "item", "share_pct", least["item"], 1, conditions, positive=False)]
    if len(top) == len(table):
        return Claim("security.likeliest_attack", "all_equal", values, "all four kinds alike", tuple(asserts))
    stands_out = {}
    for side, named in (("top", top), ("least", least)):
        edge = named.iloc[0]  # every named kind has the same share: one stands for them
        relations = []
        for _, other in table[~table["kind"].isin(named["kind"])].iterrows():  # against every other kind
            relation, _ = evidence.compare_shares(int(edge["count"]), int(edge["base"]), int(other["count"]), int(other["base"]))
            relations.append(relation)
            asserts.append(difference("shares", _group_share(tables, "all", edge["item"], "possible"),
                                      _group_share(tables, "all", other["item"], "possible"), relation))
        stands_out[side] = all(r == ("greater" if side == "top" else "less") for r in relations)
    case = {(True, True): "top_and_least", (True, False): "top_only", (False, True): "least_only",
            (False, False): "no_clear_difference"}[(stands_out["top"], stands_out["least"])]
    return Claim("security.likeliest_attack", case, values,
                 "; ".join(f"{k} {pct:.1f}% of {b}" for k, (pct, _, b) in found.items()), tuple(asserts))
