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

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline import paths
from pipeline.data.periods import Period
from pipeline.outputs.prerender import PrerenderFailed, insert_deferred_html, prerender_edition
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


def prepare_project(project: Path, period: Period, folder: Path, lang: str, fmt: str, defer_html: bool = True,
                    source: Path | None = None) -> dict[str, str]:
    """A copy of the Quarto project (source: the repository) in project/, its bulletin.qmd replaced
    by the edition's Markdown: the bulletin's Python runs here, in this process, so Quarto gets
    Markdown and starts no kernel. Returns the HTML blocks deferred until Quarto has written the page."""
    source = source or paths.REPO_ROOT
    project.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "_quarto.yml", project)
    for profile in source.glob("_quarto-*.yml"):
        shutil.copy(profile, project)
    shutil.rmtree(project / "report", ignore_errors=True)
    shutil.copytree(source / "report", project / "report")
    meta = title_metadata(period, lang)
    if fmt == "html":  # the page links the PDF of its own edition, which lies beside it
        meta["format-links"] = [{"text": "PDF", "href": f"bulletin_{lang}.pdf", "icon": "file-pdf"}]
    try:
        return prerender_edition(project, {"period": period.id, "data_root": str(period.data_root),
                                           "tables_dir": str(folder), "lang": lang, "fmt": fmt}, meta, defer_html)
    except PrerenderFailed as error:
        raise RenderFailed(f"the {lang} {fmt} edition: {error}") from error


def render(period: Period, folder: Path, editions=EDITIONS, log=print, scratch: Path | None = None,
           target: Path | None = None) -> list[Path]:
    """Render the editions into target (default folder/bulletin/) from the tables, maps and run
    record in folder. Quarto's working copies and temporary files go into scratch (the run's
    temporary folder, pipeline.scratch), so a killed render leaves nothing elsewhere."""
    quarto = find_quarto()
    target = target or folder / "bulletin"
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for lang, fmt in editions:
        began = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="bulletin-", dir=scratch) as work:
            project = Path(work)
            deferred = prepare_project(project, period, folder, lang, fmt)
            evaluated = time.perf_counter()
            command = [str(quarto), "render", "report/bulletin.qmd", "--to", QUARTO_TARGET[fmt], "--profile", lang]
            env = {**(scratch_environment(scratch) if scratch else os.environ), "QUARTO_PYTHON": sys.executable}
            done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
                raise RenderFailed(f"quarto render of the {lang} {fmt} edition failed (exit {done.returncode}):\n{tail}")
            produced = project / "report" / f"bulletin.{'html' if fmt == 'html' else 'pdf'}"
            if not produced.exists():
                raise RenderFailed(f"quarto reported success but wrote no {produced.name}")
            try:
                insert_deferred_html(produced, deferred)
            except PrerenderFailed as error:
                raise RenderFailed(f"the {lang} {fmt} edition: {error}") from error
            final = target / f"bulletin_{lang}.{produced.suffix.lstrip('.')}"
            shutil.move(str(produced), final)
            written.append(final)
        log(f"      bulletin {lang} {fmt}: {final.name} ({final.stat().st_size // 1024} KB, {time.perf_counter() - began:.1f} s: "
            f"Python {evaluated - began:.1f} s, Quarto {time.perf_counter() - evaluated:.1f} s)")
    return written
