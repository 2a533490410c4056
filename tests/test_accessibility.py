"""The bulletin read by a screen reader and by readers with low vision or a colour-vision
deficiency (issue 25): axe-core (the npm package's axe.min.js, as axe-playwright-python ships it)
finds no violation in either HTML edition or the maps' own pages, at a desktop's and a phone's
width, with the figures exposed to its rules (role="img" and a label); the text inside figures,
which axe cannot measure in SVG, is checked here from the figures themselves against WCAG 2.1 AA;
the colours that tell groups apart stay apart under simulated protanopia, deuteranopia and
tritanopia. Each check is shown to fail on a page or colours made to break it."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.data.periods import load_period
from pipeline.outputs import charts, maps

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def axe_violations(browser, html: Path, width: int) -> list[str]:
    """axe-core's violations of WCAG 2.1 A/AA and its best practices on a page, as 'rule: element'."""
    import axe_playwright_python

    script = Path(axe_playwright_python.__file__).with_name("axe.min.js").read_text(encoding="utf-8")
    context = browser.new_context(offline=True, viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(html.as_uri(), wait_until="load")
        page.wait_for_timeout(300)  # the figures drawn
        page.add_script_tag(content=script)
        found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA)
        return [f"{v['id']}: {node['target']}" for v in found["violations"] for node in v["nodes"]]
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_axe_finds_nothing_in_the_editions_and_the_map_pages(period_run, browser, width):
    out = period_run.output_dir
    pages = [out / "bulletin" / "bulletin_ru.html", out / "bulletin" / "bulletin_en.html",
             out / "maps" / "risk_ru.html", out / "maps" / "violations_all_en.html"]
    for html in pages:
        assert axe_violations(browser, html, width) == [], html.name
    # the figures are exposed to axe's rules: an image with a text alternative, in the page's language
    text = pages[1].read_text(encoding="utf-8")
    assert text.count('role="img"') >= 19 and 'Most frequent threat types. Highest: ' in text


def test_axe_finds_a_figure_without_a_text_alternative_and_a_page_without_a_language(browser, tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<!doctype html><html><head><title>t</title></head><body><main><h1>Broken</h1>"
                    "<div role='img'></div><p style='color: #bbb'>pale text on white</p></main></body></html>",
                    encoding="utf-8")
    found = axe_violations(browser, page, 390)
    assert {v.partition(":")[0] for v in found} >= {"html-has-lang", "role-img-alt", "color-contrast"}


