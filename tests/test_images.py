"""Static images drawn in one Chromium page (pipeline/outputs/images.py): the same pictures as
kaleido's own way (a fresh page per image), and SVGs whose bytes do not depend on what was drawn
before them."""
from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from pipeline.outputs import images


def bars(values: list[int], title: str) -> go.Figure:
    return go.Figure(go.Bar(x=values, y=[f"категория {i}" for i in range(len(values))], orientation="h"),
                     layout={"title": title, "width": 420, "height": 300})


def heat() -> go.Figure:
    return go.Figure(go.Heatmap(z=[[1, 2], [3, 4]], colorbar={"title": "n"}), layout={"width": 400, "height": 300})


@pytest.mark.e2e  # Chromium
def test_one_page_draws_what_a_fresh_page_draws(tmp_path):
    figures = {"a": bars([3, 1, 2], "Первый"), "b": heat(), "c": bars([120, 7], "Третий")}
    drawn = [images.Image(fig, tmp_path / f"{name}.png", 420, 300, scale=2) for name, fig in figures.items()]
    images.draw(drawn)
    images.use_system_chromium()
    for name, fig in figures.items():  # kaleido's own way: the page reloaded for every image
        pio.write_image(fig, tmp_path / f"{name}-own.png", width=420, height=300, scale=2)
        assert (tmp_path / f"{name}.png").read_bytes() == (tmp_path / f"{name}-own.png").read_bytes(), name


@pytest.mark.e2e  # Chromium
def test_an_svg_does_not_depend_on_what_was_drawn_before(tmp_path):
    images.draw([images.Image(heat(), tmp_path / "alone.svg", 400, 300)])
    images.draw([images.Image(bars([1, 2], "x"), tmp_path / "before.svg", 420, 300),
                 images.Image(heat(), tmp_path / "after.svg", 400, 300)])
    alone = (tmp_path / "alone.svg").read_text(encoding="utf-8")
    assert alone == (tmp_path / "after.svg").read_text(encoding="utf-8")
    assert "<svg" in alone[:200] and "clipn00000" in alone


def test_random_ids_are_renamed_in_order_of_appearance(tmp_path):
    svg = tmp_path / "map.svg"
    svg.write_text('<defs id="defs-3fa9c1"><clipPath id="clip3fa9c1xyplot"/><linearGradient id="g3fa9c1-cb0b7d2e"/>'
                   '</defs><g clip-path="url(#clip3fa9c1xyplot)"><g class="trace scatter trace0b7d2e"/>'
                   '<g class="trace bars tracee4f001"/><path d="M123456,1L2,3" fill="url(\'#g3fa9c1-cb0b7d2e\')"/></g>',
                   encoding="utf-8")
    images.stable_svg(svg)
    assert svg.read_text(encoding="utf-8") == (
        '<defs id="defs-n00000"><clipPath id="clipn00000xyplot"/><linearGradient id="gn00000-cbn00001"/>'
        '</defs><g clip-path="url(#clipn00000xyplot)"><g class="trace scatter tracen00001"/>'
        '<g class="trace bars tracen00002"/><path d="M123456,1L2,3" fill="url(\'#gn00000-cbn00001\')"/></g>')


def test_only_the_devtools_message_choreographer_ignores_is_kept_out_of_the_notebooks(caplog):
    """That traceback (a message kaleido's browser link already drops) would make two runs' executed
    notebooks differ; every other message of the link still shows."""
    import logging

    link = logging.getLogger("choreographer.channels.pipe")
    with caplog.at_level(logging.INFO, logger=link.name):
        try:
            raise ValueError("malformed message")
        except ValueError:
            link.exception("JSONError decoding message. Ignoring")
            link.exception("Error in trying to decode JSON off our read.")
    assert [r.getMessage() for r in caplog.records] == ["Error in trying to decode JSON off our read."]
    assert images._DropIgnoredDevToolsMessage in {type(f) for f in link.filters}


@pytest.mark.e2e  # Chromium
def test_a_figure_drawn_from_its_json_file_is_the_figure_drawn(tmp_path):
    """The run draws the maps' images from the JSON the notebooks wrote (no plotly Figure built)."""
    fig = heat()
    fig.write_json(tmp_path / "heat.json")
    images.draw([images.Image(fig, tmp_path / "direct.png", 400, 300, scale=2),
                 images.Image(fig, tmp_path / "direct.svg", 400, 300)])
    written = images.draw_figure_files(tmp_path, names=["heat"])
    assert written == [tmp_path / "heat.png", tmp_path / "heat.svg"]
    assert (tmp_path / "heat.png").read_bytes() == (tmp_path / "direct.png").read_bytes()
    assert (tmp_path / "heat.svg").read_bytes() == (tmp_path / "direct.svg").read_bytes()


@pytest.mark.e2e  # Chromium
def test_one_painter_serves_several_threads(tmp_path):
    """The run's Chromium draws for the notebook steps finishing side by side."""
    from concurrent.futures import ThreadPoolExecutor

    with images.Painter() as painter, ThreadPoolExecutor(2) as pool:
        jobs = [pool.submit(painter.draw, [images.Image(bars([n, 1], str(n)), tmp_path / f"{n}.png", 420, 300)])
                for n in range(4)]
        for job in jobs:
            job.result()
    assert all((tmp_path / f"{n}.png").read_bytes()[:4] == b"\x89PNG" for n in range(4))


@pytest.mark.e2e  # Chromium
def test_a_chromium_that_exits_as_it_starts_as_one_process_is_started_as_usual(tmp_path, monkeypatch):
    """Seen on a loaded machine: "The browser seemed to close immediately after starting"."""
    from choreographer.browsers.chromium import Chromium

    usual = Chromium.get_cli
    monkeypatch.setattr(Chromium, "get_cli", lambda self: usual(self) if type(self) is Chromium else ["/bin/false"])
    images.draw([images.Image(bars([1, 2], "x"), tmp_path / "drawn.png", 420, 300)])
    assert (tmp_path / "drawn.png").read_bytes()[:4] == b"\x89PNG"
