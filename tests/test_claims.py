"""Claims: the prose says what the period's data says. Every case of every claim has its sentence in
both languages; hand-made tables whose patterns go against bulletin No. 5 flip the claims; no
sentence of the bulletin or the notebooks asserts a claim as fixed text any more."""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
import yaml

from pipeline import claims
from pipeline.outputs.claims import evaluate
from pipeline.parts import security
from pipeline.paths import REPO_ROOT

SENTENCES = yaml.safe_load(claims.SENTENCES.read_text(encoding="utf-8"))


def test_every_case_of_every_claim_has_its_sentence_in_both_languages_and_nothing_else():
    """A case's sentence is the claim's own, or for a share in words (band:) the `bands` sentence
    with the claim's subject and verb: every field it asks for is there, in both languages."""
    assert set(SENTENCES["claims"]) == set(claims.CLAIMS)
    for name, cases in claims.CASES.items():
        entry = SENTENCES["claims"][name]
        own = set(entry) - {"band"}
        assert own <= set(cases), name
        if "band" in entry:
            assert set(cases) == set(SENTENCES["bands"]) | own, name
            for lang in ("ru", "en"):
                for case in SENTENCES["bands"]:
                    assert set(claims.FIELD.findall(SENTENCES["bands"][case][lang])) <= set(entry["band"][lang]), (name, case, lang)
        else:
            assert own == set(cases), name
        for case in cases:
            for lang in ("ru", "en"):
                assert isinstance(claims.template(name, case, lang), str), (name, case, lang)


def test_every_placeholder_names_a_noun_or_word_that_exists():
    texts = [(name, text) for name, cases in SENTENCES["claims"].items() for case, langs in cases.items() if case != "band"
             for text in langs.values()] + [("bands", text) for langs in SENTENCES["bands"].values() for text in langs.values()]
    for name, text in texts:
        for _, form, of in claims.PLACEHOLDER.findall(text):
            assert not form or form.isdigit() or form == "share" or form in SENTENCES["nouns"] or form in SENTENCES["words"], (name, form)
            assert not of or of == "form" or (form == "share" and of in SENTENCES["nouns"]), (name, form, of)


# --- hand-made tables: patterns against bulletin No. 5 --------------------------------------------------
@pytest.fixture(scope="module")
def no5_security():
    """Part II's shares and stats of bulletin No. 5's period: every item there, to change a few of."""
    from pipeline.parts.inputs import load_inputs

    return security.tables(load_inputs(security, "2015-08_2016-04"))


def with_shares(tables: dict, changes: dict) -> dict:
    """The tables with some shares set: {(group, item, answer): (count, base)}; the share, its
    interval and the base of the item's other answers follow."""
    from pipeline import evidence

    out = {name: table.copy() for name, table in tables.items()}
    shares = out["survey_security_shares"]
    for (group, item, answer), (count, base) in changes.items():
        rows = (shares["group"] == group) & (shares["item"] == item)
        shares.loc[rows, "base"] = base
        shares.loc[rows & (shares["answer"] == answer), "count"] = count
    shares["count"] = shares[["count", "base"]].min(axis=1)
    shares["share_pct"] = [100 * c / b if b else float("nan") for c, b in zip(shares["count"], shares["base"])]
    intervals = [evidence.wilson(c, b) for c, b in zip(shares["count"], shares["base"])]
    shares["ci_low_pct"], shares["ci_high_pct"] = [i[0] for i in intervals], [i[1] for i in intervals]
    return out


def case_and_sentence(tables, name, lang="ru"):
    found = evaluate(tables)[name]
    return found.case, claims.sentence(found, lang)


def checked(tables) -> dict:
    """Every claim of the tables, after the truth check (pipeline.checker) found none false."""
    from pipeline import checker
    from pipeline.outputs.claims import as_json

    rows = as_json(evaluate(tables))
    assert checker.check(rows, tables) == []
    return rows


