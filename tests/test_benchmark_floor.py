"""The benchmark's floor (benchmarks/floor.py) does the same computations as a run: same tables,
same maps. Otherwise "cold run <= 1.5x the floor" would compare against different work."""
from __future__ import annotations

import subprocess
import sys

from pipeline.datapackage import sha256
from pipeline.paths import REPO_ROOT
from tests.conftest import PERIOD


def test_floor_writes_what_the_run_writes(period_run, tmp_path):
    data_root = period_run.output_dir.parent.parent
    out = tmp_path / "floor"
    subprocess.run([sys.executable, str(REPO_ROOT / "benchmarks" / "floor.py"), PERIOD, str(data_root), str(out)],
                   check=True, capture_output=True, cwd=REPO_ROOT)
    for sub in ("tables", "maps"):
        run_files = {p.name: sha256(p) for p in (period_run.output_dir / sub).iterdir() if p.is_file()}
        floor_files = {p.name: sha256(p) for p in (out / sub).iterdir() if p.is_file()}
        assert floor_files == run_files, sub
    assert sha256(out / "reconciliation.csv") == sha256(period_run.output_dir / "reconciliation.csv")
