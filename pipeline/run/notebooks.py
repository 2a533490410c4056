"""Executed notebooks: what differs from one run to the next on the same inputs (the volatile
fields) and a view of a notebook without them, so that two runs can be compared.

Volatile, by design:
- notebook metadata `papermill` (start and end times, duration, input and output paths,
  environment variables) and each cell's `metadata.papermill` and `metadata.execution` (timings);
- the ids plotly gives the <div> of each figure in text/html outputs (a random uuid per render);
- the cell id papermill gives the cell of injected parameters (random);
- the absolute data_root and output_dir parameters when the run happens in another folder.
Everything else (code, prose, tables, printed figures, the figures' data) is the same byte for byte.
"""
from __future__ import annotations

import copy
import re

import nbformat

PLOTLY_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def stable_view(path, folders: dict[str, str] | None = None) -> dict:
    """The notebook as a dict without its volatile fields; `folders` maps run folders to stand-ins."""
    nb = nbformat.read(path, as_version=4)
    nb = copy.deepcopy(nb)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/html" in data:
                data["text/html"] = PLOTLY_ID.sub("<plotly-id>", "".join(data["text/html"]))
    text = nbformat.writes(nb)
    for folder, stand_in in (folders or {}).items():
        text = text.replace(folder, stand_in)
    return nbformat.reads(text, as_version=4)
