"""Static images (PNG, SVG) of plotly figures: the maps' print versions and the PDF's charts.

kaleido draws them in a headless Chromium. Two of its defaults cost most of a run's drawing time,
so every image of the pipeline is drawn here instead of through plotly.io.write_images:
- kaleido reloads its page (and with it plotly.js, 4.6 MB) after every image: 0.15-0.2 s each, for
  the 60-odd images of a period. Here one page draws them all: each figure is drawn afresh into
  kaleido's own element (Plotly.toImage does not keep earlier figures), so the PNGs are the same
  bytes as with a reload (tests/test_images.py compares them);
- its page asks a CDN for MathJax, which cannot load offline; the figures use no LaTeX;
- Chromium runs as eight processes, each holding its own copy of much of the same memory; one
  process draws the same images with half the memory.
plotly.js gives SVG elements random ids (clip paths, traces); they are renamed in order of
appearance, so an SVG is the same bytes whatever was drawn before it and from run to run.
"""
from __future__ import annotations

import asyncio
import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # plotly is imported where images are drawn, not by the run's modules naming this one
    import plotly.graph_objects as go


class _DropIgnoredDevToolsMessage(logging.Filter):
    """choreographer (kaleido's link to Chromium) logs, with a traceback, a DevTools message it could
    not decode and then ignores; it happens now and then on a loaded machine and does not change the
    images (the run's maps are compared byte for byte by the tests). Printed in the kernel, the
    traceback would land in the executed notebook and make two runs' notebooks differ."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "JSONError decoding message. Ignoring"


# choreographer's loggers must be logistro's kind (they call .debug2): logistro sets the logger class
# when imported, so import it before fetching one, whatever was imported first in this process.
import logistro  # noqa: E402, F401 - kaleido's own dependency

logging.getLogger("choreographer.channels.pipe").addFilter(_DropIgnoredDevToolsMessage())


def use_system_chromium() -> None:
    """kaleido drives a Chromium; Debian's lives at /usr/bin/chromium."""
    if "BROWSER_PATH" not in os.environ:
        for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"):
            if Path(candidate).exists():
                os.environ["BROWSER_PATH"] = candidate
                break


@dataclass
class Image:
    """One image to draw: the figure, where, in which format, at which size (CSS pixels; a PNG
    at scale 2 has twice as many)."""

    figure: go.Figure | dict  # a figure, or its dict as plotly writes it to JSON
    path: Path
    width: int
    height: int
    scale: float = 1

    @property
    def format(self) -> str:
        return self.path.suffix.lstrip(".")


def draw(images: list[Image]) -> None:
    """Draw the images in one Chromium, one page (see the module's notes); SVGs with stable ids."""
    if images:
        with Painter() as painter:
            painter.draw(images)


# Set in the kernels of a run: the run draws the maps' PNG and SVG itself when a notebook is done,
# every part's in one Chromium (pipeline.run.steps.NotebookStep), not a Chromium per notebook.
DRAWN_BY_THE_RUN = "HRD_BULLETIN_RUN_DRAWS_MAPS"


class Painter:
    """One Chromium kept open for several draw() calls (the bulletin's PDF editions share one).
    It starts on entering, in a thread of its own with its own event loop (a notebook's kernel
    already runs one in the main thread), so the caller goes on while Chromium comes up. Several
    threads may draw with it: their images are drawn one after the other."""

    def __init__(self, tmp_dir: Path | None = None) -> None:
        self._tmp_dir = tmp_dir  # where Chromium keeps its profile (a run's scratch folder)

    def __enter__(self) -> Painter:
        use_system_chromium()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="kaleido", daemon=True)
        self._thread.start()
        self._opened = asyncio.run_coroutine_threadsafe(self._open(), self._loop)
        return self

    async def _open(self):
        import kaleido
        from choreographer.browsers.chromium import Chromium

        class OnePage(kaleido.Kaleido):
            async def _return_kaleido_tab(self, tab) -> None:  # kaleido's reloads the page here
                await self.tabs_ready.put(tab)

        class OneProcess(Chromium):
            """Chromium as one process: half the memory of its usual eight (about 450 MB against
            1 GB of resident memory, summed), the same images (tests/test_images.py)."""

            def get_cli(self):
                return [*super().get_cli(), "--single-process", "--no-zygote"]

        # Chromium as one process now and then exits as it starts ("The browser seemed to close
        # immediately after starting", on a loaded machine): then its usual processes, once
        for browser_cls in (OneProcess, Chromium):
            browser = OnePage(n=1, page_generator=kaleido.PageGenerator(mathjax=False), browser_cls=browser_cls,
                              **({"tmp_dir": str(self._tmp_dir)} if self._tmp_dir else {}))
            try:
                await browser.open()
                return browser
            except Exception:
                await _close_quietly(browser)  # a Chromium that started but did not answer: not left running
                if browser_cls is Chromium:
                    raise

    def draw(self, images: list[Image]) -> None:
        if not images:
            return
        browser = self._opened.result()
        specs = [{"fig": image.figure, "path": image.path,
                  "opts": {"format": image.format, "width": image.width, "height": image.height, "scale": image.scale}}
                 for image in images]
        asyncio.run_coroutine_threadsafe(browser.write_fig_from_object(specs, cancel_on_error=True), self._loop).result()
        for image in images:
            if image.format == "svg":
                stable_svg(image.path)

    def __exit__(self, *exc) -> None:
        try:
            if self._opened.exception() is None:
                asyncio.run_coroutine_threadsafe(self._opened.result().close(), self._loop).result()
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()


async def _close_quietly(browser) -> None:
    try:
        await browser.close()
    except Exception:  # noqa: BLE001 - already failing: the error to report is the first one
        pass


def draw_figure_files(folder: Path, default_size: tuple[int, int] = (700, 500), painter: Painter | None = None,
                      names: list[str] | None = None) -> list[Path]:
    """PNG (for print: twice the pixels) and SVG of the figures saved as <name>.json in folder (all,
    or those named), at the figure's own size (else default_size: plotly's), in one Chromium
    (painter's, if given). The JSON is drawn as it is, without building plotly Figures (the same images)."""
    import json

    names = names if names is not None else sorted(path.stem for path in folder.glob("*.json"))
    figures = {name: json.loads((folder / f"{name}.json").read_text(encoding="utf-8")) for name in names}
    drawn = [Image(spec, folder / f"{name}.{fmt}", spec.get("layout", {}).get("width") or default_size[0],
                   spec.get("layout", {}).get("height") or default_size[1], scale=2 if fmt == "png" else 1)
             for fmt in ("png", "svg") for name, spec in figures.items()]
    if painter is not None:
        painter.draw(drawn)
    else:
        draw(drawn)
    return [image.path for image in drawn]


# plotly.js's random ids, six hex digits: a figure's (clip paths, defs, the colour bar's gradient)
# and each trace's (its class; a colour bar's class and gradient: "cb" and the trace's id)
RANDOM_ID = re.compile(r"(?:(?<=clip)|(?<=defs-)|(?<=trace)|(?<=[\"#]g)|(?<=cb))[0-9a-f]{6}(?![0-9a-f])")


def stable_svg(path: Path) -> None:
    """Rename plotly.js's random ids in an SVG after their order of appearance."""
    names: dict[str, str] = {}
    text = RANDOM_ID.sub(lambda m: names.setdefault(m.group(), f"n{len(names):05d}"), path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
