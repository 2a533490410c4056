"""The registry of steps (pipeline/steps.yml) and the code each step uses (pipeline.run.code): read
from the imports, so that editing one part's module re-runs that part only, and never so narrow
that a changed module or contract goes unnoticed. Adding a step is one registry entry and its code."""
from __future__ import annotations

import json

import pytest
import yaml

from pipeline import registry
from pipeline.cli import main
from pipeline.run import code
from pipeline.run.engine import all_steps, run_period
from pipeline.run.steps import NotebookStep, from_registry
from tests.conftest import PERIOD

STEPS = {step.name: step for step in all_steps()}
PARTS = ("overview", "portrait", "security", "incidents", "media", "dynamics")


def used(source) -> set[str]:
    return {p.relative_to(code.PACKAGE_DIR).as_posix() for p in code.code_used_by(source)}


def notebook(tmp_path, *cells: str, name="probe.ipynb"):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def test_the_registry_declares_every_step_once():
    notebooks = [name for name, step in STEPS.items() if isinstance(step, NotebookStep)]
    assert set(PARTS) <= set(notebooks) and {"reconciliation", "claims", "datapackage", "bulletin"} <= set(STEPS)
    for part in notebooks:  # a part: its notebook, its module, its tables described
        assert STEPS[part].notebook.exists(), part
        assert (code.PACKAGE_DIR / "parts" / f"{part}.py").exists() and (code.PACKAGE_DIR / "parts" / f"{part}.tables.yml").exists()
    for step in STEPS.values():  # whatever reads this run's tables runs after every part that writes them
        if {"tables", "maps"} & set(step.entry.run_outputs):
            assert set(notebooks) <= set(step.after), step.name


@pytest.mark.parametrize("spec,words", [
    ({"a": {"kind": "magic"}}, "kind 'magic'"),
    ({"a": {"kind": "notebook"}}, "names its notebook"),
    ({"a": {"kind": "python", "module": "pipeline.outputs.claims", "after": ["b"]}}, "expected steps of the registry"),
    ({"a": {"kind": "python", "module": "pipeline.outputs.claim"}}, "module 'pipeline.outputs.claim'"),
    ({"a": {"kind": "python", "module": "pipeline.outputs.claims", "uses": "x.yml"}}, "uses 'x.yml'"),
    ({"a": {"kind": "python", "module": "pipeline.outputs.claims", "reads": {"rav": "all"}}}, "reads ['rav']"),
    ({"a": {"kind": "python", "afer": ["b"]}}, "unknown field(s) afer"),
    ({"a": {"kind": "notebook", "notebook": "x.ipynb", "reads": {"raw": "outlets"}}}, "expected all or a list"),
    ({"a": {"kind": "notebook", "notebook": "x.ipynb", "reads": {"raw": ["outlet"]}}}, "expected all or a list"),
    ({"a": {"kind": "python", "module": "pipeline.outputs.claims", "reads": {"run": "tables"}}}, "expected a list of names"),
    ({"a": {"kind": "python", "module": "pipeline.outputs.claims", "reads": ["run"]}}, "expected a mapping"),
    ({"a": {"kind": "python", "module": "pipeline.outputs.claims", "after": ["b"]},
      "b": {"kind": "python", "module": "pipeline.outputs.claims", "after": ["a"]}}, "in a circle: a -> b -> a"),
])
def test_a_wrong_registry_entry_is_refused_with_its_name(spec, words):
    with pytest.raises(ValueError) as error:
        registry.parse(spec)
    assert words in str(error.value) and "step" in str(error.value)


def test_each_part_depends_on_its_own_module_and_not_on_the_others():
    own = {"overview": {"parts/overview.py"}, "portrait": {"parts/portrait.py", "parts/survey.py"},
           "security": {"parts/security.py", "parts/survey.py"}, "incidents": {"parts/incidents.py"},
           "media": {"parts/media.py"}, "dynamics": {"parts/dynamics.py"}}
    every_part = set().union(*own.values())
    for name, modules in own.items():
        used_here = used(STEPS[name].notebook)
        assert modules <= used_here, name
        assert not (every_part - modules) & used_here, name
        # the run machinery (engine, Quarto, reconciliation) does not shape a notebook's outputs
        assert not {"run/engine.py", "bulletin/render.py", "outputs/reconcile.py", "run/batch.py", "cli.py"} & used_here, name
        # what every notebook reads through: the raw data's checks and codebooks, the registry
        assert {"__init__.py", "data/io.py", "data/validation.py", "data/codebook.py", "data/schemas/survey.yml",
                "registry.py", "steps.yml"} <= used_here, name


def test_modules_reached_only_through_other_modules_and_their_contracts_count():
    assert {"outputs/charts.py", "outputs/maps.py", "data/privacy.py", "data/privacy.yml"} <= used(STEPS["portrait"].notebook)
    assert "parts/dynamics.yml" in used(STEPS["dynamics"].notebook)  # named by dynamics.py beside it
    assert "parts/dynamics.yml" not in used(STEPS["media"].notebook)


def test_the_reconciliation_uses_the_parts_whose_statements_it_checks_and_no_other():
    reconciliation = used(code.PACKAGE_DIR / "outputs" / "reconcile.py")
    assert {"outputs/reconcile.py", "parts/incidents.py", "parts/media.py", "parts/dynamics.py",
            "outputs/published_figures.map.yml"} <= reconciliation
    assert not {"parts/survey.py", "run/engine.py"} & reconciliation
    assert set(code.code_files()) - set(STEPS["reconciliation"].code()), "not the whole package"


