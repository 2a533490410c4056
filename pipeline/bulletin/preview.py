"""`hrd-bulletin preview <period>`: `quarto preview` of report/ on the period's content, as in any
Quarto project: report/period is pointed at the period's published content, and Quarto's own server
renders the edition again and reloads the browser after every edit of report/bulletin.qmd."""
from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from pipeline.bulletin.render import REPORT, content_of, find_quarto, point_report_at
from pipeline.data.periods import Period


def preview_command(lang: str, port: int, browser: bool, project: Path = REPORT) -> list[str]:
    # embed-resources off while previewing: Quarto's server serves plotly.js and the figures beside the page
    return [str(find_quarto()), "preview", str(project), "--profile", f"{lang},html", "--port", str(port),
            "-M", "embed-resources:false", *([] if browser else ["--no-browser"])]


def run_preview(period: Period, lang: str, port: int, browser: bool, project: Path = REPORT) -> int:
    content = content_of(period.processed_dir, period)
    point_report_at(content, project)
    print(f"report/period -> {content}\nThe edition: http://localhost:{port}/bulletin_{lang}.html (Ctrl-C to stop)")
    # Quarto (Deno, and the pandoc it starts) in a process group of its own, stopped whole with us:
    # killed by its PID, the preview would leave its server holding the port
    quarto = subprocess.Popen(preview_command(lang, port, browser, project), cwd=project, start_new_session=True)

    def stop(signum, frame):
        os.killpg(quarto.pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        return quarto.wait()
    except KeyboardInterrupt:  # Ctrl-C reaches us, not Quarto's own group: stop it, and wait for it to end
        os.killpg(quarto.pid, signal.SIGTERM)
        return quarto.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
