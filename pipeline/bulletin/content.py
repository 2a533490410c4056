"""What the bulletin says about a period, written by the run as files that report/ (a plain Quarto
project) reads with Quarto's own means: no Python runs when the bulletin is rendered.

    write(period, run_folder, run_folder / "bulletin-data")

The folder holds:
- `ru.yml`, `en.yml`: each edition's metadata, which its profile (report/_quarto-<lang>.yml)
  reads: the title block, short values (`{{< meta hrd.respondents >}}`), every claim's sentence
  (`{{< meta claim.incidents.volume >}}`; report/references.yml adds a cross-reference before its
  last full stop), tables, computed text and figures (`{{< meta figure.map-risk >}}`: an interactive
  block for HTML, a PNG for the PDF, `when-format=` keeping the edition's, each with its text
  alternative);
- `figures/<name>_<lang>.js` and `.png`: each figure's data for the HTML page (plotly.js in
  `plotly.min.js`; Quarto's embed-resources puts both into the page) and its image for the PDF;
- `text/*.md`: the editor's and publisher's own words, both languages (`when-profile=`), included.

Text from the data and period.yml stays text: every markup character escaped
(formatting.markdown_text). Quarto reads metadata strings a second time for shortcodes after
unescaping them (an escaped `{{< include >}}` in a metadata value is run), so no brace from the data
may reach the metadata (check_metadata refuses it, naming the value), and free text, which may hold
anything, goes through includes, which Quarto reads once.
"""
from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
from functools import cached_property
from pathlib import Path

import pandas as pd
import plotly.io as pio
import yaml
from plotly.offline import get_plotlyjs

from pipeline import evidence, formatting, paths
from pipeline.claims import CLAIMS, Claim, noun_forms, sentence
from pipeline.data.codebook import load_codebook
from pipeline.data.editorial import editorial_markdown, editorial_text
from pipeline.data.io import load_division, load_reference
from pipeline.data.periods import Period
from pipeline.formatting import markdown_text
from pipeline.outputs import charts, images, phone
from pipeline.outputs.claims import checked_claims
from pipeline.outputs.describe import data_table, described, raw_html, rows_of, shows
from pipeline.outputs.reconcile import load_tables, not_reproduced
from pipeline.parts.dynamics import compared_units
from pipeline.parts.incidents import TOP_TYPES
from pipeline.yamlfiles import read_yaml

LANGS = ("ru", "en")
REFERENCES = paths.REPO_ROOT / "report" / "references.yml"
KEY_FINDINGS = paths.REPO_ROOT / "report" / "key-findings.yml"
FIGURE_FINDINGS = paths.REPO_ROOT / "report" / "figure-findings.yml"
SUBTITLE = {"ru": "Практический бюллетень №{n}. {first} – {last}", "en": "Bulletin No. {n}. {first} – {last}"}
MONTHS_GENITIVE = {"ru": ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
                           "ноября", "декабря"],
                    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                           "November", "December"]}
