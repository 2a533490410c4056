"""A figure laid out again for a phone's column (about 342 px of a 390 px screen).

The bulletin's figures are designed for a column of 600 px or more. Shrunk to a phone's width, the
long labels of the bars take the whole width and the maps' text covers the regions, so a figure
also carries a phone version: the same traces with a few properties changed (`traces`, one dict
per trace) and its own layout. The page draws one or the other by the width of the figure's
column (pipeline/bulletin/content.py, the maps' own pages in pipeline/outputs/maps.py), and
tests/test_layout.py checks that no figure is wider than its column at 390 px.

Bars: each label on its own line(s) above its bars, the value beside each bar (no value axis).
Heat map: the rows numbered, their names listed under it. Map: smaller text, the colour bar and
the legend under the map. Every version: title and source line wrapped to the column, legend below
the plot, nothing a swipe could zoom or drag.
"""
from __future__ import annotations

import copy
import textwrap
from pathlib import Path

from pipeline.outputs.describe import as_list, reaches

DRAW_FIGURE = Path(__file__).with_name("draw_figure.js")  # what draws one version or the other in a page
NARROW = 600        # px: a column narrower than this gets the phone version
COLUMN = 342        # px: the column the phone version is laid out for (a 390 px phone)
CHAR = 0.62         # px per character at font size 1, DejaVu Sans on the wide side
LINE = 1.3          # line height, in font sizes


def wrapped(text: str, size: float, width: float = COLUMN - 12) -> str:
    """Text on as many lines as a column of `width` px needs at font `size` (plotly's <br>)."""
    plain = str(text).replace("<br>", " ")
    return "<br>".join(textwrap.wrap(plain, max(12, int(width / (CHAR * size))))) or plain


def lines(text: str) -> int:
    return str(text).count("<br>") + 1


def fixed(layout: dict) -> dict:
    """No drag, no zoom: a swipe over a figure scrolls the page (hover still shows values)."""
    layout["dragmode"] = False
    for axis in ("xaxis", "yaxis"):
        layout[axis] = {**layout.get(axis, {}), "fixedrange": True}
    return layout


def version(spec: dict) -> dict:
    """The phone version of a figure's plotly JSON: {"traces": [changes per trace], "layout": {...}}."""
    data, layout = spec.get("data", []), copy.deepcopy(spec.get("layout", {}))
    layout.pop("width", None)
    # the legend's entries, to know how many lines it takes in the column
    layout.setdefault("meta", {})
    layout["meta"] = {**(layout["meta"] or {}), "legend_entries": [
        str(t["name"]) for t in data if t.get("name") and t.get("showlegend") is not False]}
    if (layout.get("meta") or {}).get("map"):
        traces, layout = _map(data, layout)
    elif any(t.get("type") == "heatmap" for t in data):
        traces, layout = _heatmap(data, layout)
    elif any(t.get("type") == "bar" and t.get("orientation") == "h" for t in data):
        traces, layout = _bars(data, layout)
    else:
        traces, layout = [{} for _ in data], _frame(layout, plot_height=260, legend_shown=len(data) > 1)
    return {"traces": traces, "layout": fixed(layout)}


def _title(layout: dict, size: int = 15) -> int:
    """The title wrapped to the column; returns the height it needs."""
    title = layout.get("title") or {}
    if not title.get("text"):
        return 12
    text = wrapped(title["text"], size)
    height = lines(text) * size * LINE + 16
    subtitle = (title.get("subtitle") or {}).get("text")
    if subtitle:  # under the finding, smaller, in the same title (plotly would set it over the plot)
        small = wrapped(subtitle, 12)
        text += "".join(f'<br><span style="font-size:12px">{line}</span>' for line in small.split("<br>"))
        height += lines(small) * 12 * LINE + 8
    layout["title"] = {**{k: v for k, v in title.items() if k != "subtitle"}, "text": text,
                       "font": {**title.get("font", {}), "size": size}, "x": 0.02, "xanchor": "left", "yref": "container",
                       "yanchor": "middle"}
    return round(height)


