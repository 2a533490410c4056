"""Bad input of every likely kind is refused before anything runs, with a message naming the file,
row, column, value and what was expected; all problems of the input at once; exit status 2."""
from __future__ import annotations

import warnings

import pytest

from pipeline.cli import main
from pipeline.errors import InputError
from pipeline.io import load_raw, validate_period
from pipeline.periods import load_period
from pipeline.validation import InputWarning

PERIOD = "2015-08_2016-04"


def path_of(root, name):
    return root / "raw" / PERIOD / name


def replace(root, name, old, new, count=1):
    path = path_of(root, name)
    text = path.read_text(encoding="utf-8")
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def set_cell(root, name, row, column, value):
    """Set a cell by spreadsheet row number (header = 1) and column name."""
    path = path_of(root, name)
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[row - 1].split(",")
    cells[header.index(column)] = value
    lines[row - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def drop_column(root, name, column):
    path = path_of(root, name)
    rows = [line.split(",") for line in path.read_text(encoding="utf-8").splitlines()]
    at = rows[0].index(column)
    path.write_text("\n".join(",".join(r[:at] + r[at + 1:]) for r in rows) + "\n", encoding="utf-8")


CASES = {
    # kind: (mutation, file, row, column, words expected in the message)
    "missing column": (lambda r: drop_column(r, "survey_individuals.csv", "education"),
                       "survey_individuals.csv", 1, "education", "this column in the header"),
    "misspelled column": (lambda r: replace(r, "incidents_violations.csv", ",threat_type,", ",threat_typ,"),
                          "incidents_violations.csv", 1, "threat_typ", "did you mean 'threat_type'"),
    "unknown code": (lambda r: set_cell(r, "survey_individuals.csv", 5, "gender", "other"),
                     "survey_individuals.csv", 5, "gender", "one of female, male"),
    "unknown code from a reference list": (lambda r: set_cell(r, "incidents_violations.csv", 7, "threat_type", "information_refusal"),
                                           "incidents_violations.csv", 7, "threat_type", "closest: information_refused"),
    "unknown place name": (lambda r: set_cell(r, "incidents_violations.csv", 9, "place", "Алмата"),
                           "incidents_violations.csv", 9, "place", "closest known: Алма-Ата, Алматы"),
    "date outside the period": (lambda r: set_cell(r, "incidents_violations.csv", 4, "date", "2016-05-03"),
                                "incidents_violations.csv", 4, "date", "a day of the period, 2015-08-01 to 2016-04-30"),
    "unreadable date": (lambda r: set_cell(r, "media_materials.csv", 6, "date", "03/04/2016"),
                        "media_materials.csv", 6, "date", "YYYY-MM-DD"),
    "duplicate id": (lambda r: set_cell(r, "incidents_cases.csv", 3, "case_id", "CASE-0001"),
                     "incidents_cases.csv", 3, "case_id", "unique case_id (already used in row 2)"),
    "duplicate composite key": (lambda r: set_cell(r, "regional_assessments.csv", 3, "wave", "1"),
                                "regional_assessments.csv", 3, "oblast, wave", "unique oblast + wave"),
    "violation pointing at a missing case": (lambda r: set_cell(r, "incidents_violations.csv", 10, "case_id", "CASE-9999"),
                                             "incidents_violations.csv", 10, "case_id", "listed in incidents_cases.csv"),
    "material pointing at a missing outlet": (lambda r: set_cell(r, "media_materials.csv", 2, "outlet_id", "OUT-999"),
                                              "media_materials.csv", 2, "outlet_id", "listed in media_outlets.csv"),
    "negative count": (lambda r: set_cell(r, "survey_individuals.csv", 8, "threats", "-1"),
                       "survey_individuals.csv", 8, "threats", "a value from 0 to 1000"),
    "non-numeric count": (lambda r: set_cell(r, "survey_organizations.csv", 4, "projects_per_year", "три"),
                          "survey_organizations.csv", 4, "projects_per_year", "a whole number"),
    "decimal in a whole-number column": (lambda r: set_cell(r, "survey_organizations.csv", 4, "annual_funding_usd", "1500.5"),
                                         "survey_organizations.csv", 4, "annual_funding_usd", "a whole number"),
    "score out of range": (lambda r: set_cell(r, "regional_assessments.csv", 5, "threats", "7.2"),
                           "regional_assessments.csv", 5, "threats", "a value from 1 to 5"),
    "required cell left empty": (lambda r: set_cell(r, "survey_individuals.csv", 12, "coalition", ""),
                                 "survey_individuals.csv", 12, "coalition", "the column is required"),
    "answer given where the item does not apply": (lambda r: set_cell(r, "survey_individuals.csv", 2, "law_enforcement_result", "pending"),
                                                   "survey_individuals.csv", 2, "law_enforcement_result", "an empty cell, because law_enforcement_appeal is not yes"),
    "badly formed id": (lambda r: set_cell(r, "media_outlets.csv", 2, "outlet_id", "OUT1"),
                        "media_outlets.csv", 2, "outlet_id", "an id like OUT-001"),
    "wave not in period.yml": (lambda r: set_cell(r, "regional_assessments.csv", 2, "wave", "4"),
                               "regional_assessments.csv", 2, "wave", "a wave of period.yml"),
    "empty file": (lambda r: path_of(r, "media_outlets.csv").write_text("", encoding="utf-8"),
                   "media_outlets.csv", None, None, "the file is empty"),
    "header-only file": (lambda r: path_of(r, "regional_assessments.csv").write_text(
        "oblast,wave,assessors,threats,vulnerability,resources,security\n", encoding="utf-8"),
        "regional_assessments.csv", None, None, "at least one data row"),
    "Excel workbook where CSV is expected": (lambda r: path_of(r, "media_outlets.csv").write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64),
                                             "media_outlets.csv", None, None, "save it as 'CSV UTF-8"),
    "missing file, an .xlsx beside it": (lambda r: (path_of(r, "media_outlets.csv").rename(path_of(r, "media_outlets.xlsx"))),
                                         "media_outlets.csv", None, None, "found media_outlets.xlsx"),
    "row with a stray separator": (lambda r: replace(r, "media_outlets.csv", "OUT-003,", "OUT-003,,"),
                                   "media_outlets.csv", 4, None, "as many as the header has columns"),
    "column twice in the header": (lambda r: replace(r, "media_outlets.csv", "outlet_id,kind,place", "outlet_id,kind,kind"),
                                   "media_outlets.csv", 1, "kind", "each column once"),
    "published percentages that do not add up": (lambda r: replace(r, "published_figures.yml", "female: {pct: 54.4", "female: {pct: 64.4"),
                                                 "published_figures.yml", None, "survey_individuals.gender", "adding up to 100"),
    "a place outside the period's division": (lambda r: replace(r, "../reference/divisions/kz_2015_cities.csv", "taraz,KZ-ZHA\n", ""),
                                              "incidents_violations.csv", None, "place", "add 'taraz' to divisions/kz_2015_cities.csv"),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_bad_input_is_refused_with_a_clear_message(data_root, kind):
    mutate, file, row, column, words = CASES[kind]
    mutate(data_root)
    with pytest.raises(InputError) as error:
        validate_period(load_period(PERIOD, data_root))
    matching = [p for p in error.value.problems if p.file.endswith(file) and (row is None or p.row == row)
                and (column is None or p.column == column) and words in str(p)]
    assert matching, f"{kind}: no problem like ({file}, {row}, {column}, {words!r}) in:\n{error.value.report()}"
    message = str(matching[0])
    assert file in message and "expected" in message
    if row is not None:
        assert f"row {row}" in message


def test_all_problems_of_all_files_reported_at_once_and_exit_status(data_root, capsys):
    for kind in ("unknown code", "date outside the period", "negative count", "material pointing at a missing outlet"):
        CASES[kind][0](data_root)
    assert main(["--data-root", str(data_root), "validate", PERIOD]) == 2
    err = capsys.readouterr().err
    assert "4 problem(s) in the input" in err
    for file in ("survey_individuals.csv", "incidents_violations.csv", "media_materials.csv"):
        assert file in err


def test_period_yml_problems(data_root):
    path = path_of(data_root, "period.yml")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("first_day: 2015-08-01\n", "").replace("data_origin: reconstructed", "data_origin: invented"),
                    encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_period(PERIOD, data_root)
    columns = {p.column for p in error.value.problems}
    assert "first_day" in columns
    assert "period.yml" in error.value.report()


KAZAKH_TO_RUSSIAN = str.maketrans("қөүұңғәіһҚӨҮҰҢҒӘІҺ", "коуунгаихКОУУНГАИХ")  # cp1251 has no Kazakh letters


def test_windows_1251_file_is_read_with_a_warning(data_root):
    path = path_of(data_root, "media_outlets.csv")
    path.write_bytes(path.read_text(encoding="utf-8").translate(KAZAKH_TO_RUSSIAN).encode("cp1251"))
    with pytest.warns(InputWarning, match="Windows-1251"):
        tables = load_raw(PERIOD, data_root)
    assert len(tables["outlets"]) == 114 and tables["outlets"]["city"].notna().all()


def test_byte_order_mark_semicolons_trailing_spaces_and_mixed_case_are_accepted(data_root):
    path = path_of(data_root, "media_outlets.csv")
    text = path.read_text(encoding="utf-8").replace(",", ";")
    text = text.replace(";news_site;", "; News_Site ;")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tables = load_raw(PERIOD, data_root)
    assert set(tables["outlets"]["kind"]) >= {"news_site"}


def test_nothing_is_produced_from_bad_input(data_root):
    CASES["unknown place name"][0](data_root)
    assert main(["--data-root", str(data_root), "run", PERIOD, "--quiet"]) == 2
    assert not (data_root / "processed" / PERIOD).exists()
    assert not any((data_root / "processed" / ".staging").glob("*")) if (data_root / "processed" / ".staging").exists() else True
