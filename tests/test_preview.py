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
    document = project / "report" / "bulletin.qmd"
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
