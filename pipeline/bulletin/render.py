"""The bulletin rendered by Quarto: `quarto render report/ --profile <lang>,<format>` of the period's content.

    render(period, run_folder, target=run_folder / "bulletin")   # the run's step `bulletin` (run_step)

report/ is a plain Quarto project; what it says about the period is the run's content of the period
(<run folder>/bulletin-data/, pipeline.bulletin.content), which report/period points at. Each
language renders in a copy of report/ of its own (its .qmd, styles and settings: some 100 KB),
both side by side: Quarto cannot render two profiles of one project at once (they share its
intermediate files), and a run then never writes into the source tree, whatever else renders.
Quarto is called directly, not through the PyPI wrapper `quarto`, whose render() (0.1.0) ignores
Quarto's exit status and cannot capture the log.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from pipeline import paths
from pipeline.data.periods import Period
from pipeline.run.scratch import CHILDREN

REPORT = paths.REPO_ROOT / "report"
EDITIONS = (("ru", "html"), ("ru", "pdf"), ("en", "html"), ("en", "pdf"))  # (language, format)
CONTENT = "bulletin-data"  # the run's folder with the bulletin's content
# not part of the project: the content link, Quarto's own state, what a render in place left
NOT_SOURCE = ("period", ".quarto", "bulletin_*.html", "bulletin_*.pdf", "*_files")


class RenderFailed(Exception):
    pass


def find_quarto() -> Path:
    for candidate in (os.environ.get("QUARTO_PATH"), shutil.which("quarto"), str(paths.REPO_ROOT / ".tools" / "quarto" / "bin" / "quarto")):
        if candidate and Path(candidate).exists():
            return Path(candidate)
    raise RenderFailed("Quarto not found: install it (quarto.org, `pip install quarto-cli` with internet, or conda-forge "
                       "`quarto`), or run `make quarto` to build it offline from ../shared/quarto-kit; or set QUARTO_PATH.")


def point_report_at(content: Path, project: Path = REPORT) -> None:
    """report/period -> the period's content, replaced in one rename (a render reading it sees one or the other)."""
    link = project / "period"
    if link.exists() and not link.is_symlink():
        raise RenderFailed(f"{link}: expected the link to a period's content (made by hrd-bulletin), found a folder or file; remove it")
    fresh = project / f".period-{os.getpid()}"
    fresh.unlink(missing_ok=True)
    fresh.symlink_to(content.resolve(), target_is_directory=True)
    os.replace(fresh, link)


def content_of(folder: Path, period: Period) -> Path:
    """The period's content in a run folder; refused, with what to do, when the run wrote none."""
    content = folder / CONTENT
    if not all((content / f"{lang}.yml").is_file() for lang in ("ru", "en")):
        raise RenderFailed(f"{content}: no bulletin content; run `hrd-bulletin run {period.id}` first")
    return content


