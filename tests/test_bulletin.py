"""The bulletin: HTML offline in Chromium (no errors, no outside requests, every map and table),
PDF text with the headline figures, pages that render to images, and the English edition."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline.outputs.report import Bulletin

REPORT = Path(__file__).resolve().parents[1] / "report"
PUBLISHED = REPORT.parent / "data" / "raw" / "2015-08_2016-04" / "published_figures.yml"
HEADLINES = {"respondents": "131", "cases": "391", "violations": "407", "media_materials": "175"}


@pytest.fixture(scope="module")
def bulletin_dir(period_run) -> Path:
    folder = period_run.output_dir / "bulletin"
    assert folder.is_dir(), "the run renders the bulletin as its last step"
    return folder


def test_the_run_leaves_html_and_pdf_in_both_languages(bulletin_dir, period_run):
    for lang in ("ru", "en"):
        assert (bulletin_dir / f"bulletin_{lang}.html").stat().st_size > 1_000_000  # plotly.js is inside
        assert (bulletin_dir / f"bulletin_{lang}.pdf").read_bytes()[:5] == b"%PDF-"
    record = json.loads((period_run.output_dir / "run.json").read_text(encoding="utf-8"))
    assert record["steps"][-1]["step"] == "bulletin"
    assert "bulletin/bulletin_ru.pdf" in record["outputs"]


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_pdf_text_has_the_headline_figures(bulletin_dir, lang):
    text = pdf_text(bulletin_dir / f"bulletin_{lang}.pdf")
    for figure, value in HEADLINES.items():
        assert value in text, figure
    heading = {"ru": "Мониторинг происшествий и судебных дел", "en": "Incidents and court cases"}[lang]
    assert heading in text
    assert ("Содержание" if lang == "ru" else "Table of contents") in text
    assert ("Таблица" if lang == "ru" else "Table") in text and ("Рисунок" if lang == "ru" else "Figure") in text
    assert "\\xa0" not in text


def test_pdf_uses_a_cyrillic_font_and_numbers_its_pages(bulletin_dir):
    from pypdf import PdfReader

    reader = PdfReader(bulletin_dir / "bulletin_ru.pdf")
    fonts = {f.get_object()["/BaseFont"] for page in reader.pages for f in page["/Resources"].get("/Font", {}).values()}
    assert any("DejaVu" in str(f) for f in fonts), fonts
    assert len(reader.pages) >= 8
    last_lines = [page.extract_text().strip().splitlines()[-1].strip() for page in reader.pages[1:6]]
    assert last_lines == [str(n) for n in range(2, 7)], last_lines


def test_pdf_pages_render_to_images(bulletin_dir, tmp_path):
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(bulletin_dir / "bulletin_ru.pdf")
    for index in range(len(pdf)):
        bitmap = pdf[index].render(scale=0.5).to_numpy()
        assert bitmap.size > 0 and bitmap.std() > 5, f"page {index + 1} is blank"
    pdf[2].render(scale=1).to_pil().save(tmp_path / "page3.png")
    assert (tmp_path / "page3.png").stat().st_size > 10_000


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_html_works_offline_with_every_map_and_table(bulletin_dir, period_run, browser, lang):
    context = browser.new_context(offline=True, viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors, outside = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    page.goto((bulletin_dir / f"bulletin_{lang}.html").as_uri(), wait_until="load")
    page.wait_for_function("document.querySelectorAll('.plotly-graph-div .main-svg').length > 0")
    categories = pd.read_csv(period_run.output_dir / "tables" / "incidents_by_hrd_category.csv")
    # respondents, violations, media, risk, security, threats, vulnerability, resources; one per affected category
    maps_in_report = 8 + int((categories["violations"] > 0).sum())
    charts_in_report = 5  # activity, protection, threat types, HRD categories, matrix
    assert page.locator(".plotly-graph-div").count() == maps_in_report + charts_in_report
    rendered = page.evaluate("[...document.querySelectorAll('.plotly-graph-div')].filter(d => d.querySelector('.main-svg')).length")
    assert rendered == maps_in_report + charts_in_report
    reconciliation = page.locator("#tbl-reconciliation table")
    assert reconciliation.count() == 1
    not_reproduced = page.locator("#tbl-not-reproduced table tbody tr")  # published_figures.yml, not_reproduced
    assert not_reproduced.count() == len(yaml.safe_load(PUBLISHED.read_text(encoding="utf-8"))["not_reproduced"])
    assert page.locator("table").count() >= 10
    assert errors == [] and outside == [], (errors, outside)
    text = page.inner_text("body")
    for value in HEADLINES.values():
        assert value in text
    assert ("реконструированы" if lang == "ru" else "reconstructed") in text
    assert "050009" in text and "www.lprc.kz" in text  # the back page, from period.yml
    context.close()


def prose_of(document: Path) -> str:
    """The text of a Quarto document a reader sees typed in: without code chunks, inline code,
    cross-reference labels, shortcodes, numbered-list markers and the years of cited sources
    ('(Wilson, 1927)', '(NCHS, 2017)')."""
    text = document.read_text(encoding="utf-8")
    text = re.sub(r"```\{python[^}]*\}.*?```", "", text, flags=re.S)
    text = re.sub(r"`\{python\}[^`]*`", "", text)
    text = re.sub(r"\{\{<[^>]*>\}\}|\{[#.][^}]*\}|@(fig|tbl|sec)-[\w-]+", "", text)
    text = re.sub(r"^\s*\d+\.\s", "", text, flags=re.M)
    text = re.sub(r"\(\w+, (19|20)\d\d\)", "", text)
    return text.replace("SHA-256", "")


def test_no_figure_is_typed_into_the_bulletins_prose():
    """Every number of the bulletin comes from the tables through the report's helpers; a digit in
    the prose itself would be a figure typed in, true of one period only."""
    typed = {str(p.relative_to(REPORT)): re.findall(r"[^\n]*\d[^\n]*", prose_of(p)) for p in sorted(REPORT.rglob("*.qmd"))}
    assert {name: lines for name, lines in typed.items() if lines} == {}


def test_the_scan_for_typed_figures_finds_one(tmp_path):
    document = tmp_path / "part.qmd"
    document.write_text("Всего `{python} b.num(131)` респондентов из 14 областей.\n\n1. первый пункт\n", encoding="utf-8")
    assert re.findall(r"\d+", prose_of(document)) == ["14"]


def test_numbers_in_the_prose_are_formatted_for_the_edition(period_run):
    ru = Bulletin.open("2015-08_2016-04", str(period_run.output_dir.parent.parent), str(period_run.output_dir), "ru", "html")
    en = Bulletin.open("2015-08_2016-04", str(period_run.output_dir.parent.parent), str(period_run.output_dir), "en", "pdf")
    assert (ru.num(27867), en.num(27867)) == ("27 867", "27,867")
    assert ru.claim("portrait.gender") == "Женщин среди физических лиц — 54,4%, мужчин — 45,6%."
    assert en.claim("portrait.gender") == "Of the individual defenders, 54.4% are women and 45.6% men."
    assert ru.division_units() == "14 областей и 2 города республиканского значения: Алматы, Астана"
