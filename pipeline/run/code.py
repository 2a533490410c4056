"""Fingerprints: what a step depends on, as SHA-256 digests, so that a re-run executes only the
steps whose inputs changed (pipeline.run.steps says which inputs each step has).

The code a step uses (code_used_by) is read from the imports: the modules its notebook or module
imports, followed through their own imports, and the data files they name.
"""
from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import threading
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from pipeline import paths
from pipeline.checksums import sha256


def digest(files: list[Path], base: Path) -> str:
    """One digest of files: their paths relative to base and their contents."""
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(path.relative_to(base).as_posix().encode())
        h.update(file_hash(path).encode())
    return h.hexdigest()


def text_digest(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


# Packages whose versions shape the outputs: listed in run.json, part of every step's fingerprint.
RECORDED_PACKAGES = ("kz-hrd-bulletin", "pandas", "numpy", "pyarrow", "plotly", "geopandas", "papermill",
                     "nbclient", "ipykernel", "jupyter-client", "pyyaml", "kaleido", "frictionless")
PACKAGE_DIR = paths.REPO_ROOT / "pipeline"


def package_versions() -> dict[str, str | None]:
    versions = {}
    for name in RECORDED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def code_files() -> list[Path]:
    """The pipeline's code and data contracts (what run.json lists as code, with the notebooks)."""
    return sorted(p for p in PACKAGE_DIR.rglob("*") if p.suffix in (".py", ".yml"))


# --- The code a step uses -------------------------------------------------------------------------
# A step's "code" fingerprint covers only the pipeline modules its notebook imports, directly or
# through other modules (every import statement, also those inside functions), and the data files
# those modules name (a string literal naming a file or folder of the package, as in
# Path(__file__).with_name("dynamics.yml")). Editing pipeline/parts/media.py re-runs Part IV, not Part II.
# Where that reading cannot be sure (a dynamic import, code that does not parse), the step depends
# on the whole package: a needless re-run is cheap, a wrongly reused output is not.


def _code_chunks(source: Path) -> list[str]:
    """The Python code of a notebook (its code cells) or a module."""
    text = source.read_text(encoding="utf-8")
    if source.suffix == ".ipynb":
        chunks = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                  for c in json.loads(text)["cells"] if c["cell_type"] == "code"]
    else:
        chunks = [text]
    # IPython magics and shell lines are not Python; they cannot import pipeline modules either
    return ["\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in chunk.splitlines())
            for chunk in chunks]


@lru_cache(maxsize=None)  # asked for the same names by every step's fingerprint
def _module_path(dotted: str) -> Path | None:
    """pipeline.x.y -> pipeline/x/y.py or pipeline/x/y/__init__.py (None: not a module of ours)."""
    parts = dotted.split(".")
    if parts[0] != "pipeline":
        return None
    base = PACKAGE_DIR.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py") if len(parts) > 1 else None, base / "__init__.py"):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def _dotted(path: Path) -> str:
    relative = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


class _Undecidable(Exception):
    """The imports of some code cannot be read statically."""


_FILE_NAME = re.compile(r"[\w-][\w.-]*(/[\w-][\w.-]*)*")  # a relative path without "..": schemas, dynamics.yml


