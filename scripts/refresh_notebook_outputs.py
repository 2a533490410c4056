"""Re-execute the period notebooks and keep, in the committed copies, only the outputs that nbval
checks (cells starting with `# NBVAL_CHECK_OUTPUT`); every other output is cleared, so the
repository holds no bulky chart output and no data beyond those checked aggregates.

Run after changing a notebook or the data it shows:  .venv/bin/python scripts/refresh_notebook_outputs.py
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
MARK = "# NBVAL_CHECK_OUTPUT"


def refresh(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if not cell.source.startswith(MARK):
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    print(f"refreshed {path.name}")


if __name__ == "__main__":
    targets = [Path(a) for a in sys.argv[1:]] or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    for target in targets:
        refresh(target)