def _source(layout: dict, below: int, left: int, size: int = 11) -> int:
    """The source line (the annotation named 'source') wrapped to the column, `below` px under
    the plot, from the figure's left edge; returns the height it needs."""
    for note in layout.get("annotations", []):
        if note.get("name") == "source":
            note.update(text=wrapped(note["text"], size), xshift=-(left - 4), yshift=-below,
                        font={**note.get("font", {}), "size": size})
            return round(lines(note["text"]) * size * LINE + 8)
    return 0


def _frame(layout: dict, plot_height: int, under_plot: int = 0, left: int = 4, legend_shown: bool = False) -> dict:
    """Title above, legend and source line below a plot of `plot_height` px; `under_plot`: px of
    axis labels, colour bar or notes between the plot and the legend."""
    top = _title(layout)
    legend = 0
    if layout.get("showlegend", legend_shown):
        # paper units are the plot's height: the legend starts `under_plot` px below the plot
        layout["legend"] = {**layout.get("legend", {}), "orientation": "h", "x": 0, "xanchor": "left",
                            "y": -under_plot / plot_height, "yanchor": "top", "font": {"size": 12}}
        legend = _legend_height(layout["meta"].pop("legend_entries", []))
    source = _source(layout, under_plot + legend + 6, left)
    bottom = under_plot + legend + source + 10
    layout["margin"] = {"l": left, "r": 8, "t": top, "b": bottom, "pad": 0}
    layout["height"] = top + plot_height + bottom
    if "title" in layout:  # in the middle of the top margin: plotly clips a multi-line title set at the top
        layout["title"]["y"] = 1 - top / 2 / layout["height"]
    layout["font"] = {**layout.get("font", {}), "size": 12}
    return layout


def _legend_height(entries: list[str], size: int = 12) -> int:
    """Lines a horizontal legend of these entries takes in the column (each entry: its symbol, its
    text and a gap), in px."""
    rows, used = 1, 0.0
    for entry in entries:
        width = 40 + len(entry) * CHAR * size
        if used and used + width > COLUMN - 8:
            rows, used = rows + 1, 0.0
        used += width
    return round(rows * size * 1.75 + 8)


def _bars(data: list[dict], layout: dict) -> tuple[list[dict], dict]:
    """Each category's label on its own line(s) above its bars, the values beside the bars. The
    category axis becomes a numeric one in pixels (0 at the top), so each category takes the
    height its label's lines and its bars need, no more."""
    bars = [t for t in data if t.get("type") == "bar"]
    categories: list[str] = []
    for trace in bars:
        categories += [str(c) for c in trace.get("y", []) if str(c) not in categories]
    size, bar, gap = 12, 16, 3
    labels = {c: wrapped(c, size, COLUMN - 16) for c in categories}
    tops, label_bottom, cursor = {}, {}, 6.0
    for c in categories:  # label, then one bar per series, then space before the next category
        tops[c] = cursor
        label_bottom[c] = cursor + lines(labels[c]) * size * LINE + 2
        cursor = label_bottom[c] + len(bars) * (bar + gap) + 12
    traces, values, n = [], [], 0
    for trace in data:
        if trace.get("type") != "bar":
            traces.append({})
            continue
        names = [str(c) for c in trace.get("y", [])]
        ys = [label_bottom[c] + n * (bar + gap) + bar / 2 for c in names]
        traces.append({"y": ys, "width": bar, "hovertext": [labels[c].replace("<br>", " ") for c in names],
                       "hovertemplate": str(trace.get("hovertemplate", "%{y}: %{x}")).replace("%{y}", "%{hovertext}"),
                       "textposition": "none"})
        # each value beside its bar, past its interval's whisker (plotly's own text would sit under it)
        values.extend({"text": str(text), "x": reach, "y": y, "xref": "x", "yref": "y", "xanchor": "left", "xshift": 3,
                       "showarrow": False, "font": {"size": 11}}
                      for text, reach, y in zip(trace.get("text") or [], reaches(trace), ys))
        n += 1
    upper = (layout.get("xaxis") or {}).get("range", [0, None])[1]
    reach = max((x for t in bars for x in reaches(t)), default=0)
    if upper is not None and reach > 0:  # the value written beside the longest bar needs about a quarter of the width
        upper = max(float(upper), reach / 0.72)
    layout["xaxis"] = {**layout.get("xaxis", {}), "showticklabels": False, "title": {"text": ""}, "showgrid": False,
                       "zeroline": True, **({"range": [0, upper]} if upper is not None else {})}
    layout["yaxis"] = {"range": [cursor, 0], "visible": False, "autorange": False}
    layout["annotations"] = [*(a for a in layout.get("annotations", []) if a.get("name") != "value"), *(
        {"text": labels[c], "xref": "paper", "yref": "y", "x": 0, "y": label_bottom[c], "xanchor": "left",
         "yanchor": "bottom", "align": "left", "showarrow": False, "font": {"size": size}} for c in categories), *values]
    layout.pop("barmode", None)  # each bar has its place
    return traces, _frame(layout, plot_height=round(cursor))


