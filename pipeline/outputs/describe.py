"""What a figure shows, in words and as a table, computed from its plotly JSON: the text
alternative a screen reader reads (its title, highest and lowest values, how many have none) and
the data table a reader can open under it, in the edition's language. Used by the bulletin's
figures (pipeline/bulletin/content.py) and the maps' own pages (pipeline/outputs/maps.py)."""
from __future__ import annotations

import base64
import html
import re

import numpy as np

from pipeline import formatting


def described(spec: dict, lang: str, names: dict[str, str] | None = None, unit: str = "") -> str:
    """A figure's text alternative from its data: its title, then the largest and smallest values
    (every tie named) and how many have none. Bars: label and value; heat maps: row, column and
    value; maps: each unit's name (names: code -> name) and value. unit: "%" for shares."""
    title = title_of(spec)
    values = values_of(spec, names)
    if not values:
        return title
    top, low = max(values.values()), min(values.values())

    def named(v: float) -> str:
        return formatting.joined([k for k, x in values.items() if x == v], lang)

    parts = [f"{'Наибольшее значение' if lang == 'ru' else 'Highest'}: {named(top)} ({shown(top, lang, unit)})"]
    if low != top:
        parts.append(f"{'наименьшее' if lang == 'ru' else 'lowest'}: {named(low)} ({shown(low, lang, unit)})")
    zeros = sum(1 for v in values.values() if v == 0)
    if zeros and low == 0:
        parts[-1] = f"{'нулевое значение у' if lang == 'ru' else 'none'}: {zeros} {'из' if lang == 'ru' else 'of'} {len(values)}"
    return f"{title}. " + "; ".join(parts) + "."


def _plain(text) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", str(text or ""))).strip())


def shows(spec: dict) -> str:
    """What a figure shows: its own title (the subtitle, when a finding titles it)."""
    title = spec.get("layout", {}).get("title") or {}
    return _plain((title.get("subtitle") or {}).get("text") or title.get("text"))


def title_of(spec: dict) -> str:
    """The figure's title as read aloud: its finding, when one titles it, then what it shows."""
    title = spec.get("layout", {}).get("title") or {}
    finding, own = _plain(title.get("text")), _plain((title.get("subtitle") or {}).get("text"))
    return f"{finding.rstrip('.')}. {own}" if own else finding


def values_of(spec: dict, names: dict[str, str] | None = None) -> dict[str, float]:
    """What a figure shows, label -> value, in its order: bars (series, label), heat-map cells
    (row, column), map units (their names; units without a value left out)."""
    values: dict[str, float] = {}
    for trace in spec.get("data", []):
        if trace.get("type") == "bar":
            labels, numbers = ((trace.get("y"), trace.get("x")) if trace.get("orientation") == "h" else (trace.get("x"), trace.get("y")))
            prefix = f"{trace['name']}, " if trace.get("name") and len(spec["data"]) > 1 else ""
            values.update({prefix + str(k).replace("<br>", " "): float(v) for k, v in zip(as_list(labels), as_list(numbers)) if v is not None})
        elif trace.get("type") == "heatmap":
            rows, columns, grid = as_list(trace.get("y")), as_list(trace.get("x")), as_list(trace.get("z"))
            values.update({f"{str(r).replace('<br>', ' ')}, {c}": float(v) for r, row in zip(rows, grid) for c, v in zip(columns, row)})
        elif trace.get("fill") == "toself" and trace.get("customdata") and trace.get("name"):
            value = trace["customdata"][0][1] if len(trace["customdata"][0]) > 1 else None
            if value is not None and value == value:
                values[unit_name(trace, names)] = float(value)
    return values


def unit_name(trace: dict, names: dict[str, str] | None = None) -> str:
    """A map unit's name: the one its data carries (pipeline/outputs/maps.py), else from `names`
    (code -> name), else its code."""
    data = trace["customdata"][0]
    return str(data[2]) if len(data) > 2 else (names or {}).get(str(trace["name"]), str(trace["name"]))


