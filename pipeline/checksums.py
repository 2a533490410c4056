"""SHA-256 of a file: for run.json, the steps' fingerprints, the data package and `verify`.
A module of its own, light to import (no pandas): `hrd-bulletin render` starts Quarto before the
heavy libraries are loaded."""
from __future__ import annotations

import hashlib
from pathlib import Path


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
