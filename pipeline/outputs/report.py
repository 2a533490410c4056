"""Helpers for the Quarto bulletin (report/): every number, table and figure of the bulletin comes
from the period's processed tables through this module; the report's .qmd files hold the prose.

    b = Bulletin.open(period, data_root, tables_dir, lang, fmt)
    `{python} b.num(b.headline("respondents"))` in the prose; b.table(...), b.figure(...), b.map(...)

Tables and figures are printed as Markdown (cells with `output: asis`): pandoc turns them into
native tables for HTML and Typst alike, and no rich Jupyter output is produced, so Quarto adds no
script from a CDN and the HTML bulletin works offline. Interactive figures go into the HTML as
raw HTML blocks that use the plotly.js embedded once in the page head; the PDF gets PNG images.
"""
from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import formatting
from pipeline.data.periods import Period, load_period
from pipeline.formatting import markdown_text
from pipeline.outputs.claims import checked_claims as claims_of_run
from pipeline.outputs.reconcile import load_tables


@dataclass
class Edition:
    """What the bulletin's cells hand over while pipeline.outputs.prerender evaluates an edition:
    - image_dir: where the PDF's images go (inside the project Quarto renders, as Typst wants);
    - images: the PDF's images, drawn together after the edition (one Chromium, not one per chart);
    - the HTML edition's heavy parts (plotly.js, the figures' data), kept out of the Markdown Quarto
      reads, so that Quarto handles a small document: with html="deferred" (a publication) the
      blocks, by marker, put into the page Quarto writes (prerender.insert_deferred_html); with
      html="files" (the live preview, served by Quarto) plotly.js and each figure's data are files
      beside the page, which loads them; html="inline" keeps everything in the Markdown."""

    image_dir: Path
    images: list = field(default_factory=list)
    html: str = "deferred"
    blocks: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.html not in ("deferred", "files", "inline"):
            raise ValueError(f"html={self.html!r}: deferred, files or inline")


# None outside prerender (a Jupyter kernel): images drawn one by one into the working folder
_EDITION: ContextVar[Edition | None] = ContextVar("bulletin_edition", default=None)


@contextlib.contextmanager
def evaluating(image_dir: Path, html: str = "deferred") -> Iterator[Edition]:
    """While an edition is evaluated: collect its images and its HTML's heavy parts (see Edition)."""
    edition = Edition(image_dir, html=html)
    token = _EDITION.set(edition)
    try:
        yield edition
    finally:
        _EDITION.reset(token)


# The PDF's text width in characters of the table font (A4 with 2.2 cm margins: about 470 pt; a
# DejaVu Serif letter at 9 pt (report/typst-rules.typ), bold in headings, is up to 6 pt wide), less each
# cell's padding.
TABLE_CHARACTERS = 76
CELL_PADDING = 1.5


def column_widths(headings: list[str], rows: list[list[str]], numeric: list[bool]) -> list[int]:
    """Relative widths of a table's columns, as dashes of a pipe table (pandoc turns them into the
    HTML's and Typst's column widths). Every column gets at least its longest word (a heading wraps
    between its words; numbers never wrap; the PDF does not hyphenate tables, report/typst-rules.typ);
    text columns share what is left of the page's width in proportion to what more they would
    take. The dashes add up to more than pandoc's 72 columns, so the widths are always used."""
    def longest_word(texts) -> int:
        return max((len(word) for text in texts for word in str(text).split()), default=1)

    least = [max(longest_word([h]) + 1, (max((len(r[i]) for r in rows), default=1) if n else longest_word(r[i] for r in rows)))
             for i, (h, n) in enumerate(zip(headings, numeric))]
    wanted = [w if n else max(w, max((len(r[i]) for r in rows), default=1)) for i, (w, n) in enumerate(zip(least, numeric))]
    budget = TABLE_CHARACTERS - CELL_PADDING * len(headings)
    if sum(wanted) > budget and sum(least) < budget:
        spare, extra = budget - sum(least), sum(w - m for w, m in zip(wanted, least))
        wanted = [m + (w - m) * spare / extra for w, m in zip(wanted, least)]
    elif sum(wanted) > budget:
        wanted = least
    scale = max(1.0, 80 / sum(wanted))
    return [max(3, round(w * scale)) for w in wanted]


