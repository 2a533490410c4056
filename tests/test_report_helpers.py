"""The bulletin's helpers (pipeline/outputs/report.py) on hand-made tables: lists of names that
still read when a period has fewer rows than bulletin No. 5, ties kept in rankings, words that agree
with their counts, the back page and the macro-regions from the period's own files."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from pipeline.data.periods import load_period
from pipeline.outputs.report import Bulletin

PERIOD = "2015-08_2016-04"


def bulletin(lang: str, tables: dict | None = None, **period_fields) -> Bulletin:
    period = dataclasses.replace(load_period(PERIOD), **period_fields)
    return Bulletin(period=period, folder=period.processed_dir, lang=lang, fmt="html", tables=tables or {})


CITIES = pd.DataFrame({"city": ["a", "b", "c", "d", "e"], "name_ru": ["Алматы", "Астана", "Павлодар", "Актобе", "Тараз"],
                       "name_en": ["Almaty", "Astana", "Pavlodar", "Aktobe", "Taraz"], "violations": [90, 50, 50, 50, 3],
                       "rank": [1, 2, 2, 2, 5]})


def test_names_joined_with_counts_and_nothing_for_no_rows():
    b = bulletin("ru")
    assert b.names(CITIES.head(3), "violations") == "Алматы (90), Астана (50) и Павлодар (50)"
    assert bulletin("en").names(CITIES.head(2)) == "Almaty and Astana"
    assert b.names(CITIES.head(0)) == "—" and b.names(CITIES.head(0), empty="нет таких") == "нет таких"


def test_names_inside_a_sentence_keep_acronyms_and_names_with_commas_take_dashes():
    rows = pd.DataFrame({"name_ru": ["Журналисты, журналистские коллективы и СМИ", "Адвокаты"],
                         "name_en": ["Journalists, editorial teams and media", "Lawyers"], "n": [27, 4]})
    assert bulletin("ru").names(rows, "n", lower=True, dashes=True) == "журналисты, журналистские коллективы и СМИ — 27; адвокаты — 4"
    assert bulletin("en").names(rows, "n", lower=True, dashes=True) == "journalists, editorial teams and media: 27; lawyers: 4"


def test_names_quoted_in_the_editions_quotation_marks():
    assert bulletin("ru").names(CITIES.head(2), "violations", lower=True, quoted=True) == "«алматы» (90) и «астана» (50)"
    assert bulletin("en").names(CITIES.head(1), quoted=True) == '"Almaty"'


def test_top_ranked_keeps_every_tie():
    top, rest = bulletin("ru", {"incidents_by_city": CITIES}).top_ranked("incidents_by_city", 3)
    assert list(top["name_ru"]) == ["Алматы", "Актобе", "Астана", "Павлодар"] and list(rest["name_ru"]) == ["Тараз"]


@pytest.mark.parametrize("count,verb", [(1, "описан"), (21, "описан"), (391, "описан"), (2, "описано"), (11, "описано"),
                                        (175, "описано")])
def test_a_verb_before_a_count_agrees_with_it(count, verb):
    assert bulletin("ru").agreeing(count, "described") == verb


def test_the_back_page_comes_from_period_yml_and_leaves_out_what_it_does_not_say():
    page = bulletin("ru").back_page()
    assert "Центр исследования правовой политики (LPRC)" in page and "| Республика Казахстан, г. Алматы" in page
    assert "info@lprc.kz" in bulletin("en").back_page()
    other = bulletin("en", publishers={"ru": "ОО «Пример»", "en": "NGO \"Example\""}, acknowledgement=None, contact=None)
    assert other.back_page().strip() == 'Published by NGO "Example".'
    assert "LPRC" not in other.back_page()


def test_macro_regions_from_the_division():
    assert bulletin("ru").macro_regions() == ("Регионы страны по традиции объединяют в 5 макрорегионов: "
                                              "Восточный, Западный, Северный, Южный и Центральный.")
    assert bulletin("en").macro_regions().startswith("The country's regions are traditionally grouped into 5 macro-regions: East")


def test_key_figures_show_the_headlines_and_the_most_frequent_answers_whatever_they_are(capsys):
    headlines = pd.DataFrame({"figure": ["respondents", "cases", "violations", "media_materials"], "value": [12, 1, 1001, 0],
                              "label_ru": ["Респонденты", "Случаи", "Нарушения", "Материалы"],
                              "label_en": ["Respondents", "Cases", "Violations", "Materials"]})
    shares = pd.DataFrame({"item": ["gender", "gender", "education"], "group": ["individuals"] * 3,
                           "answer": ["female", "male", "higher"], "count": [3, 9, 0], "base": [12, 12, 0],
                           "item_ru": ["Пол", "Пол", "Образование"], "item_en": ["Gender", "Gender", "Education"],
                           "answer_ru": ["женщина", "мужчина", "высшее"], "answer_en": ["female", "male", "higher"]})
    tables = {"period_headlines": headlines, "survey_portrait_shares": shares}
    tiles = bulletin("ru", tables).key_figure_tiles()
    assert tiles == [("12", "Респонденты"), ("1", "Случаи"), ("1 001", "Нарушения"), ("0", "Материалы"),
                     ("75,0%", "Пол: мужчина")]  # men the most frequent here; no base, no education tile
    b = dataclasses.replace(bulletin("en", tables), fmt="pdf")
    b.key_figures()
    typst = capsys.readouterr().out
    assert "```{=typst}" in typst and 'key-tile("75.0%", "Gender: male")' in typst


def test_a_claim_is_worded_as_claims_yml_says_now_not_as_when_the_run_wrote_it(tmp_path, monkeypatch):
    import json

    from pipeline import claims

    stored = {"media.mostly_events": {"name": "media.mostly_events", "case": "events", "basis": "",
                                      "values": {"analytical": 3, "materials": 10}, "ru": "старая формулировка",
                                      "en": "old wording"}}
    (tmp_path / "claims.json").write_text(json.dumps(stored), encoding="utf-8")
    wording = claims.SENTENCES.read_text(encoding="utf-8").replace(
        "Материалы в основном событийные", "Отредактировано: материалы в основном событийные")
    edited = tmp_path / "claims.yml"
    edited.write_text(wording, encoding="utf-8")
    monkeypatch.setattr(claims, "SENTENCES", edited)
    b = dataclasses.replace(bulletin("ru"), folder=tmp_path)
    assert b.claim("media.mostly_events").startswith("Отредактировано: материалы в основном событийные")
