"""The bulletin's Python, run once per edition in the pipeline's own process, so that Quarto renders
plain Markdown: no Jupyter kernel is started, no chart is drawn twice, and an edition renders in
about the time Quarto needs for any Markdown document (issue 14's editor's loop).

report/*.qmd stay ordinary Quarto documents an editor can read and edit: Python cells (```{python}),
inline expressions (`{python} expr`) and includes ({{< include parts/x.qmd >}}). This module does
what Quarto's Jupyter engine would do with them, for the subset the bulletin uses:

- a cell's code runs in one namespace shared by the whole document, in document order;
- a cell marked `#| output: asis` is replaced by what it prints (Markdown or raw HTML blocks);
  another cell must print nothing (it sets up names); the parameters cell (`tags: [parameters]`)
  is followed by the edition's parameters, as papermill and `quarto render -P` do;
- an inline expression is replaced by its value (a str is Markdown; anything else is str()-ed).

The `.content-visible when-profile` blocks of each language are decided here for the edition
(keep_profile: Quarto renders both languages in one process, with no profile active). Everything
else (cross-references, callouts, page breaks) is left to Quarto. An error names the .qmd file and
line of the cell or expression, never a traceback of this module.

The PDF's static images are drawn together at the end, in one Chromium (pipeline.outputs.images):
the run's, or one `render` keeps open for both PDF editions.
"""
from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

INCLUDE = re.compile(r"^\{\{<\s*include\s+(\S+)\s*>\}\}\s*$")
CELL_START = re.compile(r"^```\{python\}\s*$")
CELL_END = re.compile(r"^```\s*$")
INLINE = re.compile(r"`\{python\}\s+([^`]+)`")
OPTION = re.compile(r"^#\|\s*([\w-]+)\s*:\s*(.*)$")


class PrerenderFailed(Exception):
    pass


@dataclass
class Line:
    text: str
    file: Path
    number: int  # 1-based line in its file


def expand(path: Path) -> list[Line]:
    """The document's lines with every include replaced by the included file's lines (recursively),
    each line remembering where it was written."""
    lines = []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        found = INCLUDE.match(text.strip())
        if found:
            lines.extend(expand(path.parent / found.group(1)))
        else:
            lines.append(Line(text, path, number))
    return lines


def evaluate(path: Path, parameters: dict, root: Path | None = None) -> str:
    """The Markdown of the document at path: cells and inline expressions replaced by their output."""
    root = root or path.parent
    lines = expand(path)
    namespace: dict = {"__name__": "__bulletin__"}
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.text.startswith("```{python") and not CELL_START.match(line.text):
            raise PrerenderFailed(f"{_where(line, root)}: write a cell's options inside it (#| name: value), "
                                  "not in its opening fence")
        if not CELL_START.match(line.text):
            out.append(_inline(line, namespace, root))
            i += 1
            continue
        start, body = line, []
        i += 1
        while i < len(lines) and not CELL_END.match(lines[i].text):
            body.append(lines[i].text)
            i += 1
        if i == len(lines):
            raise PrerenderFailed(f"{_where(start, root)}: a Python cell that is never closed (```)")
        i += 1
        options = {m.group(1): m.group(2).strip() for m in map(OPTION.match, body) if m}
        printed = _run(start, "\n".join(body), namespace, root)
        if "parameters" in options.get("tags", ""):
            namespace.update(parameters)
        if options.get("output") == "asis":
            out.append(printed)
        elif printed.strip():
            raise PrerenderFailed(f"{_where(start, root)}: the cell prints output; mark it `#| output: asis` "
                                  "(its output is Markdown) or let it print nothing")
    return "\n".join(out) + "\n"


