"""The benchmark's floor (benchmarks/floor.py) does the same computations as a run: same tables,
same maps. Otherwise "cold run <= 1.5x the floor" would compare against different work. Three parts
(with their maps) are compared; the floor goes through the registry's steps alike for all."""
from __future__ import annotations

import subprocess
import sys

from pipeline.checksums import sha256
from pipeline.paths import REPO_ROOT
from tests.conftest import PERIOD


def test_floor_writes_what_the_run_writes(period_run, tmp_path):
    data_root = period_run.output_dir.parent.parent
    out = tmp_path / "floor"
    subprocess.run([sys.executable, str(REPO_ROOT / "benchmarks" / "floor.py"), PERIOD, str(data_root), str(out),
                    "--steps", "overview,portrait,dynamics,datapackage"], check=True, capture_output=True, cwd=REPO_ROOT)
    floor_files = {p.relative_to(out).as_posix(): sha256(p) for p in out.rglob("*") if p.is_file()}
    assert {name.split("/")[0] for name in floor_files} == {"tables", "maps", "datapackage.json"}
    for name, digest in floor_files.items():
        if name != "datapackage.json":  # the run's data package describes every part's tables
            assert digest == sha256(period_run.output_dir / name), name
    assert len([n for n in floor_files if n.startswith("maps/") and n.endswith(".png")]) == 2 * 6  # respondents, 5 of Part V
