"""Render the bulletin of a period with Quarto: HTML (one self-contained file, offline) and PDF
(through Typst), in Russian and English, from the period's processed tables.

    hrd-bulletin render 2015-08_2016-04            # after a run; the run also does it as its last step

The project calls the Quarto CLI directly rather than through the PyPI wrapper `quarto`: its
render() (version 0.1.0) discards Quarto's exit status, so a failed render would pass for a good
one, and it can neither set the environment (QUARTO_PYTHON) nor capture the log.

Quarto is looked for in QUARTO_PATH, then on PATH, then in .tools/quarto/ (built by `make quarto`
from ../shared/quarto-kit when no Quarto can be installed the usual way). The editions of one
format render in one Quarto process (Quarto's start is most of a render), in a copy of the Quarto
project in a temporary folder, so renders never write into report/ and several periods can render
at once. The editions' profiles (_quarto-ru.yml, _quarto-en.yml) are applied per document: their
settings go into each edition's front matter and their `when-profile` blocks are decided before
Quarto sees them (pipeline.outputs.prerender.keep_profile), the same pages as `--profile`.
Quarto starts before the editions' Markdown is written and waits for it in a pre-render script
(its start overlaps the bulletin's Python), and its project cache (the page styles' Sass variables)
is kept between renders in ~/.cache/kz-hrd-bulletin/ (XDG_CACHE_HOME, or HRD_BULLETIN_CACHE):
deleting it costs a second.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
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

EDITIONS = (("ru", "html"), ("ru", "pdf"), ("en", "html"), ("en", "pdf"))  # (language, format)
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


def quarto_cache_folder(quarto: Path | None = None) -> Path:
    """Where Quarto's project cache is kept between renders: the working copies are fresh folders,
    and without it each HTML render parses Bootstrap's Sass again for its variables (about a second;
    Quarto memoizes that in <project>/.quarto/project-cache, keyed by the Sass's content). One
    folder per Quarto (its path and build): what one Quarto computed is never served to another.
    Outside the data: it holds Quarto's computed styles, nothing of a period. Grows only when the
    page's styles change; safe to delete."""
    quarto = (quarto or find_quarto()).resolve()
    try:
        built = quarto.stat()
        which = hashlib.sha256(f"{quarto}|{built.st_size}|{built.st_mtime_ns}".encode()).hexdigest()[:12]
    except OSError:
        which = "unknown"
    return paths.cache_dir() / f"quarto-project-cache-{which}"


def _cache_entries(folder: Path) -> set[str]:
    try:  # another render may be moving the kept cache this very moment: then it is none
        return {p.name for p in folder.iterdir() if p.is_file() and p.name != "deno-kv-file"}
    except OSError:
        return set()


def seed_quarto_cache(project: Path, quarto: Path | None = None) -> None:
    """Give a working copy the project cache kept by earlier renders, if it has none of its own (a
    preview's folder keeps its cache, maybe open in a Quarto still running)."""
    kept, cache = quarto_cache_folder(quarto), project / ".quarto" / "project-cache"
    if cache.exists() or not _cache_entries(kept):
        return
    with contextlib.suppress(OSError, shutil.Error):  # a cache: without it Quarto computes what it needs
        shutil.copytree(kept, cache)


def keep_quarto_cache(project: Path, quarto: Path | None = None) -> None:
    """After a good render: keep its project cache if it learnt something the kept one lacks. The new
    copy is moved in by renames, so a render running beside this one reads a whole cache or none;
    copies left half-moved by a killed render are removed by the next one."""
    cache, kept = project / ".quarto" / "project-cache", quarto_cache_folder(quarto)
    if not _cache_entries(cache) - _cache_entries(kept):
        return
    fresh = None
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        for stale in kept.parent.glob(".*-project-cache-*"):
            if time.time() - stale.stat().st_mtime > 3600:
                shutil.rmtree(stale, ignore_errors=True)
        fresh = Path(tempfile.mkdtemp(prefix=".new-project-cache-", dir=kept.parent))
        shutil.copytree(cache, fresh, dirs_exist_ok=True)
        old = kept.with_name(f".old-project-cache-{fresh.name}")
        with contextlib.suppress(FileNotFoundError):
            kept.rename(old)
        fresh.rename(kept)
        shutil.rmtree(old, ignore_errors=True)
    except (OSError, shutil.Error):
        pass  # a cache: the next render computes what it lacks
    finally:
        if fresh and fresh.exists():
            shutil.rmtree(fresh, ignore_errors=True)