MONTHS = {"ru": ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь"],
          "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]}


class ContentFailed(Exception):
    pass


def both(ru: str, en: str) -> str:
    """A block in each language; Quarto keeps the edition's."""
    return "".join(f'::: {{.content-visible when-profile="{lang}"}}\n{text.strip()}\n:::\n\n'
                   for lang, text in (("ru", ru), ("en", en)) if text.strip())


def by_format(html_block: str, pdf_block: str) -> str:
    return (f'::: {{.content-visible when-format="html"}}\n{html_block.strip()}\n:::\n\n'
            f'::: {{.content-visible unless-format="html"}}\n{pdf_block.strip()}\n:::\n')


def typst_string(text: str) -> str:
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("{", "\\u{7b}").replace("}", "\\u{7d}")
    return f'"{escaped}"'


class Edition:
    """One language's view of the period: numbers as it writes them, its claims, tables and labels."""

    def __init__(self, period: Period, folder: Path, lang: str, tables: dict, claims: dict) -> None:
        self.period, self.folder, self.lang, self.tables, self.claims = period, folder, lang, tables, claims

    def t(self, ru: str, en: str) -> str:
        return ru if self.lang == "ru" else en

    def num(self, value, decimals: int = 0) -> str:
        return formatting.number(value, self.lang, decimals)

    def pct(self, value, decimals: int = 1) -> str:
        return formatting.percent(value, self.lang, decimals)

    def counted(self, count, noun: str) -> str:
        return formatting.counted(count, self.lang, noun_forms(noun, self.lang))

    def headline(self, figure: str) -> int:
        rows = self.tables["period_headlines"]
        return int(rows.loc[rows["figure"] == figure, "value"].iloc[0])

    def evidence(self, key: str) -> str:
        value = evidence.RULES[key]
        return self.pct(100 * value, 0) if key == "confidence" else self.num(value, 0 if float(value).is_integer() else 2)

    def claim(self, name: str, ref: str | None = None) -> str:
        row = self.claims[name]
        text = sentence(Claim(name, row["case"], row["values"], row.get("basis", "")), self.lang, markdown=True)
        if ref and text:
            text = text[:-1] + f" ({ref})" + text[-1] if text[-1] in ".;" else f"{text} ({ref})"
        return text

    def value_of(self, name: str, key: str):
        return self.claims[name]["values"].get(key)

    # --- tables ---------------------------------------------------------------------------------
    def table(self, frame: pd.DataFrame, columns: dict[str, tuple[str, str]], decimals: dict[str, int] | None = None) -> str:
        """A pipe table: columns {name: (Russian heading, English heading)}; widths from the printed cells."""
        decimals = decimals or {}
        headings = [labels[0 if self.lang == "ru" else 1] for labels in columns.values()]
        rows = [[self._cell(row[c], decimals.get(c, 0)) for c in columns] for _, row in frame.iterrows()]
        numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in columns]
        widths = column_widths(headings, rows, numeric)
        lines = ["| " + " | ".join(headings) + " |",
                 "|" + "|".join(("-" * w + ":") if n else (":" + "-" * w) for w, n in zip(widths, numeric)) + "|"]
        return "\n".join(lines + ["| " + " | ".join(cells) + " |" for cells in rows]) + "\n"

    def _cell(self, value, decimals: int) -> str:
        if pd.isna(value):
            return "–"
        if pd.api.types.is_number(value) and not isinstance(value, bool):
            return self.num(value, decimals)
        return markdown_text(value)

    def shares_table(self, rows: pd.DataFrame) -> str:
        """Survey shares: item, answer, count, share and its Wilson interval; a note where the base is
        too small for words or calls for caution (pipeline/evidence.yml)."""
        notes = {"ok": "", "no_base": self.t("нет ответов", "no answers"),
                 "caution": self.t(f"база меньше {evidence.CAUTION_BASE}: осторожно", f"base under {evidence.CAUTION_BASE}: caution"),
                 "too_small": self.t(f"база меньше {evidence.MIN_BASE}: без оценок словами", f"base under {evidence.MIN_BASE}: not put into words")}
        frame = rows.assign(interval=[f"{self.num(lo, 1)}–{self.num(hi, 1)}" if b > 0 else "–"
                                      for lo, hi, b in zip(rows["ci_low_pct"], rows["ci_high_pct"], rows["base"])],
                            note=rows["reliability"].map(notes).fillna(""))
        columns = {f"item_{self.lang}": ("Показатель", "Item"), f"answer_{self.lang}": ("Ответ", "Answer"),
                   "count": ("Число", "Count"), "share_pct": ("%", "%"),
                   "interval": (f"{self.evidence('confidence')} интервал", f"{self.evidence('confidence')} interval")}
        if (frame["note"] != "").any():
            columns["note"] = ("Примечание", "Note")
        return self.table(frame, columns, decimals={"share_pct": 1})

    def attacks_table(self) -> str:
        """Part II's attacks: the share of each group that suffered each kind, and attacks per victim."""
        shares, stats = self.tables["survey_security_shares"], self.tables["survey_security_stats"]
        rows = []
        for kind, ru, en in (("information", "Информационные", "Information"), ("reputational", "Репутационные", "Reputational"),
                             ("physical", "Физические", "Physical"), ("technical", "Технические", "Technical")):
            item = f"attacks_{kind}"
            found = {g: shares[(shares["item"] == item) & (shares["group"] == g)] for g in ("all", "individuals", "organizations")}
            st = stats[(stats["item"] == item) & (stats["group"] == "all")]
            rows.append({"kind": self.t(ru, en), **{g: (float(r["share_pct"].iloc[0]) if len(r) else float("nan")) for g, r in found.items()},
                         **{c: (float(st[c].iloc[0]) if len(st) else float("nan")) for c in ("mean", "min", "max")}})
        return self.table(pd.DataFrame(rows), {"kind": ("Атаки", "Attacks"), "all": ("Все, %", "All, %"),
                                               "individuals": ("Физ. лица, %", "Individuals, %"), "organizations": ("НПО, %", "NGOs, %"),
                                               "mean": ("Атак на пострадавшего", "Attacks per victim"), "min": ("Мин.", "Min"),
                                               "max": ("Макс.", "Max")},
                          decimals={"all": 1, "individuals": 1, "organizations": 1, "mean": 1})

    # --- blocks of text ---------------------------------------------------------------------------
    KEY_HEADLINES = ("respondents", "cases", "violations", "media_materials")
    KEY_PORTRAIT = ("portrait.top_gender", "portrait.top_education", "portrait.top_activity")

    def key_figure_tiles(self) -> list[list[tuple[str, str]]]:
        """The front page's tiles: the headline counts, then the most frequent gender, education and
        kind of activity of individuals with its share, every tied answer named, as the claims decided."""
        headlines = self.tables["period_headlines"].set_index("figure")
        counts = [(self.num(headlines.loc[f, "value"]), str(headlines.loc[f, f"label_{self.lang}"]))
                  for f in self.KEY_HEADLINES if f in headlines.index]
        portrait = []
        for name in self.KEY_PORTRAIT:
            case = self.claims[name]["case"]
            if case not in ("one", "tie"):
                continue
            answers = formatting.joined([a[self.lang] for a in self.value_of(name, "answers")], self.lang)
            tied = self.t(" — поровну", ", equally") if case == "tie" else ""
            portrait.append((self.pct(self.value_of(name, "share_pct")), f"{self.value_of(name, 'item')[self.lang]}: {answers}{tied}"))
        return [row for row in (counts, portrait) if row]

    def key_figures(self) -> str:
        rows = self.key_figure_tiles()
        page = "".join('<div class="key-figures">' + "".join(
            f'<div class="key-figure"><span class="key-value">{raw_html(v)}</span><span class="key-label">{raw_html(label)}</span></div>'
            for v, label in row) + "</div>" for row in rows)
        grids = "\n".join(f"#grid(columns: {len(row)} * (1fr,), gutter: 6pt, "
                          + ", ".join(f"key-tile({typst_string(v)}, {typst_string(label)})" for v, label in row) + ")\n#v(4pt)"
                          for row in rows)
        typst = ('#let key-tile(value, label) = block(width: 100%, inset: 8pt, radius: 3pt, fill: rgb("#eef3f7"))'
                 '[#set par(justify: false); #text(size: 20pt, weight: "bold", fill: rgb("#1f5f8b"))[#value] \\ #text(size: 9pt)[#label]]\n'
                 f"#block(breakable: false)[\n{grids}\n]")
        return by_format(f"```{{=html}}\n{page}\n```", f"```{{=typst}}\n{typst}\n```")

    def key_findings(self) -> str:
        """The period's key findings (report/key-findings.yml): the claims' checked sentences, a list."""
        names = read_yaml(KEY_FINDINGS) or []
        unknown = [n for n in names if n not in CLAIMS]
        if unknown:
            raise ContentFailed(f"{KEY_FINDINGS}: {', '.join(map(str, unknown))} is not a claim (pipeline/claims.yml lists them)")
        said = [text for text in (self.claim(n) for n in names if n in self.claims) if text]
        return "\n".join(f"- {text}" for text in said)

    def finding(self, figure: str) -> str | None:
        """The checked sentence of the claim a figure is titled by (report/figure-findings.yml), as
        plain text for plotly (its markup characters escaped), or None."""
        chosen = read_yaml(FIGURE_FINDINGS) or {}
        unknown = [str(n) for n in chosen.values() if n not in CLAIMS]
        if unknown:
            raise ContentFailed(f"{FIGURE_FINDINGS}: {', '.join(unknown)} is not a claim (pipeline/claims.yml lists them)")
        name = chosen.get(figure)
        if name not in self.claims:
            return None
        row = self.claims[name]
        text = sentence(Claim(name, row["case"], row["values"], row.get("basis", "")), self.lang)
        return html.escape(text, quote=False) or None

    def imprint(self) -> str:
        """Under the title: who publishes, where the data comes from, the licence (when period.yml
        gives one) and, in HTML, the link to the PDF of the same edition. In the PDF these make the
        cover with the title, and the contents start the next page."""
        p = self.period
        publishers = markdown_text(p.publishers[self.lang].strip()) + "." if p.publishers else ""
        origin = self.t("Данные: ", "Data: ") + {"observed": self.t("наблюдения мониторинга", "the monitoring's observations"),
                                                 "reconstructed": self.t("реконструированы", "reconstructed"),
                                                 "synthetic": self.t("синтетические (не реальные)", "synthetic (not real)")}[p.data_origin] + "."
        licence = (self.t("Лицензия: ", "Licence: ") + markdown_text(p.licence[self.lang].strip()) + ".") if p.licence else ""
        if p.published:  # a day of period.yml, never the day of the run: a rerun prints the same cover
            day = p.published
            month = MONTHS_GENITIVE[self.lang][day.month - 1]
            licence = f"{self.t('Опубликовано', 'Published')} {day.day} {month} {day.year}. {licence}".strip()
        link = f"[{self.t('Версия для печати (PDF)', 'Printable edition (PDF)')}](bulletin_{self.lang}.pdf)"
        lines = [line for line in (publishers, origin, licence) if line]
        cover = "\n\n".join(lines) + "\n\n```{=typst}\n#pagebreak()\n#outline(depth: 2)\n#pagebreak()\n```\n"
        return by_format(" ".join([*lines, link]), "```{=typst}\n#v(1fr)\n```\n\n" + cover)

    def back_page(self) -> str:
        p, blocks = self.period, []
        if p.publishers:
            blocks.append(self.t("Издатели: ", "Published by ") + markdown_text(p.publishers[self.lang].strip()) + ".")
        if p.acknowledgement:
            blocks.append(markdown_text(p.acknowledgement[self.lang].strip()))
        if p.contact:
            blocks.append("\n".join("| " + markdown_text(line.strip()) for line in p.contact[self.lang].strip().splitlines() if line.strip()))
        return "\n\n".join(blocks)

    def macro_regions(self) -> str:
        division = load_division(self.period)
        used = set(division.get("macro_region", pd.Series(dtype=str))) - {""}
        names = load_reference(self.period, "macro_regions").set_index("id")
        listed = [markdown_text(names.loc[m, f"name_{self.lang}"]) for m in names.index if m in used]
        if not listed:
            return ""
        grouped = f"{self.counted(len(listed), 'macro_region')}: {formatting.joined(listed, self.lang)}"
        return self.t(f"Регионы страны по традиции объединяют в {grouped}.", f"The country's regions are traditionally grouped into {grouped}.")

    def editorial(self, name: str) -> str:
        text = editorial_text(self.period, name, self.lang)
        if text is None:
            return "::: {.callout-warning}\n" + self.t(
                f"**Текст редактора отсутствует.** Этот раздел пишет редактор периода: файл `editorial/{name}.ru.md` "
                "в папке сырых данных периода.",
                f"**Editor's text missing.** The period's editor writes this section: the file `editorial/{name}.en.md` "
                "in the period's raw data folder.") + "\n:::"
        return editorial_markdown(text)

    def boundaries_source(self) -> str:
        path = self.period.reference_dir / "boundaries" / "sources.yml"
        try:
            sources = read_yaml(path) if path.is_file() else {}
        except yaml.YAMLError as error:
            raise ContentFailed(f"{path}: expected YAML, each division a mapping {{ru: ..., en: ...}} ({error})".replace("\n", " ")) from None
        source = sources.get(self.period.division) if isinstance(sources, dict) else None
        if not isinstance(source, dict) or not source.get(self.lang):
            return self.t(f"источник не указан (нет записи {self.period.division} в reference/boundaries/sources.yml)",
                          f"source not recorded (no entry {self.period.division} in reference/boundaries/sources.yml)")
        return markdown_text(str(source[self.lang]))

    @cached_property
    def record(self) -> dict:
        """The run record so far (run.json): the appendix quotes its date, inputs and versions."""
        path = self.folder / "run.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

    @cached_property
    def reconciliation(self) -> pd.DataFrame | None:
        path = self.folder / "reconciliation.csv"
        return pd.read_csv(path, keep_default_na=False) if path.exists() else None


