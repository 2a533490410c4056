"""Render the bulletin of a period with Quarto: HTML (one self-contained file, offline) and PDF
(through Typst), in Russian and English, from the period's processed tables.

    hrd-bulletin render 2015-08_2016-04            # after a run; the run also does it as its last step

The project calls the Quarto CLI directly rather than through the PyPI wrapper `quarto`: its
render() (version 0.1.0) discards Quarto's exit status, so a failed render would pass for a good
one, and it can neither set the environment (QUARTO_PYTHON) nor capture the log.

Quarto is looked for in QUARTO_PATH, then on PATH, then in .tools/quarto/ (built by `make quarto`
from ../shared/quarto-kit when no Quarto can be installed the usual way). Each edition renders in
a copy of the Quarto project in a temporary folder, so renders never write into report/ and
several periods can render at once.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from pipeline import paths
from pipeline.data.periods import Period
from pipeline.outputs import images
from pipeline.outputs.embed import EmbedFailed, embed_resources
from pipeline.outputs.prerender import PrerenderFailed, insert_deferred_html, prerender_edition, write_if_changed
from pipeline.run.scratch import environment as scratch_environment

EDITIONS = (("ru", "html"), ("ru", "pdf"), ("en", "html"), ("en", "pdf"))
QUARTO_TARGET = {"html": "html", "pdf": "typst"}
SUBTITLE = {"ru": "Практический бюллетень №{n}. {first} – {last}", "en": "Bulletin No. {n}. {first} – {last}"}
MONTHS = {"ru": ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь"],
          "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]}


class RenderFailed(Exception):
    pass


def find_quarto() -> Path:
    candidates = [os.environ.get("QUARTO_PATH"), shutil.which("quarto"), str(paths.REPO_ROOT / ".tools" / "quarto" / "bin" / "quarto")]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return Path(candidate)
    raise RenderFailed("Quarto not found: install it (quarto.org, `pip install quarto-cli` with internet, or conda-forge "
                       "`quarto`), or run `make quarto` to build it offline from ../shared/quarto-kit; or set QUARTO_PATH.")


def _month(day, lang: str) -> str:
    return f"{MONTHS[lang][day.month - 1]} {day.year}"


def title_metadata(period: Period, lang: str) -> dict[str, str]:
    return {"title": period.title_ru.split(". ")[0] if lang == "ru" else period.title_en.split(". ")[0],
            "pagetitle": (period.title_ru if lang == "ru" else period.title_en),
            "subtitle": SUBTITLE[lang].format(n=period.bulletin_number, first=_month(period.first_day, lang).capitalize(),
                                              last=_month(period.last_day, lang))}


def prepare_project(project: Path, period: Period, folder: Path, lang: str, fmt: str, html: str = "deferred",
                    source: Path | None = None, painter=None) -> dict[str, str]:
    """A working copy of the Quarto project (source: the repository) in project/: its configuration,
    the report's styles and includes, and report/bulletin.qmd as the edition's Markdown: the
    bulletin's Python runs here, in this process, so Quarto gets Markdown and starts no kernel.
    Files are updated in place, only when changed, and Quarto's outputs in project/ are left alone:
    `hrd-bulletin preview` calls this after every edit while Quarto may be rendering. Returns the
    HTML blocks deferred until Quarto has written the page (html: see report.Edition)."""
    source = source or paths.REPO_ROOT
    copies = [*[source / "_quarto.yml"], *source.glob("_quarto-*.yml"),
              *(p for p in (source / "report").rglob("*") if p.is_file() and p.suffix != ".qmd")]
    for path in copies:
        target = project / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_if_changed(target, path.read_bytes())
    meta = title_metadata(period, lang)
    try:
        return prerender_edition(source / "report" / "bulletin.qmd", project / "report" / "bulletin.qmd",
                                 {"period": period.id, "data_root": str(period.data_root), "tables_dir": str(folder),
                                  "lang": lang, "fmt": fmt}, meta, html, painter, root=source)
    except PrerenderFailed as error:
        raise RenderFailed(f"the {lang} {fmt} edition: {error}") from error


def render(period: Period, folder: Path, editions=EDITIONS, log=print, scratch: Path | None = None,
           target: Path | None = None, parallel: int = 2) -> list[Path]:
    """Render the editions into target (default folder/bulletin/) from the tables, maps and run
    record in folder. Quarto's working copies and temporary files go into scratch (the run's
    temporary folder, pipeline.scratch), so a killed render leaves nothing elsewhere."""
    quarto = find_quarto()
    target = target or folder / "bulletin"
    target.mkdir(parents=True, exist_ok=True)
    env = scratch_environment(scratch) if scratch else dict(os.environ)
    written: list[Path] = []
    running: list[_Edition] = []
    # the PDFs first: one Chromium draws both PDFs' images, starting now, while the first edition's
    # Python runs, and is closed before the HTML editions (less memory at once: Chromium, two Quartos)
    order = sorted(editions, key=lambda edition: edition[1] != "pdf")
    last_pdf = max((i for i, (_, fmt) in enumerate(order) if fmt == "pdf"), default=-1)
    with contextlib.ExitStack() as chromium:
        painter = chromium.enter_context(images.Painter()) if last_pdf >= 0 else None
        try:
            # an edition's Python runs here while Quarto renders the one before it (Quarto is a
            # process of its own); at most `parallel` Quartos at once
            for number, (lang, fmt) in enumerate(order):
                began = time.perf_counter()
                work = tempfile.TemporaryDirectory(prefix="bulletin-", dir=scratch)
                edition = _Edition(lang, fmt, work, Path(work.name), began)
                running.append(edition)
                edition.deferred = prepare_project(edition.project, period, folder, lang, fmt,
                                                   painter=painter if fmt == "pdf" else None)
                edition.evaluated = time.perf_counter()
                if number == last_pdf:
                    chromium.close()
                while len([e for e in running if e.process]) >= parallel:
                    written.append(_finish(running.pop(0), target, log))
                edition.start(quarto, env)
            while running:
                written.append(_finish(running.pop(0), target, log))
        finally:
            for edition in running:  # a failure: stop what still renders, remove its working copy
                edition.stop()
    return sorted(written, key=lambda p: [f"bulletin_{lang}.{'html' if fmt == 'html' else 'pdf'}"
                                          for lang, fmt in editions].index(p.name))


class _Edition:
    """One edition on its way: its working copy, then its Quarto process."""

    def __init__(self, lang: str, fmt: str, work: tempfile.TemporaryDirectory, project: Path, began: float):
        self.lang, self.fmt, self.work, self.project, self.began = lang, fmt, work, project, began
        self.deferred: dict[str, str] = {}
        self.evaluated = began
        self.process: subprocess.Popen | None = None
        self.output = None

    def start(self, quarto: Path, env: dict) -> None:
        command = [str(quarto), "render", "report/bulletin.qmd", "--to", QUARTO_TARGET[self.fmt], "--profile", self.lang,
                   # the page's scripts and styles are put into it by pipeline.outputs.embed: faster than Quarto
                   *(["-M", "embed-resources:false"] if self.fmt == "html" else [])]
        self.output = open(self.project / "quarto.log", "w+", encoding="utf-8")  # Quarto's log, read on failure
        self.process = subprocess.Popen(command, cwd=self.project, env=env, stdout=self.output,
                                        stderr=subprocess.STDOUT, text=True)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.output:
            self.output.close()
        self.work.cleanup()


def _finish(edition: _Edition, target: Path, log) -> Path:
    """Wait for an edition's Quarto, put the deferred HTML in and move the file into target."""
    try:
        code = edition.process.wait() if edition.process else 1
        if code != 0:
            tail = ""
            if edition.output:
                edition.output.seek(0)
                tail = "\n".join(edition.output.read().strip().splitlines()[-25:])
            raise RenderFailed(f"quarto render of the {edition.lang} {edition.fmt} edition failed (exit {code}):\n{tail}")
        produced = edition.project / "report" / f"bulletin.{'html' if edition.fmt == 'html' else 'pdf'}"
        if not produced.exists():
            raise RenderFailed(f"quarto reported success but wrote no {produced.name}")
        try:
            if edition.fmt == "html":
                embed_resources(produced)
            insert_deferred_html(produced, edition.deferred)
        except (PrerenderFailed, EmbedFailed) as error:
            raise RenderFailed(f"the {edition.lang} {edition.fmt} edition: {error}") from error
        final = target / f"bulletin_{edition.lang}.{produced.suffix.lstrip('.')}"
        shutil.move(str(produced), final)
    finally:
        edition.stop()
    log(f"      bulletin {edition.lang} {edition.fmt}: {final.name} ({final.stat().st_size // 1024} KB, "
        f"ready {time.perf_counter() - edition.began:.1f} s after its start: Python {edition.evaluated - edition.began:.1f} s, "
        f"then Quarto)")
    return final