# --- text and shapes inside figures (SVG: axe leaves them for review) ---------------------------------------
def contrast(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio, computed here independently of pipeline.outputs.charts.contrast."""
    def luminance(colour: str) -> float:
        channels = np.array(_rgb(colour)) / 255
        linear = np.where(channels <= 0.03928, channels / 12.92, ((channels + 0.055) / 1.055) ** 2.4)
        return float(linear @ [0.2126, 0.7152, 0.0722])
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _rgb(colour: str) -> tuple[float, float, float]:
    if colour.startswith("#"):
        digits = colour[1:] if len(colour) == 7 else "".join(d * 2 for d in colour[1:4])  # '#222' is '#222222'
        return tuple(int(digits[i:i + 2], 16) for i in (0, 2, 4))
    inside = colour[colour.index("(") + 1:colour.index(")")]
    return tuple(float(v) for v in inside.split(",")[:3])


def map_problems(spec: dict, page: str = "#ffffff") -> list[str]:
    """Text on a map below 4.5:1 against what lies under it (a region's fill, a label's ground),
    and region borders below 3:1 against the page (WCAG 1.4.3 and 1.4.11)."""
    problems = []
    fills = {}
    for trace in spec["data"]:
        if trace.get("fill") == "toself":
            fills[trace["name"]] = trace["fillcolor"]
            if contrast(trace["line"]["color"], page) < 3:
                problems.append(f"border of {trace['name']}: {contrast(trace['line']['color'], page):.2f}:1")
    labels = next(t for t in spec["data"] if t.get("mode") == "text")
    units = [c for c in fills if c not in {"KZ-ALA", "KZ-AST", "KZ-SHY"}]  # the regions, in the labels' order
    for code, ink in zip(units, labels["textfont"]["color"]):
        if contrast(ink, fills[code]) < 4.5:
            problems.append(f"label of {code}: {contrast(ink, fills[code]):.2f}:1 on {fills[code]}")
    for note in spec["layout"].get("annotations", []):
        ground = note.get("bgcolor", page)
        ground = page if ground.startswith("rgba") and float(ground.rsplit(",", 1)[1].rstrip(")")) >= 0.8 else ground
        if contrast(note["font"]["color"], ground) < 4.5:
            problems.append(f"text {note['text'][:30]!r}: {contrast(note['font']['color'], ground):.2f}:1")
    return problems


@pytest.mark.parametrize("colorscale", ["Reds", "Blues", "Purples", "Oranges", "Greens"])
def test_map_text_and_borders_meet_wcag_aa_on_every_class_of_every_palette(colorscale):
    period = load_period("2015-08_2016-04")
    geo = maps.load_geography(period)
    values = pd.Series(np.linspace(0, 40, len(geo)), index=geo["code"])  # every shade of the scale
    spec = json.loads(maps.choropleth(values, geo, period, "t", "n", lang="en", colorscale=colorscale).to_json())
    assert map_problems(spec) == []


def test_the_matrix_counts_meet_wcag_aa_on_their_cells():
    from plotly.colors import sample_colorscale

    period = load_period("2015-08_2016-04")
    matrix = pd.DataFrame({"threat_type": ["a", "a", "b", "b"], "city_en": ["Almaty", "Aktau", "Almaty", "Aktau"],
                           "violations": [13, 6, 3, 9], "in_bulletin_matrix": True})
    types = pd.DataFrame({"threat_type": ["a", "b"], "matrix_order": [1, 2], "name_en": ["A", "B"]})
    spec = json.loads(charts.matrix_heatmap(matrix, types, period, "Matrix", lang="en").to_json())
    heat, counts = spec["data"]
    assert heat["zmin"] == 0 and heat["zmax"] == 13
    for text, ink in zip(counts["text"], counts["textfont"]["color"]):
        cell = sample_colorscale("Reds", [int(text) / 13])[0]
        assert contrast(ink, cell) >= 4.5, (text, ink, cell)


def test_the_map_check_finds_white_borders_and_pale_labels():
    spec = {"data": [{"fill": "toself", "name": "KZ-AKM", "fillcolor": "rgb(251,106,74)", "line": {"color": "#ffffff"}},
                     {"mode": "text", "textfont": {"color": ["#ffffff"]}}],
            "layout": {"annotations": [{"text": "source", "font": {"color": "#aaaaaa"}}]}}
    problems = map_problems(spec)
    assert len(problems) == 3 and problems[0].startswith("border of KZ-AKM: 1.00:1")
    assert problems[1].startswith("label of KZ-AKM: 2.89:1")


# --- colour-vision deficiencies ---------------------------------------------------------------------------
# Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation of color vision
# deficiency", IEEE TVCG 15(6): the matrices for severity 1.0, applied to linear RGB.
DEFICIENCIES = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}


def _linear(colour: str) -> np.ndarray:
    c = np.array(_rgb(colour)) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) of a linear-RGB colour."""
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ np.clip(linear, 0, 1)
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def closest_pair(colours: list[str], deficiency: str | None) -> float:
    """The smallest colour difference (CIE76 ΔE) between two of the colours, as seen with the
    deficiency (None: normal vision)."""
    seen = [_lab(np.array(DEFICIENCIES[deficiency]) @ _linear(c) if deficiency else _linear(c)) for c in colours]
    return min(float(np.linalg.norm(a - b)) for i, a in enumerate(seen) for b in seen[i + 1:])


@pytest.mark.parametrize("deficiency", [None, *DEFICIENCIES])
def test_the_groups_colours_stay_apart_under_every_common_deficiency(deficiency):
    """Individuals, NGOs and all respondents share one chart: their colours differ by ΔE 20 or
    more (clearly different at a glance) with normal vision and the three deficiencies."""
    assert closest_pair(list(charts.GROUP_COLOURS.values()), deficiency) >= 20


def test_the_simulation_finds_red_and_green_alike_to_a_protanope():
    red_green = ["#f46d43", "#66bd63"]  # ColorBrewer's RdYlGn ends
    assert closest_pair(red_green, None) > 60
    assert closest_pair(red_green, "protanopia") < 20 and closest_pair(red_green, "deuteranopia") < 20


# --- the PDF editions ------------------------------------------------------------------------------------
def pdf_ua_findings(pdf: Path) -> list[str]:
    """What `pdfua check` (PyPI: the machine-checkable subset of PDF/UA-1) finds, and the figures of
    the PDF's structure tree without a text alternative (/Alt)."""
    import shutil
    import subprocess
    import sys

    import pikepdf

    tool = shutil.which("pdfua", path=str(Path(sys.executable).parent)) or "pdfua"
    done = subprocess.run([tool, "check", str(pdf)], capture_output=True, text=True)
    found = [line.strip() for line in done.stdout.splitlines() if line.strip().startswith(("[ERROR", "[WARN", "[INFO"))]
    if done.returncode not in (0, 1, 2, 3):
        found.append(f"pdfua could not read {pdf.name}: {done.stdout[-200:]} {done.stderr[-200:]}")
    with pikepdf.open(pdf) as document:
        root = document.Root.get("/StructTreeRoot")
        if root is None:
            return [*found, "no structure tree: the PDF is not tagged"]
        stack, figures = [root], []
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Array):
                stack.extend(node)
            elif isinstance(node, pikepdf.Dictionary):
                if node.get("/S") == "/Figure":
                    figures.append(str(node.get("/Alt", "")))
                kids = node.get("/K")
                if kids is not None:
                    stack.append(kids)
        found += [f"figure {n} has no text alternative" for n, alt in enumerate(figures, 1) if not alt.strip()]
        if not figures:
            found.append("no figure in the structure tree")
    return found


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_the_pdfs_pass_the_pdf_ua_machine_check_and_every_figure_has_its_alternative(period_run, lang):
    import pikepdf

    pdf = period_run.output_dir / "bulletin" / f"bulletin_{lang}.pdf"
    assert pdf_ua_findings(pdf) == []
    with pikepdf.open(pdf) as document:
        assert str(document.Root.Lang) == ("ru-KZ" if lang == "ru" else "en-US")
        alts = []
        stack = [document.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Array):
                stack.extend(node)
            elif isinstance(node, pikepdf.Dictionary):
                alts += [str(node.Alt)] if node.get("/S") == "/Figure" and "/Alt" in node else []
                stack += [node.K] if "/K" in node else []
    # each figure described in the edition's language, from its data
    assert len(alts) >= 19
    highest = "Наибольшее значение" if lang == "ru" else "Highest"
    assert sum(highest in alt for alt in alts) >= 17, alts


def test_the_pdf_check_finds_an_untagged_pdf(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(300, 200)
    with open(tmp_path / "untagged.pdf", "wb") as out:
        writer.write(out)
    found = pdf_ua_findings(tmp_path / "untagged.pdf")
    assert "no structure tree: the PDF is not tagged" in found and any(f.startswith("[ERROR") for f in found)