def column_widths(headings: list[str], rows: list[list[str]], numeric: list[bool], characters: int = 76, padding: float = 1.5) -> list[int]:
    """Relative widths of a table's columns, as dashes of a pipe table (pandoc turns them into the
    HTML's and Typst's widths). Every column gets at least its longest word (numbers never wrap; the
    PDF does not hyphenate tables); text columns share what is left of the PDF's text width (about 76
    letters of the 9 pt table font) in proportion to what more they would take. The dashes add up to
    more than pandoc's 72 columns, so the widths are always used."""
    def longest_word(texts) -> int:
        return max((len(word) for text in texts for word in str(text).split()), default=1)

    least = [max(longest_word([h]) + 1, (max((len(r[i]) for r in rows), default=1) if n else longest_word(r[i] for r in rows)))
             for i, (h, n) in enumerate(zip(headings, numeric))]
    wanted = [w if n else max(w, max((len(r[i]) for r in rows), default=1)) for i, (w, n) in enumerate(zip(least, numeric))]
    budget = characters - padding * len(headings)
    if sum(wanted) > budget and sum(least) < budget:
        spare, extra = budget - sum(least), sum(w - m for w, m in zip(wanted, least))
        wanted = [m + (w - m) * spare / extra for w, m in zip(wanted, least)]
    elif sum(wanted) > budget:
        wanted = least
    scale = max(1.0, 80 / sum(wanted))
    return [max(3, round(w * scale)) for w in wanted]


