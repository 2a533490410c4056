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
    assert set(SENTENCES["claims"]) == set(claims.CLAIMS)
    for name, cases in claims.CASES.items():
        assert set(SENTENCES["claims"][name]) == set(cases), name
        for case in cases:
            assert set(SENTENCES["claims"][name][case]) == {"ru", "en"}, (name, case)


def test_every_placeholder_names_a_noun_or_word_that_exists():
    for name, cases in SENTENCES["claims"].items():
        for langs in cases.values():
            for text in langs.values():
                for _, form in claims.PLACEHOLDER.findall(text):
                    assert not form or form.isdigit() or form in SENTENCES["nouns"] or form in SENTENCES["words"], (name, form)


# --- hand-made tables: patterns against bulletin No. 5 --------------------------------------------------
def shares(rows) -> pd.DataFrame:
    """rows: (group, item, answer, count, base)."""
    return pd.DataFrame(rows, columns=["group", "item", "answer", "count", "base"])


def security_shares(individuals_attacked: int, organizations_attacked: int, measures: int,
                    likely: dict[str, int] | None = None) -> dict[str, pd.DataFrame]:
    likely = likely or {"reputational": 12, "information": 10, "technical": 4, "physical": 6}
    rows = []
    for kind in security.ATTACKS:
        rows += [("individuals", f"attacks_{kind}", "at_least_one", individuals_attacked, 10),
                 ("organizations", f"attacks_{kind}", "at_least_one", organizations_attacked, 10)]
    for item in security.PROTECTION:
        rows += [("individuals", item, "no", 2, 10), ("organizations", item, "no", 8, 10)]
    rows += [("all", "law_enforcement_result", "measures_taken", measures, 10), ("all", "security_training_received", "no", 19, 20),
             ("individuals", "threats", "at_least_one", 1, 10), ("all", "coalition", "member", 15, 20),
             ("all", "coalition", "not_member", 5, 20), ("all", "coalition", "not_aware", 0, 20)]
    rows += [("all", f"likelihood_{kind}", "possible", count, 20) for kind, count in likely.items()]
    return {"survey_security_shares": shares(rows)}


def case_and_sentence(tables, name, lang="ru"):
    found = evaluate(tables)[name]
    return found.case, claims.sentence(found, lang)


def test_ngos_attacked_more_and_appeals_that_led_to_measures():
    tables = security_shares(individuals_attacked=1, organizations_attacked=6, measures=4)
    assert case_and_sentence(tables, "security.attacks_by_group")[0] == "organizations_every_kind"
    case, text = case_and_sentence(tables, "security.appeals_result")
    assert case == "some_with_measures" and text == (
        "Меры по защите, по ответам респондентов, были приняты по 40,0% обращений (4 из 10 обращений).")
    assert case_and_sentence(tables, "security.protection_access", "en") == (
        "organizations_lower", "NGOs rate their access to means of protection lower than individuals do.")
    assert case_and_sentence(tables, "security.training")[0] == "almost_all"
    assert case_and_sentence(tables, "security.threatened")[0] == "minority"
    assert case_and_sentence(tables, "security.coalition")[0] == "most_members"


def test_no_appeal_led_to_measures_only_when_none_did():
    assert case_and_sentence(security_shares(3, 1, 0), "security.appeals_result")[0] == "none_with_measures"
    assert case_and_sentence(security_shares(3, 1, 1), "security.appeals_result")[0] == "some_with_measures"


def test_lawyers_most_exposed_and_the_state_not_the_main_source():
    tables = {
        "incidents_by_hrd_category": pd.DataFrame({"hrd_category": ["lawyers", "journalists"], "name_ru": ["Адвокаты", "Журналисты"],
                                                   "name_en": ["Lawyers", "Journalists"], "violations": [30, 10],
                                                   "share_pct": [75.0, 25.0]}),
        "incidents_by_source": pd.DataFrame({"source": ["private_person", "police"], "name_ru": ["Частное лицо", "Полиция"],
                                             "name_en": ["Private person", "Police"], "state": [False, True],
                                             "violations": [30, 10]}),
    }
    assert case_and_sentence(tables, "incidents.most_exposed") == (
        "one_group", "Наиболее уязвимая группа — адвокаты: на них приходится 75,0% нарушений")
    case, text = case_and_sentence(tables, "incidents.state_main_source", "en")
    assert case == "state_not_main" and "the main source of threats is private person" in text and "25.0%" in text


