"""The bulletin's content (pipeline/bulletin/content.py) on hand-made tables: lists of names that
still read when a period has fewer rows than bulletin No. 5, ties kept in rankings, words that agree
with their counts, the back page and the macro-regions from the period's own files, and text from
the data or period.yml that stays text in the metadata and includes Quarto reads."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from pipeline.bulletin.content import ContentFailed, Edition
from pipeline.data.periods import load_period

PERIOD = "2015-08_2016-04"


def bulletin(lang: str, tables: dict | None = None, claims: dict | None = None, **period_fields) -> Edition:
    period = dataclasses.replace(load_period(PERIOD), **period_fields)
    return Edition(period, period.processed_dir, lang, tables or {}, claims or {})


CITIES = pd.DataFrame({"city": ["a", "b", "c", "d", "e"], "name_ru": ["Алматы", "Астана", "Павлодар", "Актобе", "Тараз"],
                       "name_en": ["Almaty", "Astana", "Pavlodar", "Aktobe", "Taraz"], "violations": [90, 50, 50, 50, 3],
                       "rank": [1, 2, 2, 2, 5]})


def test_names_joined_with_counts():
    from pipeline.claims import listed

    assert listed(CITIES.head(3), count="violations")["ru"] == "Алматы (90), Астана (50) и Павлодар (50)"
    assert listed(CITIES.head(2))["en"] == "Almaty and Astana"
    assert listed(CITIES.head(0)) == {"ru": "", "en": ""}


def test_names_inside_a_sentence_keep_acronyms_and_names_with_commas_take_dashes():
    from pipeline.claims import listed

    rows = pd.DataFrame({"name_ru": ["Журналисты, журналистские коллективы и СМИ", "Адвокаты", "КНБ (органы)"],
                         "name_en": ["Journalists, editorial teams and media", "Lawyers", "National Security Committee (KNB)"],
                         "n": [27, 4, 2]})
    said = listed(rows, count="n", inside=True, dashes=True)
    assert said["ru"] == "журналисты, журналистские коллективы и СМИ — 27; адвокаты — 4; КНБ (органы) — 2"
    assert said["en"] == "journalists, editorial teams and media: 27; lawyers: 4; National Security Committee (KNB): 2"


def test_names_quoted_in_the_editions_quotation_marks():
    from pipeline.claims import listed

    assert listed(CITIES.head(2), count="violations", quoted=True)["ru"] == "«Алматы» (90) и «Астана» (50)"
    assert listed(CITIES.head(1), quoted=True)["en"] == '"Almaty"'
    assert listed(CITIES.head(1), quoted="ru") == {"ru": "«Алматы»", "en": "Almaty"}


def test_the_top_rows_keep_every_tie_and_never_a_zero():
    from pipeline.claims import top_rows

    top = top_rows(CITIES, "violations", 3, key="city")
    assert list(top["name_ru"]) == ["Алматы", "Астана", "Павлодар", "Актобе"]
    zeros = CITIES.assign(violations=[5, 0, 0, 0, 0])
    assert list(top_rows(zeros, "violations", 3, key="city")["city"]) == ["a"]
    assert list(top_rows(CITIES, "violations", 2, key="city", excluding=["a"], smallest=True)["city"]) == ["e", "b", "c", "d"]


@pytest.mark.parametrize("count,verb", [(1, "описан"), (21, "описан"), (391, "описан"), (2, "описано"), (11, "описано"),
                                        (175, "описано")])
def test_a_verb_before_a_count_agrees_with_it(count, verb):
    from pipeline.claims import fill

    assert fill({"cases": count}, "cases", "described", "ru", "form") == verb


def test_the_back_page_comes_from_period_yml_and_leaves_out_what_it_does_not_say():
    page = bulletin("ru").back_page()
    assert "Центр исследования правовой политики (LPRC)" in page and "| Республика Казахстан, г. Алматы" in page
    assert "info\\@lprc.kz" in bulletin("en").back_page()  # text from period.yml: its @ is no citation
    other = bulletin("en", publishers={"ru": "ОО «Пример»", "en": "NGO \"Example\""}, acknowledgement=None, contact=None)
    assert other.back_page().strip() == 'Published by NGO "Example".'
    assert "LPRC" not in other.back_page()


def test_macro_regions_from_the_division():
    assert bulletin("ru").macro_regions() == ("Регионы страны по традиции объединяют в 5 макрорегионов: "
                                              "Восточный, Западный, Северный, Южный и Центральный.")
    assert bulletin("en").macro_regions().startswith("The country's regions are traditionally grouped into 5 macro-regions: East")


def test_key_figures_show_the_headlines_and_the_most_frequent_answers_every_tie_named():
    from pipeline.outputs.claims import as_json, evaluate
    from pipeline.parts import overview, portrait
    from pipeline.parts.inputs import load_inputs

    headlines = overview.tables(load_inputs(overview, PERIOD))["period_headlines"]
    headlines["value"] = headlines["figure"].map({"respondents": 12, "cases": 1, "violations": 1001, "media_materials": 0}).fillna(
        headlines["value"]).astype("int64")
    shares = portrait.tables(load_inputs(portrait, PERIOD))["survey_portrait_shares"]
    gender = (shares["item"] == "gender") & (shares["group"] == "individuals")
    shares.loc[gender, ["count", "base"]] = [[6, 12], [6, 12]]  # women and men equally
    shares.loc[gender, "share_pct"] = 50.0
    education = (shares["item"] == "education") & (shares["group"] == "individuals")
    shares.loc[education, "base"] = 4  # too few for a most frequent answer
    shares.loc[education, "count"] = [4, 0, 0]
    tables = {"period_headlines": headlines, "survey_portrait_shares": shares}
    claims = as_json(evaluate(tables))
    counts, portrait_tiles = bulletin("ru", tables, claims).key_figure_tiles()
    assert counts == [("12", "Респонденты анкетирования"), ("1", "Случаи атак на правозащитников"),
                      ("1 001", "Нарушения прав"), ("0", "Медиа-материалы")]
    assert portrait_tiles[0] == ("50,0%", "Пол: женщина и мужчина — поровну")
    assert [label for _, label in portrait_tiles][1].startswith("Вид деятельности")  # no education tile
    block = bulletin("en", tables, claims).key_figures()
    assert "```{=typst}" in block and 'key-tile("50.0%", "Gender: female and male, equally")' in block
    assert '<span class="key-value">50.0%</span>' in block and 'when-format="html"' in block


def test_a_claim_is_worded_as_claims_yml_says_now_not_as_when_the_run_wrote_it(tmp_path, monkeypatch):
    import json

    from pipeline import claims
    from pipeline.outputs.claims import as_json, evaluate

    summary = pd.DataFrame({"measure": ["cases_covered", "cases_logged", "cases_covered_serially", "materials", "outlets", "cities",
                                        "analytical_materials", "tone_negative"], "value": [5, 12, 0, 10, 5, 2, 3, 0]})
    stored = as_json(evaluate({"media_summary": summary}))
    stored["media.mostly_events"]["ru"] = "Старая формулировка."
    (tmp_path / "claims.json").write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")
    wording = claims.SENTENCES.read_text(encoding="utf-8").replace(
        "Материалы в основном событийные", "Отредактировано: материалы в основном событийные")
    edited = tmp_path / "claims.yml"
    edited.write_text(wording, encoding="utf-8")
    monkeypatch.setattr(claims, "SENTENCES", edited)
    b = bulletin("ru", {"media_summary": summary}, stored)
    assert b.claim("media.mostly_events").startswith("Отредактировано: материалы в основном событийные")


def test_a_false_claim_stops_the_bulletin(tmp_path):
    """claims.json that the tables contradict (here: a period whose data changed after the run wrote
    it) is refused before any content is written, naming the claim."""
    import json

    from pipeline.bulletin import content
    from pipeline.outputs.claims import ClaimsUntrue, as_json, evaluate

    summary = pd.DataFrame({"measure": ["cases_covered", "cases_logged", "cases_covered_serially", "materials", "outlets", "cities",
                                        "analytical_materials", "tone_negative"], "value": [5, 12, 0, 10, 5, 2, 3, 0]})
    (tmp_path / "claims.json").write_text(json.dumps(as_json(evaluate({"media_summary": summary}))), encoding="utf-8")
    changed = summary.assign(value=[11, 12, 0, 10, 5, 2, 6, 0])
    (tmp_path / "tables").mkdir()
    changed.to_parquet(tmp_path / "tables" / "media_summary.parquet")
    with pytest.raises(ClaimsUntrue, match="claim media.coverage"):
        content.write(load_period(PERIOD), tmp_path, tmp_path / "bulletin-data")
    assert not (tmp_path / "bulletin-data").exists()


def test_the_boundaries_source_is_said_per_division_or_said_to_be_missing(tmp_path):
    assert bulletin("en").boundaries_source().startswith("Natural Earth admin-1 units (public domain)")
    own = bulletin("ru", data_root=tmp_path)  # a data root of one's own, without boundaries/sources.yml
    assert own.boundaries_source().startswith("источник не указан")


def test_a_broken_boundaries_source_file_is_named(tmp_path):
    (tmp_path / "raw" / "reference" / "boundaries").mkdir(parents=True)
    (tmp_path / "raw" / "reference" / "boundaries" / "sources.yml").write_text("bad: [", encoding="utf-8")
    with pytest.raises(ContentFailed, match="sources.yml: expected YAML"):
        bulletin("ru", data_root=tmp_path).boundaries_source()


def test_text_with_braces_never_reaches_the_metadata_quarto_reads_for_shortcodes():
    """Quarto reads metadata strings again for shortcodes after unescaping them: a title holding an
    include shortcode, escaped or not, is refused, naming the field; markup of the content's own
    (a raw block, a figure's attributes) has single braces and passes."""
    from pipeline.bulletin.content import check_metadata, title_block

    hostile = bulletin("ru", title_ru="Бюллетень {{< include ../../raw/x.csv >}}")
    with pytest.raises(ContentFailed, match="title"):
        check_metadata(title_block(hostile), "ru")
    with pytest.raises(ContentFailed, match="claim.media.x"):
        check_metadata({"claim": {"media": {"x": "Город \\{\\{< env HOME >\\}\\}."}}}, "ru")
    check_metadata({"figure": {"x": '::: {.content-visible when-format="html"}\n```{=html}\n<div></div>\n```\n:::'},
                    "title": "Бюллетень \\<script\\>"}, "ru")


def test_the_publishers_words_are_escaped_text_in_the_included_back_page():
    """period.yml's text goes in through an include, every markup character escaped: an include
    shortcode, raw HTML and a citation read as the text they are."""
    page = bulletin("en", publishers={"ru": "x", "en": "{{< include /etc/passwd >}} <script>alert(1)</script> @cite"},
                    acknowledgement=None, contact=None).back_page()
    assert "{{<" not in page and "<script>" not in page
    assert "\\{\\{\\< include /etc/passwd \\>\\}\\} \\<script\\>alert(1)\\</script\\> \\@cite" in page


def test_a_figures_text_alternative_names_every_tie_and_counts_the_zeros():
    from pipeline.outputs.describe import described

    bars = {"layout": {"title": {"text": "Threat types"}},
            "data": [{"type": "bar", "orientation": "h", "y": ["A", "B<br>long", "C", "D"], "x": [5, 5, 0, 0]}]}
    assert described(bars, "en") == "Threat types. Highest: A and B long (5); none: 2 of 4."
    shares = {"layout": {"title": {"text": "Доли"}}, "data": [{"type": "bar", "orientation": "h", "y": ["а", "б"], "x": [54.4, 45.6]}]}
    assert described(shares, "ru", unit="%") == "Доли. Наибольшее значение: а (54,4%); наименьшее: б (45,6%)."
    regions = {"layout": {"title": {"text": "Risk"}},
               "data": [{"type": "scatter", "fill": "toself", "name": code, "customdata": [[code, value]]}
                        for code, value in (("KZ-AST", 7.9), ("KZ-KAR", 1.2), ("KZ-MAN", None))]}
    assert described(regions, "en", {"KZ-AST": "Astana", "KZ-KAR": "Karaganda Region"}) == (
        "Risk. Highest: Astana (7.9); lowest: Karaganda Region (1.2).")  # a hidden region is not valued
    grid = {"layout": {"title": {"text": "Matrix"}}, "data": [{"type": "heatmap", "y": ["t1", "t2"], "x": ["Almaty", "Aktau"],
                                                               "z": [[3, 0], [1, 3]]}]}
    assert described(grid, "en") == "Matrix. Highest: t1, Almaty and t2, Aktau (3); none: 1 of 4."


def test_a_figures_text_alternative_reads_plotlys_typed_arrays():
    """plotly writes numbers as typed arrays (base64, with a grid's shape): a heat map's grid among them."""
    import numpy as np
    import plotly.graph_objects as go

    from pipeline.outputs.describe import described

    figure = go.Figure(go.Heatmap(z=np.array([[3, 0, 1], [1, 3, 0]]), x=["Almaty", "Aktau", "Taraz"], y=["t1", "t2"]))
    figure.update_layout(title={"text": "Matrix"})
    spec = figure.to_plotly_json()
    assert isinstance(spec["data"][0]["z"], dict) and "bdata" in spec["data"][0]["z"]  # what the content reads
    assert described(spec, "en") == "Matrix. Highest: t1, Almaty and t2, Aktau (3); none: 2 of 6."


def test_a_broken_or_mistyped_references_file_is_named(tmp_path):
    from pipeline.bulletin.content import claim_references

    path = tmp_path / "references.yml"
    path.write_text('incidents.volume: "@fig-types"\n', encoding="utf-8")
    assert claim_references({"incidents.volume"}, path) == {"incidents.volume": "@fig-types"}
    path.write_text('incidents.volum: "@fig-types"\n', encoding="utf-8")
    with pytest.raises(ContentFailed, match="references.yml: no claim named incidents.volum"):
        claim_references({"incidents.volume"}, path)
    path.write_text("incidents.volume: [\n", encoding="utf-8")
    with pytest.raises(ContentFailed, match="references.yml: expected YAML"):
        claim_references({"incidents.volume"}, path)


def test_a_figures_data_table_lists_every_value_and_says_why_a_region_is_blank():
    from pipeline.outputs.describe import data_table

    regions = {"layout": {"title": {"text": "Risk <b>map</b>"}},
               "data": [{"type": "scatter", "fill": "toself", "name": code, "customdata": [[code, value, name]],
                         "text": f"{name}: {shown}"}
                        for code, value, name, shown in (("KZ-AST", 7.9, "Astana", "7.9"), ("KZ-MAN", None, "Mangystau {x}",
                                                                                               "not shown: fewer than 3 assessed"))]}
    table = data_table(regions, "en")
    assert table.startswith('<details class="figure-data"><summary>Data of the figure: Risk map</summary>')
    assert '<th scope="row">Astana</th><td>7.9</td>' in table
    # the reason a region is blank, and the data's text escaped (no brace Quarto would read as a shortcode)
    assert '<th scope="row">Mangystau &#123;x&#125;</th><td>not shown: fewer than 3 assessed</td>' in table
    grid = {"layout": {"title": {"text": "Matrix"}}, "data": [{"type": "heatmap", "y": ["t1<br>long", "t2"], "x": ["Almaty", "Aktau"],
                                                               "z": [[3, 0], [1, 3]]}]}
    table = data_table(grid, "ru")
    assert '<th scope="col">Almaty</th><th scope="col">Aktau</th>' in table
    assert '<tr><th scope="row">t1 long</th><td>3</td><td>0</td></tr>' in table and "Данные рисунка: Matrix" in table


def test_the_key_findings_are_the_listed_claims_sentences_and_a_typo_is_named(tmp_path, monkeypatch):
    from pipeline.bulletin import content
    from pipeline.outputs.claims import as_json, evaluate

    summary = pd.DataFrame({"measure": ["cases_covered", "cases_logged", "cases_covered_serially", "materials", "outlets", "cities",
                                        "analytical_materials", "tone_negative"], "value": [5, 12, 0, 10, 5, 2, 3, 0]})
    found = as_json(evaluate({"media_summary": summary}))
    listed = tmp_path / "key-findings.yml"
    listed.write_text("- media.coverage\n- incidents.volume\n", encoding="utf-8")  # the second not claimed this period
    monkeypatch.setattr(content, "KEY_FINDINGS", listed)
    b = bulletin("en", {"media_summary": summary}, found)
    assert b.key_findings() == f"- {b.claim('media.coverage')}" and "5 of the log's 12 cases" in b.key_findings()
    listed.write_text("- media.coverag\n", encoding="utf-8")
    with pytest.raises(ContentFailed, match="key-findings.yml: media.coverag is not a claim"):
        b.key_findings()


def test_a_figures_phone_version_puts_labels_above_bars_and_fits_the_column():
    import plotly.graph_objects as go

    from pipeline.outputs import phone

    fig = go.Figure(go.Bar(y=["a label far too long to stand beside its bar on a phone's narrow screen", "b"], x=[40, 3],
                           orientation="h", text=["40", "3"], error_x={"array": [5, 1]}))
    fig.add_annotation(text="Source: " + "words " * 40, name="source", xref="paper", yref="paper", x=0, y=0)
    fig.update_layout(title={"text": "A title long enough to need two lines in a phone's column"}, width=820,
                      xaxis={"range": [0, 48]}, showlegend=False)
    version = phone.version(fig.to_plotly_json())
    layout = version["layout"]
    assert layout["dragmode"] is False and layout["xaxis"]["fixedrange"] and "width" not in layout
    labels = [a for a in layout["annotations"] if a.get("yref") == "y" and a.get("xanchor") == "left" and a.get("yanchor") == "bottom"]
    assert [a["text"].replace("<br>", " ") for a in labels] == ["a label far too long to stand beside its bar on a phone's narrow screen", "b"]
    assert all(len(line) * phone.CHAR * 12 <= phone.COLUMN for a in labels for line in a["text"].split("<br>"))
    # each bar under its label; each value past its whisker
    bar_y = version["traces"][0]["y"]
    assert bar_y[0] > labels[0]["y"] and labels[1]["y"] > bar_y[0]
    values = [a for a in layout["annotations"] if a.get("xref") == "x"]
    assert [(a["text"], a["x"]) for a in values] == [("40", 45.0), ("3", 4.0)]
    assert layout["xaxis"]["range"][1] >= 45 / 0.72
    source = next(a for a in layout["annotations"] if a.get("name") == "source")
    assert "<br>" in source["text"] and layout["height"] > layout["margin"]["t"] + layout["margin"]["b"]


def test_the_cover_says_who_publishes_where_the_data_comes_from_and_the_licence_only_when_given():
    b = bulletin("en", publishers={"ru": "ЛПРЦ", "en": "LPRC"}, licence={"ru": "CC BY 4.0", "en": "CC BY 4.0"}, data_origin="synthetic")
    html, pdf = b.imprint().split(':::\n\n::: {.content-visible unless-format="html"}')
    assert "LPRC. Data: synthetic (not real). Licence: CC BY 4.0. [Printable edition (PDF)](bulletin_en.pdf)" in html
    assert "#outline(depth: 2)" in pdf and pdf.index("Licence: CC BY 4.0.") < pdf.index("#pagebreak()")
    assert "Licence" not in bulletin("en").imprint()  # period.yml gives none: the cover says none


def test_a_differing_figure_printed_twice_is_one_row_saying_so():
    from pipeline.bulletin.content import reconciliation_differing

    rows = [("a.rank", "place of X", 4, 5, "disagrees", "X ranks 5"), ("b.rank", "place of X", 4, 5, "disagrees", "X ranks 5"),
            ("c.count", "count of Y", 7, 7, "agrees", ""), ("d.count", "count of Z", 3, 2, "disagrees", "Z is 2")]
    frame = pd.DataFrame(rows, columns=["figure", "title_en", "published", "recomputed", "status", "reason_en"])
    b = bulletin("en")
    b.__dict__["reconciliation"] = frame  # the run's reconciliation.csv, here by hand
    table = reconciliation_differing(b)
    assert table.count("place of X") == 1 and "place of X (2 places in the bulletin)" in table
    assert "count of Z" in table and "count of Y" not in table


def test_a_figure_is_titled_by_its_checked_finding_its_own_title_the_subtitle(tmp_path, monkeypatch):
    from pipeline.bulletin import content
    from pipeline.outputs.claims import as_json, evaluate

    summary = pd.DataFrame({"measure": ["cases_covered", "cases_logged", "cases_covered_serially", "materials", "outlets", "cities",
                                        "analytical_materials", "tone_negative"], "value": [5, 12, 0, 10, 5, 2, 3, 0]})
    found = as_json(evaluate({"media_summary": summary}))
    listed = tmp_path / "figure-findings.yml"
    listed.write_text("map-media: media.coverage\ntypes: incidents.volume\n", encoding="utf-8")
    monkeypatch.setattr(content, "FIGURE_FINDINGS", listed)
    b = bulletin("en", {"media_summary": summary}, found)
    finding = b.finding("map-media")
    assert "5 of the log's 12 cases" in finding and b.finding("types") is None and b.finding("activity") is None
    figures = content.Figures(tmp_path, {}, b.period)
    spec = figures.titled({"layout": {"title": {"text": "Media materials by region"}, "height": 500, "margin": {"t": 60}}}, finding)
    assert spec["layout"]["title"]["subtitle"]["text"] == "Media materials by region"
    assert spec["layout"]["title"]["text"].replace("<br>", " ") == finding
    assert spec["layout"]["height"] - 500 == spec["layout"]["margin"]["t"] - 60 > 0  # the plot keeps its height
    listed.write_text("types: incidents.volum\n", encoding="utf-8")
    with pytest.raises(ContentFailed, match="figure-findings.yml: incidents.volum is not a claim"):
        b.finding("types")


def test_the_pdfs_appendix_gives_each_figures_values_under_what_it_shows(tmp_path):
    from pipeline.bulletin import content

    b = bulletin("en")
    figures = content.Figures(tmp_path, {"en": {}}, b.period)
    figures.shown["en"] = [("Risk by region", [("Astana", "7.9"), ("Mangystau | west", "not shown: fewer than 3 assessed")])]
    appendix = figures.data_appendix(b)
    assert appendix.startswith("**Risk by region**\n\n| Item")
    assert "| Astana" in appendix and "Mangystau \\| west" in appendix  # the data's text escaped, a pipe too


def test_the_cover_says_the_day_of_publication_period_yml_gives_and_a_wrong_day_is_named(data_root):
    import datetime as dt

    from pipeline.data.errors import InputError

    b = bulletin("ru", published=dt.date(2016, 6, 1))
    assert "Опубликовано 1 июня 2016." in b.imprint() and "Published" not in bulletin("en").imprint()
    assert "Published 1 June 2016." in bulletin("en", published=dt.date(2016, 6, 1)).imprint()
    path = data_root / "raw" / PERIOD / "period.yml"
    path.write_text(path.read_text(encoding="utf-8") + "published: 2016-13-01\n", encoding="utf-8")
    with pytest.raises(InputError, match="published"):
        load_period(PERIOD, data_root)
    path.write_text(path.read_text(encoding="utf-8").replace("published: 2016-13-01", "published: 2016-06-01"), encoding="utf-8")
    assert load_period(PERIOD, data_root).published == dt.date(2016, 6, 1)