def attacks(individuals: int, organizations: int, base: int = 40) -> dict:
    return {("individuals", f"attacks_{k}", "at_least_one"): (individuals, base) for k in security.ATTACKS} | {
        ("organizations", f"attacks_{k}", "at_least_one"): (organizations, base) for k in security.ATTACKS}


def test_ngos_attacked_more_only_where_a_test_says_so(no5_security):
    tables = with_shares(no5_security, attacks(individuals=4, organizations=30))
    rows = checked(tables)
    assert rows["security.attacks_by_group"]["case"] == "organizations"
    assert rows["security.attacks_by_group"]["ru"] == (
        "Информационные, репутационные, физические и технические атаки чаще встречаются среди НПО, "
        "чем среди правозащитников, работающих самостоятельно.")
    close = with_shares(no5_security, attacks(individuals=18, organizations=22))
    assert checked(close)["security.attacks_by_group"]["case"] == "no_clear_difference"


def test_75_against_25_percent_on_a_few_ngos_is_not_put_into_words_as_a_difference(no5_security):
    """The issue's test: 3 of 4 individuals and 1 of 4 NGOs lack a means of protection (75 % against
    25 %), and 2 NGOs: bases under evidence.MIN_BASE are not compared at all (the sentence says so),
    and the shares of such bases are given as counts, not words."""
    four = {(g, item, "no"): (n, 4) for item in security.PROTECTION for g, n in (("individuals", 3), ("organizations", 1))}
    rows = checked(with_shares(no5_security, four))
    assert rows["security.protection_access"]["case"] == "not_comparable"
    assert "fewer than 10 answers" in rows["security.protection_access"]["en"]
    two = {(g, item, "no"): (n, b) for item in security.PROTECTION for g, n, b in (("individuals", 6, 8), ("organizations", 0, 2))}
    rows = checked(with_shares(no5_security, two | {("organizations", "has_security_protocol", "no"): (1, 2)}))
    assert rows["security.protection_access"]["case"] == "not_comparable"
    assert rows["security.protocol_organizations"]["case"] == "small_base"
    assert rows["security.protocol_organizations"]["ru"].startswith("Нет протокола безопасности (НПО): 1 из 2 ответов;")
    many = {(g, "has_office_alarm", "no"): (n, 80) for g, n in (("individuals", 60), ("organizations", 20))}
    rows = checked(with_shares(no5_security, many))
    assert rows["security.protection_access"]["case"] in ("individuals_rest", "both_rest")
    assert "сигнализации в офисе" in rows["security.protection_access"]["ru"]


def test_appeals_are_counted_with_the_pending_ones_never_as_none_taken(no5_security):
    pending = {("all", "law_enforcement_result", "pending"): (1, 1), ("all", "law_enforcement_result", "measures_taken"): (0, 1),
               ("all", "law_enforcement_result", "no_measures"): (0, 1)}
    rows = checked(with_shares(no5_security, pending))
    assert rows["security.appeals_result"]["ru"] == (
        "Итог обращений, по ответам респондентов: меры по защите приняты — 0, не приняты — 0, ответа ещё нет — 1.")
    assert "ни по одному" not in rows["security.appeals_result"]["ru"]


@pytest.mark.parametrize("count, base, case, start", [
    (20, 20, "all", "Все ответившие правозащитники (100,0%)"), (19, 20, "almost_all", "Почти все правозащитники (95,0%)"),
    (10, 20, "half", "Ровно половина правозащитников (50,0%) не проходила"), (11, 20, "about_half", "Около половины"),
    (13, 20, "most", "Большинство правозащитников (65,0%)"), (0, 20, "none", "Все ответившие правозащитники проходили"),
    (3, 7, "small_base", "Не проходили тренинги по безопасности: 3 из 7 ответов;"), (0, 0, "no_base", "Не проходили тренинги по безопасности: ответов нет.")])
def test_a_share_in_words_never_stronger_than_its_numbers(no5_security, count, base, case, start):
    """'most' is more than half and never all; exactly half is 'half'; under 10 answers, counts."""
    rows = checked(with_shares(no5_security, {("all", "security_training_received", "no"): (count, base)}))
    assert rows["security.training"]["case"] == case and rows["security.training"]["ru"].startswith(start)


