"""The bulletin as a reader sees it (issue 14): in a headless browser at a desktop's and a phone's
width the page is no wider than the window, no table hides columns behind a sideways scroll, and
no label, title or source line of a figure lies outside its figure; in the PDF no two letters overlap (table headings running into each other, a
caption over the page number) and no text is set below 7 pt. The checks themselves are shown to
fail on a page and a PDF made to break them."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

# every text element plotly draws in a figure: axis tick labels and titles, the figure's title,
# annotations (the source line), legend entries, text beside bars and on maps
OUTSIDE_ITS_FIGURE = """() => {
  const found = [];
  const selector = '.xtick text, .ytick text, .g-gtitle text, .g-xtitle text, .g-ytitle text, ' +
                   '.annotation-text, .legendtext, .textpoint text, .bartext';
  for (const div of document.querySelectorAll('.plotly-graph-div')) {
    const svg = div.querySelector('.main-svg');
    if (!svg) continue;
    const frame = svg.getBoundingClientRect();
    for (const text of div.querySelectorAll(selector)) {
      const box = text.getBoundingClientRect();
      if (box.width === 0 || !text.textContent.trim()) continue;
      if (box.left < frame.left - 1 || box.right > frame.right + 1 || box.top < frame.top - 1 || box.bottom > frame.bottom + 1)
        found.push(`${div.id}: "${text.textContent.trim().slice(0, 40)}"`);
    }
  }
  return found;
}"""


# every figure fits its column (no sideways scroll inside the page either) and leaves a swipe to
# the page: no drag, no zoom
FIGURE_FITS = """() => {
  const found = [];
  for (const div of document.querySelectorAll('.plotly-graph-div')) {
    const svg = div.querySelector('.main-svg');
    if (!svg) { found.push(`${div.id}: not drawn`); continue; }
    // the text column: the page's main element (Quarto's), else the body
    const column = (div.closest('main') || document.body).getBoundingClientRect(), drawn = svg.getBoundingClientRect();
    if (drawn.left < column.left - 1 || drawn.right > column.right + 1)
      found.push(`${div.id}: ${Math.round(drawn.width)} px wide in a ${Math.round(column.width)} px column`);
    for (let up = div.parentElement; up && up !== document.body; up = up.parentElement)
      if (up.scrollWidth > up.clientWidth + 1 && getComputedStyle(up).overflowX !== 'visible') {
        found.push(`${div.id}: scrolls sideways in its frame`); break;
      }
    // category labels (axis tick labels) never run into each other; slanted ones are left out (the
    // boxes of slanted words overlap where the words do not)
    const ticks = [...div.querySelectorAll('.ytick text, .xtick text')].map(t => [t, t.getBoundingClientRect()])
      .filter(([t, b]) => b.width > 0 && t.textContent.trim() && !(t.getAttribute('transform') || '').includes('rotate'));
    for (let i = 0; i < ticks.length; i++)
      for (let j = i + 1; j < ticks.length; j++) {
        const [a, p] = ticks[i], [b, q] = ticks[j];
        if (Math.min(p.right, q.right) - Math.max(p.left, q.left) > 2 && Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top) > 2)
          found.push(`${div.id}: labels "${a.textContent.slice(0, 30)}" and "${b.textContent.slice(0, 30)}" overlap`);
      }
    const layout = div._fullLayout || {}, context = div._context || {};
    if (layout.dragmode !== false || context.scrollZoom !== false || !layout.xaxis.fixedrange || !layout.yaxis.fixedrange)
      found.push(`${div.id}: a swipe drags or zooms it`);
  }
  return found;
}"""


def page_problems(browser, html: Path, width: int) -> tuple[int, list[str]]:
    """How many pixels the document is wider than a window of that width, the figure texts that
    lie outside their figure, the figures wider than their column or that a swipe would drag or
    zoom, and the tables that hide columns behind a sideways scroll."""
    context = browser.new_context(offline=True, viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(html.as_uri(), wait_until="load")
        page.wait_for_function("document.querySelectorAll('.plotly-graph-div .main-svg').length > 0")
        wider = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        tables = page.evaluate("[...document.querySelectorAll('table')].filter(t => t.scrollWidth > t.clientWidth + 1)"
                               ".map(t => `${(t.closest('[id^=tbl-]') || {}).id || 'a table'} needs sideways scrolling`)")
        return wider, page.evaluate(OUTSIDE_ITS_FIGURE) + page.evaluate(FIGURE_FITS) + tables
    finally:
        context.close()


def pdf_problems(pdf: Path, smallest: float = 7.0) -> list[str]:
    """Letters set below `smallest` pt, and letters that overlap another by more than a quarter of
    the smaller one's box, page by page (pdfplumber)."""
    import pdfplumber

    problems = []
    with pdfplumber.open(pdf) as document:
        for number, page in enumerate(document.pages, start=1):
            chars = [c for c in page.chars if c["text"].strip()]
            small = "".join(c["text"] for c in chars if c["size"] < smallest - 0.05)
            if small:
                problems.append(f"page {number}: below {smallest:g} pt: {small[:60]!r}")
            for first, second in _overlapping(chars):
                problems.append(f"page {number}: {first['text']!r} and {second['text']!r} overlap at "
                                f"({first['x0']:.0f}, {first['top']:.0f})")
    return problems


