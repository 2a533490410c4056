"""The bulletin: HTML offline in Chromium (no errors, no outside requests, every map and table),
PDF text with the headline figures, pages that render to images, and the English edition."""
from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline.bulletin.render import project_copy

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
    assert ("Содержание" if lang == "ru" else "Contents") in text
    assert ("Таблица" if lang == "ru" else "Table") in text and ("Рисунок" if lang == "ru" else "Figure") in text
    assert "\\xa0" not in text


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_the_pdf_opens_on_a_cover_and_the_contents_follow(bulletin_dir, lang):
    """Page 1: title, number and period, publishers, where the data comes from; the warning on the
    data's origin and the key figures come after the contents, not as the first thing read."""
    from pypdf import PdfReader

    pages = [page.extract_text() for page in PdfReader(bulletin_dir / f"bulletin_{lang}.pdf").pages[:3]]
    cover = " ".join(pages[0].split())
    assert ("бюллетень №5" if lang == "ru" else "Bulletin No. 5") in cover
    assert ("Данные: реконструированы" if lang == "ru" else "Data: reconstructed") in cover
    assert ("LPRC" in cover) and ("Важно" if lang == "ru" else "Important") not in cover
    assert ("Содержание" if lang == "ru" else "Contents") in pages[1]
    assert ("Главное за период" if lang == "ru" else "Key findings") in pages[2]


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
    text = text.replace("100%", "")  # "several answers allowed, so the shares may add up to more than 100%": arithmetic
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


def test_the_bulletins_documents_run_no_code():
    """report/ is a plain Quarto project: its documents read the period's content (includes and
    metadata), and hold no code cell and no inline code expression."""
    for document in REPORT.rglob("*.qmd"):
        text = document.read_text(encoding="utf-8")
        assert not re.search(r"```\s*\{(python|r|julia|ojs)", text) and "`{python}" not in text, document


def test_every_claims_reference_names_a_figure_or_table_of_the_bulletin():
    labels = set(re.findall(r"\{#((?:fig|tbl)-[\w-]+)", "\n".join(p.read_text(encoding="utf-8") for p in REPORT.rglob("*.qmd"))))
    references = yaml.safe_load((REPORT / "references.yml").read_text(encoding="utf-8"))
    for claim, reference in references.items():
        assert set(re.findall(r"@((?:fig|tbl)-[\w-]+)", reference)) <= labels, (claim, reference)


def test_the_content_holds_each_editions_numbers_and_sentences(period_run):
    content = period_run.output_dir / "bulletin-data"
    ru = yaml.safe_load((content / "ru.yml").read_text(encoding="utf-8"))
    en = yaml.safe_load((content / "en.yml").read_text(encoding="utf-8"))
    assert (ru["hrd"]["respondents"], en["hrd"]["respondents"]) == ("131 респондент", "131 respondents")
    assert ru["claim"]["portrait"]["gender"] == "Женщин среди физических лиц — 54,4%, мужчин — 45,6%."
    assert en["claim"]["portrait"]["gender"] == "Of the individual defenders, 54.4% are women and 45.6% men."
    assert en["claim"]["incidents"]["volume"].endswith("(@fig-types).")  # report/references.yml
    assert "| Region | Previous |" not in ru["table"]["dynamics"] and "|" in ru["table"]["headlines"]
    for name in ("types", "map-risk"):
        assert 'role="img" aria-label="' in ru["figure"][name] and "fig-alt=" in ru["figure"][name]
        assert (content / "figures" / f"{name.removeprefix('map-')}_ru.js").is_file()


def quarto_render(project: Path, *args: str) -> subprocess.CompletedProcess:
    from pipeline.bulletin.render import find_quarto

    return subprocess.run([str(find_quarto()), "render", str(project), *args], capture_output=True, text=True, timeout=300)


def test_quarto_render_of_report_with_the_editions_profiles(period_run, tmp_path):
    """What README documents: `quarto render report/ --profile en,pdf` (and `en`: HTML, the default format), nothing else."""
    project = project_copy(period_run.output_dir / "bulletin-data", tmp_path / "report")
    for profile in ("en,pdf", "en"):
        done = quarto_render(project, "--profile", profile)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert (project / "bulletin_en.html").stat().st_size > 1_000_000 and (project / "bulletin_en.pdf").read_bytes()[:5] == b"%PDF-"
    assert not (project / "bulletin_ru.html").exists()


def test_hostile_text_of_period_yml_prints_as_text_and_runs_nothing(period_run, tmp_path):
    """A publisher's line holding an include shortcode, an env shortcode, a script and an image with
    an onerror handler: the HTML shows the characters, includes no file, runs no script."""
    from pipeline.bulletin.content import Edition
    from pipeline.data.periods import load_period

    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CONTENTS", encoding="utf-8")
    hostile = f"{{{{< include {secret} >}}}} {{{{< env HOME >}}}} <script>alert(1)</script> <img src=x onerror=alert(2)>"
    content = tmp_path / "content"
    shutil.copytree(period_run.output_dir / "bulletin-data", content)
    period = load_period("2015-08_2016-04", period_run.output_dir.parent.parent)
    period = dataclasses.replace(period, publishers={"ru": hostile, "en": hostile})
    editions = {lang: Edition(period, period_run.output_dir, lang, {}, {}) for lang in ("ru", "en")}
    from pipeline.bulletin.content import both

    (content / "text" / "back-page.md").write_text(both(editions["ru"].back_page(), editions["en"].back_page()), encoding="utf-8")
    project = project_copy(content, tmp_path / "report")
    done = quarto_render(project, "--profile", "en,html", "-M", "embed-resources:false")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    page = (project / "bulletin_en.html").read_text(encoding="utf-8")
    assert "SECRET-CONTENTS" not in page and os.environ.get("HOME", "/root") + " " not in page.split("Published by")[-1][:300]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page and "onerror=alert" not in page.replace("&lt;img src=x onerror=alert(2)&gt;", "")
    assert "{{&lt; include" in page