# --- figures ----------------------------------------------------------------------------------------
class Figures:
    """The bulletin's figures of one language: each one's data for the HTML page (a script that
    plotly.js runs; Quarto's embed-resources puts it into the page), its PNG for the PDF (drawn
    together in one Chromium), its text alternative; returns the block the edition shows."""

    def __init__(self, target: Path, units: dict[str, dict[str, str]], period: Period) -> None:
        self.target, self.images, self.units = target, [], units  # units: lang -> {code: name} of the division
        self.period = period
        self.shown: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {}  # lang -> each figure's title and rows, for the PDF

    def short_source(self, spec: dict, lang: str) -> dict:
        """The figure with the short source line: the bulletin says the data's origin note once, at
        its start; each figure keeps the origin in a word or two (a figure copied out carries it)."""
        layout = spec.get("layout", {})
        for note in layout.get("annotations", []):
            if note.get("name") == "source":
                before = note["text"].count("<br>")
                note["text"] = charts.wrap(charts.source_line(self.period, lang, short=True), 95)
                fewer = round((before - note["text"].count("<br>")) * note["font"]["size"] * charts.LINE_HEIGHT)
                if fewer > 0 and layout.get("margin", {}).get("b") and layout.get("height"):  # no blank band under it
                    layout["margin"]["b"] -= fewer
                    layout["height"] -= fewer
        return spec

    def titled(self, spec: dict, finding: str | None) -> dict:
        """A figure titled by its finding, its own title (what it shows) as the subtitle; the top
        margin grows by the finding's lines."""
        layout = spec.setdefault("layout", {})
        title = layout.get("title") or {}
        if not finding or not title.get("text"):
            return spec
        size = (title.get("font") or {}).get("size") or 17
        width = min(layout.get("width") or charts.CHART_WIDTH, charts.MIN_WIDTH)  # the narrowest column it is drawn in as it is
        text = charts.wrap(finding, int((width - 30) / (charts.CHAR_WIDTH * size)))
        layout["title"] = {**title, "text": text, "subtitle": {"text": title["text"], "font": {"size": round(size * 0.8), "color": "#444"}}}
        extra = round((text.count("<br>") + 1) * size * charts.LINE_HEIGHT + 4)
        layout["margin"] = {**layout.get("margin", {}), "t": (layout.get("margin", {}).get("t") or 80) + extra}
        layout["height"] = (layout.get("height") or 450) + extra
        return spec

    def chart(self, name: str, fig, lang: str, unit: str = "", finding: str | None = None) -> str:
        spec = self.titled(self.short_source(fig.to_plotly_json(), lang), finding)
        png = self.target / "figures" / f"{name}_{lang}.png"
        self.images.append(images.Image(spec, png, spec["layout"].get("width") or 820, spec["layout"].get("height") or 450, scale=2))
        self.shown.setdefault(lang, []).append((shows(spec), rows_of(spec, lang, unit=unit)))
        return self._block(name, lang, spec, described(spec, lang, unit=unit), data_table(spec, lang, unit=unit))

    def map(self, name: str, folder: Path, lang: str, finding: str | None = None) -> str:
        spec = self.short_source(json.loads((folder / "maps" / f"{name}_{lang}.json").read_text(encoding="utf-8")), lang)
        spec = self.titled(spec, finding)
        png = self.target / "figures" / f"{name}_{lang}.png"
        self.images.append(images.Image(spec, png, spec["layout"].get("width") or 1000, spec["layout"].get("height") or 620, scale=2))
        names = self.units[lang]
        self.shown.setdefault(lang, []).append((shows(spec), rows_of(spec, lang, names)))
        return self._block(name, lang, spec, described(spec, lang, names), data_table(spec, lang, names))

    def data_appendix(self, e: "Edition") -> str:
        """The PDF's appendix of the figures' data: each figure's title and its values, a table each
        (the HTML edition has each under its figure)."""
        blocks = []
        for title, rows in self.shown.get(e.lang, []):
            frame = pd.DataFrame(rows, columns=["item", "value"])
            blocks.append(f"**{markdown_text(title)}**\n\n" + e.table(frame, {"item": ("Показатель", "Item"), "value": ("Значение", "Value")}))
        return "\n".join(blocks)

    def _block(self, name: str, lang: str, spec: dict, alt: str, table: str) -> str:
        """HTML: the figure drawn by plotly.js (its phone version in a narrow column,
        pipeline/outputs/phone.py), read by screen readers as an image with its text alternative,
        and its data in a table under it; PDF: the PNG with the same alternative."""
        div = f"plot-{name}"
        layout = phone.fixed({k: v for k, v in spec.get("layout", {}).items() if k != "width"} | {"autosize": True})
        figure = pio.to_json({"data": spec.get("data", [])[:], "layout": layout}, validate=False)
        (self.target / "figures" / f"{name}_{lang}.js").write_text(
            f"drawFigure({json.dumps(div)}, {figure}, {json.dumps(phone.version(spec))});\n", encoding="utf-8")
        page = (f'<div class="bulletin-figure"><div id="{div}" class="plotly-graph-div" role="img" '
                f'aria-label="{raw_html(alt)}"></div><script src="period/figures/{name}_{lang}.js"></script>'
                f"{table}</div>")
        plain_alt = re.sub(r'[{}<>"\\]', "", alt)
        return by_format(f"```{{=html}}\n{page}\n```", f'![](period/figures/{name}_{lang}.png){{fig-alt="{plain_alt}"}}')

    def draw(self, painter=None) -> None:
        """In the run's Chromium when given (it drew the maps), else in one of its own."""
        painter.draw(self.images) if painter else images.draw(self.images)