def _heatmap(data: list[dict], layout: dict) -> tuple[list[dict], dict]:
    """The rows numbered (1, 2, ...) and their names listed under the heat map; columns' names
    turned upright; the cells' text smaller."""
    trace = next(t for t in data if t.get("type") == "heatmap")
    rows, columns = [str(r).replace("<br>", " ") for r in as_list(trace.get("y"))], [str(c) for c in as_list(trace.get("x"))]
    numbered = [str(n) for n in range(1, len(rows) + 1)]
    number = dict(zip([str(r) for r in as_list(trace.get("y"))], numbered))
    # the heat map and the cells' counts written over it (a text trace on the same rows)
    traces = [{"y": [number.get(str(y), str(y)) for y in as_list(t.get("y"))], "textfont": {**t.get("textfont", {}), "size": 10}}
              if t is trace or t.get("mode") == "text" else {} for t in data]
    size = 11
    key = "<br>".join(wrapped(f"{n}. {r}", size).replace("<br>", "<br>    ") for n, r in zip(numbered, rows))
    column_labels = round(max((len(c) for c in columns), default=4) * CHAR * 10 + 12)
    key_height = round(lines(key) * size * LINE + 8)
    layout["xaxis"] = {**layout.get("xaxis", {}), "tickangle": -90, "tickfont": {"size": 10}, "automargin": False}
    layout["yaxis"] = {**layout.get("yaxis", {}), "tickfont": {"size": 10}, "automargin": False}
    layout["annotations"] = [a for a in layout.get("annotations", [])] + [
        {"text": key, "name": "key", "xref": "paper", "yref": "paper", "x": 0, "y": 0, "xanchor": "left", "yanchor": "top",
         "yshift": -column_labels, "xshift": -22, "align": "left", "showarrow": False, "font": {"size": size}}]
    return traces, _frame(layout, plot_height=len(rows) * 22, under_plot=column_labels + key_height, left=26)


def _map(data: list[dict], layout: dict) -> tuple[list[dict], dict]:
    """Smaller text on the regions and the cities, the colour bar lying under the map."""
    traces = []
    for trace in data:
        change: dict = {}
        if trace.get("mode") == "text":
            change["textfont"] = {**trace.get("textfont", {}), "size": 10}
        marker = trace.get("marker") or {}
        if marker.get("showscale"):
            bar = marker.get("colorbar", {})
            title = (bar.get("title") or {}).get("text", "")
            change["marker"] = {**marker, "colorbar": {**bar, "orientation": "h", "x": 0, "xanchor": "left", "y": 0,
                                                       "yanchor": "top", "yref": "paper", "len": 0.9, "thickness": 10,
                                                       "title": {"text": str(title).replace("<br>", " "), "side": "top",
                                                                 "font": {"size": 11}},
                                                       "tickfont": {"size": 10}}}
        if trace.get("mode") == "markers" and marker.get("size") == 18:
            change["marker"] = {**marker, "size": 10}
        traces.append(change)
    for note in layout.get("annotations", []):
        if note.get("name") != "source":
            note["font"] = {**note.get("font", {}), "size": 10}
            note["xshift"] = 7
    width = COLUMN - 12
    plot_height = round(width * 0.62)
    colour_bar = 58
    return traces, _frame(layout, plot_height=plot_height, under_plot=colour_bar)
