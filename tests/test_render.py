"""Rendering's plumbing (pipeline/outputs/render.py): Quarto starts before the editions' Markdown
is written and waits for it, never outlives the render that started it, and keeps its project
cache between renders."""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from pipeline.data.periods import load_period
from pipeline.outputs import render
from tests.conftest import PERIOD


def await_editions(folder: Path, pid: int) -> subprocess.Popen:
    script = folder / render.AWAIT_EDITIONS
    script.write_text(render.AWAIT_SCRIPT, encoding="utf-8")
    script.chmod(0o755)
    return subprocess.Popen([str(script)], cwd=folder, env={**os.environ, "HRD_BULLETIN_PID": str(pid)})


def test_quarto_waits_until_the_editions_are_written(tmp_path):
    waiting = await_editions(tmp_path, os.getpid())
    time.sleep(0.5)
    assert waiting.poll() is None, "no editions yet: Quarto waits"
    (tmp_path / render.EDITIONS_READY).touch()
    assert waiting.wait(5) == 0


def test_quarto_stops_waiting_when_the_render_that_started_it_is_gone(tmp_path):
    gone = subprocess.Popen(["true"])
    gone.wait()
    waiting = await_editions(tmp_path, gone.pid)
    assert waiting.wait(5) == 1, "a killed render leaves no Quarto waiting for it"


def test_the_working_copy_keeps_the_editors_own_pre_render_scripts(data_root, tmp_path):
    source = tmp_path / "source"
    (source / "report").mkdir(parents=True)
    (source / "report" / "styles.css").write_text("p {}", encoding="utf-8")
    (source / "_quarto.yml").write_text("project:\n  type: default\n  pre-render: python tidy.py\nprofile:\n  default: ru\n",
                                        encoding="utf-8")
    (source / "_quarto-ru.yml").write_text("lang: ru\n", encoding="utf-8")
    period = load_period(PERIOD, data_root)
    metadata = render.write_working_copy(tmp_path / "copy", period, ["ru"], source, await_editions=True)
    config = yaml.safe_load((tmp_path / "copy" / "_quarto.yml").read_text(encoding="utf-8"))
    assert config["project"]["pre-render"] == [f"./{render.AWAIT_EDITIONS}", "python tidy.py"]
    assert "profile" not in config and (tmp_path / "copy" / "report" / "styles.css").exists()
    stand_in = (tmp_path / "copy" / render.document_name("ru")).read_text(encoding="utf-8")
    assert yaml.safe_load(stand_in.split("---\n")[1]) == metadata["ru"] and metadata["ru"]["lang"] == "ru"
    assert os.access(tmp_path / "copy" / render.AWAIT_EDITIONS, os.X_OK)
    # the preview's copy (no waiting) has no script of ours
    render.write_working_copy(tmp_path / "preview", period, ["ru"], source)
    config = yaml.safe_load((tmp_path / "preview" / "_quarto.yml").read_text(encoding="utf-8"))
    assert config["project"]["pre-render"] == "python tidy.py" and not (tmp_path / "preview" / render.AWAIT_EDITIONS).exists()


def project_cache(project: Path, *entries: str) -> Path:
    folder = project / ".quarto" / "project-cache"
    folder.mkdir(parents=True)
    for name in ("deno-kv-file", *entries):
        (folder / name).write_text(f"{project.name} {name}", encoding="utf-8")
    return folder


def test_quartos_project_cache_is_kept_when_it_learnt_something_and_given_to_the_next_render(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    kept = render.quarto_cache_folder()
    render.seed_quarto_cache(tmp_path / "first")  # nothing kept yet: nothing given
    assert not (tmp_path / "first" / ".quarto").exists()
    project_cache(tmp_path / "first", "styles-a")
    render.keep_quarto_cache(tmp_path / "first")
    assert sorted(p.name for p in kept.iterdir()) == ["deno-kv-file", "styles-a"]
    project_cache(tmp_path / "pdf")  # a render that learnt nothing (the PDFs) leaves the kept cache alone
    render.keep_quarto_cache(tmp_path / "pdf")
    assert (kept / "deno-kv-file").read_text(encoding="utf-8") == "first deno-kv-file"
    render.seed_quarto_cache(tmp_path / "next")
    assert (tmp_path / "next" / ".quarto" / "project-cache" / "styles-a").read_text(encoding="utf-8") == "first styles-a"
    project_cache(tmp_path / "other", "styles-a", "styles-b")  # new styles: its cache replaces the kept one
    render.keep_quarto_cache(tmp_path / "other")
    assert (kept / "deno-kv-file").read_text(encoding="utf-8") == "other deno-kv-file"
    assert sorted(p.name for p in kept.parent.iterdir()) == [kept.name], "no half-moved copies left"


def processes_in(folder: Path) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and Path(os.readlink(proc / "cwd")).is_relative_to(folder):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


@pytest.mark.e2e
def test_a_render_whose_python_fails_leaves_no_quarto_behind(period_run, tmp_path, monkeypatch):
    """Quarto started before the editions' Python; that Python fails: every Quarto (and the script
    it waits in) is stopped, the working copies removed, the failure told."""
    def failing(*args, **kwargs):
        time.sleep(1.5)  # Quarto is in its pre-render script by now
        raise render.RenderFailed("the ru html edition: a part failed")

    monkeypatch.setattr(render, "write_editions", failing)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with pytest.raises(render.RenderFailed, match="a part failed"):
        render.render(load_period(PERIOD, period_run.output_dir.parent.parent), period_run.output_dir,
                      log=lambda m: None, scratch=scratch,
                      target=tmp_path / "bulletin")
    deadline = time.monotonic() + 5
    while processes_in(scratch) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_in(scratch) == []
    # the working copies are gone (Quarto's own session folders go with the run's scratch folder)
    assert [p.name for p in scratch.iterdir() if p.name.startswith("bulletin-")] == []
