"""Text from the data or period.yml is data, never markup or code, in every output (issue 24): a
corpus of injection strings fed through every free-text field of period.yml, the editor's files and
a name of the reference data, one full run of the period (bulletin included), every published file
scanned. What must hold: no file's contents or environment value published, no live script,
handler or javascript: link in any HTML, the PDFs rendered with the text as text."""
from __future__ import annotations

import os
import re

import pytest
import yaml

from tests.conftest import PERIOD, copy_raw

pytestmark = pytest.mark.e2e

SECRET = "SECRET-3141-CONTENTS"
# Markup of every layer the text passes: Markdown and pandoc, Quarto's shortcodes, HTML, Typst, LaTeX
CORPUS = [
    "<script>alert('x1')</script>",
    "<img src=x onerror=alert('x2')>",
    '<iframe src="javascript:alert(\'x3\')"></iframe>',
    "[click](javascript:alert('x4'))",
    "{{< include SECRETFILE >}}",
    "{{< env HRD_TEST_SECRET >}}",
    "{{< pagebreak >}}",
    "@leading-citation and [@another]",
    "$x^2$ and $$y$$",
    "#set page(fill: red) #text(red)[typst]",
    "\\newpage \\input{/etc/passwd}",
    "<!-- a comment --> `code` **bold** ::: {.callout} :::",
]
# the corpus without braces: names of the reference data go into Quarto's metadata, where a brace
# is refused (pipeline/bulletin/content.py), so they carry every other kind of markup
NO_BRACES = [c for c in CORPUS if "{" not in c and "}" not in c]


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    from pipeline.run.engine import run_period

    base = tmp_path_factory.mktemp("hostile")
    secret = base / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    corpus = [c.replace("SECRETFILE", str(secret)) for c in CORPUS]
    root = copy_raw(base / "data")
    raw = root / "raw" / PERIOD
    meta = yaml.safe_load((raw / "period.yml").read_text(encoding="utf-8"))
    text = " ".join(corpus)
    for field in ("publishers", "acknowledgement", "contact"):
        meta[field] = {"ru": text, "en": text}
    (raw / "period.yml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    for path in (raw / "editorial").glob("*.md"):
        path.write_text("\n\n".join(corpus) + "\n", encoding="utf-8")
    threats = root / "raw" / "reference" / "threat_types.csv"
    lines = threats.read_text(encoding="utf-8").splitlines()
    named = " ".join(NO_BRACES).replace('"', "'")
    lines[1] = lines[1].replace('"Судебный процесс","Court proceedings"', f'"{named}","{named}"')
    threats.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.environ["HRD_TEST_SECRET"] = SECRET
    try:
        return run_period(PERIOD, root, progress=False)
    finally:
        del os.environ["HRD_TEST_SECRET"]


def published_html(out):
    return {p: p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*.html")}


def test_no_file_or_environment_value_is_published(hostile_run):
    out = hostile_run.output_dir
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".pdf", ".csv", ".json", ".yml", ".md", ".js", ".svg"):
            assert SECRET.encode() not in path.read_bytes(), path.relative_to(out)
    import pypdf

    for pdf in (out / "bulletin").glob("*.pdf"):
        text = "".join(page.extract_text() or "" for page in pypdf.PdfReader(pdf).pages)
        assert SECRET not in text, pdf.name


def test_no_live_script_handler_or_javascript_link_in_any_html(hostile_run):
    for path, html in published_html(hostile_run.output_dir).items():
        # plotly.js and Quarto's own scripts are there; the corpus's are not, as elements or attributes
        assert "<script>alert(" not in html, path
        assert not re.search(r"<img[^>]*\bonerror\s*=", html, re.I), path
        assert not re.search(r"<iframe[^>]*javascript:", html, re.I), path
        assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", html, re.I), path


def test_the_text_prints_as_written_in_both_formats(hostile_run):
    import pypdf

    bulletin = hostile_run.output_dir / "bulletin"
    page = (bulletin / "bulletin_en.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(" in page and "#set page(fill: red)" in page and "\\newpage" in page
    assert "{{&lt; pagebreak &gt;}}" in page or "{{< pagebreak >}}" in page.replace("&lt;", "<").replace("&gt;", ">")
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(bulletin / "bulletin_en.pdf").pages)
    assert "#set page(fill: red)" in text and "@leading-citation" in text and "<script>" in text