# --- the whole of it -----------------------------------------------------------------------------------
def run_step(run, into: Path, record) -> None:
    """The run's step `content` (pipeline/steps.yml): its charts drawn in the run's Chromium."""
    write(run.period, run.folder, into / "bulletin-data", painter=run.painter())


def write(period: Period, folder: Path, target: Path, painter=None) -> None:
    """Everything the bulletin says about the period, from the run's outputs in `folder`, into `target`."""
    tables = load_tables(folder)
    if not tables:
        raise ContentFailed(f"{folder}: no processed tables; run `hrd-bulletin run {period.id}` first")
    claims = checked_claims(folder, tables)
    references = claim_references(set(CLAIMS))  # every claim the parts declare
    (target / "figures").mkdir(parents=True, exist_ok=True)
    (target / "text").mkdir(exist_ok=True)
    division = load_division(period)
    figures = Figures(target, {lang: dict(zip(division["code"], division[f"name_{lang}"])) for lang in LANGS}, period)
    editions = {lang: Edition(period, folder, lang, tables, claims) for lang in LANGS}
    for lang, e in editions.items():
        claimed: dict = {}
        for name in claims:
            part, _, short = name.partition(".")
            claimed.setdefault(part, {})[short] = e.claim(name, references.get(name))
        meta = {**title_block(e), "hrd": values(e), "claim": claimed, "table": tables_of(e),
                "text": texts_of(e), "figure": figures_of(e, figures)}
        check_metadata(meta, lang)
        (target / f"{lang}.yml").write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
    # the editor's and publisher's own words and the key findings: Markdown included (escaped), never metadata
    free = {"imprint": Edition.imprint, "back-page": Edition.back_page, "key-findings": Edition.key_findings,
            **{f"editorial-{name}": (lambda e, name=name: e.editorial(name)) for name in ("rights", "difficulties", "recommendations")}}
    for name, make in free.items():
        (target / "text" / f"{name}.md").write_text(both(*(make(editions[lang]) for lang in LANGS)), encoding="utf-8")
    (target / "text" / "figure-data.md").write_text(both(*(figures.data_appendix(editions[lang]) for lang in LANGS)), encoding="utf-8")
    (target / "plotly.min.js").write_text(get_plotlyjs(), encoding="utf-8")
    shutil.copyfile(phone.DRAW_FIGURE, target / "draw_figure.js")
    figures.draw(painter)