def test_a_tie_for_the_most_exposed_names_both():
    table = pd.DataFrame({"hrd_category": ["a", "b", "c"], "name_ru": ["Адвокаты", "Журналисты", "Профсоюзы"],
                          "name_en": ["Lawyers", "Journalists", "Unions"], "violations": [10, 10, 5], "share_pct": [40.0, 40.0, 20.0]})
    case, text = case_and_sentence({"incidents_by_hrd_category": table}, "incidents.most_exposed")
    assert case == "tie" and "адвокаты и журналисты" in text


def test_physical_attack_likeliest_and_a_tie_named_as_one():
    case, text = case_and_sentence(security_shares(3, 1, 0, {"reputational": 2, "information": 4, "technical": 3, "physical": 9}),
                                   "security.likeliest_attack")
    assert case == "physical" and text == (
        "Чаще всего возможной считают физическую атаку (45,0%), реже всего — репутационную (10,0%).")
    case, text = case_and_sentence(security_shares(3, 1, 0, {"reputational": 9, "information": 9, "technical": 3, "physical": 5}),
                                   "security.likeliest_attack", "en")
    assert case == "tie" and "reputational and information" in text and "technical" in text


def test_attack_kinds_whose_shares_read_the_same_are_a_tie():
    """89 of 121 (73.55%) and 92 of 125 (73.60%) both read 73,6%: neither is called the likelier
    (found on a synthetic period)."""
    tables = security_shares(3, 1, 0)
    frame = tables["survey_security_shares"]
    for kind, count, base in (("reputational", 89, 121), ("information", 86, 123), ("technical", 92, 125), ("physical", 89, 127)):
        row = (frame["item"] == f"likelihood_{kind}") & (frame["group"] == "all")
        frame.loc[row, ["count", "base"]] = [count, base]
    case, text = case_and_sentence(tables, "security.likeliest_attack")
    assert case == "tie" and "репутационную и техническую атаки" in text and "(73,6%)" in text


def test_kinds_tied_as_least_likely_are_named_together_and_all_alike_is_said_so():
    likely = {"reputational": 9, "information": 2, "technical": 2, "physical": 5}
    case, text = case_and_sentence(security_shares(3, 1, 0, likely), "security.likeliest_attack")
    assert case == "reputational" and text.endswith("реже всего — в равной мере — информационную и техническую (10,0%).")
    case, text = case_and_sentence(security_shares(3, 1, 0, likely), "security.likeliest_attack", "en")
    assert text.endswith("information and technical ones equally least often (10.0%).")
    likely = {"reputational": 9, "information": 2, "technical": 3, "physical": 5}  # one least: its article agrees
    assert case_and_sentence(security_shares(3, 1, 0, likely), "security.likeliest_attack", "en")[1].endswith(
        "an information one least often (10.0%).")
    case, text = case_and_sentence(security_shares(3, 1, 0, dict.fromkeys(likely, 7)), "security.likeliest_attack")
    assert case == "all_equal" and text == "Все четыре вида атак респонденты считают возможными одинаково часто (35,0%)."


def threat_stats(individuals: float, organizations: float) -> dict[str, pd.DataFrame]:
    return {"survey_security_stats": pd.DataFrame({"item": ["threats"] * 2, "group": ["individuals", "organizations"],
                                                   "mean": [individuals, organizations]})}


def test_threats_per_person_compared_between_individuals_and_ngos():
    assert case_and_sentence(threat_stats(5.0, 5.0), "security.threats_by_group")[0] == "similar"
    assert case_and_sentence(threat_stats(2.0, 6.5), "security.threats_by_group")[0] == "organizations_more"
    case, text = case_and_sentence(threat_stats(7.25, 3.0), "security.threats_by_group")
    assert case == "individuals_more" and text == (
        "На одного пострадавшего среди физических лиц приходится больше угроз (7,3), чем среди НПО (3,0).")
    # nobody in a group threatened: no comparison is made
    assert case_and_sentence(threat_stats(4.0, float("nan")), "security.threats_by_group")[0] == "not_comparable"


def refusals(counts: dict[str, int]) -> dict[str, pd.DataFrame]:
    total = sum(counts.values())
    by_type = pd.DataFrame({"threat_type": ["information_refused"] * len(counts), "hrd_category": list(counts),
                            "violations": list(counts.values()),
                            "share_of_type_pct": [round(100 * n / total, 1) if total else 0.0 for n in counts.values()]})
    categories = pd.DataFrame({"hrd_category": ["journalists", "lawyers"], "name_ru": ["Журналисты", "Адвокаты"],
                               "name_en": ["Journalists", "Lawyers"], "violations": [20, 20], "share_pct": [50.0, 50.0]})
    return {"incidents_by_type_and_category": by_type[by_type["violations"] > 0], "incidents_by_hrd_category": categories}


