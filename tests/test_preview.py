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
