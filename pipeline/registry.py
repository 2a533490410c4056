"""The registry of a run's steps (pipeline/steps.yml), read without the run machinery, so that
a part's notebook can ask what its step reads (pipeline.parts.inputs) without depending on the
engine's code."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

REGISTRY = Path(__file__).with_name("steps.yml")
KINDS = ("notebook", "reconciliation", "datapackage", "bulletin")
READS = ("raw", "reference", "previous_period", "published", "run", "report")
RUN_OUTPUTS = ("tables", "maps", "reconciliation", "record")


@dataclass(frozen=True)
class Entry:
    """A step as the registry declares it."""

    name: str
    kind: str
    reads: dict = field(default_factory=dict)
    after: tuple[str, ...] = ()
    optional: bool = False
    notebook: str | None = None  # kind notebook: the file in notebooks/

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


def parse(spec: dict, source: str = str(REGISTRY)) -> dict[str, Entry]:
    """Entries of a registry, checked: known kinds and reads, `after` naming earlier steps."""
    entries: dict[str, Entry] = {}
    for name, meta in spec.items():
        where = f"{source}: step {name}"
        if meta.get("kind") not in KINDS:
            raise ValueError(f"{where}: kind {meta.get('kind')!r}, expected one of {', '.join(KINDS)}")
        unknown = set(meta.get("reads", {})) - set(READS)
        if unknown:
            raise ValueError(f"{where}: reads {sorted(unknown)}, expected keys among {', '.join(READS)}")
        if set(meta.get("reads", {}).get("run", ())) - set(RUN_OUTPUTS):
            raise ValueError(f"{where}: reads run {meta['reads']['run']}, expected among {', '.join(RUN_OUTPUTS)}")
        later = [a for a in meta.get("after", ()) if a not in entries]
        if later:
            raise ValueError(f"{where}: after {later}, expected steps listed before it")
        if meta["kind"] == "notebook" and not meta.get("notebook"):
            raise ValueError(f"{where}: a notebook step names its notebook")
        entries[name] = Entry(name=name, kind=meta["kind"], reads=dict(meta.get("reads", {})),
                              after=tuple(meta.get("after", ())), optional=bool(meta.get("optional", False)),
                              notebook=meta.get("notebook"))
    return entries


@lru_cache(maxsize=1)
def entries() -> dict[str, Entry]:
    """The steps of a run, in registry order."""
    return parse(yaml.safe_load(REGISTRY.read_text(encoding="utf-8")))


def entry(name: str) -> Entry:
    try:
        return entries()[name]
    except KeyError:
        raise KeyError(f"no step {name!r} in {REGISTRY}; steps: {', '.join(entries())}") from None