def _run(start: Line, code: str, namespace: dict, root: Path) -> str:
    buffer = io.StringIO()
    try:
        compiled = compile(code, f"{start.file.name}:{start.number}", "exec")
    except SyntaxError as error:
        line = Line(start.text, start.file, start.number + (error.lineno or 1))
        raise PrerenderFailed(f"{_where(line, root)}: the Python cell does not parse: {error.msg}") from error
    try:
        with contextlib.redirect_stdout(buffer):
            exec(compiled, namespace)
    except Exception as error:  # the author's code: say where, in the .qmd, down to the failing line
        line = start
        traceback = error.__traceback__
        while traceback is not None:
            if traceback.tb_frame.f_code.co_filename == compiled.co_filename:
                line = Line(start.text, start.file, start.number + traceback.tb_lineno)
            traceback = traceback.tb_next
        raise PrerenderFailed(f"{_where(line, root)}: the Python cell failed: {type(error).__name__}: {error}") from error
    return buffer.getvalue()


def _inline(line: Line, namespace: dict, root: Path) -> str:
    def value(match: re.Match) -> str:
        try:
            result = eval(compile(match.group(1).strip(), f"{line.file.name}:{line.number}", "eval"), namespace)
        except Exception as error:
            raise PrerenderFailed(f"{_where(line, root)}: `{{python}} {match.group(1).strip()}` failed: "
                                  f"{type(error).__name__}: {error}") from error
        return result if isinstance(result, str) else str(result)

    return INLINE.sub(value, line.text)


def _where(line: Line, root: Path) -> str:
    try:
        name = line.file.relative_to(root)
    except ValueError:
        name = line.file
    return f"{name}, line {line.number}"


def prerender_edition(source: Path, document: Path, parameters: dict, metadata: dict | None = None,
                      html: str = "deferred", painter=None, root: Path | None = None,
                      profile: str | None = None) -> dict[str, str]:
    """Write the evaluated Markdown of the bulletin at source (report/bulletin.qmd of the repository,
    parts included from beside it) to document (in a working copy of the Quarto project), with its
    images beside it, and the edition's metadata (title, subtitle, ...) as its front matter (given
    on Quarto's command line instead, the HTML page's <title> would be Quarto's temporary file
    name). The parts are read where they are: Quarto sees one document and no part to render.
    document is replaced in one step, and not at all when its text is unchanged (a running
    `quarto preview` never reads half a file, nor renders for nothing). html: where the HTML
    edition's heavy parts go (report.Edition): "deferred" returns them, by marker, for
    insert_deferred_html to put into the page Quarto writes; "files" (`hrd-bulletin preview`, where
    Quarto serves the page) writes them beside the document. painter: an open images.Painter to draw the PDF's images with (several editions, one
    Chromium); else one of its own. Errors name files relative to root (default: source's folder).
    profile: the edition's Quarto profile (its language), whose `when-profile` blocks are kept and
    the others' left out (keep_profile), so that Quarto renders it with no profile active."""
    from pipeline.outputs import report

    document.parent.mkdir(parents=True, exist_ok=True)
    with report.evaluating(document.parent, html) as edition:
        markdown = evaluate(source, parameters, root=root or source.parent)
    if profile:
        markdown = keep_profile(markdown, profile)
        # a figure in the other language's text went with it: its deferred block too
        edition.blocks = {marker: block for marker, block in edition.blocks.items() if marker in markdown}
    _write_images(edition.images, painter)
    if metadata:
        import yaml

        front = "---\n" + yaml.safe_dump(metadata, allow_unicode=True, sort_keys=False) + "---\n"
        markdown = re.sub(r"\A---\n.*?\n---\n", lambda m: front, markdown, count=1, flags=re.S) \
            if markdown.startswith("---\n") else front + markdown
    write_if_changed(document, markdown.encode("utf-8"))
    return edition.blocks


PROFILE_BLOCK = re.compile(r'^(:{3,})\s*\{\s*\.content-(visible|hidden)\s+(when|unless)-profile="([^"]*)"\s*\}\s*$')
DIV_OPEN = re.compile(r"^:{3,}\s*\S")
DIV_CLOSE = re.compile(r"^:{3,}\s*$")
CODE_FENCE = re.compile(r"^(`{3,}|~{3,})")


