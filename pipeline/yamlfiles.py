"""The package's own YAML files (codebooks, claims' sentences, table descriptions, the registry).

Read with libyaml's parser when PyYAML was built with it (the wheels on PyPI are): about ten times
faster than the pure-Python one for the same data, and a re-run that finds nothing to do reads them
all (a fifth of a second of its time with the pure-Python parser). Files an editor or observer
writes (period.yml, _quarto.yml) keep their own readers, with their own messages.
"""
from __future__ import annotations

from pathlib import Path

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the same safe tags, data and YAML 1.1 rules


def read_yaml(path: str | Path):
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=LOADER)


class NoAliases:
    """For files people write and send (period.yml, published figures): an alias (*name) of a list
    or mapping is refused, so that a few lines cannot stand for billions of values (a "billion
    laughs"); an alias of a single value (a day written once, as PyYAML's writer does) stays."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            if not isinstance(self.anchors.get(event.anchor), yaml.ScalarNode):
                raise yaml.composer.ComposerError(None, None, "an alias (*name) of a list or mapping: write each value out",
                                                  event.start_mark)
        return super().compose_node(parent, index)