def claim_references(claims: set[str], path: Path = REFERENCES) -> dict[str, str]:
    """report/references.yml: {claim: reference}, checked, so that a typo is a message, not a lost reference."""
    try:
        references = read_yaml(path) if path.is_file() else {}
    except yaml.YAMLError as error:
        raise ContentFailed(f"{path}: expected YAML, one line per claim, 'name: \"@fig-...\"' ({error})".replace("\n", " ")) from None
    if not isinstance(references, dict) or not all(isinstance(v, str) for v in references.values()):
        raise ContentFailed(f"{path}: expected one line per claim, 'name: \"@fig-...\"'")
    unknown = sorted(set(references) - claims)
    if unknown:
        raise ContentFailed(f"{path}: no claim named {', '.join(unknown)} (the parts declare them: pipeline/parts/*.py, @claim)")
    return references


# metadata strings are read again by Quarto for shortcodes after unescaping: a brace from the data
# (escaped by markdown_text as \{) or two together could become one; the markup written here has single ones
UNSAFE_METADATA = re.compile(r"\{\{|\}\}|\\[{}]")


def check_metadata(meta: dict, lang: str) -> None:
    """Refuse text that Quarto could read as a shortcode once it has unescaped the metadata."""
    for key, value in _strings(meta):
        if UNSAFE_METADATA.search(value):
            raise ContentFailed(f"{lang} bulletin, {key}: {value[:80]!r} holds braces, which no text of the bulletin's "
                                "metadata may have (Quarto would read them as a shortcode): change it where it comes from")