def reaches(trace: dict) -> list[float]:
    """How far each bar of a trace (plotly JSON) reaches, its interval's whisker included."""
    values = [float(v) if v is not None else 0.0 for v in as_list(trace.get("x"))]
    upper = (trace.get("error_x") or {}).get("array")
    return [v + float(u) for v, u in zip(values, as_list(upper))] if upper is not None else values


def as_list(value) -> list:
    """plotly's typed array ({dtype, bdata, shape}: base64 of the numbers; a grid's shape "rows, columns")
    or a plain list, as a (nested) list."""
    if isinstance(value, dict) and "bdata" in value:
        numbers = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = [int(n) for n in str(value.get("shape", len(numbers))).split(",")]
        return numbers.reshape(shape).tolist()
    return list(value) if value is not None else []


def raw_html(text) -> str:
    """Text for an HTML attribute or element of a raw block: escaped, and without braces, which Quarto
    would read as a shortcode even inside a raw block."""
    return html.escape(str(text)).replace("{", "&#123;").replace("}", "&#125;")


def shown(value: float, lang: str, unit: str = "") -> str:
    return formatting.number(value, lang, 0 if float(value).is_integer() and not unit else 1) + unit


def rows_of(spec: dict, lang: str, names: dict[str, str] | None = None, unit: str = "") -> list[tuple[str, str]]:
    """The figure's values as (label, value as printed) rows: a heat map's non-empty cells one row
    per row of it ('Almaty 13; Pavlodar 9'), largest first; a map's units without a value say why
    (suppressed, not assessed, no observations), as the map's hover does."""
    grid = next((t for t in spec.get("data", []) if t.get("type") == "heatmap"), None)
    if grid is not None:
        columns = [str(c) for c in as_list(grid.get("x"))]
        return [(str(r).replace("<br>", " "), "; ".join(f"{c} {shown(v, lang)}" for c, v in sorted(zip(columns, row), key=lambda cv: -cv[1]) if v)
                 or "—") for r, row in zip(as_list(grid.get("y")), as_list(grid.get("z")))]
    rows = {label: shown(v, lang, unit) for label, v in values_of(spec, names).items()}
    for trace in spec.get("data", []):
        if trace.get("fill") == "toself" and trace.get("customdata") and trace["customdata"][0][1] is None:
            rows[unit_name(trace, names)] = str(trace.get("text", "")).partition(": ")[2] or "—"
    return list(rows.items())


def data_table(spec: dict, lang: str, names: dict[str, str] | None = None, unit: str = "") -> str:
    """The figure's values as an HTML table inside a <details> a reader can open (all text from the
    data escaped): a heat map as its grid, anything else one row per label (rows_of)."""
    ru = lang == "ru"
    grid = next((t for t in spec.get("data", []) if t.get("type") == "heatmap"), None)
    if grid is not None:
        columns = [str(c) for c in as_list(grid.get("x"))]
        head = "".join(f'<th scope="col">{raw_html(c)}</th>' for c in ["", *columns])
        body = "".join(f'<tr><th scope="row">{raw_html(str(r).replace("<br>", " "))}</th>'
                       + "".join(f"<td>{shown(v, lang)}</td>" for v in row) + "</tr>"
                       for r, row in zip(as_list(grid.get("y")), as_list(grid.get("z"))))
    else:
        rows = rows_of(spec, lang, names, unit)
        if not rows:
            return ""
        head = f'<th scope="col">{"Показатель" if ru else "Item"}</th><th scope="col">{"Значение" if ru else "Value"}</th>'
        body = "".join(f'<tr><th scope="row">{raw_html(label)}</th><td>{raw_html(value)}</td></tr>' for label, value in rows)
    return (f'<details class="figure-data"><summary>{"Данные рисунка" if ru else "Data of the figure"}: '
            f'{raw_html(shows(spec))}</summary><div class="figure-data-table"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div></details>")
