"""The registry of a run's steps (pipeline/steps.yml), read without the run machinery, so that
a part's notebook can ask what its step reads (pipeline.parts.inputs) without depending on the
engine's code."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from pipeline.yamlfiles import read_yaml

REGISTRY = Path(__file__).with_name("steps.yml")
KINDS = ("notebook", "python")
READS = ("raw", "reference", "previous_period", "published", "editorial", "run", "report")
RUN_OUTPUTS = ("tables", "maps", "reconciliation", "claims", "record", "content")


@dataclass(frozen=True)
class Entry:
    """A step as the registry declares it."""

    name: str
    kind: str
    reads: dict = field(default_factory=dict)
    after: tuple[str, ...] = ()
    notebook: str | None = None  # kind notebook: the file in notebooks/
    module: str | None = None  # kind python: the module whose run_step does it
    uses: tuple[str, ...] = ()  # files its code reads under names the imports do not show (globs)

    @property
    def raw(self) -> tuple[str, ...] | None:
        """Codebook file keys read from the period folder (None: every file)."""
        declared = self.reads.get("raw", ())
        return None if declared == "all" else tuple(declared)

    @property
    def reference(self) -> tuple[str, ...]:
        return tuple(self.reads.get("reference", ()))

    @property
    def previous_period(self) -> tuple[str, ...]:
        return tuple(self.reads.get("previous_period", ()))

    @property
    def run_outputs(self) -> tuple[str, ...]:
        return tuple(self.reads.get("run", ()))


def module_file(dotted: str) -> Path:
    """pipeline.outputs.claims -> <repository>/pipeline/outputs/claims.py."""
    return Path(REGISTRY.parent.parent, *dotted.split(".")).with_suffix(".py")


FIELDS = ("kind", "notebook", "module", "uses", "reads", "after")
WRITERS = ("tables", "maps")  # what notebook steps write; a step reading them runs after every one


def parse(spec: dict, source: str = str(REGISTRY)) -> dict[str, Entry]:
    """Entries of a registry, checked: known fields, kinds and reads, `after` naming steps of the
    registry. A step that reads this run's tables or maps runs after every notebook step, wherever
    the registry lists it: a new part needs no edit of the steps that read its tables."""
    from pipeline.data.codebook import all_files

    raw_keys = set(all_files())
    entries: dict[str, Entry] = {}
    for name, meta in spec.items():
        where = f"{source}: step {name}"

        def refuse(what: str, where: str = where) -> None:
            raise ValueError(f"{where}: {what}")

        if not isinstance(meta, dict):
            refuse(f"expected fields {', '.join(FIELDS)}, found {meta!r}")
        unknown = sorted(set(meta) - set(FIELDS))
        if unknown:
            refuse(f"unknown field(s) {', '.join(unknown)}; expected among {', '.join(FIELDS)}")
        if meta.get("kind") not in KINDS:
            refuse(f"kind {meta.get('kind')!r}, expected one of {', '.join(KINDS)}")
        reads = meta.get("reads") or {}
        if not isinstance(reads, dict):
            refuse(f"reads {reads!r}: expected a mapping such as {{raw: [individuals], run: [tables]}}")
        if set(reads) - set(READS):
            refuse(f"reads {sorted(set(reads) - set(READS))}, expected keys among {', '.join(READS)}")
        for key in ("reference", "previous_period", "published", "run"):
            if key in reads and not (isinstance(reads[key], list) and all(isinstance(x, str) for x in reads[key])):
                refuse(f"reads {key}: {reads[key]!r}, expected a list of names")
        if "raw" in reads and reads["raw"] != "all" and not (
                isinstance(reads["raw"], list) and set(reads["raw"]) <= raw_keys):
            refuse(f"reads raw: {reads['raw']!r}, expected all or a list of the codebook's files among {', '.join(sorted(raw_keys))}")
        if set(reads.get("run", ())) - set(RUN_OUTPUTS):
            refuse(f"reads run {reads['run']}, expected among {', '.join(RUN_OUTPUTS)}")
        if not isinstance(meta.get("after", []), list):
            refuse(f"after {meta['after']!r}: expected a list of steps")
        if meta["kind"] == "notebook" and not meta.get("notebook"):
            refuse("a notebook step names its notebook")
        module = meta.get("module") or ""
        if meta["kind"] == "python" and not module_file(module).is_file():
            refuse(f"module {module!r}: a python step names a module of the package, as pipeline.outputs.claims")
        if not isinstance(meta.get("uses", []), list):
            refuse(f"uses {meta['uses']!r}: expected a list of files (globs, from the repository's top)")
        entries[name] = Entry(name=name, kind=meta["kind"], reads=dict(reads), after=tuple(meta.get("after", ())),
                              notebook=meta.get("notebook"), module=meta.get("module"), uses=tuple(meta.get("uses", ())))
    notebooks = tuple(n for n, e in entries.items() if e.kind == "notebook")
    for name, entry in entries.items():
        unknown = [a for a in entry.after if a not in entries]
        if unknown:
            raise ValueError(f"{source}: step {name}: after {unknown}, expected steps of the registry")
        if set(entry.run_outputs) & set(WRITERS):
            entries[name] = replace(entry, after=tuple(dict.fromkeys((*notebooks, *entry.after))))
    _refuse_cycles(entries, source)
    return entries


def _refuse_cycles(entries: dict[str, Entry], source: str) -> None:
    done: set[str] = set()

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if name in chain:
            raise ValueError(f"{source}: steps run after each other in a circle: {' -> '.join(chain + (name,))}")
        if name not in done:
            for before in entries[name].after:
                visit(before, chain + (name,))
            done.add(name)

    for name in entries:
        visit(name, ())


@lru_cache(maxsize=1)
def entries() -> dict[str, Entry]:
    """The steps of a run, in registry order."""
    return parse(read_yaml(REGISTRY))


def entry(name: str) -> Entry:
    try:
        return entries()[name]
    except KeyError:
        raise KeyError(f"no step {name!r} in {REGISTRY}; steps: {', '.join(entries())}") from None
