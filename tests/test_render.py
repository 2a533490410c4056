"""Rendering's plumbing (pipeline/outputs/render.py): Quarto starts before the editions' Markdown
is written and waits for it, never outlives the render that started it, and keeps its project
cache between renders."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from pipeline.data.periods import load_period
from pipeline.outputs import render
from pipeline.run.notebooks import PLOTLY_ID
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


def test_quarto_stops_waiting_when_quarto_itself_is_gone(tmp_path):
    """Quarto killed (a failed render) while the render's own process lives on: the script it ran
    stops too, and so it does when its working copy is removed."""
    script = tmp_path / render.AWAIT_EDITIONS
    script.write_text(render.AWAIT_SCRIPT, encoding="utf-8")
    script.chmod(0o755)
    quarto = subprocess.Popen(["sh", "-c", f"./{render.AWAIT_EDITIONS}; true"], cwd=tmp_path,
                              env={**os.environ, "HRD_BULLETIN_PID": str(os.getpid())})
    deadline = time.monotonic() + 5
    while not waiting_scripts(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert waiting_scripts(tmp_path), "the stand-in for Quarto runs the script, which waits"
    quarto.kill()
    quarto.wait()
    deadline = time.monotonic() + 5
    while processes_in(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_in(tmp_path) == []
    copy = tmp_path / "copy"
    copy.mkdir()
    waiting = await_editions(copy, os.getpid())
    time.sleep(0.3)
    (copy / render.AWAIT_EDITIONS).unlink()
    assert waiting.wait(5) == 1, "the working copy is gone: nothing to wait for"


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


@pytest.mark.parametrize("config,words", [
    ("project:\n  pre-render: 3\n", "pre-render is 3; expected a command or a list of commands"),
    ("project:\n  pre-render: {a: b}\n", "expected a command or a list of commands"),
    ("project: [a]\n", "'project' is ['a']; expected a mapping"),
    ("- a\n- b\n", "found list; expected a mapping"),
])
def test_a_quarto_configuration_of_the_wrong_shape_is_a_message(data_root, tmp_path, config, words):
    (tmp_path / "report").mkdir()
    (tmp_path / "_quarto.yml").write_text(config, encoding="utf-8")
    with pytest.raises(render.RenderFailed, match=re.escape(words)):
        render.write_working_copy(tmp_path / "copy", load_period(PERIOD, data_root), ["ru"], tmp_path, await_editions=True)


def project_cache(project: Path, *entries: str) -> Path:
    folder = project / ".quarto" / "project-cache"
    folder.mkdir(parents=True)
    for name in ("deno-kv-file", *entries):
        (folder / name).write_text(f"{project.name} {name}", encoding="utf-8")
    return folder


def test_quartos_project_cache_is_kept_when_it_learnt_something_and_given_to_the_next_render(tmp_path, monkeypatch):
    monkeypatch.setenv("HRD_BULLETIN_CACHE", str(tmp_path / "cache"))
    quarto = tmp_path / "quarto"
    quarto.write_text("a Quarto", encoding="utf-8")
    kept = render.quarto_cache_folder(quarto)
    render.seed_quarto_cache(tmp_path / "first", quarto)  # nothing kept yet: nothing given
    assert not (tmp_path / "first" / ".quarto").exists()
    project_cache(tmp_path / "first", "styles-a")
    render.keep_quarto_cache(tmp_path / "first", quarto)
    assert sorted(p.name for p in kept.iterdir()) == ["deno-kv-file", "styles-a"]
    project_cache(tmp_path / "pdf")  # a render that learnt nothing (the PDFs) leaves the kept cache alone
    render.keep_quarto_cache(tmp_path / "pdf", quarto)
    assert (kept / "deno-kv-file").read_text(encoding="utf-8") == "first deno-kv-file"
    render.seed_quarto_cache(tmp_path / "next", quarto)
    assert (tmp_path / "next" / ".quarto" / "project-cache" / "styles-a").read_text(encoding="utf-8") == "first styles-a"
    project_cache(tmp_path / "preview", "styles-b")  # a folder with a cache of its own (a preview's) keeps it
    render.seed_quarto_cache(tmp_path / "preview", quarto)
    assert not (tmp_path / "preview" / ".quarto" / "project-cache" / "styles-a").exists()
    project_cache(tmp_path / "other", "styles-a", "styles-b")  # new styles: its cache replaces the kept one
    render.keep_quarto_cache(tmp_path / "other", quarto)
    assert (kept / "deno-kv-file").read_text(encoding="utf-8") == "other deno-kv-file"
    assert sorted(p.name for p in kept.parent.iterdir()) == [kept.name], "no half-moved copies left"
    quarto.write_text("another build of Quarto", encoding="utf-8")  # never served what another Quarto computed
    assert render.quarto_cache_folder(quarto) != kept
    render.seed_quarto_cache(tmp_path / "after-upgrade", quarto)
    assert not (tmp_path / "after-upgrade" / ".quarto").exists()


def processes_in(folder: Path) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and Path(os.readlink(proc / "cwd")).is_relative_to(folder):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def waiting_scripts(folder: Path) -> list[int]:
    """The pre-render scripts waiting in folder (their command line names the script)."""
    found = []
    for pid in processes_in(folder):
        try:
            if render.AWAIT_EDITIONS in (Path("/proc") / str(pid) / "cmdline").read_bytes().decode(errors="replace"):
                found.append(pid)
        except OSError:
            continue
    return found


@pytest.mark.e2e
def test_a_render_whose_python_fails_leaves_no_quarto_behind(period_run, tmp_path, monkeypatch):
    """Quarto started before the editions' Python; that Python fails: every Quarto (and the script
    it waits in) is stopped, the working copies removed, the failure told."""
    seen = []

    def failing(*args, **kwargs):
        deadline = time.monotonic() + 30
        while not seen and time.monotonic() < deadline:  # Quarto reaches its pre-render script
            seen.extend(waiting_scripts(scratch))
            time.sleep(0.05)
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
    assert seen, "Quarto was waiting for the editions when their Python failed"
    assert processes_in(scratch) == []
    # the working copies are gone (Quarto's own session folders go with the run's scratch folder)
    assert [p.name for p in scratch.iterdir() if p.name.startswith("bulletin-")] == []


@pytest.mark.e2e
def test_the_page_is_the_same_with_quartos_cache_empty_or_kept(period_run, tmp_path, monkeypatch):
    """The kept project cache makes a render faster, never different."""
    monkeypatch.setenv("HRD_BULLETIN_CACHE", str(tmp_path / "cache"))
    period = load_period(PERIOD, period_run.output_dir.parent.parent)
    pages = []
    for attempt in ("empty", "kept"):
        scratch = tmp_path / f"scratch-{attempt}"
        scratch.mkdir()
        written = render.render(period, period_run.output_dir, editions=[("ru", "html")], log=lambda m: None,
                                scratch=scratch, target=tmp_path / attempt)
        pages.append(PLOTLY_ID.sub("<id>", written[0].read_text(encoding="utf-8")))
        shutil.rmtree(scratch)
        assert list((tmp_path / "cache").glob("quarto-project-cache-*/*")), "the first render kept its cache"
    assert pages[0] == pages[1]
