"""`hrd-bulletin preview <period>`: `quarto preview` of report/ on the period's content, as in any
Quarto project: report/period is pointed at the period's published content, and Quarto's own server
renders the edition again and reloads the browser after every edit of report/bulletin.qmd."""
from __future__ import annotations

import subprocess
from pathlib import Path

from pipeline.bulletin.render import REPORT, content_of, find_quarto, point_report_at
from pipeline.data.periods import Period


def preview_command(lang: str, port: int, browser: bool, project: Path = REPORT) -> list[str]:
    # embed-resources off while previewing: Quarto's server serves plotly.js and the figures beside the page
    return [str(find_quarto()), "preview", str(project), "--profile", f"{lang},html", "--port", str(port),
            "-M", "embed-resources:false", *([] if browser else ["--no-browser"])]


def run_preview(period: Period, lang: str, port: int, browser: bool) -> int:
    content = content_of(period.processed_dir, period)
    point_report_at(content)
    print(f"report/period -> {content}\nThe edition: http://localhost:{port}/bulletin_{lang}.html (Ctrl-C to stop)")
    return subprocess.call(preview_command(lang, port, browser), cwd=REPORT)