@dataclass
class Bulletin:
    period: Period
    folder: Path  # the run folder holding tables/, maps/, run.json
    lang: str
    fmt: str  # html | pdf
    tables: dict[str, pd.DataFrame] = field(repr=False)
    _figures: int = 0
    _plotly_in_page: bool = False
    _claims: dict | None = None

    @classmethod
    def open(cls, period: str, data_root: str | None, tables_dir: str | None, lang: str, fmt: str) -> "Bulletin":
        info = load_period(period, data_root)
        folder = Path(tables_dir) if tables_dir else info.processed_dir
        tables = load_tables(folder)
        if not tables:
            raise FileNotFoundError(f"{folder}: no processed tables; run `hrd-bulletin run {period}` first")
        return cls(period=info, folder=folder, lang=lang, fmt=fmt, tables=tables)

    # --- numbers in the prose ---------------------------------------------------------------
    def num(self, value, decimals: int = 0) -> str:
        """A number as the bulletin prints it: '27 867' and '54,4' in Russian, '27,867' and '54.4' in English."""
        return formatting.number(value, self.lang, decimals)

    def pct(self, value: float, decimals: int = 1) -> str:
        return formatting.percent(value, self.lang, decimals)

    def value(self, table: str, column: str, **where):
        rows = self.tables[table]
        for key, wanted in where.items():
            rows = rows[rows[key] == wanted]
        if len(rows) != 1:
            raise KeyError(f"{table} where {where}: {len(rows)} rows, expected 1")
        return rows[column].iloc[0]

    def headline(self, figure: str) -> int:
        return int(self.value("period_headlines", "value", figure=figure))

    def claim(self, *names: str, ref: str | None = None) -> str:
        """The sentences of claims about the period's data, one after another: each claim's case and
        values as the run decided and checked them (claims.json; else decided and checked from the
        tables now), in the wording pipeline/claims.yml has now, so an edit of the wording shows at
        the next render or preview without a run. ref: a cross-reference put before the last full
        stop ('... (@fig-types).'). The names from the data in them read as text, never as markup."""
        from pipeline.checker import sentence_problems
        from pipeline.claims import Claim, sentence

        said = []
        for name in names:
            row = self._claim_rows()[name]
            claim = Claim(name, row["case"], row["values"], row.get("basis", ""))
            problems = sentence_problems(sentence(claim, self.lang))  # the wording as claims.yml has it now
            if problems:
                raise ValueError(f"claim {name}, {self.lang} sentence of case {row['case']!r} in pipeline/claims.yml: {problems[0]}")
            said.append(sentence(claim, self.lang, markdown=True))
        text = " ".join(s for s in said if s)
        if ref and text:
            text = text[:-1] + f" ({ref})" + text[-1] if text[-1] in ".;" else f"{text} ({ref})"
        return text

    def value_of(self, name: str, key: str):
        """A value a claim decided (e.g. the key figures' answers), as claims.json holds it."""
        return self._claim_rows()[name]["values"].get(key)

    def case(self, name: str) -> str:
        return self._claim_rows()[name]["case"]

    def _claim_rows(self) -> dict:
        """The run's claims, checked against the tables once per edition (pipeline.outputs.claims)."""
        if self._claims is None:
            self._claims = claims_of_run(self.folder, self.tables)
        return self._claims

    def counted(self, count, noun: str) -> str:
        """'131 респондент', '407 нарушений' / '1 case', '391 cases' (nouns of pipeline/claims.yml)."""
        from pipeline.claims import noun_forms

        return formatting.counted(count, self.lang, noun_forms(noun, self.lang))

    def division_units(self) -> str:
        """The units of the period's division, counted: '14 областей и 2 города республиканского
        значения: Алматы, Астана' / '14 regions and 2 cities of republican significance: Almaty, Astana'."""
        from pipeline.data.io import load_division

        division = load_division(self.period)
        regions = int((division["kind"] != "city").sum())
        cities = sorted(division.loc[division["kind"] == "city", f"name_{self.lang}"])
        if self.lang == "ru":
            text = formatting.counted(regions, "ru", ("область", "области", "областей"))
            joined = formatting.counted(len(cities), "ru", ("город", "города", "городов")) + " республиканского значения"
            return text + (f" и {joined}: {', '.join(cities)}" if cities else "")
        text = formatting.counted(regions, "en", ("region", "regions"))
        joined = formatting.counted(len(cities), "en", ("city", "cities")) + " of republican significance"
        return text + (f" and {joined}: {', '.join(cities)}" if cities else "")

    def back_page(self) -> str:
        """The colophon's Markdown from period.yml: who publishes, the project statement, and the
        publishers' contact block (its lines kept as lines); what period.yml leaves out is left out."""
        p, lang = self.period, self.lang
        blocks = []
        if p.publishers:
            blocks.append(self.t("Издатели: ", "Published by ") + markdown_text(p.publishers[lang].strip()) + ".")
        if p.acknowledgement:
            blocks.append(markdown_text(p.acknowledgement[lang].strip()))
        if p.contact:
            blocks.append("\n".join("| " + markdown_text(line.strip()) for line in p.contact[lang].strip().splitlines() if line.strip()))
        return "\n\n".join(blocks) + "\n"

    def imprint(self) -> str:
        """Under the title: who publishes (period.yml) and, in HTML, the link to the PDF of the same
        edition; the title and the bulletin's number are Quarto's title block
        (pipeline.outputs.render.title_metadata), not repeated here."""
        publishers = markdown_text(self.period.publishers[self.lang].strip()) + "." if self.period.publishers else ""
        if self.fmt == "html":  # the PDF of the same edition lies beside the page (bulletin/)
            link = f"[{self.t('Версия для печати (PDF)', 'Printable edition (PDF)')}](bulletin_{self.lang}.pdf)"
            return f"{publishers} {link}".strip()
        return publishers

    # --- the front page's key figures ------------------------------------------------------------
    KEY_HEADLINES = ("respondents", "cases", "violations", "media_materials")
    KEY_PORTRAIT = ("portrait.top_gender", "portrait.top_education", "portrait.top_activity")

    def key_figure_tiles(self) -> list[tuple[str, str]]:
        """(figure, label) for the front page: the period's headline counts, then for the portrait's
        gender, education and kind of activity the most frequent answer among individuals with its
        share, every tied answer named, as the claims decided and checked it (none when the base is
        too small for a most frequent answer)."""
        headlines = self.tables["period_headlines"].set_index("figure")
        tiles = [(self.num(headlines.loc[f, "value"]), str(headlines.loc[f, f"label_{self.lang}"]))
                 for f in self.KEY_HEADLINES if f in headlines.index]
        for name in self.KEY_PORTRAIT:
            if self.case(name) not in ("one", "tie"):
                continue
            answers = formatting.joined([a[self.lang] for a in self.value_of(name, "answers")], self.lang)
            tied = self.t(" — поровну", ", equally") if self.case(name) == "tie" else ""
            tiles.append((self.pct(self.value_of(name, "share_pct")), f"{self.value_of(name, 'item')[self.lang]}: {answers}{tied}"))
        return tiles

    def key_figures(self) -> None:
        """The key figures as panels of tiles (large number, short label), the headline counts in
        one row and the portrait in another: HTML or Typst."""
        from html import escape

        tiles = self.key_figure_tiles()
        headlines = sum(f in set(self.tables["period_headlines"]["figure"]) for f in self.KEY_HEADLINES)
        rows = [tiles[:headlines], tiles[headlines:]]
        if self.fmt == "html":
            html = "".join('<div class="key-figures">' + "".join(
                f'<div class="key-figure"><span class="key-value">{escape(v)}</span>'
                f'<span class="key-label">{escape(label)}</span></div>' for v, label in row) + "</div>" for row in rows if row)
            print(f'\n```{{=html}}\n{html}\n```\n')
            return

        def typst_text(text: str) -> str:  # a Typst string literal
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

        # the tiles stay together: a row split by a page break leaves a page of half a tile
        grids = "#block(breakable: false)[\n" + "\n".join(
            f"#grid(columns: {len(row)} * (1fr,), gutter: 6pt, "
            + ", ".join(f"key-tile({typst_text(v)}, {typst_text(label)})" for v, label in row) + ")\n#v(4pt)"
            for row in rows if row) + "\n]"
        print("\n```{=typst}\n#let key-tile(value, label) = block(width: 100%, inset: 8pt, radius: 3pt, "
              "fill: rgb(\"#eef3f7\"))[#set par(justify: false); #text(size: 20pt, weight: \"bold\", fill: rgb(\"#1f5f8b\"))"
              f"[#value] \\ #text(size: 9pt)[#label]]\n{grids}\n```\n")

    def macro_regions(self) -> str:
        """'Регионы страны по традиции объединяют в 5 макрорегионов: Восточный, ..., Южный и Центральный.':
        the traditional grouping of the period's division (its macro_region column, names in
        reference/macro_regions.csv); nothing when the division does not group its units."""
        from pipeline.data.io import load_division, load_reference

        division = load_division(self.period)
        used = set(division.get("macro_region", pd.Series(dtype=str))) - {""}
        names = load_reference(self.period, "macro_regions").set_index("id")
        listed = [markdown_text(names.loc[m, f"name_{self.lang}"]) for m in names.index if m in used]
        if not listed:
            return ""
        grouped = f"{self.counted(len(listed), 'macro_region')}: {formatting.joined(listed, self.lang)}"
        return self.t(f"Регионы страны по традиции объединяют в {grouped}.",
                      f"The country's regions are traditionally grouped into {grouped}.")

    def compared_units(self) -> str:
        """What Part V compared with what when the previous period used another division
        (pipeline.parts.dynamics.compared_units); nothing when there is no comparison or the
        division is the same."""
        from pipeline.parts.dynamics import compared_units

        return markdown_text(compared_units(self.tables, self.period.reference_dir, self.lang))

    def editorial(self, name: str) -> None:
        """An editor's section for the period (data/raw/<period>/editorial/<name>.<lang>.md: the
        difficulties met, recommendations, the rights defenders work on), printed as Markdown whose
        markup is limited to paragraphs, lists, emphasis and subheadings (nothing in it is run or
        fetched); without the file, a marked box saying the editor's text is missing."""
        from pipeline.data.editorial import editorial_markdown, editorial_text

        text = editorial_text(self.period, name, self.lang)
        if text is None:
            print("\n::: {.callout-warning}\n" + self.t(
                f"**Текст редактора отсутствует.** Этот раздел пишет редактор периода: файл `editorial/{name}.ru.md` "
                "в папке сырых данных периода.",
                f"**Editor's text missing.** The period's editor writes this section: the file `editorial/{name}.en.md` "
                "in the period's raw data folder.") + "\n:::\n")
            return
        print("\n" + editorial_markdown(text) + "\n")

    def boundaries_source(self) -> str:
        """Where the period's division's boundaries come from (data/raw/reference/boundaries/sources.yml)."""
        import yaml

        from pipeline.yamlfiles import read_yaml

        path = self.period.reference_dir / "boundaries" / "sources.yml"
        try:
            sources = read_yaml(path) if path.is_file() else {}
        except yaml.YAMLError as error:
            raise ValueError(f"{path}: expected YAML, each division a mapping {{ru: ..., en: ...}} ({error})".replace("\n", " ")) from None
        source = sources.get(self.period.division) if isinstance(sources, dict) else None
        if not isinstance(source, dict) or not source.get(self.lang):  # a data root of one's own may not say
            return self.t(f"источник не указан (нет записи {self.period.division} в reference/boundaries/sources.yml)",
                          f"source not recorded (no entry {self.period.division} in reference/boundaries/sources.yml)")
        return markdown_text(str(source[self.lang]))

    def evidence(self, key: str) -> str:
        """A threshold of pipeline/evidence.yml as the text quotes it ('10', '0,05', '95%')."""
        from pipeline import evidence

        value = evidence.RULES[key]
        if key == "confidence":
            return self.pct(100 * value, 0)
        return self.num(value, 0 if float(value).is_integer() else 2)

    def t(self, ru: str, en: str) -> str:
        """A label in the edition's language."""
        return ru if self.lang == "ru" else en

    # --- tables and figures -------------------------------------------------------------------
    def table(self, frame: pd.DataFrame, columns: dict[str, tuple[str, str]], decimals: dict[str, int] | None = None) -> None:
        """Print a pipe table (Markdown): columns {name: (Russian heading, English heading)}."""
        decimals = decimals or {}
        headings = [labels[0 if self.lang == "ru" else 1] for labels in columns.values()]
        rows = [[self._cell(row[c], decimals.get(c, 0)) for c in columns] for _, row in frame.iterrows()]
        numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in columns]
        widths = column_widths(headings, rows, numeric)
        lines = ["| " + " | ".join(headings) + " |",
                 "|" + "|".join(("-" * w + ":") if n else (":" + "-" * w) for w, n in zip(widths, numeric)) + "|"]
        lines += ["| " + " | ".join(cells) + " |" for cells in rows]
        print("\n".join(lines) + "\n")

    def shares_table(self, rows: pd.DataFrame) -> None:
        """Survey shares as a table: item, answer, count, share and its 95 % Wilson interval; a note
        where the base is too small for words or calls for caution (pipeline/evidence.yml)."""
        from pipeline import evidence

        notes = {"ok": "", "no_base": self.t("нет ответов", "no answers"),
                 "caution": self.t(f"база меньше {evidence.CAUTION_BASE}: осторожно", f"base under {evidence.CAUTION_BASE}: caution"),
                 "too_small": self.t(f"база меньше {evidence.MIN_BASE}: без оценок словами",
                                     f"base under {evidence.MIN_BASE}: not put into words")}
        frame = rows.assign(interval=[f"{self.num(lo, 1)}–{self.num(hi, 1)}" if b > 0 else "–"
                                      for lo, hi, b in zip(rows["ci_low_pct"], rows["ci_high_pct"], rows["base"])],
                            note=rows["reliability"].map(notes).fillna(""))
        columns = {f"item_{self.lang}": ("Показатель", "Item"), f"answer_{self.lang}": ("Ответ", "Answer"),
                   "count": ("Число", "Count"), "share_pct": ("%", "%"),
                   "interval": (f"{self.evidence('confidence')} интервал", f"{self.evidence('confidence')} interval")}
        if (frame["note"] != "").any():
            columns["note"] = ("Примечание", "Note")
        self.table(frame, columns, decimals={"share_pct": 1})

    def attacks_table(self, shares: pd.DataFrame, stats: pd.DataFrame) -> None:
        """Part II's attacks: the share of each group that suffered each kind (empty where a group
        gave no answer), and attacks per victim."""
        rows = []
        for kind, ru, en in (("information", "Информационные", "Information"), ("reputational", "Репутационные", "Reputational"),
                             ("physical", "Физические", "Physical"), ("technical", "Технические", "Technical")):
            item = f"attacks_{kind}"
            found = {g: shares[(shares["item"] == item) & (shares["group"] == g)] for g in ("all", "individuals", "organizations")}
            st = stats[(stats["item"] == item) & (stats["group"] == "all")]
            rows.append({"kind": self.t(ru, en), **{g: (float(r["share_pct"].iloc[0]) if len(r) else float("nan")) for g, r in found.items()},
                         **{c: (float(st[c].iloc[0]) if len(st) else float("nan")) for c in ("mean", "min", "max")}})
        self.table(pd.DataFrame(rows), {"kind": ("Атаки", "Attacks"), "all": ("Все, %", "All, %"),
                                        "individuals": ("Физ. лица, %", "Individuals, %"), "organizations": ("НПО, %", "NGOs, %"),
                                        "mean": ("Атак на пострадавшего", "Attacks per victim"), "min": ("Мин.", "Min"),
                                        "max": ("Макс.", "Max")},
                   decimals={"all": 1, "individuals": 1, "organizations": 1, "mean": 1})

    def _cell(self, value, decimals: int) -> str:
        if pd.isna(value):
            return "–"
        if pd.api.types.is_number(value) and not isinstance(value, bool):
            return self.num(value, decimals)
        return markdown_text(value)  # text from the data reads as text, never as markup

    def figure(self, fig, width: int | None = None, height: int | None = None, wide: bool = False) -> None:
        """An interactive plotly figure in HTML, a PNG image in the PDF (at the figure's own size).
        wide: a figure that needs its width (the matrix): on a narrow screen it scrolls sideways
        inside its frame instead of shrinking."""
        if self.fmt == "html":
            self._html_figure(fig.to_plotly_json(), wide)
            return
        from pipeline.outputs import images

        self._figures += 1
        path = self._image_dir() / f"figure-{self.lang}-{self._figures}.png"  # both languages' PDFs in one folder
        image = images.Image(fig, path, width or fig.layout.width or 820, height or fig.layout.height or 450, scale=2)
        edition = _EDITION.get()
        if edition is not None:  # drawn with the edition's other images (pipeline.outputs.prerender)
            edition.images.append(image)
        else:
            images.draw([image])
        print(f"\n![]({path.name})\n")

    def _html_figure(self, spec: dict, wide: bool = False) -> None:
        """A figure (plotly's dict of data and layout) as an interactive block of the HTML page, as wide as
        the page; no plotly Figure is built: the maps' are read as written by the run, already valid."""
        import plotly.io as pio

        self._figures += 1
        layout = {key: value for key, value in spec.get("layout", {}).items() if key != "width"}
        spec, name = {**spec, "layout": {**layout, "autosize": True}}, f"figure-{self._figures}"
        config = {"displaylogo": False, "responsive": True}
        edition = _EDITION.get()
        if edition is not None and edition.html == "files":  # the live preview: the data beside the page
            from pipeline.outputs.prerender import write_if_changed

            write_if_changed(edition.image_dir / f"{name}.json", pio.to_json(spec, validate=False).encode("utf-8"))
            height = spec["layout"].get("height") or 450
            html = (f'<div id="{name}" class="plotly-graph-div" style="height:{height}px; width:100%;"></div><script>'
                    f'fetch("{name}.json").then(r => r.json()).then(f => Plotly.newPlot("{name}", f.data, f.layout, '
                    f'{json.dumps(config)}));</script>')
        else:
            html = pio.to_html(spec, include_plotlyjs=False, full_html=False, div_id=name, config=config, validate=False)
        self._raw_html(f'<div class="bulletin-figure{" wide" if wide else ""}">{html}</div>')

    def map(self, name: str) -> None:
        """A map of the run: its interactive figure in HTML, its PNG in the PDF."""
        if self.fmt == "html":
            self._html_figure(json.loads((self.folder / "maps" / f"{name}_{self.lang}.json").read_text(encoding="utf-8")))
            return
        target = self._image_dir() / f"map-{name}_{self.lang}.png"
        target.write_bytes((self.folder / "maps" / f"{name}_{self.lang}.png").read_bytes())
        print(f"\n![]({target.name})\n")

    def map_figures(self, maps: list[tuple[str, str, str]]) -> None:
        """Several maps, each its own numbered figure (name of the map, figure label, caption): a
        figure does not break across pages, and a map set smaller than the page's width would have
        its labels below 7 pt in the PDF."""
        for name, label, caption in maps:
            print(f"\n::: {{#{label}}}\n")
            self.map(name)
            print(f"\n{caption}\n:::\n")

    def _raw_html(self, html: str) -> None:
        """A raw HTML block; the first one carries plotly.js itself, so the page needs no network."""
        edition = _EDITION.get() or Edition(Path(), html="inline")
        if not self._plotly_in_page:
            from plotly.offline import get_plotlyjs

            if edition.html == "files":
                from pipeline.outputs.prerender import write_if_changed

                write_if_changed(edition.image_dir / "plotly.min.js", get_plotlyjs().encode("utf-8"))
                html = '<script type="text/javascript" src="plotly.min.js"></script>' + html
            else:
                html = f'<script type="text/javascript">{get_plotlyjs()}</script>' + html
            self._plotly_in_page = True
        if edition.html == "deferred":
            marker = f"<!-- bulletin-block-{len(edition.blocks) + 1} -->"
            edition.blocks[marker], html = html, marker
        print(f"\n````{{=html}}\n{html}\n````\n")

    def _image_dir(self) -> Path:
        """Images for Typst must lie inside the project being rendered: the document's folder
        (pipeline.outputs.prerender sets it), else the working folder (a Jupyter kernel's)."""
        edition = _EDITION.get()
        return edition.image_dir if edition else Path(os.getcwd())

    # --- the run record -----------------------------------------------------------------------
    def run_record(self) -> dict:
        return json.loads((self.folder / "run.json").read_text(encoding="utf-8"))