def _strings(tree, prefix: str = ""):
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _strings(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(tree, str):
        yield prefix, tree


def title_block(e: Edition) -> dict:
    p = e.period

    def month(day) -> str:
        return f"{MONTHS[e.lang][day.month - 1]} {day.year}"

    title = markdown_text(p.title_ru if e.lang == "ru" else p.title_en)
    # keywords: the PDF's and the page's metadata (words of ours, no text from the data)
    keywords = (["правозащитники", "Казахстан", "мониторинг", f"бюллетень №{p.bulletin_number}"] if e.lang == "ru"
                else ["human rights defenders", "Kazakhstan", "monitoring", f"bulletin No. {p.bulletin_number}"])
    return {"title": title.split(". ")[0], "pagetitle": title, "keywords": keywords,
            "subtitle": SUBTITLE[e.lang].format(n=p.bulletin_number, first=month(p.first_day).capitalize(), last=month(p.last_day))}


def values(e: Edition) -> dict:
    """The short values the prose quotes with {{< meta hrd.* >}}."""
    record = e.record
    return {"period": e.period.id, "respondents": e.counted(e.headline("respondents"), "respondent"),
            "organizations": e.counted(e.headline("organizations"), "ngo"), "individuals": e.counted(e.headline("individuals"), "individual"),
            "organizations-n": e.num(e.headline("organizations")), "individuals-n": e.num(e.headline("individuals")),
            **{key.replace("_", "-"): e.evidence(key) for key in ("confidence", "min_base_words", "caution_base", "alpha")},
            "run-date": str(record.get("started", ""))[:10] or "—", "commit": str(record.get("git_commit") or "—"),
            "python": str(record.get("python", "—")), "ignored-files": str(record.get("ignored_raw_files", 0)),
            "scale": assessment_scale(e.lang)}


def assessment_scale(lang: str) -> str:
    """The regional assessments' scale as the codebook sets it ('1-5')."""
    threats = load_codebook("assessments").files["regional_assessments"].column("threats")
    return f"{formatting.number(threats.min, lang)}-{formatting.number(threats.max, lang)}"


def texts_of(e: Edition) -> dict:
    reconciled = (e.t("Каждый опубликованный показатель бюллетеня пересчитан из обработанных таблиц (@tbl-reconciliation-summary); "
                      "показатели, которые не совпадают, перечислены с причиной (@tbl-reconciliation).",
                      "Every published figure of the bulletin was recomputed from the processed tables (@tbl-reconciliation-summary); "
                      "the figures that differ are listed with the reason (@tbl-reconciliation).")
                  if e.reconciliation is not None else
                  e.t("У периода нет опубликованных показателей: сверять не с чем.", "The period has no published figures: there is nothing to reconcile."))
    return {"origin-note": e.period.origin_note[e.lang], "key-figures": e.key_figures(), "macro-regions": e.macro_regions(),
            "boundaries-source": e.boundaries_source(), "reconciled": reconciled,
            "compared-units": markdown_text(compared_units(e.tables, e.period.reference_dir, e.lang)) if "dynamics_vs_previous" in e.tables else ""}


MEASURES = {"threats": ("Угрозы", "Threats"), "vulnerability": ("Уязвимость", "Vulnerability"), "resources": ("Ресурсы", "Resources"),
            "security": ("Безопасность", "Security"), "risk": ("Риск", "Risk")}


def tables_of(e: Edition) -> dict:
    tables = e.tables
    portrait, stats = tables["survey_portrait_shares"], tables["survey_portrait_stats"]
    ngo = stats[stats["group"] == "organizations"]
    short = {"experience_years": e.t("Опыт работы, лет", "Years of work"), "projects_per_year": e.t("Проектов в год", "Projects a year"),
             "annual_funding_usd": e.t("Финансирование в год, долл. США", "Annual funding, USD")}
    labels = load_codebook("media").codes["outlet_kind"]
    kinds = tables["media_by_kind"]
    individuals = portrait[(portrait["group"] == "individuals") & portrait["item"].isin(["gender", "nationality", "education", "age_group"])]
    return {
        "headlines": e.table(tables["period_headlines"], {"label_" + e.lang: ("Показатель", "Figure"), "value": ("Значение", "Value")}),
        "portrait": e.shares_table(individuals),
        "ngo": e.table(ngo.assign(label=ngo["item"].map(short)), {"label": ("Показатель", "Item"), "n": ("Ответили", "Answered"),
                       "mean": ("Среднее", "Mean"), "min": ("Минимум", "Minimum"), "max": ("Максимум", "Maximum")}, decimals={"mean": 1}),
        "attacks": e.attacks_table(),
        "categories": e.table(tables["incidents_by_hrd_category"], {f"name_{e.lang}": ("Категория правозащитников", "Category of defenders"),
                              "violations": ("Нарушения", "Violations"), "share_pct": ("%", "%")}, decimals={"share_pct": 1}),
        "sources": e.table(tables["incidents_by_source"], {f"name_{e.lang}": ("Источник угроз", "Source of threats"),
                           "violations": ("Нарушения", "Violations"), "share_pct": ("%", "%")}, decimals={"share_pct": 1}),
        "media-kinds": e.table(kinds.assign(kind_label=[labels[k][e.lang] for k in kinds["kind"]]),
                               {"kind_label": ("Вид СМИ", "Kind of outlet"), "outlets": ("СМИ", "Outlets"), "materials": ("Материалы", "Materials"),
                                "supportive": ("Поддерживающие", "Supportive"), "neutral": ("Нейтральные", "Neutral"), "negative": ("Негативные", "Negative")}),
        "dynamics": e.table(tables["dynamics_national"], {"wave": ("Волна", "Wave"), "regions": ("Регионов", "Regions"), **MEASURES},
                            decimals={m: 2 for m in MEASURES}),
        "vs-previous": vs_previous(e),
        "reconciliation-summary": reconciliation_summary(e),
        "reconciliation": reconciliation_differing(e),
        "not-reproduced": unreproduced(e),
        "inputs": e.table(inputs_listed(e), {"file": ("Файл", "File"), "sha256": ("SHA-256 (начало)", "SHA-256 (start)")}),
        "versions": e.table(pd.DataFrame([{"package": k, "version": v or "—"} for k, v in e.record.get("packages", {}).items()], columns=["package", "version"]),
                            {"package": ("Пакет", "Package"), "version": ("Версия", "Version")}),
    }


def inputs_listed(e: Edition) -> pd.DataFrame:
    """The run's inputs for the appendix: the period's own files one by one, the reference folder
    (divisions, boundaries, gazetteer, taxonomies: some 26 files, each in run.json) as one row whose
    digest is that of its files' names and digests."""
    inputs = e.record.get("inputs", {})
    reference = {k: v for k, v in inputs.items() if k.startswith("raw/reference/")}
    rows = [{"file": k, "sha256": v} for k, v in inputs.items() if k not in reference]
    if reference:
        listing = "".join(f"{name} {digest}\n" for name, digest in sorted(reference.items()))
        files = formatting.counted(len(reference), e.lang, e.t(("файл", "файла", "файлов"), ("file", "files")))
        rows.append({"file": e.t(f"raw/reference/ ({files}, каждый в run.json)", f"raw/reference/ ({files}, each in run.json)"),
                     "sha256": hashlib.sha256(listing.encode()).hexdigest()})
    return pd.DataFrame([{**r, "sha256": r["sha256"][:16] + "…"} for r in rows], columns=["file", "sha256"])


def vs_previous(e: Edition) -> str:
    blocks = []
    if "dynamics_vs_previous" in e.tables:
        compared = e.tables["dynamics_vs_previous"]
        blocks += [e.t("Сравнение с предыдущим периодом (последняя волна):", "Against the previous period (last wave):"),
                   e.table(compared.assign(label=[MEASURES[m][0 if e.lang == "ru" else 1] for m in compared["measure"]]),
                           {"label": ("Показатель", "Measure"), "this_period": ("Этот период", "This period"),
                            "previous_period": ("Предыдущий", "Previous"), "change": ("Разница", "Difference")},
                           decimals={"this_period": 2, "previous_period": 2, "change": 2})]
    if "dynamics_regions_vs_previous" in e.tables:
        blocks += [e.t("Риск по регионам в сравнении с предыдущим периодом (последняя волна):", "Risk by region against the previous period (last wave):"),
                   e.table(e.tables["dynamics_regions_vs_previous"], {f"oblast_{e.lang}": ("Регион", "Region"),
                           "risk_previous": ("Предыдущий", "Previous"), "risk": ("Этот период", "This period"),
                           "risk_change": ("Разница", "Difference")}, decimals={"risk_previous": 2, "risk": 2, "risk_change": 2})]
    return "\n\n".join(blocks)


def reconciliation_summary(e: Edition) -> str:
    frame = e.reconciliation
    if frame is None:
        return e.t("Для периода нет опубликованных показателей.", "The period has no published figures.")
    words = {"agrees": e.t("совпадает", "agrees"), "disagrees": e.t("не совпадает", "disagrees"),
             "missing": e.t("нет таблицы", "table missing"), "not_recomputed": e.t("не пересчитан", "not recomputed")}
    counts = frame["status"].map(words).value_counts().rename_axis("status").reset_index(name="figures")
    return e.table(counts, {"status": ("Результат", "Result"), "figures": ("Показатели", "Figures")})


def reconciliation_differing(e: Edition) -> str:
    frame = e.reconciliation
    if frame is None:
        return e.t("Сверять не с чем.", "Nothing to reconcile.")
    shown = [f"title_{e.lang}", "published", "recomputed", f"reason_{e.lang}"]
    # one figure the bulletin prints in several places is one row, saying how many
    differing = frame[frame["status"] != "agrees"]
    places = differing.groupby(shown, sort=False, dropna=False).size().rename("places").reset_index()
    places[f"title_{e.lang}"] = [title if n == 1 else f"{title} ({e.t(f'в бюллетене {n} раза', f'{n} places in the bulletin')})"
                                 for title, n in zip(places[f"title_{e.lang}"], places["places"])]
    return e.table(places, {f"title_{e.lang}": ("Показатель", "Figure"), "published": ("Опубликовано", "Published"),
                   "recomputed": ("Пересчитано", "Recomputed"), f"reason_{e.lang}": ("Почему", "Why")})


def unreproduced(e: Edition) -> str:
    if not e.period.published_figures_path.exists():
        return e.t("У периода нет опубликованного бюллетеня, с которым можно сверить.", "The period has no published bulletin to compare with.")
    elements = not_reproduced(e.period)
    if not elements:
        return e.t("Все элементы опубликованного бюллетеня пересчитаны из данных.", "Every element of the published bulletin is recomputed from the data.")
    return e.table(pd.DataFrame([{"element": x["element"][e.lang], "why": x["why"][e.lang]} for x in elements]),
                   {"element": ("Элемент бюллетеня", "Element of the bulletin"), "why": ("Почему не пересчитан", "Why not recomputed")})


PROTECTION = [("security_training_received", "no", ("Не проходили тренинги по безопасности", "No security training")),
              ("has_security_protocol", "no", ("Нет протокола безопасности", "No security protocol")),
              ("has_office_alarm", "no", ("Нет сигнализации в офисе", "No office alarm")),
              ("has_special_locks", "no", ("Недоступны специальные замки", "No special locks")),
              ("has_secure_communication", "no", ("Недоступны безопасные средства связи", "No secure communication")),
              ("needs_financial_security_advice", "yes", ("Нужна консультация по финансовой безопасности", "Need advice on financial security"))]
MAPS = ("respondents", "violations_all", "media", "risk", "security", "threats", "vulnerability", "resources")


def figures_of(e: Edition, figures: Figures) -> dict:
    tables, period, lang = e.tables, e.period, e.lang
    by_type, categories = tables["incidents_by_type"], tables["incidents_by_hrd_category"]
    blocks = {
        "activity": figures.chart("activity", charts.share_bars(tables["survey_portrait_shares"], "activity_type", period,
                                  title=e.t("Вид правозащитной деятельности", "Kind of human rights work"), lang=lang), lang, unit="%", finding=e.finding("activity")),
        "protection": figures.chart("protection", charts.compare_groups(tables["survey_security_shares"], [(i, a, e.t(*label)) for i, a, label in PROTECTION],
                                    period, e.t("Доступность средств безопасности", "Access to means of security"), lang=lang), lang, unit="%",
                                    finding=e.finding("protection")),
        "types": figures.chart("types", charts.ranked_bars(by_type, f"name_{lang}", "violations", period,
                               e.t("Самые частые виды угроз", "Most frequent threat types"), lang=lang, top=TOP_TYPES), lang,
                               finding=e.finding("types")),
        "categories": figures.chart("categories", charts.ranked_bars(categories, f"name_{lang}", "violations", period,
                                    e.t("Категории правозащитников, подвергшихся угрозам", "Categories of defenders facing threats"), lang=lang), lang,
                                    finding=e.finding("categories")),
        "matrix": figures.chart("matrix", charts.matrix_heatmap(tables["incidents_matrix"], by_type, period,
                                e.t("Матрица разновидностей и количества угроз", "Threat types by city"), lang=lang), lang),
        **{f"map-{name}": figures.map(name, e.folder, lang, e.finding(f"map-{name}")) for name in MAPS},
    }
    # one numbered map per category of defenders that suffered violations, the most affected first
    maps = []
    for _, row in categories.query("violations > 0").iterrows():
        category, label = row["hrd_category"], markdown_text(row[f"name_{lang}"])
        maps.append(f"::: {{#fig-map-{category.replace('_', '-')}}}\n{figures.map(f'violations_{category}', e.folder, lang)}\n"
                    f"{e.t('Нарушения по регионам: ', 'Violations by region: ')}{label}\n:::\n")
    blocks["category-maps"] = "\n".join(maps)
    return blocks