def _month(day, lang: str) -> str:
    return f"{MONTHS[lang][day.month - 1]} {day.year}"


def title_metadata(period: Period, lang: str) -> dict[str, str]:
    return {"title": period.title_ru.split(". ")[0] if lang == "ru" else period.title_en.split(". ")[0],
            "pagetitle": (period.title_ru if lang == "ru" else period.title_en),
            "subtitle": SUBTITLE[lang].format(n=period.bulletin_number, first=_month(period.first_day, lang).capitalize(),
                                              last=_month(period.last_day, lang))}


def prepare_project(project: Path, period: Period, folder: Path, langs: list[str], fmt: str, html: str = "deferred",
                    source: Path | None = None, painter=None) -> dict[str, dict[str, str]]:
    """A working copy of the Quarto project (source: the repository) in project/ that renders the
    editions of one format, one document per language, report/bulletin_<lang>.qmd, in one Quarto
    process (most of a render is Quarto's start: a second edition adds a fraction of the first):
    the configuration, the report's styles and includes, and each edition's Markdown. The bulletin's
    Python runs here, in this process, so Quarto gets Markdown and starts no kernel. Each language's
    profile (_quarto-<lang>.yml) goes into its document's front matter and its `when-profile`
    blocks are resolved here (prerender.keep_profile): no profile is active in the copy.
    Files are updated in place, only when changed, and Quarto's outputs in project/ are left alone:
    `hrd-bulletin preview` calls this after every edit while Quarto may be rendering. Returns, by
    language, the HTML blocks deferred until Quarto has written the page (html: see report.Edition)."""
    source = source or paths.REPO_ROOT
    metadata = _prepared(fmt, write_working_copy, project, period, langs, source)
    return _prepared(fmt, write_editions, project, period, folder, langs, fmt, html, source, painter, metadata)


def _prepared(fmt: str, step, *args, **kwargs):
    """step(*args, **kwargs), an editor's typo in the configuration (or a file gone while copied)
    told as a failed render of the format's editions, not a traceback."""
    import yaml

    try:
        return step(*args, **kwargs)
    except (yaml.YAMLError, OSError) as error:
        raise RenderFailed(f"the {fmt} edition(s) could not be prepared: {type(error).__name__}: {error}") from error


# Quarto's start (about a second) need not wait for the editions' Python: a render's working copy
# gets a pre-render script that holds Quarto until the editions are written (EDITIONS_READY), or
# until the process that started Quarto, or Quarto itself, or the working copy is gone (a failed
# or killed render leaves nothing waiting).
EDITIONS_READY = ".editions-written"
AWAIT_EDITIONS = ".await-editions.sh"
AWAIT_SCRIPT = f"""#!/bin/sh
# Quarto started while pipeline/outputs/render.py still writes the editions' Markdown: wait for it.
while [ ! -e {EDITIONS_READY} ]; do
  [ -e ./{AWAIT_EDITIONS} ] && kill -0 "$HRD_BULLETIN_PID" 2>/dev/null && kill -0 "$PPID" 2>/dev/null || exit 1
  sleep 0.02
done
"""


