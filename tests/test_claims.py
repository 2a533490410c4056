"""Claims: the prose says what the period's data says. Every case of every claim has its sentence in
both languages; hand-made tables whose patterns go against bulletin No. 5 flip the claims; no
sentence of the bulletin or the notebooks asserts a claim as fixed text any more."""
from __future__ import annotations

import pandas as pd
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


def security_shares(individuals_attacked: int, organizations_attacked: int, measures: int) -> dict[str, pd.DataFrame]:
    rows = []
    for kind in security.ATTACKS:
        rows += [("individuals", f"attacks_{kind}", "at_least_one", individuals_attacked, 10),
                 ("organizations", f"attacks_{kind}", "at_least_one", organizations_attacked, 10)]
    for item in security.PROTECTION:
        rows += [("individuals", item, "no", 2, 10), ("organizations", item, "no", 8, 10)]
    rows += [("all", "law_enforcement_result", "measures_taken", measures, 10), ("all", "security_training_received", "no", 19, 20),
             ("individuals", "threats", "at_least_one", 1, 10), ("all", "coalition", "member", 15, 20),
             ("all", "coalition", "not_aware", 0, 20)]
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


def test_risk_falling_and_its_reasons():
    national = pd.DataFrame({"wave": [1, 2], "threats": [3.5, 3.0], "vulnerability": [3.0, 3.0], "resources": [2.0, 2.6],
                             "security": [3.0, 3.0], "risk": [5.25, 3.46]})
    case, text = case_and_sentence({"dynamics_national": national}, "dynamics.direction")
    assert case == "risk_down" and text == "Уровень риска за период снизился (с 5,25 до 3,46): угрозы снизились, ресурсы повысились"
    regions = pd.DataFrame({"oblast": ["A", "B"], "oblast_ru": ["Альфа", "Бета"], "oblast_en": ["Alpha", "Beta"],
                            "threats": [2.0, 4.0], "vulnerability": [4.0, 2.0], "resources": [3.0, 3.0], "risk": [2.7, 2.6]})
    assert case_and_sentence({"dynamics_regions": regions}, "dynamics.highest_risk_reason")[0] == "vulnerability"


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
