"""No personal data in anything published. HRDs' data is sensitive: the shared run's raw files
carry planted fake names, phones, e-mails and IINs (tests/conftest.py); no output may."""
from __future__ import annotations

import io
import json
import re

import numpy as np
import pandas as pd
import pytest

from pipeline.data import privacy
from pipeline.data.io import load_division, load_raw
from pipeline.data.periods import load_period
from pipeline.parts import survey
from tests.conftest import (
    PERIOD,
    PLANTED,
    PLANTED_FILES,
    PLANTED_NEEDLES,
    plant_personal_data,
)

NEEDLES = PLANTED_NEEDLES


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


def squeezed(text: str) -> str:
    """Lower case without spaces: a phone number or IIN split by spaces or a line break still matches."""
    return "".join(text.lower().split())


def personal_data_in(folder) -> list[tuple[str, str]]:
    """(file, needle) for every planted value found in a file's name or in what can be read of it
    (cell values, text, PDF text)."""
    needles = [squeezed(n) for n in NEEDLES]
    hits = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name, text = squeezed(path.relative_to(folder).as_posix()), squeezed(readable_text(path))
        hits += [(path.relative_to(folder).as_posix(), needle) for needle in needles if needle in name or needle in text]
    return hits


def test_planted_personal_data_reaches_no_output(period_run):
    raw_dir = period_run.output_dir.parent.parent / "raw" / PERIOD
    assert PLANTED["iin"] in (raw_dir / "survey_individuals.csv").read_text(encoding="utf-8"), "the raw data carries it"
    assert all((raw_dir / name).exists() for name in PLANTED_FILES), "and files named with it lie beside the data"
    files = [p for p in period_run.output_dir.rglob("*") if p.is_file()]
    assert len(files) > 100 and any(p.suffix == ".pdf" for p in files)
    assert personal_data_in(period_run.output_dir) == []
    record = json.loads((period_run.output_dir / "run.json").read_text(encoding="utf-8"))
    assert record["ignored_raw_files"] == len(PLANTED_FILES) + 2  # and the period's README.md, editorial/README.md