def test_likeliest_attack_named_only_when_it_stands_apart_and_ties_named_together(no5_security):
    likely = {("all", f"likelihood_{k}", "possible"): (n, 100) for k, n in
              {"reputational": 90, "information": 40, "technical": 38, "physical": 10}.items()}
    rows = checked(with_shares(no5_security, likely))
    assert rows["security.likeliest_attack"]["case"] == "top_and_least"
    assert rows["security.likeliest_attack"]["ru"] == (
        "Чаще всего возможной считают репутационную атаку (90,0%), реже всего — физическую атаку (10,0%).")
    tied = {("all", f"likelihood_{k}", "possible"): (n, 100) for k, n in
            {"reputational": 90, "information": 90, "technical": 38, "physical": 37}.items()}
    rows = checked(with_shares(no5_security, tied))
    assert rows["security.likeliest_attack"]["case"] == "top_only"
    assert "информационную и репутационную атаки (90,0%)" in rows["security.likeliest_attack"]["ru"]
    assert "information and reputational attacks (90.0%)" in rows["security.likeliest_attack"]["en"]
    alike = {("all", f"likelihood_{k}", "possible"): (50, 100) for k in security.LIKELIHOOD}
    assert checked(with_shares(no5_security, alike))["security.likeliest_attack"]["case"] == "all_equal"
    small = {("all", f"likelihood_{k}", "possible"): (n, 8) for k, n in zip(security.LIKELIHOOD, (8, 1, 1, 1))}
    assert checked(with_shares(no5_security, small))["security.likeliest_attack"]["case"] == "small_base"


def test_threats_per_person_compared_by_a_test(no5_security):
    stats = no5_security["survey_security_stats"].copy()
    rows = stats["item"] == "threats"

    def set_group(group, mean, sd, n):
        stats.loc[rows & (stats["group"] == group), ["mean", "sd", "n"]] = [mean, sd, n]

    set_group("individuals", 7.25, 1.0, 40)
    set_group("organizations", 3.0, 1.0, 30)
    tables = {**no5_security, "survey_security_stats": stats}
    assert checked(tables)["security.threats_by_group"]["ru"] == (
        "На одного пострадавшего среди физических лиц приходится больше угроз (7,3), чем среди НПО (3,0).")
    set_group("organizations", 6.5, 4.0, 12)
    assert checked({**no5_security, "survey_security_stats": stats})["security.threats_by_group"]["case"] == "no_clear_difference"
    set_group("organizations", 1.0, 0.0, 2)  # two NGOs with one threat each: too few for a mean to compare
    assert checked({**no5_security, "survey_security_stats": stats})["security.threats_by_group"]["case"] == "not_comparable"
    set_group("organizations", float("nan"), float("nan"), 0)
    assert checked({**no5_security, "survey_security_stats": stats})["security.threats_by_group"]["case"] == "not_comparable"


def incidents_tables(categories: dict[str, int], sources: dict[str, tuple[bool, int]]) -> dict:
    total = sum(categories.values())
    return {
        "incidents_by_hrd_category": pd.DataFrame({"hrd_category": list(categories), "name_ru": [c.title() for c in categories],
                                                   "name_en": [c.title() for c in categories], "violations": list(categories.values()),
                                                   "share_pct": [100 * n / total if total else 0.0 for n in categories.values()]}),
        "incidents_by_source": pd.DataFrame({"source": list(sources), "name_ru": ["КНБ (органы)", "Акимат", "Бизнес"][:len(sources)],
                                             "name_en": ["National Security Committee (KNB)", "Akimat", "Business"][:len(sources)],
                                             "state": [s for s, _ in sources.values()], "violations": [n for _, n in sources.values()]}),
    }