def test_refusals_mostly_one_group_only_when_it_has_more_than_half():
    assert case_and_sentence(refusals({"lawyers": 8, "journalists": 2}), "incidents.refusals_mostly") == (
        "mostly_one_group", "Отказы в предоставлении информации касаются в основном одной группы (адвокаты): 80,0% отказов.")
    assert case_and_sentence(refusals({"lawyers": 5, "journalists": 5}), "incidents.refusals_mostly")[0] == "spread"
    assert case_and_sentence(refusals({"lawyers": 0}), "incidents.refusals_mostly")[0] == "none"


def coalition(members: int, not_members: int, unaware: int) -> dict[str, pd.DataFrame]:
    table = security_shares(3, 1, 0)["survey_security_shares"]
    table = table[table["item"] != "coalition"]
    rows = [("all", "coalition", answer, n, members + not_members + unaware)
            for answer, n in (("member", members), ("not_member", not_members), ("not_aware", unaware))]
    return {"survey_security_shares": pd.concat([table, shares(rows)], ignore_index=True)}


def test_coalition_sentence_carries_the_shares():
    text = case_and_sentence(security_shares(3, 1, 0), "security.coalition")[1]
    assert "(75,0%)" in text
    assert case_and_sentence(coalition(4, 12, 4), "security.coalition") == ("most_not_members_some_unaware", (
        "Большинство правозащитников не состоят в Коалиции по вопросам безопасности и защиты правозащитников: "
        "60,0% не являются её членами, а 20,0% о ней даже не знают"))
    assert case_and_sentence(coalition(10, 10, 0), "security.coalition")[0] == "half_members"


def test_risk_falling_and_its_reasons():
    national = pd.DataFrame({"wave": [1, 2], "threats": [3.5, 3.0], "vulnerability": [3.0, 3.0], "resources": [2.0, 2.6],
                             "security": [3.0, 3.0], "risk": [5.25, 3.46]})
    case, text = case_and_sentence({"dynamics_national": national}, "dynamics.direction")
    assert case == "risk_down" and text == "Уровень риска за период снизился (с 5,25 до 3,46): угрозы снизились, ресурсы повысились"
    regions = pd.DataFrame({"oblast": ["A", "B"], "oblast_ru": ["Альфа", "Бета"], "oblast_en": ["Alpha", "Beta"],
                            "threats": [2.0, 4.0], "vulnerability": [4.0, 2.0], "resources": [3.0, 3.0], "risk": [2.7, 2.6],
                            "security_level": ["high", "medium"], "risk_level": ["low", "low"]})
    assert case_and_sentence({"dynamics_regions": regions}, "dynamics.highest_risk_reason")[0] == "vulnerability"


def levels(security: list[str], risk: list[str]) -> dict[str, pd.DataFrame]:
    n = len(security)
    return {"dynamics_regions": pd.DataFrame({"oblast": list("ABCDE")[:n], "oblast_ru": list("АБВГД")[:n], "oblast_en": list("ABCDE")[:n],
                                              "threats": 3.0, "vulnerability": 3.0, "resources": 3.0, "risk": 3.0,
                                              "security_level": security, "risk_level": risk})}


def test_most_regions_level_needs_more_than_half_of_them():
    tables = levels(["low", "medium", "medium", "high"], ["medium", "medium", "medium", "low"])
    assert case_and_sentence(tables, "dynamics.security_levels")[0] == "mostly_low_or_medium"
    assert case_and_sentence(tables, "dynamics.risk_levels") == (
        "mostly_medium", "Риск в большинстве регионов средний (регионов с низким, средним и высоким риском: 1, 3 и 0)")
    tables = levels(["high", "high", "high", "low"], ["high", "high", "low", "low"])
    assert case_and_sentence(tables, "dynamics.security_levels")[0] == "mostly_high"
    assert case_and_sentence(tables, "dynamics.risk_levels")[0] == "no_majority"


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
    "against-bulletin-5": ["Все виды атак шире распространены среди правозащитников, работающих самостоятельно",
                           "меры по защите не были приняты ни по одному обращению",
                           "Наиболее уязвимая группа — журналисты", "Государство — главный источник угроз",
                           "Уровень риска за период повысился"],
    "quiet-period": ["Все виды атак шире распространены среди правозащитников, работающих самостоятельно",
                     "меры по защите не были приняты ни по одному обращению",
                     "Наиболее уязвимая группа — журналисты", "Освещаемость проблем правозащитников в СМИ низкая",
                     "Отказы в предоставлении информации касаются в основном",
                     "Соотношение исков самих правозащитников", "Материалы в основном событийные"],
}
# sentences of the other case that each scenario's texts must say
EXPECTED = {
    "against-bulletin-5": ["Все виды атак шире распространены среди НПО", "были приняты по"],
    "quiet-period": ["Одни виды атак чаще встречаются", "Об итогах обращений респонденты не сообщили"],
}