def test_the_scan_finds_personal_data_in_file_names_and_pdf_text(tmp_path):
    """The scan itself can fail: a planted value in a file's name, or only in a PDF's text, is found."""
    (tmp_path / f"x_{PLANTED['iin']}.csv").write_text("a\n1\n", encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    _pdf_with_text(pdf, f"Phone {PLANTED['phone']}")
    assert pdf.read_bytes().count(PLANTED["phone"].encode()) == 0, "the PDF's text is compressed, not plain bytes"
    found = {hit[0] for hit in personal_data_in(tmp_path)}
    assert found == {f"x_{PLANTED['iin']}.csv", "report.pdf"}


def _pdf_with_text(path, text: str) -> None:
    """A one-page PDF whose page content (compressed) shows text."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=300, height=100)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    content = DecodedStreamObject()
    content.set_data(f"BT /F1 10 Tf 10 50 Td ({text}) Tj ET".encode())
    page[NameObject("/Contents")] = writer._add_object(content)
    page.compress_content_streams()
    with open(path, "wb") as handle:
        writer.write(handle)


def test_personal_columns_never_reach_the_tables(data_root):
    plant_personal_data(data_root / "raw" / PERIOD)
    tables = load_raw(PERIOD, data_root)
    for name, table in tables.items():
        text = table.to_csv()
        assert not any(needle in text for needle in NEEDLES), name


def test_small_regional_cells_are_suppressed():
    period = load_period(PERIOD)
    raw = load_raw(period, only=("individuals", "organizations"))
    table = survey.respondents_by_oblast(raw, load_division(period), privacy.min_cell(period))
    for column in ("individuals", "organizations", "respondents"):
        shown = table[column].dropna()
        assert not ((shown > 0) & (shown < privacy.min_cell(period))).any(), column
    assert (table["suppressed"] != "").any(), "bulletin No. 5's reconstruction has regions with 1-2 NGOs"
    # nothing hidden can be worked out: a row with one blank part has every part blank
    for _, row in table[table["suppressed"] != ""].iterrows():
        assert pd.isna(row["individuals"]) and pd.isna(row["organizations"])
    assert (table["organizations"].isna().sum() != 1) and (table["individuals"].isna().sum() != 1)


def test_threshold_is_configurable():
    period = load_period(PERIOD)
    raw = load_raw(period, only=("individuals", "organizations"))
    strict = survey.respondents_by_oblast(raw, load_division(period), min_cell=6)
    default = survey.respondents_by_oblast(raw, load_division(period), min_cell=privacy.min_cell(period))
    assert strict["individuals"].isna().sum() > default["individuals"].isna().sum()
    shown = strict["individuals"].dropna()
    assert not ((shown > 0) & (shown < 6)).any()


def set_min_cell(data_root, value: str) -> None:
    path = data_root / "raw" / PERIOD / "period.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("division: kz_2015", f"min_cell_respondents: {value}\ndivision: kz_2015"), encoding="utf-8")


def test_the_period_threshold_is_honoured_in_the_table_and_its_maps(data_root):
    """period.yml's min_cell_respondents: 5 reaches the table Part I writes (which its notebook shows)
    and the respondents maps drawn from it (which the bulletin shows)."""
    from pipeline.outputs import maps
    from pipeline.parts import portrait
    from pipeline.parts.inputs import load_inputs

    set_min_cell(data_root, "5")
    part = load_inputs(portrait, PERIOD, data_root)
    table = portrait.tables(part)["survey_respondents_by_oblast"]
    for column in ("individuals", "organizations", "respondents"):
        shown = table[column].dropna()
        assert not ((shown > 0) & (shown < 5)).any(), column
    counts = {group: part.raw[group]["oblast"].value_counts() for group in ("individuals", "organizations")}
    assert (table["suppressed"] != "").sum() > 4, "5 hides more than the default 3 does on bulletin No. 5's data"
    figures = maps.respondents_maps(table, maps.load_geography(part.period), part.period)
    for lang in ("ru", "en"):
        figure = figures[f"respondents_{lang}"].to_plotly_json()
        values = figure["layout"]["meta"]["values"]
        assert not [v for v in values.values() if v is not None and 0 < v < 5]
        texts = [trace.get("text") for trace in figure["data"]]
        labels = [t for text in texts for t in ([text] if isinstance(text, str) else text or [])]
        assert not [t for t in labels if re.search(r"(^|: )[1-4]$", t)], labels
    # no blanked cell can be worked out from the shown cells, the row totals and the column sums
    original = pd.DataFrame({"individuals": table["oblast"].map(counts["individuals"]).fillna(0).astype("int64"),
                             "organizations": table["oblast"].map(counts["organizations"]).fillna(0).astype("int64")})
    original["respondents"] = original.sum(axis=1)
    hidden = table[["individuals", "organizations", "respondents"]].isna()
    assert not linearly_determined(original, hidden)
    assert privacy.recoverable_cells(original, hidden, ["individuals", "organizations"], "respondents") == []


def linearly_determined(values: pd.DataFrame, hidden: pd.DataFrame) -> list:
    """Blanked cells whose value follows from the linear relations alone (rows: parts = total;
    columns: their sums), by rank: a cell is determined when its unit vector lies in the row space."""
    cells = [(r, c) for c in hidden.columns for r in hidden.index[hidden[c]]]
    index = {cell: n for n, cell in enumerate(cells)}
    rows = []
    for r in values.index:
        rows.append([1 if (r2, c) == (r, "individuals") or (r2, c) == (r, "organizations") else
                     -1 if (r2, c) == (r, "respondents") else 0 for r2, c in cells])
    for column in hidden.columns:
        rows.append([1 if c == column else 0 for _, c in cells])
    matrix = np.array([row for row in rows if any(row)] or [[0] * len(cells)], dtype=float)
    rank = np.linalg.matrix_rank(matrix)
    determined = []
    for cell, n in index.items():
        unit = np.zeros(len(cells))
        unit[n] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            determined.append(cell)
    return determined


def compositions(total: int, parts: int):
    """Every way to write total as an ordered sum of `parts` whole numbers >= 1."""
    if parts == 0:
        if total == 0:
            yield ()
        return
    for first in range(1, total - parts + 2):
        for rest in compositions(total - first, parts - 1):
            yield (first, *rest)


def brute_force_recoverable(values: pd.DataFrame, hidden: pd.DataFrame) -> set:
    """Blanked cells of a small parts+total table (columns a, b, t) with only one possible value, by
    trying every assignment of whole numbers >= 1 to the blanked parts that keeps each column's
    published sum (a blanked total follows from its parts) and checking the shown totals."""
    rows = list(values.index)
    known = {c: [int(values.at[r, c]) for r in rows] for c in ("a", "b", "t")}
    blank = {c: [n for n, r in enumerate(rows) if hidden.at[r, c]] for c in ("a", "b", "t")}
    seen = {(n, c): set() for c in ("a", "b", "t") for n in blank[c]}
    left = {c: sum(known[c]) - sum(v for n, v in enumerate(known[c]) if n not in blank[c]) for c in ("a", "b")}
    for a_guess in compositions(left["a"], len(blank["a"])):
        for b_guess in compositions(left["b"], len(blank["b"])):
            trial = {"a": list(known["a"]), "b": list(known["b"])}
            for c, guess in (("a", a_guess), ("b", b_guess)):
                for n, value in zip(blank[c], guess):
                    trial[c][n] = value
            totals = [x + y for x, y in zip(trial["a"], trial["b"])]
            if any(totals[n] != known["t"][n] for n in range(len(rows)) if n not in blank["t"]):
                continue
            for (n, c), found in seen.items():
                found.add(totals[n] if c == "t" else trial[c][n])
    return {(rows[n], c) for (n, c), found in seen.items() if len(found) == 1}


@pytest.mark.parametrize("a,b,total_hidden", [
    ([1, 5, 7], [1, 6, 2], [True, False, False]),  # a lone small total: column sum minus the rest gives it
    ([2, 4, 5], [3, 1, 6], [False, False, False]),
    ([1, 1, 8], [1, 2, 9], [True, True, False]),
])
def test_the_audit_finds_what_brute_force_finds(a, b, total_hidden):
    values = pd.DataFrame({"a": a, "b": b})
    values["t"] = values["a"] + values["b"]
    hidden = pd.DataFrame({"a": values["a"] < 3, "b": values["b"] < 3, "t": total_hidden})
    expected = brute_force_recoverable(values, hidden)
    assert set(privacy.recoverable_cells(values, hidden, ["a", "b"], "t")) == expected
    out = privacy.suppress_small_cells(values, ["a", "b"], 3, total="t")  # and after suppression, none is left
    assert brute_force_recoverable(values, out[["a", "b", "t"]].isna()) == set()


def test_a_lone_small_total_is_protected():
    """Two regions blank their parts; one's total is small (blank), the other's shown. Without more
    blanks, the national sum minus the shown totals would give the small one."""
    values = pd.DataFrame({"a": [1, 2, 5, 6], "b": [1, 4, 5, 6]})
    values["t"] = values["a"] + values["b"]
    out = privacy.suppress_small_cells(values, ["a", "b"], 3, total="t")
    assert pd.isna(out.at[0, "t"])
    assert brute_force_recoverable(values, out[["a", "b", "t"]].isna()) == set()


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


def test_a_blanked_regional_count_is_labelled_as_protected_on_the_map():
    """A blank on the respondents map is a count hidden to protect respondents (a small count, or a
    larger one beside it that would give it away), not a region without data."""
    from pipeline.outputs import maps

    period = load_period(PERIOD)
    division = load_division(period)
    by_oblast = pd.DataFrame({"oblast": division["code"], "respondents": [float("nan")] + [10.0] * (len(division) - 1)})
    figures = maps.respondents_maps(by_oblast, maps.load_geography(period), period)
    for lang, words in (("ru", "скрыто для защиты респондентов"), ("en", "not shown, to protect respondents")):
        texts = [trace.text for trace in figures[f"respondents_{lang}"].data]
        flat = [t for text in texts for t in ([text] if isinstance(text, str) else text or [])]
        assert any(words in t for t in flat)
        assert not any(maps.NO_DATA[lang] in t for t in flat)


def test_a_threshold_below_the_default_is_accepted_with_a_warning(data_root):
    from pipeline.data.errors import InputWarning

    set_min_cell(data_root, "2")
    with pytest.warns(InputWarning, match="below the default of 3"):
        period = load_period(PERIOD, data_root)
    assert privacy.min_cell(period) == 2


def test_regional_assessments_by_fewer_hrds_than_the_threshold_are_left_out(data_root):
    """A region's wave assessed by 4 HRDs publishes their mean scores: with min_cell_respondents 5
    it is left out of every Part V table, and of the national means."""
    from pipeline.parts import dynamics
    from pipeline.parts.inputs import load_inputs

    default = dynamics.tables(load_inputs(dynamics, PERIOD, data_root))
    assert (default["dynamics_regions_by_wave"]["assessors"] == 4).any(), "bulletin No. 5 has waves of 4 assessors"
    set_min_cell(data_root, "5")
    strict = dynamics.tables(load_inputs(dynamics, PERIOD, data_root))
    waves = strict["dynamics_regions_by_wave"]
    assert (waves["assessors"] >= 5).all() and len(waves) < len(default["dynamics_regions_by_wave"])
    national = strict["dynamics_national"]
    assert (national["assessors"] == national["wave"].map(waves.groupby("wave")["assessors"].sum())).all()