def test_the_most_exposed_names_every_tied_group_and_none_without_violations():
    rows = checked(incidents_tables({"lawyers": 10, "journalists": 10, "unions": 5}, {"knb": (True, 5), "akimat": (True, 0)}))
    assert rows["incidents.most_exposed"]["case"] == "tie" and "journalists и lawyers" in rows["incidents.most_exposed"]["ru"]
    rows = checked(incidents_tables({"lawyers": 0, "journalists": 0}, {"knb": (True, 0)}))
    assert rows["incidents.most_exposed"]["case"] == "none" and rows["incidents.sources"]["ru"] == ""


def test_sources_never_rank_zeros_and_keep_acronyms_and_proper_names():
    rows = checked(incidents_tables({"lawyers": 5}, {"knb": (True, 5), "akimat": (True, 0), "business": (False, 0)}))
    assert rows["incidents.sources"]["case"] == "one"
    assert rows["incidents.sources"]["ru"] == "Все нарушения исходят от одного источника угроз: КНБ (органы) — 5."
    assert "National Security Committee (KNB): 5" in rows["incidents.sources"]["en"]
    assert rows["incidents.state_main_source"]["case"] == "state_all"


def test_the_state_is_the_main_source_only_for_more_than_half():
    half = checked(incidents_tables({"lawyers": 10}, {"knb": (True, 5), "akimat": (False, 0), "business": (False, 5)}))
    assert half["incidents.state_main_source"]["case"] == "state_half"
    # the two sources with any violation: listed, never called "the most frequent"
    assert half["incidents.sources"]["ru"] == "Источники угроз в записях периода: бизнес — 5; КНБ (органы) — 5."


def levels(security_levels: list[str], risk: list[str]) -> dict[str, pd.DataFrame]:
    n = len(security_levels)
    return {"dynamics_regions": pd.DataFrame({"oblast": list("ABCDE")[:n], "oblast_ru": list("АБВГД")[:n], "oblast_en": list("ABCDE")[:n],
                                              "threats": 3.0, "vulnerability": 3.0, "resources": 3.0,
                                              "risk": [3.0 + i / 10 for i in range(n)],
                                              "security_level": security_levels, "risk_level": risk})}


def test_most_regions_means_more_than_half_and_all_is_said_as_all():
    tables = levels(["low", "medium", "medium", "high"], ["medium", "medium", "medium", "low"])
    rows = checked(tables)
    assert rows["dynamics.security_levels"]["case"] == "most_low_or_medium"
    assert rows["dynamics.risk_levels"]["ru"] == "Риск в большинстве регионов средний (регионов с низким, средним и высоким риском: 1, 3 и 0)."
    rows = checked(levels(["high", "high", "high", "low"], ["high", "high", "low", "low"]))
    assert (rows["dynamics.security_levels"]["case"], rows["dynamics.risk_levels"]["case"]) == ("most_high", "no_majority")
    rows = checked(levels(["high", "high"], ["medium", "medium"]))  # two regions: 'all', never 'most'
    assert rows["dynamics.risk_levels"]["ru"] == "Риск во всех регионах с оценками (2) средний."


def test_the_lowest_risk_never_names_the_highest_and_ties_at_the_top_are_named_together():
    rows = checked(levels(["low", "low"], ["low", "low"]))  # two regions: the other is not "the lowest", only lower
    assert rows["dynamics.highest_risk"]["case"] == "one" and rows["dynamics.lowest_risk"]["case"] == "none"
    assert rows["dynamics.highest_risk"]["ru"] == "Самый высокий риск — в регионе «Б» (3,1)."
    four = levels(["low"] * 4, ["low"] * 4)
    four["dynamics_regions"]["risk"] = [3.6, 3.5, 1.2, 1.0]  # the lowest are two, never three of four
    assert checked(four)["dynamics.lowest_risk"]["ru"] == "Самый низкий риск — в регионах «Г» (1,0) и «В» (1,2)."
    tied = levels(["low"] * 4, ["low"] * 4)
    tied["dynamics_regions"]["risk"] = [4.0, 4.0, 2.0, 1.0]
    rows = checked(tied)
    assert rows["dynamics.highest_risk"]["case"] == "tie" and rows["dynamics.highest_risk_reason"]["ru"] == ""
    assert rows["dynamics.lowest_risk"]["ru"] == "Самый низкий риск — в регионе «Г» (1,0)."
    tied["dynamics_regions"]["risk"] = 2.0
    rows = checked(tied)
    assert rows["dynamics.lowest_risk"]["case"] == "none"


