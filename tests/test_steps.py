"""Which pipeline code each step uses (pipeline.steps.code_used_by): read from the imports, so that
editing one part's module re-runs that part only, and never so narrow that a changed module or
contract goes unnoticed."""
from __future__ import annotations

import json

from pipeline import steps
from pipeline.cli import main
from pipeline.run import period_notebooks

NOTEBOOKS = {nb.stem: nb for nb in period_notebooks()}


def used(source) -> set[str]:
    return {p.relative_to(steps.PACKAGE_DIR).as_posix() for p in steps.code_used_by(source)}


def notebook(tmp_path, *cells: str):
    path = tmp_path / "probe.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "source": c, "metadata": {}, "outputs": [],
                                           "execution_count": None} for c in cells],
                                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    return path


def test_each_part_depends_on_its_own_module_and_not_on_the_others():
    own = {"00_overview": "overview.py", "01_portrait": "survey.py", "02_security": "survey.py",
           "03_incidents": "incidents.py", "04_media": "media.py", "05_dynamics": "dynamics.py"}
    for stem, module in own.items():
        code = used(NOTEBOOKS[stem])
        assert module in code, stem
        assert not (set(own.values()) - {module}) & code, stem
        # the run machinery (orchestration, Quarto, reconciliation) does not shape a notebook's outputs
        assert not {"run.py", "render.py", "reconcile.py", "batch.py", "cli.py"} & code, stem
        # what every notebook reads through: the package, raw-data checks, the codebooks
        assert {"__init__.py", "io.py", "validation.py", "codebook.py", "schemas/survey.yml"} <= code, stem


def test_modules_reached_only_through_other_modules_and_their_contracts_count():
    assert {"charts.py", "maps.py", "privacy.py", "privacy.yml"} <= used(NOTEBOOKS["01_portrait"])  # maps -> charts
    assert "dynamics.yml" in used(NOTEBOOKS["05_dynamics"])  # named by dynamics.py beside it
    assert "dynamics.yml" not in used(NOTEBOOKS["04_media"])


def test_every_contract_of_the_package_is_named_by_some_module():
    """A data file read under a computed name would be invisible to the fingerprints: keep the names
    literal (Path(__file__).with_name("x.yml"), SCHEMAS_DIR)."""
    files = {p.relative_to(steps.PACKAGE_DIR).as_posix() for p in steps.PACKAGE_DIR.rglob("*")
             if p.is_file() and p.suffix not in (".py", ".pyc")}
    named = set()
    for module in steps.PACKAGE_DIR.rglob("*.py"):
        _, literals, _ = steps._module_facts(module, (0, 0))
        named |= {p.relative_to(steps.PACKAGE_DIR).as_posix() for p in steps._data_files(module, literals, files)}
    assert files and files <= named, sorted(files - named)


def test_imports_chosen_at_run_time_make_the_whole_package_the_dependency(tmp_path):
    whole = set(steps.code_files())
    assert set(steps.code_used_by(steps.PACKAGE_DIR / "reconcile.py")) == whole  # importlib.import_module
    assert set(steps.code_used_by(notebook(tmp_path, "import importlib", "m = importlib.import_module('pipeline.maps')"))) == whole
    assert set(steps.code_used_by(notebook(tmp_path, "from pipeline import media", "def broken(:"))) == whole


def test_magics_and_imports_inside_functions_are_read(tmp_path):
    code = used(notebook(tmp_path, "%matplotlib inline\n!ls", "def later():\n    from pipeline.media import tables"))
    assert {"media.py", "__init__.py"} <= code and "incidents.py" not in code
    assert used(notebook(tmp_path, "import pandas as pd")) == set()


def test_steps_command_lists_reads_and_code(capsys):
    assert main(["steps"]) == 0
    out = capsys.readouterr().out
    assert "04_media.ipynb\n  reads: outlets, materials, material_cases, cases" in out
    media_code = out.split("04_media.ipynb")[1].split("05_dynamics.ipynb")[0]
    assert "media.py" in media_code and "incidents.py" not in media_code
    assert "reconciliation\n  reads: the run's tables; published_figures.yml" in out
    assert out.rstrip().endswith("bulletin\n  reads: the run's tables, maps and reconciliation; report/, _quarto*.yml\n"
                                 "  code: the whole package")