def _scenario_period(tmp_path_factory, scenario: str, seed: int):
    """A synthetic period of that scenario, its tables computed in this process."""
    from pipeline.data.periods import load_period
    from pipeline.data.synthetic import write_period
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
    assert found["security.attacks_by_group"].case == "organizations_every_kind"
    appeals = pd.concat([raw[g] for g in ("individuals", "organizations")])["law_enforcement_result"].dropna()
    assert (appeals == "measures_taken").sum() > 0 and found["security.appeals_result"].case == "some_with_measures"
    assert raw["violations"]["hrd_category"].value_counts().idxmax() == "lawyers_public_defenders"
    assert found["incidents.most_exposed"].values["group"]["ru"].startswith("адвокаты")
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
    assert found["security.attacks_by_group"].case == "mixed"
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
    from pipeline.outputs import maps, processed, render
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
               **maps.risk_maps(tables["dynamics_regions"], geo, period)}
    maps.save(folder, figures, static=False)  # the HTML edition draws the maps from their figures
    found = write_for_run(folder, folder)
    write_json_atomically(folder / "run.json", run_record(period, {"period": period.id}, [], folder,
                                                           dt.datetime.now(dt.timezone.utc)))
    scratch = fresh_scratch(period.data_root, period.id)
    try:
        written = render.render(period, folder, editions=[("ru", "html")], log=lambda m: None, scratch=scratch)
    finally:
        remove_scratch(scratch)
    html = written[0].read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", " ", html, flags=re.S)).split())
    used = set(re.findall(r'b\.claim\("([\w.]+)"\)', " ".join(p.read_text(encoding="utf-8")
                                                              for p in (REPO_ROOT / "report").rglob("*.qmd"))))
    assert len(used) > 15
    for name in used:
        assert claims.sentence(found[name], "ru") in text, name
    assert [s for s in EXPECTED[scenario] if s not in text] == []
    assert [s for s in CONTRADICTED[scenario] if s in text] == []


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
    summary = pd.DataFrame({"measure": ["cases_covered", "cases_logged", "cases_covered_serially", "materials",
                                        "analytical_materials"], "value": [covered, 12, 0, 20, 3]})
    found = evaluate({"media_summary": summary})["media.coverage"]
    assert found.case == case and claims.sentence(found, "ru").startswith(start)


def test_the_chart_of_threat_types_keeps_every_type_tied_at_its_cut():
    from pipeline.outputs import charts
    from pipeline.parts.incidents import TOP_TYPES

    counts = [50 - i for i in range(TOP_TYPES - 1)] + [10, 10, 10, 5]  # three tied at the 12th place
    by_type = pd.DataFrame({"threat_type": [f"t{i}" for i in range(len(counts))], "violations": counts,
                            "in_bulletin_matrix": False, "name_ru": [f"вид {i}" for i in range(len(counts))]})
    shown = evaluate({"incidents_by_type": by_type})["incidents.types_shown"]
    assert shown.case == "top" and shown.values == {"shown": TOP_TYPES + 2, "observed": len(counts)}
    from pipeline.data.periods import load_period

    figure = charts.ranked_bars(by_type, "name_ru", "violations", load_period("2015-08_2016-04"), "t", top=TOP_TYPES)
    assert len(figure.data[0].y) == TOP_TYPES + 2


@pytest.mark.parametrize("years,words", [(1, "1 года"), (21, "21 года"), (22, "22 лет"), (5, "5 лет"), (11, "11 лет")])
def test_years_after_not_less_than_are_in_the_genitive(years, words):
    found = claims.Claim("portrait.experience", "mostly_experienced", {"median": years}, "")
    assert f"не меньше {words} правозащитной" in claims.sentence(found, "ru")
