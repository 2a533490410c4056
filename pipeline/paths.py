"""Where things live. One place, so a test or a researcher can point the pipeline elsewhere.

The data root defaults to the repository's data/ folder; the environment variable HRD_DATA_ROOT
overrides it (tests use this to run on a copy of the raw data).
"""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
SCHEMAS_DIR = Path(__file__).resolve().parent / "data" / "schemas"


def data_root(override: str | os.PathLike | None = None) -> Path:
    """Absolute: the notebooks' kernels start in notebooks/, where a relative folder means another one."""
    root = Path(override) if override is not None else Path(os.environ.get("HRD_DATA_ROOT", REPO_ROOT / "data"))
    return root.absolute()


def reference_dir(root: str | os.PathLike | None = None) -> Path:
    """data/raw/reference/: divisions, boundaries, gazetteer, taxonomies (shared by every period)."""
    return data_root(root) / "raw" / "reference"
