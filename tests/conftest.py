"""Shared fixtures. Tests never write into the repository's data/: they copy the raw data to a
temporary data root and run the pipeline there (HRD_DATA_ROOT / data_root).

The data under test is bulletin No. 5's reconstructed microdata: codes only, no personal data.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline import paths

PERIOD = "2015-08_2016-04"


def copy_raw(target: Path) -> Path:
    """A data root holding a copy of the repository's raw data (and an empty processed/)."""
    shutil.copytree(paths.REPO_ROOT / "data" / "raw", target / "raw")
    (target / "processed").mkdir()
    return target


@pytest.fixture
def data_root(tmp_path) -> Path:
    return copy_raw(tmp_path / "data")


@pytest.fixture(scope="session")
def period_run(tmp_path_factory):
    """One full run of bulletin No. 5's period in a temporary data root, shared by the tests."""
    from pipeline.run import run_period

    root = copy_raw(tmp_path_factory.mktemp("run") / "data")
    result = run_period(PERIOD, root, progress=False)
    return result
