"""No personal data in anything published. HRDs' data is sensitive: the shared run's raw files
carry planted fake names, phones, e-mails and IINs (tests/conftest.py); no output may."""
from __future__ import annotations

import io

import pandas as pd
import pytest

from pipeline import privacy, survey
from pipeline.io import load_division, load_raw
from pipeline.periods import load_period
from tests.conftest import PERIOD, PLANTED, plant_personal_data

NEEDLES = list(PLANTED.values()) + ["Плантов", "planted", "Плантовая"]


def readable_text(path) -> str:
    """What a person or a program could read out of an output file."""
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(path).pages)
    if path.suffix == ".parquet":
        return pd.read_parquet(path).to_csv()
    if path.suffix == ".png":
        return ""  # pixels: the same maps are checked as SVG, JSON and HTML
    return path.read_bytes().decode("utf-8", errors="replace")


def test_planted_personal_data_reaches_no_output(period_run):
    raw = period_run.output_dir.parent.parent / "raw" / PERIOD / "survey_individuals.csv"
    assert PLANTED["iin"] in raw.read_text(encoding="utf-8"), "the raw data does carry the planted data"
    files = [p for p in period_run.output_dir.rglob("*") if p.is_file()]
    assert len(files) > 100
    hits = [(p.name, needle) for p in files for needle in NEEDLES if needle.lower() in readable_text(p).lower()]
    assert hits == []


def test_personal_columns_never_reach_the_tables(data_root):
    plant_personal_data(data_root / "raw" / PERIOD)
    tables = load_raw(PERIOD, data_root)
    for name, table in tables.items():
        text = table.to_csv()
        assert not any(needle in text for needle in NEEDLES), name


def test_small_regional_cells_are_suppressed():
    period = load_period(PERIOD)
    raw = load_raw(period, only=("individuals", "organizations"))
    table = survey.respondents_by_oblast(raw, load_division(period))
    for column in ("individuals", "organizations", "respondents"):
        shown = table[column].dropna()
        assert not ((shown > 0) & (shown < privacy.min_cell())).any(), column
    assert (table["suppressed"] != "").any(), "bulletin No. 5's reconstruction has regions with 1-2 NGOs"
    # nothing hidden can be worked out: a row with one blank part has every part blank
    for _, row in table[table["suppressed"] != ""].iterrows():
        assert pd.isna(row["individuals"]) and pd.isna(row["organizations"])
    assert (table["organizations"].isna().sum() != 1) and (table["individuals"].isna().sum() != 1)


def test_threshold_is_configurable():
    period = load_period(PERIOD)
    raw = load_raw(period, only=("individuals", "organizations"))
    strict = survey.respondents_by_oblast(raw, load_division(period), min_cell=6)
    default = survey.respondents_by_oblast(raw, load_division(period))
    assert strict["individuals"].isna().sum() > default["individuals"].isna().sum()
    shown = strict["individuals"].dropna()
    assert not ((shown > 0) & (shown < 6)).any()


@pytest.mark.parametrize("values,k,expected_hidden", [
    ({"a": [2, 5, 7], "b": [4, 5, 6]}, 3, {0}),  # row 0's part hides, so does its other part, and a second row
    ({"a": [0, 5, 7], "b": [4, 5, 6]}, 3, set()),  # zeros reveal no one
])
def test_suppression_rule(values, k, expected_hidden):
    frame = pd.DataFrame(values)
    frame["total"] = frame["a"] + frame["b"]
    out = privacy.suppress_small_cells(frame, ["a", "b"], k, total="total")
    hidden_rows = set(out.index[out["suppressed"] != ""])
    assert expected_hidden <= hidden_rows
    if expected_hidden:
        assert out["a"].isna().sum() >= 2 and out["b"].isna().sum() >= 2  # never a lone blank in a column
    assert io.StringIO(out.to_csv()).read()