def test_no_claim_of_the_list_is_fixed_text_any_more():
    """The sentences of issue 13's list, typed into the bulletin or the notebooks, are gone."""
    fixed = ["Низкие оценки доступности", "Все виды атак шире", "ни по одному обращению", "Наиболее уязвимая группа — журналисты",
             "18 видов угроз", "12 самых частых", "больше всего поддержки — на сайтах", "Государство — главный источник",
             "по одному на каждую из 14 областей", "Большинство правозащитников не состоят", "Все обращения",
             "Journalists are the most exposed", "Every kind of attack", "no appeal led", "The state is the main source",
             "Individuals rate their access", "most supportive on the websites", "Абсолютное большинство", "Практически все",
             "Около половины правозащитников", "Факты угроз шире", "Все респонденты — опытные", "обоих полов"]
    import nbformat

    texts = {p.name: p.read_text(encoding="utf-8") for p in (REPO_ROOT / "report").rglob("*.qmd")}
    for notebook in (REPO_ROOT / "notebooks").glob("*.ipynb"):  # the cells as written, not their outputs
        texts[notebook.name] = "\n".join(c.source for c in nbformat.read(notebook, as_version=4).cells)
    found = {(name, phrase) for name, text in texts.items() for phrase in fixed if phrase in text}
    assert found == set()


# --- periods whose patterns go against bulletin No. 5: their bulletin and notebooks say so --------------------
# No. 5's sentences that each synthetic scenario's data contradicts: none may appear in its texts
CONTRADICTED = {
    "against-bulletin-5": ["чаще встречаются среди правозащитников, работающих самостоятельно, чем среди НПО",
                           "меры по защите приняты — 0", "Наиболее уязвимая группа — журналисты",
                           "Государство — главный источник угроз", "Уровень риска за период повысился"],
    "quiet-period": ["чаще встречаются среди правозащитников, работающих самостоятельно, чем среди НПО",
                     "Наиболее уязвимая группа — журналисты", "Освещаемость проблем правозащитников в СМИ низкая",
                     "Отказы в предоставлении информации касаются в основном",
                     "Соотношение исков самих правозащитников", "Материалы в основном событийные"],
}
# sentences of the other case that each scenario's texts must say
EXPECTED = {
    "against-bulletin-5": ["атаки чаще встречаются среди НПО, чем среди правозащитников", "Итог обращений, по ответам респондентов"],
    "quiet-period": ["информационные — среди НПО", "Об итогах обращений респонденты не сообщили"],
}


def _scenario_period(tmp_path_factory, scenario: str, seed: int):
    """A synthetic period of that scenario, its tables computed in this process."""
    from pipeline.data.periods import load_period
    from pipeline.intake.synthetic import write_period
    from pipeline.parts import dynamics, incidents, media, overview, portrait
    from pipeline.parts.inputs import load_inputs
    from tests.conftest import copy_reference

    root = copy_reference(tmp_path_factory.mktemp(scenario) / "data")
    write_period(root, "2030-01_2030-09", seed=seed, scenario=scenario)
    period = load_period("2030-01_2030-09", root)
    tables = {}
    for part in (overview, portrait, security, incidents, media, dynamics):
        tables.update(part.tables(load_inputs(part, period)))
    return scenario, period, tables


@pytest.fixture(scope="module")
def against_no5(tmp_path_factory):
    """NGOs attacked more, appeals with measures, lawyers most exposed, private persons the main source, risk falling."""
    return _scenario_period(tmp_path_factory, "against-bulletin-5", seed=4)


@pytest.fixture(scope="module")
def quiet(tmp_path_factory):
    """No appeals, refusals or lawsuits; activists most exposed; the akimat first; most cases in the media."""
    return _scenario_period(tmp_path_factory, "quiet-period", seed=7)


