"""The bulletin's Python run outside a kernel (pipeline/outputs/prerender.py): cells and inline
expressions replaced by their output in document order, includes expanded, and an editor's mistake
named by its .qmd file and line, never a traceback."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.outputs.prerender import PrerenderFailed, evaluate, insert_deferred_html


def document(root: Path, text: str, part: str = "Part.\n") -> Path:
    (root / "parts").mkdir(parents=True, exist_ok=True)
    (root / "parts" / "_a.qmd").write_text(part, encoding="utf-8")
    (root / "doc.qmd").write_text(text, encoding="utf-8")
    return root / "doc.qmd"


def test_cells_inline_expressions_and_includes_in_order(tmp_path):
    text = ("```{python}\n#| tags: [parameters]\nlang = 'ru'\n```\n\n```{python}\nx = 2\n```\n\n"
            "Edition `{python} lang`, x = `{python} x * 21`.\n\n```{python}\n#| output: asis\nprint('| a |\\n|---|\\n| 1 |')\n```\n\n"
            "{{< include parts/_a.qmd >}}\n")
    out = evaluate(document(tmp_path, text, "Included `{python} x`.\n"), {"lang": "en"})
    assert "Edition en, x = 42." in out and "| a |\n|---|\n| 1 |" in out and "Included 2." in out
    assert "{python}" not in out and "x = 2" not in out  # a set-up cell leaves nothing


def test_a_failing_cell_names_its_file_and_the_failing_line(tmp_path):
    part = "Text.\n\n```{python}\nok = 1\nnothing = undefined_name\n```\n"
    with pytest.raises(PrerenderFailed, match=r"parts/_a.qmd, line 5: the Python cell failed: NameError"):
        evaluate(document(tmp_path, "{{< include parts/_a.qmd >}}\n", part), {}, root=tmp_path)


@pytest.mark.parametrize("text,expected", [
    ("A `{python} 1 / 0`.\n", r"doc.qmd, line 1: `\{python\} 1 / 0` failed: ZeroDivisionError"),
    ("\n```{python}\nx = (\n```\n", r"doc.qmd, line 3: the Python cell does not parse"),
    ("```{python echo=false}\nx = 1\n```\n", r"doc.qmd, line 1: write a cell's options inside it"),
    ("```{python}\nprint('hi')\n```\n", r"the cell prints output; mark it `#\| output: asis`"),
    ("```{python}\nx = 1\n", r"a Python cell that is never closed"),
])
def test_mistakes_are_named_where_they_are(tmp_path, text, expected):
    with pytest.raises(PrerenderFailed, match=expected):
        evaluate(document(tmp_path, text), {}, root=tmp_path)


def test_deferred_html_goes_where_its_marker_is_and_a_lost_marker_is_an_error(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<p>a</p><!-- bulletin-block-1 --><p>b</p>", encoding="utf-8")
    insert_deferred_html(page, {"<!-- bulletin-block-1 -->": "<div id='fig'>heavy</div>"})
    assert page.read_text(encoding="utf-8") == "<p>a</p><div id='fig'>heavy</div><p>b</p>"
    with pytest.raises(PrerenderFailed, match="marker"):
        insert_deferred_html(page, {"<!-- bulletin-block-2 -->": "lost"})


def test_profile_blocks_are_decided_for_the_edition():
    """Quarto's `when-profile` blocks resolved for one language (render.py renders both languages
    in one Quarto process, with no profile active): shown blocks lose their fences, the others go
    with all they hold, nested divs and code blocks included; other divs stay."""
    from pipeline.outputs.prerender import keep_profile

    text = "\n".join([
        "Intro.",
        '::: {.content-visible when-profile="ru"}',
        "Текст.",
        "::: {#tbl-x}",
        "| a |",
        ":::",
        ":::",
        '::: {.content-visible when-profile="en"}',
        "Text.",
        "::: {.callout-note}",
        "```",
        ":::",
        "```",
        ":::",
        ":::",
        '::: {.content-hidden unless-profile="ru,kk"}',
        "Для ru и kk.",
        ":::",
        '::: {.content-hidden when-profile="ru"}',
        "Not for ru.",
        ":::",
        "````{=html}",
        '::: {.content-visible when-profile="en"}',
        "````",
        "End.",
    ])
    assert keep_profile(text, "ru").split("\n") == [
        "Intro.", "Текст.", "::: {#tbl-x}", "| a |", ":::", "Для ru и kk.",
        "````{=html}", '::: {.content-visible when-profile="en"}', "````", "End."]
    assert keep_profile(text, "en").split("\n") == [
        "Intro.", "Text.", "::: {.callout-note}", "```", ":::", "```", ":::", "Not for ru.",
        "````{=html}", '::: {.content-visible when-profile="en"}', "````", "End."]


def test_a_profile_block_left_open_or_written_otherwise_is_refused():
    """Else the other edition would silently lose all the text after it, or both keep it."""
    from pipeline.outputs.prerender import PrerenderFailed, keep_profile

    with pytest.raises(PrerenderFailed, match="never closed"):
        keep_profile('A\n::: {.content-visible when-profile="en"}\nEN\n## Next part\n', "ru")
    with pytest.raises(PrerenderFailed, match="does not read"):
        keep_profile("A\n::: {.content-visible when-profile='en'}\nEN\n:::\n", "ru")