def test_every_contract_of_the_package_is_named_by_some_module():
    """A data file read under a computed name would be invisible to the fingerprints: keep the names
    literal (Path(__file__).with_name("x.yml"), SCHEMAS_DIR), or list them (datapackage.metadata_files)."""
    from pipeline.outputs.datapackage import metadata_files

    files = {p.relative_to(code.PACKAGE_DIR).as_posix() for p in code.PACKAGE_DIR.rglob("*")
             if p.is_file() and p.suffix not in (".py", ".pyc")}
    named = {p.relative_to(code.PACKAGE_DIR).as_posix() for p in metadata_files()}
    for module in code.PACKAGE_DIR.rglob("*.py"):
        _, literals, _ = code._facts_of(module)
        named |= {p.relative_to(code.PACKAGE_DIR).as_posix() for p in code._data_files(module, literals, code._package_data())}
    assert files and files <= named, sorted(files - named)


def test_imports_chosen_at_run_time_make_the_whole_package_the_dependency(tmp_path):
    whole = set(code.code_files())
    assert set(code.code_used_by(notebook(tmp_path, "import importlib", "m = importlib.import_module('pipeline.outputs.maps')"))) == whole
    assert set(code.code_used_by(notebook(tmp_path, "from pipeline.parts import media", "def broken(:"))) == whole


def test_magics_and_imports_inside_functions_are_read(tmp_path):
    found = used(notebook(tmp_path, "%matplotlib inline\n!ls", "def later():\n    from pipeline.parts.media import tables"))
    assert {"parts/media.py", "__init__.py"} <= found and "parts/incidents.py" not in found
    assert used(notebook(tmp_path, "import pandas as pd")) == set()


def test_what_each_module_imports_is_read_once_per_process_by_its_content(monkeypatch):
    media = STEPS["media"].notebook
    first = code.code_used_by(media)
    readings, read_code = [], code._read_code
    monkeypatch.setattr(code, "_read_code", lambda text, package: readings.append(package) or read_code(text, package))
    assert code.code_used_by(media) == first
    assert readings == []  # neither the notebook nor a module of the package read again
    real = code.file_hash  # a module whose content changed is read again
    monkeypatch.setattr(code, "file_hash", lambda path: "edited" if path.name == "media.py" else real(path))
    assert code.code_used_by(media) == first and readings == ["pipeline.parts"]


def test_steps_command_lists_reads_after_and_code(capsys):
    assert main(["steps"]) == 0
    out = capsys.readouterr().out
    assert "media (notebook: 04_media.ipynb)\n  reads: raw outlets, materials, material_cases, cases; reference cities" in out
    media_code = out.split("media (notebook")[1].split("dynamics (notebook")[0]
    assert "parts/media.py" in media_code and "parts/incidents.py" not in media_code
    assert "reconciliation (python: pipeline.outputs.reconcile)\n  reads: published figures published_figures.yml" in out
    assert "  after: overview, portrait, security, incidents, media, dynamics" in out
    assert ("content (python: pipeline.bulletin.content)\n  reads: reference divisions, macro_regions; published figures published_figures.yml; "
            "this run's tables, maps, reconciliation, claims, record; the editor's text (editorial/)") in out
    assert "bulletin (python: pipeline.bulletin.render)\n  reads: this run's content; report/" in out


@pytest.mark.e2e
def test_a_seventh_step_is_one_registry_entry_and_its_own_code(data_root, tmp_path):
    """A new part: its notebook (here written by the test) and one entry in the registry. The engine
    runs it, records it, and reuses it when nothing it reads changed; nothing else is edited."""
    probe = notebook(tmp_path, "period = None\ndata_root = None\noutput_dir = None",
                     "import pandas as pd\nfrom pipeline.outputs import processed\n"
                     "from pipeline.parts.inputs import PartInputs\n"
                     "from pipeline.data import io\n"
                     "raw = io.load_raw(period, data_root, only=('outlets',))\n"
                     "processed.save_tables(output_dir, {'outlet_kinds': raw['outlets']['kind'].value_counts().rename_axis('kind').reset_index()})",
                     name="06_outlets.ipynb")
    nb = json.loads(probe.read_text(encoding="utf-8"))
    nb["cells"][0]["metadata"]["tags"] = ["parameters"]
    probe.write_text(json.dumps(nb), encoding="utf-8")
    spec = yaml.safe_load(registry.REGISTRY.read_text(encoding="utf-8"))
    spec["outlets"] = {"kind": "notebook", "notebook": str(probe), "reads": {"raw": ["outlets"]}}
    entries = registry.parse(spec)
    # listed last, it still runs before every step that reads the run's tables
    assert all("outlets" in entries[n].after for n in ("reconciliation", "claims", "datapackage", "content"))
    steps = [s for s in from_registry(entries) if s.name == "outlets"]
    first = run_period(PERIOD, data_root, steps=steps, progress=False)
    assert [(s.step, s.status) for s in first.steps] == [("outlets", "ran")]
    assert (first.output_dir / "tables" / "outlet_kinds.csv").read_text(encoding="utf-8").startswith("kind,count\n")
    again = run_period(PERIOD, data_root, steps=steps, progress=False)
    assert [(s.step, s.status) for s in again.steps] == [("outlets", "skipped")]