@pytest.fixture(params=["against_no5", "quiet"])
def scenario_period(request):
    return request.getfixturevalue(request.param)


def test_the_claims_of_a_period_against_bulletin_5_are_true_of_its_own_data(against_no5):
    _, period, tables = against_no5
    from pipeline.data.io import load_raw, load_reference

    raw = load_raw(period)
    found = evaluate(tables)
    # worked out from the raw rows, not from the claims' code
    for kind in security.ATTACKS:
        attacked = {g: (raw[g][f"attacks_{kind}"] > 0).mean() for g in ("individuals", "organizations")}
        assert attacked["organizations"] > attacked["individuals"], kind
    assert found["security.attacks_by_group"].case == "organizations"
    assert found["security.attacks_by_group"].values["organizations"]["en"] == "information, reputational, physical and technical"
    appeals = pd.concat([raw[g] for g in ("individuals", "organizations")])["law_enforcement_result"].dropna()
    assert (appeals == "measures_taken").sum() == found["security.appeals_result"].values["measures"] > 0
    assert raw["violations"]["hrd_category"].value_counts().idxmax() == "lawyers_public_defenders"
    assert found["incidents.most_exposed"].values["group"]["ru"].startswith("адвокаты")
    from pipeline import checker
    from pipeline.outputs.claims import as_json

    assert checker.check(as_json(found), tables) == []
    state = set(load_reference(period, "threat_sources").query("state == 'yes'")["id"])
    assert raw["violations"]["source"].isin(state).mean() < 0.5 and found["incidents.state_main_source"].case == "state_not_main"
    national = tables["dynamics_national"]
    assert national["risk"].iloc[-1] < national["risk"].iloc[0] and found["dynamics.direction"].case == "risk_down"


def test_the_claims_of_a_quiet_period_are_true_of_its_own_data(quiet):
    _, period, tables = quiet
    from pipeline.data.io import load_raw, load_reference

    raw = load_raw(period)
    found = evaluate(tables)
    # worked out from the raw rows, not from the claims' code
    more_among = {kind: (raw["organizations"][f"attacks_{kind}"] > 0).mean() > (raw["individuals"][f"attacks_{kind}"] > 0).mean()
                  for kind in security.ATTACKS}
    assert more_among["information"] and not any(v for k, v in more_among.items() if k != "information")
    assert found["security.attacks_by_group"].case == "both"
    assert found["security.attacks_by_group"].values["organizations"]["en"] == "information"
    surveyed = pd.concat([raw[g] for g in ("individuals", "organizations")])
    assert (surveyed["law_enforcement_appeal"] == "yes").sum() == 0 and found["security.appeals_result"].case == "no_appeals"
    violations = raw["violations"]
    assert violations["hrd_category"].value_counts().idxmax() == "activists_public_figures"
    assert found["incidents.most_exposed"].values["group"]["ru"].lower().startswith("общественные деятели")
    assert (violations["threat_type"] == "information_refused").sum() == 0 and found["incidents.refusals_mostly"].case == "none"
    assert (violations["court_role"] == "plaintiff_against_state").sum() == 0
    assert found["incidents.proceedings_to_lawsuits"].case == "no_lawsuits"
    state = set(load_reference(period, "threat_sources").query("state == 'yes'")["id"])
    assert violations["source"].value_counts().idxmax() == "akimat"
    assert violations["source"].isin(state).mean() > 0.5 and found["incidents.state_main_source"].case == "state_main"
    covered = raw["material_cases"]["case_id"].nunique() / len(raw["cases"])
    assert found["media.coverage"].case == ("all_covered" if covered == 1 else "majority_covered" if covered > 0.5 else "?")
    assert (raw["materials"]["genre"].isin(["analysis", "multimedia"])).mean() > 0.5
    assert found["media.mostly_events"].case == "analysis"
    national = tables["dynamics_national"]
    assert national["threats"].iloc[-1] < national["threats"].iloc[0] and national["risk"].iloc[-1] > national["risk"].iloc[0]
    assert found["dynamics.direction"].case == "risk_up"
    from pipeline import checker
    from pipeline.outputs.claims import as_json

    assert checker.check(as_json(found), tables) == []


