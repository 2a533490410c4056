"""Charts of the bulletin (plotly). Every chart carries a source line saying where its data came
from, including that bulletin No. 5's microdata is reconstructed.

Charts work offline: `use_offline_renderer()` embeds plotly.js in the notebook instead of loading
it from a CDN, so executed notebooks open on a machine without network.
"""
from __future__ import annotations

import re
import textwrap

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import sample_colorscale

from pipeline import formatting
from pipeline.data.periods import Period
from pipeline.outputs.describe import reaches

GROUP_LABELS = {"ru": {"individuals": "Физические лица", "organizations": "НПО", "all": "Все респонденты"},
                "en": {"individuals": "Individuals", "organizations": "NGOs", "all": "All respondents"}}
GROUP_COLOURS = {"individuals": "#1f5f8b", "organizations": "#e07b39", "all": "#5a5a5a"}
FONT = "PT Sans, DejaVu Sans, Arial, sans-serif"


def use_offline_renderer() -> None:
    """Notebook output that needs no network: plotly.js is embedded once per notebook."""
    pio.renderers.default = "plotly_mimetype+notebook"


def source_line(period: Period, lang: str = "ru", short: bool = False) -> str:
    """Where a figure's data comes from, with the data's origin note; short: the origin in a word or
    two, for the figures of the bulletin, which gives the whole note once, at its start."""
    from pipeline.data.periods import ORIGIN_LABELS

    label = ORIGIN_LABELS[period.data_origin][lang]
    origin = f" ({label})" if short and label else "" if short else f". {period.origin_note[lang]}"
    if lang == "ru":
        return f"Источник: мониторинг правозащитников, бюллетень №{period.bulletin_number}{origin}"
    return f"Source: monitoring of human rights defenders, bulletin No. {period.bulletin_number}{origin}"


def share_bars(shares: pd.DataFrame, item: str, period: Period, groups=("individuals",), answers=None,
               title: str | None = None, lang: str = "ru") -> go.Figure:
    """Horizontal bars: share of each answer to `item`, one colour per respondent group, each with
    its 95 % Wilson interval (pipeline/evidence.yml) as a whisker."""
    rows = shares[(shares["item"] == item) & shares["group"].isin(groups)]
    if answers is not None:
        rows = rows[rows["answer"].isin(answers)]
    if rows.empty:
        raise ValueError(f"no shares for item {item!r} and groups {groups}")
    fig = go.Figure()
    for group in groups:
        part = rows[(rows["group"] == group) & (rows["base"] > 0)]
        _share_trace(fig, [wrap(a) for a in part[f"answer_{lang}"]], part, GROUP_LABELS[lang][group], GROUP_COLOURS[group], lang)
    label = title or rows[f"item_{lang}"].iloc[0]
    return _layout(fig, label, period, lang, xaxis_title="%", legend=len(groups) > 1)


def _share_trace(fig: go.Figure, labels: list[str], rows: pd.DataFrame, name: str, colour: str, lang: str) -> None:
    """Bars of survey shares with their intervals; a share of a base under the caution threshold
    says its base beside it ('40,0% (n=7)')."""
    from pipeline import evidence

    pct = rows["share_pct"].astype("float64")
    text = [_pct(v, lang) + (f" (n={b})" if b < evidence.CAUTION_BASE else "") for v, b in zip(pct, rows["base"])]
    fig.add_bar(y=labels, x=pct, orientation="h", name=name, marker_color=colour, text=text, textposition="outside",
                error_x={"type": "data", "symmetric": False, "array": (rows["ci_high_pct"] - pct).tolist(),
                         "arrayminus": (pct - rows["ci_low_pct"]).tolist(), "color": "#444", "thickness": 1, "width": 3},
                customdata=rows[["count", "base", "ci_low_pct", "ci_high_pct"]],
                hovertemplate="%{y}: %{x:.1f}% (%{customdata[0]} / %{customdata[1]}; 95% CI %{customdata[2]:.1f}-%{customdata[3]:.1f})"
                              "<extra></extra>")


