"""The editor's preview (pipeline/outputs/preview.py): the working copy Quarto previews is written
again after every edit under report/, and only then; a failing cell is reported, not raised."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from pipeline.data.periods import load_period
from pipeline.outputs.preview import Preview

DOCUMENT = """---
# front matter
---

```{python}
#| tags: [parameters]
lang = "ru"
```

Edition `{python} lang`.

{{< include parts/_a.qmd >}}
"""


def source_project(root: Path) -> Path:
    """A minimal Quarto project of the bulletin's shape: _quarto.yml and report/ with an include."""
    repo = Path(__file__).resolve().parents[1]
    root.mkdir(parents=True)
    shutil.copy(repo / "_quarto.yml", root / "_quarto.yml")
    (root / "report" / "parts").mkdir(parents=True)
    (root / "report" / "bulletin.qmd").write_text(DOCUMENT, encoding="utf-8")
    (root / "report" / "parts" / "_a.qmd").write_text("Part A.\n", encoding="utf-8")
    return root


def touch_later(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a later time, whatever the clock


def test_the_preview_is_written_again_after_an_edit_and_only_then(tmp_path):
    source = source_project(tmp_path / "repo")
    project, said = tmp_path / "preview", []
    preview = Preview(load_period("2015-08_2016-04"), tmp_path, project, "en", source=source)
    assert preview.refresh(said.append)
    document = project / "report" / "bulletin_en.qmd"
    assert "Edition en." in document.read_text(encoding="utf-8") and "Part A." in document.read_text(encoding="utf-8")
    assert "title:" in document.read_text(encoding="utf-8")  # the edition's metadata as front matter
    assert not preview.refresh(said.append)  # nothing edited: nothing written
    touch_later(source / "report" / "parts" / "_a.qmd", "Part B, edited.\n")
    assert preview.refresh(said.append)
    assert "Part B, edited." in document.read_text(encoding="utf-8")
    assert "report/parts/_a.qmd" in said[-1]


def test_a_failing_cell_is_reported_with_its_file_and_line_and_the_preview_waits(tmp_path):
    source = source_project(tmp_path / "repo")
    preview, said = Preview(load_period("2015-08_2016-04"), tmp_path, tmp_path / "preview", "ru", source=source), []
    preview.refresh(said.append)
    touch_later(source / "report" / "parts" / "_a.qmd", "Part `{python} 1 / 0`.\n")
    assert not preview.refresh(said.append)
    assert "report/parts/_a.qmd, line 1" in said[-1] and "ZeroDivisionError" in said[-1]


def test_a_refresh_leaves_what_quarto_wrote_and_rewrites_only_what_changed(tmp_path):
    """Quarto may be rendering while the editor saves: the working copy is updated in place, its
    outputs (the page, its files) stay, and an unchanged Markdown is not written again."""
    source = source_project(tmp_path / "repo")
    project = tmp_path / "preview"
    preview = Preview(load_period("2015-08_2016-04"), tmp_path, project, "en", source=source)
    preview.refresh(lambda _: None)
    page, files = project / "report" / "bulletin_en.html", project / "report" / "bulletin_files" / "libs" / "x.js"
    files.parent.mkdir(parents=True)
    page.write_text("<html>rendered</html>", encoding="utf-8")
    files.write_text("x", encoding="utf-8")
    document = project / "report" / "bulletin_en.qmd"
    written = document.stat().st_mtime_ns
    touch_later(source / "report" / "parts" / "_a.qmd", "Part A.\n")  # saved again, same text
    assert preview.refresh(lambda _: None)
    assert document.stat().st_mtime_ns == written
    assert not (project / "report" / "parts").exists()  # Quarto sees one document, no part to render
    touch_later(source / "report" / "parts" / "_a.qmd", "Part C.\n")
    preview.refresh(lambda _: None)
    assert "Part C." in document.read_text(encoding="utf-8")
    assert page.read_text(encoding="utf-8") == "<html>rendered</html>" and files.exists()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_quarto_preview_shows_an_edit_of_a_part_with_the_figures(period_run, tmp_path, browser):
    """The live preview end to end: `quarto preview` of the Russian edition on a copy of report/,
    a part edited, the page served again with the edit, its figures drawn from the files beside it."""
    import subprocess
    import time

    from pipeline.outputs.preview import preview_command

    repo = Path(__file__).resolve().parents[1]
    source = tmp_path / "repo"
    shutil.copytree(repo / "report", source / "report")
    for config in repo.glob("_quarto*.yml"):
        shutil.copy(config, source)
    (source / "pipeline").mkdir()
    shutil.copy(repo / "pipeline" / "claims.yml", source / "pipeline")
    period = load_period("2015-08_2016-04", period_run.output_dir.parent.parent)
    project, port = tmp_path / "preview", free_port()
    preview = Preview(period, period.processed_dir, project, "ru", source=source)
    assert preview.refresh(lambda _: None)
    log = open(tmp_path / "quarto.log", "w+", encoding="utf-8")
    quarto = subprocess.Popen(preview_command("ru", port, False), cwd=project, stdout=log, stderr=subprocess.STDOUT)

    def rendered(times: int, within: float = 60) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            preview.refresh(lambda _: None)
            log.seek(0)
            if log.read().count("Output created") >= times:
                return
            assert quarto.poll() is None, "quarto preview stopped"
            time.sleep(0.1)
        log.seek(0)
        raise AssertionError("no render of the preview:\n" + log.read()[-3000:])

    try:
        rendered(1)
        part = source / "report" / "parts" / "_01_portrait.qmd"
        touch_later(part, part.read_text(encoding="utf-8").replace("\n\n", "\n\nПравка редактора 4711.\n\n", 1))
        rendered(2)
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/report/bulletin_ru.html")
        assert "Правка редактора 4711" in page.inner_text("body")
        page.wait_for_function("document.querySelectorAll('.plotly-graph-div .main-svg').length > 5", timeout=30_000)
        page.close()
    finally:
        quarto.terminate()
        quarto.wait(10)
        log.close()