def _read_code(code: str, package: str) -> tuple[set[str], set[str], bool]:
    """The dotted names a piece of code imports (package: where it lives, for relative imports),
    the string literals in it that could name a file, and whether it imports modules chosen at run
    time (importlib.import_module, __import__)."""
    try:  # called under _FACTS_LOCK only: see there
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise _Undecidable(f"does not parse: {exc}") from None
    names, literals, dynamic = set(), set(), False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)  # from pipeline import maps
        elif isinstance(node, ast.Call) and (
                (isinstance(node.func, ast.Name) and node.func.id == "__import__")
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")):
            dynamic = True
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _FILE_NAME.fullmatch(node.value):
            literals.add(node.value)
    return names, literals, dynamic


def _modules(names: set[str]) -> set[Path]:
    found = set()
    for name in names:
        parts = name.split(".")
        # importing pipeline.x.y runs pipeline/__init__.py and pipeline/x/__init__.py first
        for depth in range(1, len(parts) + 1):
            path = _module_path(".".join(parts[:depth]))
            if path is not None:
                found.add(path)
    return found


# Steps compute their fingerprints in threads: one parse at a time. CPython before 3.11.8 keeps
# ast.parse's recursion depth in global state, and two threads parsing at once can fail with
# "SystemError: AST constructor recursion depth mismatch" (python/cpython#106905). What a file
# imports is read once per process, by its content; nothing is kept between runs (a cache of it
# saved a no-op run 0.19 s: benchmarks/mechanisms.py).
_FACTS_LOCK = threading.Lock()
_facts: dict[tuple[str, str], tuple[set[str], set[str], bool]] = {}


def _facts_of(source: Path) -> tuple[set[str], set[str], bool]:
    """What a notebook or module imports (dotted names), the file names its code mentions, and
    whether it imports modules chosen at run time (also: code that does not parse)."""
    key = (str(source), file_hash(source))
    with _FACTS_LOCK:
        if key not in _facts:
            if source.suffix == ".py" and source.is_relative_to(PACKAGE_DIR):  # relative imports resolve from here
                package = _dotted(source) if source.name == "__init__.py" else _dotted(source).rpartition(".")[0]
            else:
                package = "pipeline"
            names, literals, dynamic = set(), set(), False
            try:
                for chunk in _code_chunks(source):
                    imported, named, chosen = _read_code(chunk, package)
                    names, literals, dynamic = names | imported, literals | named, dynamic or chosen
            except _Undecidable:
                dynamic = True
            _facts[key] = (names, literals, dynamic)
        return _facts[key]


def _package_data() -> dict[str, set[str]]:
    """The package's files that are not code, by their path relative to it and by every folder
    above them (a module may name a file or a whole folder, as schemas)."""
    found: dict[str, set[str]] = {}
    for folder, subfolders, files in os.walk(PACKAGE_DIR):
        subfolders[:] = [s for s in subfolders if s != "__pycache__"]
        here = Path(folder).relative_to(PACKAGE_DIR).as_posix()
        for name in files:
            if name.endswith((".py", ".pyc")):
                continue
            relative = name if here == "." else f"{here}/{name}"
            found.setdefault(relative, set()).add(relative)
            parts = relative.split("/")
            for depth in range(1, len(parts)):
                found.setdefault("/".join(parts[:depth]), set()).add(relative)
    return found


def _data_files(module: Path, literals: set[str], package_data: dict[str, set[str]]) -> set[Path]:
    """Files of the package (not modules) that a module names: beside it or from the package's top."""
    here = module.parent.relative_to(PACKAGE_DIR).as_posix()
    found = set()
    for literal in literals:
        for relative in {literal, f"{here}/{literal}" if here != "." else literal}:
            found.update(PACKAGE_DIR / f for f in package_data.get(relative, ()))
    return found


def code_used_by(source: Path) -> tuple[Path, ...]:
    """The pipeline's files a notebook or module uses: the modules it imports,
    transitively, and the data files they name; the whole package when that cannot be read."""
    source = Path(source)
    package_data = _package_data()
    try:
        if source.suffix == ".py" and source.resolve().is_relative_to(PACKAGE_DIR):
            pending = {source.resolve()}  # a module's own code is part of what it uses
        else:
            names, _, dynamic = _facts_of(source)
            if dynamic:
                raise _Undecidable(f"{source.name} imports a module chosen at run time, or does not parse")
            pending = _modules(names)
        seen, data = set(), set()
        while pending:
            module = pending.pop()
            if module in seen:
                continue
            seen.add(module)
            names, literals, dynamic = _facts_of(module)
            if dynamic:
                raise _Undecidable(f"{module.name} imports a module chosen at run time, or does not parse")
            pending |= _modules(names) - seen
            data |= _data_files(module, literals, package_data)
    except _Undecidable:
        return tuple(code_files())
    return tuple(sorted(seen | data))


# Steps share most of their inputs (the package's code, the raw files): each file is hashed once
# per run, while its size and modification time stay as they were (forget_hashes at a run's start).
_hashes: dict[tuple[str, int, int], str] = {}


def forget_hashes() -> None:
    _hashes.clear()


def file_hash(path: Path) -> str:
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _hashes:
        _hashes[key] = sha256(path)
    return _hashes[key]


@lru_cache(maxsize=None)
def versions_digest() -> str:
    return text_digest(package_versions())


def changed(previous: dict | None, current: dict[str, str]) -> list[str]:
    """Which parts of a fingerprint differ from the previous run's (["no previous run"] when there
    is none; empty when nothing changed)."""
    if not previous:
        return ["no previous run"]
    return [name for name, value in current.items() if previous.get(name) != value]