def compare_groups(shares: pd.DataFrame, bars: list[tuple[str, str, str]], period: Period, title: str,
                   lang: str = "ru", groups=("individuals", "organizations", "all")) -> go.Figure:
    """One bar per (item, answer, label) and group: e.g. the share lacking each means of protection,
    with its 95 % interval; an item a group did not answer has no bar."""
    fig = go.Figure()
    for group in groups:
        found = []
        for item, answer, label in bars:
            row = shares[(shares["item"] == item) & (shares["answer"] == answer) & (shares["group"] == group) & (shares["base"] > 0)]
            if len(row):
                found.append(row.iloc[0].to_frame().T.assign(label=wrap(label)))
        if found:
            rows = pd.concat(found, ignore_index=True)
            _share_trace(fig, list(rows["label"]), rows, GROUP_LABELS[lang][group], GROUP_COLOURS[group], lang)
    fig.update_layout(barmode="group")
    return _layout(fig, title, period, lang, xaxis_title="%", legend=True)


def ink(colour: str) -> str:
    """The text colour of more contrast on a fill: black or white, whichever gives the higher WCAG
    contrast ratio (one of the two always gives 4.5:1 or more)."""
    return "#000000" if contrast(colour, "#000000") >= contrast(colour, "#ffffff") else "#ffffff"


def rgb(colour: str) -> tuple[float, float, float]:
    """'#rrggbb' or 'rgb(r, g, b)' as numbers 0-255."""
    if colour.startswith("#"):
        return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return tuple(float(v) for v in re.findall(r"[\d.]+", colour)[:3])


