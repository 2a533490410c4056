"""The editor's own words for a period: the sections of the bulletin no data can write (the
difficulties the observers met, the recommendations, the rights defenders work on). They are
files of the period, one per section and language, never another period's words:

    data/raw/<period>/editorial/difficulties.ru.md       (and .en.md)
    data/raw/<period>/editorial/recommendations.ru.md
    data/raw/<period>/editorial/rights.ru.md

A missing file renders as a marked "editor's text missing" box, and `run` and `render` say which
files are missing. The text is Markdown limited to what an editor writes: paragraphs, lists
(`- `, `1. `), *emphasis* and subheadings (`## `); everything else is text (no raw HTML, no
shortcodes, links, code or maths reach the bulletin).
"""
from __future__ import annotations

import re

SECTIONS = ("rights", "difficulties", "recommendations")
LANGS = ("ru", "en")
MAX_BYTES = 200_000  # an editor's section is a few paragraphs; a larger file is not one
ESCAPED = set("\\`{}[]<>@$|~^&#:")  # ':' too: ':::' would open a Quarto div
LIST_ITEM = re.compile(r"^(\s*)([-*+]|\d{1,3}[.)])\s+(.*)$")
HEADING = re.compile(r"^#{1,6}\s+(.*)$")


def path(period, name: str, lang: str):
    return period.raw_dir / "editorial" / f"{name}.{lang}.md"


def files(raw_dir) -> list:
    """The editor's files a period folder holds (only these are read)."""
    return [raw_dir / "editorial" / f"{n}.{lang}.md" for n in SECTIONS for lang in LANGS
            if (raw_dir / "editorial" / f"{n}.{lang}.md").is_file()]


def editorial_text(period, name: str, lang: str) -> str | None:
    """The section's text for the edition, or None when the period has none (an empty file is none)."""
    file = path(period, name, lang)
    if not file.is_file():
        return None
    data = file.read_bytes()[:MAX_BYTES]
    text = data.decode("utf-8-sig", errors="replace").replace("\x00", "")
    return text if text.strip() else None


def missing(period) -> list[str]:
    """The editor's files the period lacks (relative to its folder), for `run` and `render` to say."""
    return [f"editorial/{name}.{lang}.md" for name in SECTIONS for lang in LANGS if editorial_text(period, name, lang) is None]


def _text(line: str) -> str:
    return "".join("\\" + c if c in ESCAPED else c for c in line)


def editorial_markdown(text: str) -> str:
    """The editor's Markdown as the bulletin prints it: subheadings become the section's
    subheadings (level 2), list items and paragraphs stay, emphasis (* and _) stays; every other
    mark of Markdown, HTML or Quarto is escaped, so it prints as written."""
    lines = []
    for line in text.splitlines():
        heading, item = HEADING.match(line.strip()), LIST_ITEM.match(line)
        if heading:
            lines += ["", f"## {_text(heading.group(1).strip())}", ""]
        elif item:
            indent, marker, rest = item.groups()
            lines.append(f"{indent}{marker} {_text(rest)}")
        elif line.strip() and set(line.strip()) <= set("-=*_ "):  # a rule or a heading's underline: text
            lines.append("\\" + _text(line.strip()))
        else:
            lines.append(_text(line.strip()) if line.strip() else "")
    return "\n".join(lines).strip() + "\n"
