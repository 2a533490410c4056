"""Shared fixtures. Tests never write into the repository's data/: they copy the raw data to a
temporary data root and run the pipeline there (HRD_DATA_ROOT / data_root).

The data under test is bulletin No. 5's reconstructed microdata: codes only, no personal data.
"""
from __future__ import annotations

import os
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


def copy_reference(target: Path) -> Path:
    """A data root holding only the reference data, for synthetic periods (and an empty processed/)."""
    shutil.copytree(paths.REPO_ROOT / "data" / "raw" / "reference", target / "raw" / "reference")
    (target / "processed").mkdir()
    return target


@pytest.fixture(scope="session", autouse=True)
def bulletin_cache(tmp_path_factory):
    """The tests' renders keep Quarto's project cache in a folder of the session's, empty at its
    start: what they see does not depend on this machine's earlier renders."""
    folder = tmp_path_factory.mktemp("bulletin-cache")
    before = os.environ.get("HRD_BULLETIN_CACHE")
    os.environ["HRD_BULLETIN_CACHE"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("HRD_BULLETIN_CACHE", None)
    else:
        os.environ["HRD_BULLETIN_CACHE"] = before


@pytest.fixture
def data_root(tmp_path) -> Path:
    return copy_raw(tmp_path / "data")


# Recognisable FAKE personal data, planted in the raw files of the shared run: no output may carry
# any of it (tests/test_privacy.py). None of it is about a real person.
PLANTED = {
    "full_name": "Плантов Тестолай Фейкович",
    "phone": "+7 701 555 01 23",
    "email": "planted.defender@example.org",
    "iin": "880229400517",
}


def plant_personal_data(raw_dir: Path) -> dict[str, str]:
    """Add the personal columns observers' files may carry, filled with PLANTED values."""
    plan = {
        "survey_individuals.csv": {"full_name": PLANTED["full_name"], "phone": PLANTED["phone"],
                                   "email": PLANTED["email"], "iin": PLANTED["iin"]},
        "survey_organizations.csv": {"organization_name": "ОО Плантовая защита", "email": PLANTED["email"]},
        "incidents_violations.csv": {"victim_name": PLANTED["full_name"], "victim_phone": PLANTED["phone"],
                                     "victim_iin": PLANTED["iin"],
                                     "description": f"Задержан {PLANTED['full_name']}, тел. {PLANTED['phone']}"},
        "media_materials.csv": {"author": PLANTED["full_name"], "url": "https://example.org/planted-defender",
                                "headline": f"Дело {PLANTED['full_name']}"},
    }
    for name, columns in plan.items():
        path = raw_dir / name
        lines = path.read_text(encoding="utf-8").splitlines()
        header = lines[0] + "," + ",".join(columns)
        cells = ",".join(f'"{v}"' for v in columns.values())
        path.write_text("\n".join([header] + [f"{line},{cells}" for line in lines[1:]]) + "\n", encoding="utf-8")
    for name in PLANTED_FILES:  # what observers keep beside the data: scans, questionnaires
        path = raw_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"scanned questionnaire")
    return {**PLANTED, "organization": "ОО Плантовая защита", "url": "example.org/planted-defender"}


# Files whose NAMES are personal data (name, phone, IIN), as observers name their scans. Only the
# codebook's files are read or named: these may appear in no output, not even as a file name.
PLANTED_FILES = (
    f"Плантов_Тестолай_{PLANTED['phone'].replace(' ', '')}.docx",
    f"сканы/анкета_{PLANTED['iin']}.pdf",
)
# what must be found nowhere (compared without spaces, so '+7 701 555 01 23' and '+77015550123' match)
PLANTED_NEEDLES = list(PLANTED.values()) + ["Плантов", "planted", "Плантовая", "анкета_", "сканы"]


@pytest.fixture(scope="session")
def period_run(tmp_path_factory):
    """One full run of bulletin No. 5's period (bulletin included) in a temporary data root, shared
    by the tests, on raw data into which fake personal data was planted."""
    from pipeline.run.engine import run_period

    root = copy_raw(tmp_path_factory.mktemp("run") / "data")
    plant_personal_data(root / "raw" / PERIOD)
    result = run_period(PERIOD, root, progress=False)
    return result


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright, for the offline HTML tests."""
    playwright = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.fail("Chromium is needed for the browser tests: make setup installs it (apt-get install chromium)")
    with playwright.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])
        yield launched
        launched.close()


def pytest_collection_modifyitems(items):
    """Tests that need the full run of a period, a kernel or Quarto are end-to-end (`-m e2e`); the
    others are quick unit tests (`make test-fast`, `-m "not e2e"`)."""
    for item in items:
        if "period_run" in getattr(item, "fixturenames", ()) or item.nodeid.startswith("notebooks/"):
            item.add_marker(pytest.mark.e2e)