def write_working_copy(project: Path, period: Period, langs: list[str], source: Path,
                       await_editions: bool = False) -> dict[str, dict]:
    """The working copy's configuration and the report's styles and includes (and, with
    await_editions, the pre-render script that holds Quarto until write_editions is done, and each
    edition's front matter as a stand-in document). Returns each language's front matter."""
    import yaml

    config = yaml.safe_load((source / "_quarto.yml").read_text(encoding="utf-8")) or {}
    if not isinstance(config, dict):
        raise RenderFailed(f"_quarto.yml: found {type(config).__name__}; expected a mapping (project:, format:, ...)")
    config.pop("profile", None)
    config["project"] = config.get("project") or {}
    if not isinstance(config["project"], dict):
        raise RenderFailed(f"_quarto.yml: 'project' is {config['project']!r}; expected a mapping (type:, render:, ...)")
    if await_editions:
        theirs = config["project"].get("pre-render") or []
        theirs = [theirs] if isinstance(theirs, str) else theirs
        if not (isinstance(theirs, list) and all(isinstance(script, str) for script in theirs)):
            raise RenderFailed(f"_quarto.yml: project: pre-render is {theirs!r}; expected a command or a list of commands")
        config["project"]["pre-render"] = [f"./{AWAIT_EDITIONS}", *theirs]
    config["project"]["render"] = [document_name(lang) for lang in langs]
    project.mkdir(parents=True, exist_ok=True)
    write_if_changed(project / "_quarto.yml", ("# a working copy of the project, written by pipeline/outputs/render.py\n"
                                               + yaml.safe_dump(config, allow_unicode=True, sort_keys=False)).encode())
    for path in (p for p in (source / "report").rglob("*") if p.is_file() and p.suffix != ".qmd"):
        target = project / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_if_changed(target, path.read_bytes())
    metadata = {}
    for lang in langs:
        profile = source / f"_quarto-{lang}.yml"
        metadata[lang] = {**(yaml.safe_load(profile.read_text(encoding="utf-8")) or {} if profile.exists() else {}),
                          **title_metadata(period, lang)}
        if await_editions:
            stand_in = "---\n" + yaml.safe_dump(metadata[lang], allow_unicode=True, sort_keys=False) + "---\n"
            (project / document_name(lang)).write_text(stand_in, encoding="utf-8")
    if await_editions:
        script = project / AWAIT_EDITIONS
        script.write_text(AWAIT_SCRIPT, encoding="utf-8")
        script.chmod(0o755)
    return metadata


def write_editions(project: Path, period: Period, folder: Path, langs: list[str], fmt: str, html: str, source: Path,
                   painter, metadata: dict[str, dict]) -> dict[str, dict[str, str]]:
    """Each edition's Markdown (the bulletin's Python evaluated here) into the working copy."""
    blocks = {}
    for lang in langs:
        try:
            blocks[lang] = prerender_edition(
                source / "report" / "bulletin.qmd", project / document_name(lang),
                {"period": period.id, "data_root": str(period.data_root), "tables_dir": str(folder), "lang": lang, "fmt": fmt},
                metadata[lang], html, painter, root=source, profile=lang)
        except PrerenderFailed as error:
            raise RenderFailed(f"the {lang} {fmt} edition: {error}") from error
    return blocks


def document_name(lang: str) -> str:
    """An edition's document in a working copy of the project (relative to it)."""
    return f"report/bulletin_{lang}.qmd"


def render(period: Period, folder: Path, editions=EDITIONS, log=print, scratch: Path | None = None,
           target: Path | None = None, painter: images.Painter | None = None, release_painter=None) -> list[Path]:
    """Render the editions into target (default folder/bulletin/) from the tables, maps and run
    record in folder: one Quarto process per format, the PDFs' first. Each Quarto starts before its
    editions' Python and waits in a pre-render script until their Markdown is written (its start,
    about a second, overlaps the Python); the PDFs' Python (and one Chromium for their images,
    closed before the HTML editions') runs first, then the HTML editions' while Quarto renders the
    PDFs. Quarto's working copies and temporary files go into scratch (the run's temporary folder,
    pipeline.scratch), so a killed render leaves nothing elsewhere (but Quarto's project cache,
    quarto_cache_folder, which holds no data). painter: an open Chromium for
    the PDFs' images (a run's, with release_painter to close it once they are drawn); else one of
    its own."""
    from pipeline.data import editorial

    missing = editorial.missing(period)
    if missing:  # the bulletin renders with a marked box in their place; the editor should know
        log(f"editor's text missing for {period.id} (a marked box stands in its place): "
            + ", ".join(f"data/raw/{period.id}/{m}" for m in missing))
    quarto = find_quarto()
    target = target or folder / "bulletin"
    target.mkdir(parents=True, exist_ok=True)
    env = scratch_environment(scratch) if scratch else dict(os.environ)
    batches: list[_Batch] = []
    written: list[Path] = []
    env["HRD_BULLETIN_PID"] = str(os.getpid())  # the Quartos wait for this process's editions (AWAIT_SCRIPT)
    try:
        for fmt in ("pdf", "html"):
            langs = [lang for lang, f in editions if f == fmt]
            if not langs:
                continue
            work = tempfile.TemporaryDirectory(prefix=f"bulletin-{fmt}-", dir=scratch)
            batch = _Batch(fmt, langs, work, Path(work.name), time.perf_counter())
            batches.append(batch)
            # Quarto starts first and waits for the editions' Markdown; the HTML's Quarto only once
            # the PDFs' Chromium is closed (a waiting Quarto holds ~175 MB)
            metadata = _prepared(fmt, write_working_copy, batch.project, period, langs, paths.REPO_ROOT,
                                 await_editions=True)
            batch.start(quarto, env)
            own = images.Painter() if fmt == "pdf" and painter is None else contextlib.nullcontext(painter)
            with own as drawing:
                batch.deferred = _prepared(fmt, write_editions, batch.project, period, folder, langs, fmt, "deferred",
                                           paths.REPO_ROOT, drawing if fmt == "pdf" else None, metadata)
            if fmt == "pdf" and release_painter:
                release_painter()  # Chromium's memory back before the Quartos render
            batch.evaluated = time.perf_counter()
            batch.release()
        for batch in batches:
            written += _finish(batch, target, log)
    finally:
        for batch in batches:  # a failure: stop what still renders, remove its working copy
            batch.stop()
    order = [f"bulletin_{lang}.{'html' if fmt == 'html' else 'pdf'}" for lang, fmt in editions]
    return sorted(written, key=lambda p: order.index(p.name))