def project_copy(content: Path, into: Path) -> Path:
    """A copy of report/ (its own files: some 100 KB) whose period/ is the given content."""
    shutil.copytree(REPORT, into, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    point_report_at(content, into)
    return into


def render(period: Period, folder: Path, editions=EDITIONS, log=print, scratch: Path | None = None,
           target: Path | None = None) -> list[Path]:
    """The editions of the period's bulletin from the run folder's content, into `target` (default:
    the folder's bulletin/): each file written whole, by a rename; returns the files written."""
    content, target = content_of(folder, period), target or folder / "bulletin"
    quarto = find_quarto()
    langs = sorted({lang for lang, _ in editions}, key=[e[0] for e in EDITIONS].index)
    with tempfile.TemporaryDirectory(prefix="render-", dir=scratch) as work:
        started = {}
        for lang in langs:
            project = project_copy(content, Path(work) / lang)
            # one language's editions one after the other (one project: Quarto shares its files)
            commands = [f"{shlex.quote(str(quarto))} render . --profile {lang},{fmt}" for la, fmt in editions if la == lang]
            log("  " + "; ".join(f"quarto render report/ --profile {lang},{fmt}" for la, fmt in editions if la == lang))
            with open(Path(work) / f"quarto-{lang}.log", "w", encoding="utf-8") as quarto_log:
                started[lang] = (project, subprocess.Popen(["sh", "-c", " && ".join(commands)], cwd=project, start_new_session=True,
                                                           stdout=quarto_log, stderr=subprocess.STDOUT))
                CHILDREN.add(started[lang][1])  # ended by a stopped run (pipeline.run.scratch)
        try:
            for _, process in started.values():
                process.wait()
        finally:
            CHILDREN.difference_update(process for _, process in started.values())
        outputs = {lang: (Path(work) / f"quarto-{lang}.log").read_text(encoding="utf-8", errors="replace") for lang in started}
        # Quarto only warns of a value the content lacks, and prints "?meta:<key>" in its place
        failed = [lang for lang, (_, process) in started.items() if process.returncode != 0 or "Unknown meta key" in outputs[lang]]
        if failed:
            raise RenderFailed(f"Quarto could not render the {', '.join(failed)} bulletin of {period.id}:\n" + "\n".join(
                _tail(outputs[lang]) for lang in failed))
        target.mkdir(parents=True, exist_ok=True)
        written = []
        for lang, fmt in editions:
            name = f"bulletin_{lang}.{fmt}"
            built = started[lang][0] / name
            if not built.is_file():
                raise RenderFailed(f"Quarto reported no error but wrote no {name}:\n{_tail(outputs[lang])}")
            partial = target / f".{name}.partial"
            shutil.copyfile(built, partial)
            os.replace(partial, target / name)
            written.append(target / name)
    return written


OUTDATED = "bulletin-outdated"


def editions_text(editions) -> str:
    """'ru html, en pdf': how run.json and the console name editions."""
    return ", ".join(f"{lang} {fmt}" for lang, fmt in editions)


def run_step(run, into: Path, record) -> None:
    """The run's step `bulletin` (pipeline/steps.yml): the run's editions rendered. The editions not
    rendered (`run --no-bulletin`, `render --lang en`) are never dropped or left as if current: kept
    in bulletin/ while they match the outputs and text, else moved to bulletin-outdated/ with a note
    saying so and how to render them again. run.json records the editions bulletin/ holds."""
    run.close_painter()  # the content's charts are drawn: Chromium's memory back before Quarto
    prior = run.prior("bulletin") or {}
    inputs = {k: v for k, v in record.fingerprint.items() if k != "editions"}
    current = prior.get("status") in ("ran", "skipped") and all(
        (prior.get("fingerprint") or {}).get(k) == v for k, v in inputs.items())
    # an HTML edition links its language's PDF: rendered too unless the one published still matches
    editions = list(run.editions) + [(lang, "pdf") for lang, fmt in run.editions if fmt == "html" and (lang, "pdf") not in run.editions
                                     and not (current and f"bulletin/bulletin_{lang}.pdf" in prior.get("outputs", []))]
    written = {p.name for p in render(run.period, run.folder, editions, log=run.log, scratch=run.scratch,
                                      target=into / "bulletin")} if editions else set()
    kept, outdated = set(), set()
    for relative in prior.get("outputs", []):
        name = Path(relative).name
        if name not in written and name != "README.txt" and (run.final / relative).is_file():
            keep = current and relative.startswith("bulletin/")
            (kept if keep else outdated).add(name)
            (into / ("bulletin" if keep else OUTDATED)).mkdir(parents=True, exist_ok=True)
            shutil.copy2(run.final / relative, into / ("bulletin" if keep else OUTDATED) / name)
    again = f"render it again with `hrd-bulletin render {run.period.id}`"
    if outdated:
        (into / OUTDATED / "README.txt").write_text(
            "OUTDATED: these editions of the bulletin were rendered from outputs or text that have changed since.\n"
            f"They do not match the tables beside them. To bring them up to date, {again}.\n\n"
            "УСТАРЕЛ: эти издания бюллетеня подготовлены по данным или тексту, которые с тех пор изменились.\n"
            f"Они не соответствуют таблицам рядом с ними. Чтобы обновить их: hrd-bulletin render {run.period.id}\n",
            encoding="utf-8")
    older = f"editions made from other outputs or text ({', '.join(sorted(outdated))}) moved to {OUTDATED}/: {again}"
    holds = [e for e in EDITIONS if f"bulletin_{e[0]}.{e[1]}" in written | kept]
    record.fingerprint["editions"] = editions_text(holds)
    record.rendered = run.started.isoformat(timespec="seconds") if written else prior.get("rendered", "?")
    if written:
        record.reason += f"; rendered {editions_text(editions)}" + (
            " (a PDF as well: its HTML edition links to it)" if len(editions) > len(run.editions) else "") + (f"; {older}" if outdated else "")
    else:
        record.status = "skipped" if kept or not outdated else "outdated"
        record.reason = "not rendered" + (f"; the bulletin of {record.rendered} still matches: kept" if kept else "") + (
            f"; {older}" if outdated else "")


def _tail(log: str, lines: int = 25) -> str:
    """The end of Quarto's log: where its error is (the .qmd and line, or the Typst/pandoc message)."""
    return "\n".join(log.strip().splitlines()[-lines:])