def test_its_notebooks_say_what_its_data_says(scenario_period):
    """The notebooks' claim cells, executed on that period (exploring: nothing is written)."""
    import ast

    import nbformat

    scenario, period, tables = scenario_period
    said = []
    for notebook in sorted((REPO_ROOT / "notebooks").glob("0[0-4]_*.ipynb")):
        cells = [c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
        namespace = {"__name__": "__claims_test__"}
        exec(cells[0], namespace)
        namespace.update(period=period.id, data_root=str(period.data_root), output_dir=None)
        for source in cells[1:]:
            body = ast.parse(source).body
            if "claims.show(" in source and isinstance(body[-1], ast.Expr):
                exec(compile(ast.Module(body=body[:-1], type_ignores=[]), notebook.name, "exec"), namespace)
                said.append(eval(compile(ast.Expression(body[-1].value), notebook.name, "eval"), namespace).data)
            else:
                exec(compile(source, notebook.name, "exec"), namespace)
    text = " ".join(said)
    assert [s for s in EXPECTED[scenario] if s not in text] == []
    assert [s for s in CONTRADICTED[scenario] if s in text] == []


@pytest.mark.e2e
def test_its_bulletin_says_what_its_data_says(scenario_period, tmp_path):
    """The Russian bulletin of that period, rendered: every claim's sentence for this period is in
    it, none of No. 5's that the data contradicts."""
    from pipeline.bulletin import content, render
    from pipeline.bulletin.content import Edition
    from pipeline.outputs import maps, processed
    from pipeline.outputs.claims import write_for_run
    from pipeline.parts import incidents
    from pipeline.parts.inputs import load_inputs
    from pipeline.run.engine import run_record
    from pipeline.run.scratch import fresh_scratch, remove_scratch
    from pipeline.run.steps import write_json_atomically

    scenario, period, tables = scenario_period
    folder = tmp_path / "run"
    processed.save_tables(folder, tables)
    geo = maps.load_geography(period)
    categories = load_inputs(incidents, period).reference["hrd_categories"]
    figures = {**maps.respondents_maps(tables["survey_respondents_by_oblast"], geo, period),
               **maps.violations_maps(tables["incidents_by_oblast"], categories, geo, period),
               **maps.media_maps(tables["media_by_oblast"], geo, period),
               **maps.risk_maps(tables["dynamics_regions"], geo, period, tables["dynamics_units"])}
    maps.save(folder, figures)
    found = write_for_run(folder, folder)
    write_json_atomically(folder / "run.json", run_record(period, {"period": period.id}, [], folder,
                                                           dt.datetime.now(dt.timezone.utc)))
    scratch = fresh_scratch(period.data_root, period.id)
    try:
        content.write(period, folder, folder / "bulletin-data")
        written = render.render(period, folder, editions=[("ru", "html")], log=lambda m: None, scratch=scratch)
    finally:
        remove_scratch(scratch)
    html = written[0].read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", " ", html, flags=re.S)).split())
    used = set(re.findall(r"\{\{< meta claim\.([a-z]+\.[a-z_]+) >\}\}", (REPO_ROOT / "report" / "bulletin.qmd").read_text(encoding="utf-8")))
    tiles = set(Edition.KEY_PORTRAIT)  # the key figures' most frequent answers, shown as tiles
    assert len(used) > 50 and used == set(found) - tiles  # every other claim is in the text
    for name in used:
        said = claims.sentence(found[name], "ru")
        assert " ".join(said.split()) .rstrip(".") in text, name
    assert [s for s in EXPECTED[scenario] if s not in text] == []
    assert [s for s in CONTRADICTED[scenario] if s in text] == []
    # the editor's sections: a marked box, never bulletin No. 5's words
    assert text.count("Текст редактора отсутствует") == 3
    assert "упаднические настроения" not in text and "Сетевое взаимодействие" not in text and "людей, живущих с ВИЧ" not in text


def test_no_group_is_the_most_exposed_in_a_period_without_violations():
    zero = pd.DataFrame({"hrd_category": ["journalists_media", "lawyers_public_defenders"], "violations": [0, 0],
                         "share_pct": [0.0, 0.0], "name_ru": ["Журналисты", "Адвокаты"], "name_en": ["Journalists", "Lawyers"]})
    found = evaluate({"incidents_by_hrd_category": zero})["incidents.most_exposed"]
    assert found.case == "none" and claims.sentence(found, "ru").startswith("Нарушений прав правозащитников")


@pytest.mark.parametrize("covered, case, start", [(0, "none_covered", "Ни один из 12 случаев"),
                                                  (5, "minority_covered", "Освещаемость"),
                                                  (11, "majority_covered", "Большая часть случаев журнала попала в СМИ: 11 из 12"),
                                                  (12, "all_covered", "Все случаи журнала попали в СМИ: 12 из 12")])
def test_the_media_coverage_sentence_follows_the_share_of_cases_covered(covered, case, start):
    summary = pd.DataFrame({"measure": ["cases_covered", "cases_logged", "cases_covered_serially", "materials", "outlets", "cities",
                                        "analytical_materials", "tone_negative"], "value": [covered, 12, 0, 20, 5, 2, 3, 0]})
    rows = checked({"media_summary": summary})
    assert rows["media.coverage"]["case"] == case and rows["media.coverage"]["ru"].startswith(start)


def test_the_chart_of_threat_types_keeps_every_type_tied_at_its_cut():
    from pipeline.outputs import charts
    from pipeline.parts.incidents import TOP_TYPES

    counts = [50 - i for i in range(TOP_TYPES - 1)] + [10, 10, 10, 5]  # three tied at the 12th place
    by_type = pd.DataFrame({"threat_type": [f"t{i}" for i in range(len(counts))], "violations": counts,
                            "in_bulletin_matrix": False, "name_ru": [f"вид {i}" for i in range(len(counts))],
                            "name_en": [f"type {i}" for i in range(len(counts))]})
    checked({"incidents_by_type": by_type})
    shown = evaluate({"incidents_by_type": by_type})["incidents.types_shown"]
    assert shown.case == "top" and shown.values == {"shown": TOP_TYPES + 2, "observed": len(counts)}
    from pipeline.data.periods import load_period

    figure = charts.ranked_bars(by_type, "name_ru", "violations", load_period("2015-08_2016-04"), "t", top=TOP_TYPES)
    assert len(figure.data[0].y) == TOP_TYPES + 2


@pytest.mark.parametrize("years,words", [(1, "1 года"), (21, "21 года"), (22, "22 лет"), (5, "5 лет"), (11, "11 лет")])
def test_years_after_not_less_than_are_in_the_genitive(years, words):
    found = claims.Claim("portrait.experience", "stated", {"median": years, "mean": 9.5, "min": 1, "max": years}, "")
    assert f"не меньше {words} правозащитной" in claims.sentence(found, "ru")
    assert claims.sentence(found, "ru").endswith(f"(от 1 до {words}).")


def test_a_placeholder_the_claim_does_not_give_is_named_in_claims_yml(monkeypatch):
    """A typo in a sentence ({shar_pct}) is said where it is: claims.yml, the claim, its case."""
    sentences = {**claims._sentences(), "claims": {"demo.typo": {"some": {"ru": "Доля {shar_pct}.", "en": "A share of {shar_pct}."}}}}
    monkeypatch.setattr(claims, "_sentences", lambda: sentences)
    with pytest.raises(ValueError) as error:
        claims.sentence(claims.Claim("demo.typo", "some", {"share_pct": 54.4}, basis=""), "en")
    assert str(error.value) == (f"{claims.SENTENCES}: claim demo.typo, case some, en: the sentence names {{shar_pct}}, "
                                "which the claim does not give; it gives share_pct")