class _Batch:
    """The editions of one format on their way: their working copy, then their Quarto process."""

    def __init__(self, fmt: str, langs: list[str], work: tempfile.TemporaryDirectory, project: Path, began: float):
        self.fmt, self.langs, self.work, self.project, self.began = fmt, langs, work, project, began
        self.deferred: dict[str, dict[str, str]] = {}
        self.evaluated = began
        self.process: subprocess.Popen | None = None
        self.quarto: Path | None = None
        self.output = None

    def start(self, quarto: Path, env: dict) -> None:
        command = [str(quarto), "render", "--to", QUARTO_TARGET[self.fmt],
                   # the page's scripts and styles are put into it by pipeline.outputs.embed: faster than Quarto
                   *(["-M", "embed-resources:false"] if self.fmt == "html" else [])]
        seed_quarto_cache(self.project, quarto)
        self.quarto = quarto
        self.output = open(self.project / "quarto.log", "w+", encoding="utf-8")  # Quarto's log, read on failure
        # a process group of its own: Quarto's launcher may start deno (and deno pandoc, Typst, our
        # pre-render script) as children, and a failed render stops them all
        self.process = subprocess.Popen(command, cwd=self.project, env=env, stdout=self.output,
                                        stderr=subprocess.STDOUT, text=True, start_new_session=True)

    def release(self) -> None:
        """The editions' Markdown is written: Quarto, waiting in its pre-render script, goes on."""
        (self.project / EDITIONS_READY).touch()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        if self.output:
            self.output.close()
        self.work.cleanup()


def _finish(batch: _Batch, target: Path, log) -> list[Path]:
    """Wait for a format's Quarto, put the deferred HTML in and move the files into target."""
    editions = " and ".join(f"{lang} {batch.fmt}" for lang in batch.langs)
    try:
        code = batch.process.wait() if batch.process else 1
        if code != 0:
            tail = ""
            if batch.output:
                batch.output.seek(0)
                tail = "\n".join(batch.output.read().strip().splitlines()[-25:])
            raise RenderFailed(f"quarto render of the {editions} edition(s) failed (exit {code}):\n{tail}")
        keep_quarto_cache(batch.project, batch.quarto)
        finals = []
        for lang in batch.langs:
            produced = (batch.project / document_name(lang)).with_suffix(".html" if batch.fmt == "html" else ".pdf")
            if not produced.exists():
                raise RenderFailed(f"quarto reported success but wrote no {produced.name}")
            try:
                if batch.fmt == "html":
                    embed_resources(produced)
                insert_deferred_html(produced, batch.deferred.get(lang, {}))
            except (PrerenderFailed, EmbedFailed) as error:
                raise RenderFailed(f"the {lang} {batch.fmt} edition: {error}") from error
            final = target / produced.name
            shutil.move(str(produced), final)
            finals.append(final)
    finally:
        batch.stop()
    for final in finals:
        log(f"      bulletin {final.name}: {final.stat().st_size // 1024} KB")
    log(f"      bulletin {editions}: ready {time.perf_counter() - batch.began:.1f} s after their start "
        f"(Python {batch.evaluated - batch.began:.1f} s, Quarto starting beside it)")
    return finals