def keep_profile(markdown: str, profile: str) -> str:
    """Quarto's conditional blocks on profiles, decided for one profile: the blocks shown to it lose
    their fences, the others go with everything in them (`.content-visible` or `.content-hidden`,
    `when-profile` or `unless-profile`, one profile or several separated by commas). Other divs and
    code blocks (and anything in them that looks like a fence) are left as they are."""
    out, stack = [], []  # stack: per open div, "keep" (ordinary), "unwrap" or "drop"
    for line, in_code in _lines(markdown):
        dropping = "drop" in stack
        found = PROFILE_BLOCK.match(line)
        if in_code:
            pass  # a line of a code or raw block: kept or dropped with the div around it
        elif found:
            _, kind, condition, names = found.groups()
            listed = profile in {name.strip() for name in names.split(",")}
            shown = listed == (condition == "when")
            stack.append("unwrap" if shown == (kind == "visible") else "drop")
            continue
        elif DIV_CLOSE.match(line) and stack:
            if stack.pop() != "keep" or dropping:
                continue
        elif DIV_OPEN.match(line):
            stack.append("keep")
        if not dropping:
            out.append(line)
    if any(kind != "keep" for kind in stack):
        raise PrerenderFailed("a `::: {.content-visible when-profile=...}` block is never closed (:::)")
    result = "\n".join(out)
    outside_code = "\n".join(line for line, in_code in _lines(result) if not in_code)
    left = re.search(r"^.*(when|unless)-profile.*$", outside_code, flags=re.M)
    if left:
        raise PrerenderFailed(f"a profile block written in a way this tool does not read: {left.group(0).strip()!r} "
                              '(write ::: {.content-visible when-profile="ru"} on a line of its own)')
    return result


def _lines(markdown: str):
    """Each line of the Markdown, and whether it belongs to a code or raw block (fences included):
    inside one, only its closing fence (as long as the opening, or longer) matters."""
    code = None
    for line in markdown.split("\n"):
        if code:
            closing = line.rstrip()
            if len(closing) >= len(code) and set(closing) == {code[0]}:
                code = None
            yield line, True
            continue
        fence = CODE_FENCE.match(line)
        if fence:
            code = fence.group(1)
        yield line, bool(fence)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Replace path by data in one step (a temporary file renamed), unless it holds data already."""
    if path.exists() and path.read_bytes() == data:
        return False
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    partial.replace(path)
    return True


def insert_deferred_html(page: Path, blocks: dict[str, str]) -> None:
    """Put each deferred block in place of its marker in the page Quarto wrote; every marker must
    be there exactly once (else the page would silently lack a figure)."""
    if not blocks:
        return
    html = page.read_text(encoding="utf-8")
    pieces = re.split(r"(<!-- bulletin-block-\d+ -->)", html)
    found = [p for p in pieces if p in blocks]
    if sorted(found) != sorted(blocks):
        missing = sorted(set(blocks) - set(found)) or sorted(m for m in set(found) if found.count(m) > 1)
        raise PrerenderFailed(f"{page.name}: Quarto's page does not hold each figure's marker once ({', '.join(missing[:3])})")
    page.write_text("".join(blocks.get(p, p) for p in pieces), encoding="utf-8")


def _write_images(pending: list, painter=None) -> None:
    """Every PNG of the edition at once, in one Chromium (pipeline.outputs.images)."""
    from pipeline.outputs import images

    try:
        (painter or images).draw(pending)
    except Exception as error:  # kaleido or Chromium: name what failed, not a traceback of theirs
        raise PrerenderFailed(f"the PDF's images could not be drawn ({type(error).__name__}: {error}); "
                              "kaleido needs Chromium (make setup installs it)") from error