def _overlapping(chars: list[dict], share: float = 0.25):
    """Pairs of letters, not next to each other in the text, whose boxes overlap by more than `share`
    of the smaller box (a 10 pt grid keeps this linear)."""
    grid = defaultdict(list)
    for index, c in enumerate(chars):
        for gx in range(int(c["x0"] // 10), int(c["x1"] // 10) + 1):
            for gy in range(int(c["top"] // 10), int(c["bottom"] // 10) + 1):
                grid[gx, gy].append(index)
    seen = set()
    for members in grid.values():
        for a, i in enumerate(members):
            for j in members[a + 1:]:
                if (i, j) in seen or abs(i - j) == 1:  # neighbours in the text may kern ('y.'): not an overlap
                    continue
                seen.add((i, j))
                p, q = chars[i], chars[j]
                width = min(p["x1"], q["x1"]) - max(p["x0"], q["x0"])
                height = min(p["bottom"], q["bottom"]) - max(p["top"], q["top"])
                smaller = min((p["x1"] - p["x0"]) * (p["bottom"] - p["top"]), (q["x1"] - q["x0"]) * (q["bottom"] - q["top"]))
                if width > 0 and height > 0 and smaller > 0 and width * height > share * smaller:
                    yield p, q


@pytest.mark.parametrize("lang", ["ru", "en"])
@pytest.mark.parametrize("width", [1280, 390])
def test_the_page_fits_the_window_and_each_figure_its_texts(period_run, browser, lang, width):
    wider, outside = page_problems(browser, period_run.output_dir / "bulletin" / f"bulletin_{lang}.html", width)
    assert wider <= 1, f"the page is {wider} px wider than a {width} px window"
    assert outside == []


@pytest.mark.parametrize("width", [1280, 390])
def test_a_maps_own_page_fits_the_window(period_run, browser, width):
    for name in ("risk_ru", "violations_all_en"):
        wider, problems = page_problems(browser, period_run.output_dir / "maps" / f"{name}.html", width)
        assert wider <= 1 and problems == [], name


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_no_pdf_letters_overlap_or_are_tiny(period_run, lang):
    assert pdf_problems(period_run.output_dir / "bulletin" / f"bulletin_{lang}.pdf") == []


# --- the checks can fail ----------------------------------------------------------------------------------
def test_the_page_check_finds_a_page_too_wide_and_a_label_outside_its_figure(browser, tmp_path):
    import plotly.graph_objects as go
    from plotly.offline import get_plotlyjs

    fig = go.Figure(go.Bar(y=["a label far too long for the margin it is given"], x=[3], orientation="h"))
    fig.update_layout(width=500, height=300, margin={"l": 20}, yaxis={"automargin": False})
    body = fig.to_html(include_plotlyjs=False, full_html=False, div_id="figure-1")
    # three-line labels in bands too narrow for them (what the bar charts did)
    crowded = go.Figure(go.Bar(y=["one<br>two<br>three", "four<br>five<br>six", "seven"], x=[1, 2, 3], orientation="h"))
    crowded.update_layout(width=340, height=110, margin={"l": 120, "t": 5, "b": 20})
    body += crowded.to_html(include_plotlyjs=False, full_html=False, div_id="figure-3")
    # a figure kept at 600 px in a phone's column, scrolling inside its frame (what the bulletin did)
    body += ("<div style='overflow-x: auto'>" + go.Figure(go.Bar(x=[1], y=[2])).to_html(
        include_plotlyjs=False, full_html=False, div_id="figure-2", default_width="600px") + "</div>")
    page = tmp_path / "page.html"
    page.write_text(f"<html><head><script>{get_plotlyjs()}</script></head><body>{body}"
                    "<div style='width: 2000px'>wide</div><table style='display: block; overflow-x: auto; width: 200px'>"
                    "<tr><td style='white-space: nowrap'>a cell far wider than its table allows</td></tr></table>"
                    "</body></html>", encoding="utf-8")
    wider, problems = page_problems(browser, page, 390)
    assert wider > 1000 and problems[0].startswith("figure-1") and problems[-1] == "a table needs sideways scrolling"
    assert "figure-1: 500 px wide in a 374 px column" in problems and "figure-2: scrolls sideways in its frame" in problems
    assert "figure-2: a swipe drags or zooms it" in problems
    assert any(p.startswith('figure-3: labels "onetwothree" and "fourfivesix" overlap') for p in problems), problems


def test_the_pdf_check_finds_overlapping_and_tiny_letters(tmp_path):
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(300, 200)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    content = DecodedStreamObject()
    content.set_data(b"BT /F1 12 Tf 20 150 Td (Heading) Tj ET BT /F1 12 Tf 22 150 Td (Min) Tj ET "
                     b"BT /F1 5 Tf 20 50 Td (tiny) Tj ET")
    page[NameObject("/Contents")] = writer._add_object(content)
    with open(tmp_path / "broken.pdf", "wb") as out:
        writer.write(out)
    problems = pdf_problems(tmp_path / "broken.pdf")
    assert any("below 7 pt: 'tiny'" in p for p in problems)
    assert any("overlap" in p for p in problems)
