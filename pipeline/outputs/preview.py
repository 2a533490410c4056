"""The editor's live preview: `quarto preview` of one edition, refreshed on every edit under report/.

    hrd-bulletin preview 2015-08_2016-04 --lang ru      # then open the address it prints

Quarto renders the bulletin from Markdown (pipeline.outputs.prerender), so this keeps a working
copy of the Quarto project in the period's temporary folder, with the edition's Markdown in it,
and runs `quarto preview` on that copy. A watcher looks at report/, the _quarto*.yml files and
pipeline/claims.yml five times a second: after an edit it writes the edition's Markdown again
(under a second), Quarto sees its input change, renders it and reloads the browser. plotly.js and
the figures' data are files beside the page (Quarto's server serves them), not in the Markdown,
and the page's resources are not embedded: Quarto renders a small document, in about the time of
any (`make bench` measures the loop). An error in the edited text (a Python cell
that fails) is printed with its file and line, and the preview waits for the next edit.

The preview reads the period's published outputs (data/processed/<period>/) and writes nothing
there: what it shows is not a publication; `hrd-bulletin render` makes one.
"""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

from pipeline import paths
from pipeline.data.periods import Period
from pipeline.outputs.render import RenderFailed, document_name, find_quarto, prepare_project, seed_quarto_cache


def sources(source: Path) -> dict[str, tuple[int, int]]:
    """What the preview depends on in the project (source: the repository): report/, the Quarto
    configuration and the claims' wording (pipeline/claims.yml), each file's modification time and size."""
    files = [*source.glob("_quarto*.yml"), *(p for p in (source / "report").rglob("*") if p.is_file()),
             *[p for p in [source / "pipeline" / "claims.yml"] if p.is_file()]]  # the claims' wording
    return {p.relative_to(source).as_posix(): (p.stat().st_mtime_ns, p.stat().st_size) for p in files}


class Preview:
    """The working copy of one edition and what it was made from."""

    def __init__(self, period: Period, folder: Path, project: Path, lang: str, source: Path | None = None):
        self.period, self.folder, self.project, self.lang = period, folder, project, lang
        self.source = source or paths.REPO_ROOT
        self.seen: dict[str, tuple[int, int]] = {}

    def refresh(self, log=print) -> bool:
        """Write the edition's Markdown again when a source changed since the last time (or on the
        first call); True when written. A failing cell is logged, not raised: the editor fixes it."""
        now = sources(self.source)
        if now == self.seen:
            return False
        changed = sorted(k for k in now.keys() | self.seen.keys() if now.get(k) != self.seen.get(k))
        self.seen = now
        began = time.perf_counter()
        try:
            prepare_project(self.project, self.period, self.folder, [self.lang], "html", html="files", source=self.source)
        except RenderFailed as error:
            log(f"preview not updated: {error}")
            return False
        shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
        log(f"preview updated from {shown} in {time.perf_counter() - began:.1f} s")
        return True


def preview_command(lang: str, port: int, open_browser: bool) -> list[str]:
    # served by Quarto, the page needs no embedded resources (and Quarto's embedding pass fails in
    # preview: "pandoc: bulletin.html: withFile: does not exist")
    return [str(find_quarto()), "preview", document_name(lang), "--to", "html",
            "-M", "embed-resources:false", "--port", str(port), *([] if open_browser else ["--no-browser"])]


def run_preview(period: Period, folder: Path, project: Path, lang: str, port: int, open_browser: bool,
                log=print, poll: float = 0.2, source: Path | None = None) -> None:
    """Serve the edition with `quarto preview` until interrupted, refreshing it after every edit
    of the project at source (default: the repository)."""
    project.mkdir(parents=True, exist_ok=True)
    preview = Preview(period, folder, project, lang, source)
    preview.refresh(log)
    seed_quarto_cache(project)  # the first page sooner (a folder of an earlier preview keeps its own)
    quarto = subprocess.Popen(preview_command(lang, port, open_browser), cwd=project)
    page = Path(document_name(lang)).with_suffix(".html").as_posix()
    log(f"preview of the {lang} edition: http://localhost:{port}/{page} (Ctrl+C to stop)")
    try:
        while quarto.poll() is None:
            time.sleep(poll)
            preview.refresh(log)
    except KeyboardInterrupt:
        pass
    finally:
        if quarto.poll() is None:
            quarto.terminate()
            try:
                quarto.wait(10)
            except subprocess.TimeoutExpired:
                quarto.kill()