def contrast(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two colours (1 to 21)."""
    def luminance(colour: str) -> float:
        channels = [c / 255 for c in rgb(colour)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def wrap(label: str, width: int = 34) -> str:
    """Long category labels on several lines, so the bars keep their room."""
    return "<br>".join(textwrap.wrap(str(label), width)) or str(label)


def _pct(value: float, lang: str) -> str:
    return formatting.percent(value, lang)


# Widths of the chart font (DejaVu Sans, what Chromium falls back to for PT Sans) in pixels per
# character at size 1, on the wide side (Cyrillic capitals), so labels are never clipped.
CHAR_WIDTH = 0.64
LINE_HEIGHT = 1.35
CHART_WIDTH = 820
MIN_WIDTH = 600  # px: the narrowest column a figure is drawn in as designed (narrower: its phone version, outputs/phone.py)
PDF_TEXT_WIDTH = 470  # pt: the PDF's text width (A4, 2.2 cm margins), where a figure's image is set


def _layout(fig: go.Figure, title: str, period: Period, lang: str, xaxis_title: str, legend: bool,
            percent: bool = True) -> go.Figure:
    """Size and margins from the data: each category gets the height its bars and its label's lines
    need, the left margin the width of its longest label line, the value axis the room of its
    largest value and the text beside it (0-100 for shares, the data's own scale for counts)."""
    size = 13
    categories: dict[str, int] = {}
    for trace in fig.data:
        for label in trace.y:
            categories[str(label)] = categories.get(str(label), 0) + 1
    lines = {label: label.count("<br>") + 1 for label in categories}
    # plotly gives every category the same band: each as tall as the tallest label (or group of bars) needs
    rows = len(categories) * max((max(22 * bars, LINE_HEIGHT * size * lines[label] + 6) for label, bars in categories.items()), default=22)
    top_margin = 90 if legend else 60
    height = round(max(300, top_margin + 95 + rows))
    longest = max((len(line) for label in categories for line in label.split("<br>")), default=10)
    left = min(CHART_WIDTH // 2, round(22 + CHAR_WIDTH * size * longest))
    top = max((max(_reach(t)) for t in fig.data if len(t.x)), default=0)
    room = 1.22 if percent else 1.15  # the value written beside the longest bar
    upper = (min(100, top * room) if percent else top * room) if top > 0 else 1
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left"},
        font={"family": FONT, "size": size},
        template="plotly_white",
        width=CHART_WIDTH, height=height,
        margin={"l": left, "r": 60 if percent else 30, "t": top_margin, "b": 95},  # room for the last value
        showlegend=legend,
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
        xaxis={"title": xaxis_title, "range": [0, upper]},
        yaxis={"autorange": "reversed", "automargin": False, "ticklabelstandoff": 6},
    )
    _values_past_whiskers(fig, band=(height - top_margin - 95) / max(len(categories), 1), size=size)
    return add_source(fig, period, lang, width=95, yshift=-60)


def _values_past_whiskers(fig: go.Figure, band: float, size: int) -> None:
    """Each bar's value written past the end of its interval's whisker (plotly writes it at the
    bar's end, under the whisker): an annotation per bar, shifted to its place in the group
    (plotly's default gap of 0.2 of a category's band, the rest shared by the group's bars)."""
    bars = [t for t in fig.data if t.type == "bar" and t.text is not None]
    thickness = band * 0.8 / max(len(bars), 1)
    for k, trace in enumerate(bars):
        shift = ((len(bars) - 1) / 2 - k) * thickness  # the first trace on top (the axis is reversed)
        for label, text, reach in zip(trace.y, trace.text, _reach(trace)):
            fig.add_annotation(text=str(text), name="value", x=reach, y=label, xanchor="left", xshift=4, yshift=shift,
                               showarrow=False, font={"size": size - 1})
        trace.textposition = "none"


def _reach(trace) -> list[float]:
    """How far each bar of a Figure's trace reaches, its whisker included (describe.reaches)."""
    return reaches(trace.to_plotly_json())


def add_source(fig: go.Figure, period: Period, lang: str, width: int, yshift: int) -> go.Figure:
    """The source line under a chart or map (it says when the data is reconstructed), and the
    edition's number separators for the axes and colour bars ('7,9' in Russian). The line starts
    at the figure's left edge, not the plot's, and is wrapped to the figure's width."""
    left = fig.layout.margin.l if fig.layout.margin.l is not None else 80
    # the PDF sets a figure on the page's 470 pt: its source line in at least 7 pt there
    size = max(11, round(7.2 * (fig.layout.width or CHART_WIDTH) / PDF_TEXT_WIDTH, 1))
    # the HTML edition draws a figure at the column width, never below MIN_WIDTH (narrower: its phone version)
    width = min(width, int((min(fig.layout.width or MIN_WIDTH, MIN_WIDTH) - 24) / (CHAR_WIDTH * size)))
    text = wrap(source_line(period, lang), width)
    fig.add_annotation(text=text, name="source", xref="paper", yref="paper", x=0, y=0, yshift=yshift,
                       xshift=-(left - 8), showarrow=False, font={"size": size, "color": "#666"}, xanchor="left",
                       yanchor="top", align="left")
    # the bottom margin holds the whole source line; the figure grows rather than the plot shrinking
    needed = round(-yshift + (text.count("<br>") + 1) * size * LINE_HEIGHT + 8)
    bottom = fig.layout.margin.b if fig.layout.margin.b is not None else 80
    if needed > bottom:
        fig.update_layout(margin={"b": needed}, height=(fig.layout.height or 450) + needed - bottom)
    fig.update_layout(separators=formatting.plotly_separators(lang))
    return fig


def ranked_bars(table: pd.DataFrame, label: str, value: str, period: Period, title: str, lang: str = "ru",
                top: int | None = None, colour: str = GROUP_COLOURS["individuals"]) -> go.Figure:
    """Horizontal bars of one count per label, largest first (e.g. violations by threat type)."""
    rows = table.sort_values(value, ascending=False, kind="stable")
    if top and len(rows) > top:  # the first `top`, and every row tied with the last of them
        rows = rows[rows[value] >= rows[value].iloc[top - 1]]
    fig = go.Figure(go.Bar(y=[wrap(x, 40) for x in rows[label]], x=rows[value], orientation="h", marker_color=colour,
                           text=[formatting.number(v, lang) for v in rows[value]], textposition="outside",
                           hovertemplate="%{y}: %{x}<extra></extra>"))
    return _layout(fig, title, period, lang, xaxis_title="", legend=False, percent=False)


def matrix_heatmap(matrix: pd.DataFrame, types: pd.DataFrame, period: Period, title: str, lang: str = "ru") -> go.Figure:
    """The bulletin's threat-type x city matrix as a heat map (types in the bulletin's order)."""
    cells = matrix[matrix["in_bulletin_matrix"]]
    grid = cells.pivot_table(index="threat_type", columns=f"city_{lang}", values="violations", aggfunc="sum", fill_value=0)
    order = types.dropna(subset=["matrix_order"]).sort_values("matrix_order")
    grid = grid.reindex(order["threat_type"]).fillna(0).astype(int)
    labels = dict(zip(order["threat_type"], order[f"name_{lang}"]))
    # 15 px type: the PDF sets the 1000 px wide image on about 470 pt, so text stays above 7 pt
    size = 15
    y_labels = [wrap(labels[t], 46) for t in grid.index]
    # the rows of a heat map are all as tall: each as tall as the label with the most lines needs
    lines = max((label.count("<br>") + 1 for label in y_labels), default=1)
    longest = max((len(line) for label in y_labels for line in label.split("<br>")), default=10)
    top = max(int(grid.values.max()), 1) if grid.size else 1
    fig = go.Figure(go.Heatmap(z=grid.values, x=list(grid.columns), y=y_labels, colorscale="Reds", zmin=0, zmax=top,
                               hovertemplate="%{y}<br>%{x}: %{z}<extra></extra>", showscale=False))
    # each cell's count in black or white, whichever reads better on its colour (WCAG 4.5:1)
    cells = [(column, label, int(v)) for label, row in zip(y_labels, grid.values) for column, v in zip(grid.columns, row)]
    fig.add_scatter(x=[c for c, _, _ in cells], y=[r for _, r, _ in cells], mode="text", text=[str(v) for *_, v in cells],
                    textfont={"size": size, "color": [ink(sample_colorscale("Reds", [v / top])[0]) for *_, v in cells]},
                    hoverinfo="skip", showlegend=False)
    fig.update_layout(title={"text": title, "x": 0.01}, font={"family": FONT, "size": size}, template="plotly_white",
                      width=1000, height=round(250 + len(y_labels) * max(34, LINE_HEIGHT * size * lines + 6)),
                      margin={"l": round(16 + CHAR_WIDTH * size * longest), "r": 10, "t": 60, "b": 190},
                      yaxis={"autorange": "reversed", "automargin": False}, xaxis={"tickangle": -45})
    return add_source(fig, period, lang, width=110, yshift=-150)


def wave_lines(national: pd.DataFrame, measures: dict[str, str], period: Period, title: str, lang: str = "ru") -> go.Figure:
    """One line per measure across the waves of the period (e.g. threats, resources, risk)."""
    fig = go.Figure()
    for measure, name in measures.items():
        fig.add_scatter(x=[f"{'Волна' if lang == 'ru' else 'Wave'} {w}" for w in national["wave"]], y=national[measure],
                        mode="lines+markers+text", name=name, text=[f"{v:.2f}" for v in national[measure]],
                        textposition="top center")
    fig.update_layout(title={"text": title, "x": 0.01}, font={"family": FONT, "size": 13}, template="plotly_white",
                      width=820, height=420, margin={"l": 10, "r": 20, "t": 90, "b": 95},
                      legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"})
    return add_source(fig, period, lang, width=95, yshift=-40)
