"""The editor's live preview is Quarto's own (`hrd-bulletin preview` = `quarto preview report/` on
the period's content): the open page in Chromium shows an edit of a part without being reloaded by
hand (Quarto's preview client reloads it). Parts are sections of report/bulletin.qmd: Quarto's
preview renders a document again when it changes, not when a file it includes does."""
from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from pipeline.bulletin import preview
from pipeline.bulletin.render import project_copy

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, seconds: float, what: str, log: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"not within {seconds} s: {what}\n{log.read_text(encoding='utf-8')[-3000:]}")


def test_an_edited_part_shows_in_the_open_page(period_run, browser, tmp_path):
    project = project_copy(period_run.output_dir / "bulletin-data", tmp_path / "report")  # a copy: the test edits it
    port = free_port()
    address = f"http://localhost:{port}/bulletin_ru.html"  # the edition's page (report/_quarto-ru.yml)
    command = preview.preview_command("ru", port, browser=False, project=project)
    log = open(tmp_path / "preview.log", "w", encoding="utf-8")
    quarto = subprocess.Popen(command, cwd=project, stdout=log, stderr=subprocess.STDOUT)
    try:
        def serving():
            try:
                return urllib.request.urlopen(address, timeout=2).status == 200
            except OSError:
                return False

        wait_for(serving, 120, "quarto preview serving the page", tmp_path / "preview.log")
        page = browser.new_page()
        page.goto(address, wait_until="load")
        assert "Портрет" in page.inner_text("body") or "портрет" in page.inner_text("body")
        part = project / "bulletin.qmd"  # Part I's section
        part.write_text(part.read_text(encoding="utf-8") + "\n\nПравка редактора 4711.\n", encoding="utf-8")
        wait_for(lambda: "Правка редактора 4711" in page.inner_text("body"), 60, "the page shows the edit", tmp_path / "preview.log")
        page.close()
    finally:
        quarto.terminate()
        try:
            quarto.wait(10)
        except subprocess.TimeoutExpired:
            quarto.kill()
        log.close()


def test_the_preview_stopped_by_its_pid_stops_its_quarto_too(period_run, tmp_path):
    """`kill <pid of hrd-bulletin preview>` (SIGTERM) ends Quarto's server with it: the port is free again."""
    import os
    import signal
    import sys

    project = project_copy(period_run.output_dir / "bulletin-data", tmp_path / "report")
    port = free_port()
    code = ("import sys\nfrom pathlib import Path\nfrom pipeline.bulletin.preview import run_preview\n"
            "from pipeline.data.periods import load_period\n"
            f"sys.exit(run_preview(load_period({period_run.period!r}, {str(period_run.output_dir.parent.parent)!r}), "
            f"'ru', {port}, False, project=Path({str(project)!r})))")
    log = open(tmp_path / "preview.log", "w", encoding="utf-8")
    previewing = subprocess.Popen([sys.executable, "-c", code], stdout=log, stderr=subprocess.STDOUT)

    def answers() -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    try:
        wait_for(answers, 120, "the preview serving", tmp_path / "preview.log")
        os.kill(previewing.pid, signal.SIGTERM)
        previewing.wait(timeout=30)
        wait_for(lambda: not answers(), 15, "the port free again after SIGTERM", tmp_path / "preview.log")
    finally:
        previewing.kill()
