"""The codebook: data contracts of the raw files (pipeline/schemas/*.yml) and their documentation.

`load_codebook()` gives the contract that pipeline.validation enforces and pipeline.survey reads
to know which items Parts I and II summarise; `render_markdown()` writes data/raw/CODEBOOK.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from pipeline.paths import SCHEMAS_DIR


@dataclass(frozen=True)
class Column:
    name: str
    files: tuple[str, ...]
    type: str
    ru: str
    en: str
    question: str
    codes: str | None = None
    min: float | None = None
    max: float | None = None
    required: bool = True
    only_when: dict | None = None
    part: str | None = None
    summary: str | None = None
    item: str | None = None  # for summary: multi
    answer: str | None = None  # for summary: multi

    @property
    def item_name(self) -> str:
        return self.item or self.name


@dataclass(frozen=True)
class RawFile:
    key: str
    file: str
    id_prefix: str
    ru: str
    en: str
    columns: tuple[Column, ...] = field(default=())

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class Codebook:
    name: str
    codes: dict[str, dict[str, dict[str, str]]]
    derived_answers: dict[str, dict[str, dict]]
    files: dict[str, RawFile]
    personal_columns: tuple[dict, ...]

    @property
    def personal_names(self) -> frozenset[str]:
        return frozenset(c["name"] for c in self.personal_columns)

    def label(self, codes: str, code: str, lang: str = "ru") -> str:
        if codes in self.codes and code in self.codes[codes]:
            return self.codes[codes][code][lang]
        derived = self.derived_answers.get(codes, {}).get(code)
        return derived[lang] if derived else code


@lru_cache(maxsize=None)
def load_codebook(name: str = "survey") -> Codebook:
    spec = yaml.safe_load((SCHEMAS_DIR / f"{name}.yml").read_text(encoding="utf-8"))
    columns = [Column(**{**c, "files": tuple(c["files"])}) for c in spec["columns"]]
    files = {
        key: RawFile(key=key, **meta, columns=tuple(c for c in columns if key in c.files))
        for key, meta in spec["files"].items()
    }
    return Codebook(
        name=name,
        codes=spec["codes"],
        derived_answers=spec.get("derived_answers", {}),
        files=files,
        personal_columns=tuple(spec.get("personal_columns", [])),
    )


def render_markdown(book: Codebook) -> str:
    """Human-readable codebook: one table per raw file, then the code lists."""
    out = [
        f"# Codebook: {book.name}",
        "",
        f"Generated from `pipeline/schemas/{book.name}.yml` by `hrd-bulletin codebook`; edit the YAML, not this file.",
        "Missing answers (item non-response) are empty cells. Codes are case-insensitive on input.",
        "",
    ]
    for raw in book.files.values():
        out += [f"## `{raw.file}`: {raw.en}", "", f"{raw.ru}. One row per respondent; ids `{raw.id_prefix}-nnn`.", "",
                "| column | type | allowed values | answer required | meaning (ru) | meaning (en) | question |",
                "|---|---|---|---|---|---|---|"]
        for c in raw.columns:
            if c.type == "code":
                allowed = "ISO 3166-2 codes of the period's division" if c.codes == "division" else ", ".join(
                    f"`{k}`" for k in book.codes[c.codes])
            elif c.type in ("integer", "number"):
                allowed = f"{c.type} {c.min:g} to {c.max:g}"
            else:
                allowed = f"`{raw.id_prefix}-` and digits, unique"
            required = f"when {', '.join(f'{k} = {v}' for k, v in c.only_when.items())}" if c.only_when else (
                "yes" if c.required else "no")
            out.append(f"| `{c.name}` | {c.type} | {allowed} | {required} | {c.ru} | {c.en} | {c.question} |")
        out.append("")
    out += ["## Personal data", "",
            "Raw files may carry these columns. They are personal data: they stay in data/raw/, are dropped "
            "when a file is read, and nothing published is derived from them.", "",
            "| column | meaning (ru) | meaning (en) |", "|---|---|---|"]
    out += [f"| `{c['name']}` | {c['ru']} | {c['en']} |" for c in book.personal_columns]
    out += ["", "## Code lists", ""]
    for name, values in book.codes.items():
        out.append(f"- **{name}**: " + "; ".join(f"`{k}` {v['en']} / {v['ru']}" for k, v in values.items()))
    out.append("")
    return "\n".join(out)


def write_markdown(target: Path, name: str = "survey") -> None:
    target.write_text(render_markdown(load_codebook(name)), encoding="utf-8")
