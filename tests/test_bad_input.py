"""Bad input of every likely kind is refused before anything runs, with a message naming the file,
row, column, value and what was expected; all problems of the input at once; exit status 2."""
from __future__ import annotations

import json
import os
import warnings

import pytest

from pipeline.cli import main
from pipeline.data.errors import InputError, Problem
from pipeline.data.io import load_raw, validate_period
from pipeline.data.periods import load_period
from pipeline.data.validation import InputWarning

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


def edit_lines(root, name, edits: dict[int, tuple[str, str]]):
    """Replace text in given spreadsheet rows (header = 1): {row: (old, new)}."""
    path = path_of(root, name)
    lines = path.read_text(encoding="utf-8").splitlines()
    for row, (old, new) in edits.items():
        assert old in lines[row - 1], (name, row, old)
        lines[row - 1] = lines[row - 1].replace(old, new, 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def append_row(root, name, line):
    path = path_of(root, name)
    path.write_text(path.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")


def add_period(root, period_id, first, last):
    """Another period folder with a valid period.yml (one wave), and nothing run."""
    folder = root / "raw" / period_id
    folder.mkdir()
    (folder / "period.yml").write_text(
        f"id: {period_id}\nbulletin_number: 4\ntitle: {{ru: Период, en: Period}}\nfirst_day: {first}\n"
        f"last_day: {last}\ndivision: kz_2015\ndata_origin: synthetic\n"
        f"waves:\n  - {{wave: 1, first_day: {first}, last_day: {last}}}\n", encoding="utf-8")


def set_previous(root, value):
    replace(root, "period.yml", "previous_period: null", f"previous_period: {value}")


def workbook_with(root, change, name="incidents_violations"):
    """One raw file as a workbook of its own (its CSV removed), changed by change(book) before saving."""
    import openpyxl

    from tests.test_workbooks import write_workbook

    raw_dir = root / "raw" / PERIOD
    path = raw_dir / f"{name}.xlsx"
    write_workbook(raw_dir, path, files=[f"{name}.csv"])
    book = openpyxl.load_workbook(path)
    change(book)
    book.save(path)


def hide_and_copy(book):
    book.create_sheet(f"{book.active.title} (2)")
    book.active.sheet_state = "hidden"


def period_workbook_named(root, name):
    from tests.test_workbooks import write_workbook

    write_workbook(root / "raw" / PERIOD, root / "raw" / PERIOD / name)


def zip_bomb(root):
    import zipfile

    path_of(root, "media_outlets.csv").unlink()
    with zipfile.ZipFile(path_of(root, "media_outlets.xlsx"), "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            for _ in range(300):
                sheet.write(b"<c/>" * 250_000)


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
    "a PNG image named .csv": (lambda r: path_of(r, "media_outlets.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256))),
                               "media_outlets.csv", None, None, "found 'a PNG image', expected UTF-8 text"),
    "a PDF named .csv": (lambda r: path_of(r, "media_outlets.csv").write_bytes(b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\x00"),
                         "media_outlets.csv", None, None, "found 'a PDF document'"),
    "a gzip archive named .csv": (lambda r: path_of(r, "media_outlets.csv").write_bytes(__import__("gzip").compress(b"a,b\n1,2\n")),
                                  "media_outlets.csv", None, None, "found 'a gzip archive'"),
    "a program named .csv": (lambda r: path_of(r, "media_outlets.csv").write_bytes(b"\x7fELF\x02\x01\x01" + b"\x00" * 100),
                             "media_outlets.csv", None, None, "found 'a program (ELF)'"),
    "a NUL byte in a cell": (lambda r: set_cell(r, "survey_individuals.csv", 4, "oblast", "\x00KZ-PAV"),
                             "survey_individuals.csv", 4, "oblast", "found '\\x00KZ-PAV'"),
    "missing file, an .xls beside it": (lambda r: (path_of(r, "media_outlets.csv").rename(path_of(r, "media_outlets.xls"))),
                                        "media_outlets.csv", None, None, "found media_outlets.xls: save it as 'Excel Workbook (.xlsx)'"),
    "a CSV file named .xlsx": (lambda r: (path_of(r, "media_outlets.csv").rename(path_of(r, "media_outlets.xlsx"))),
                               "media_outlets.xlsx", None, None, "a CSV file is named media_outlets.csv"),
    "row with a stray separator": (lambda r: replace(r, "media_outlets.csv", "OUT-003,", "OUT-003,,"),
                                   "media_outlets.csv", 4, None, "as many as the header has columns"),
    "column twice in the header": (lambda r: replace(r, "media_outlets.csv", "outlet_id,kind,place", "outlet_id,kind,kind"),
                                   "media_outlets.csv", 1, "kind", "each column once"),
    "published percentages that do not add up": (lambda r: replace(r, "published_figures.yml", "female: {pct: 54.4", "female: {pct: 64.4"),
                                                 "published_figures.yml", None, "survey_individuals.gender", "adding up to 100"),
    # numbers: only digits and a decimal point, never what Python's float() also reads
    "nan where a number is expected": (lambda r: set_cell(r, "regional_assessments.csv", 3, "threats", "nan"),
                                       "regional_assessments.csv", 3, "threats", "a number from 1 to 5"),
    "NaN where a number is expected": (lambda r: set_cell(r, "regional_assessments.csv", 4, "vulnerability", "NaN"),
                                       "regional_assessments.csv", 4, "vulnerability", "a number from 1 to 5"),
    "infinity where a number is expected": (lambda r: set_cell(r, "regional_assessments.csv", 5, "resources", "inf"),
                                            "regional_assessments.csv", 5, "resources", "a number from 1 to 5"),
    "a dash standing for no value": (lambda r: set_cell(r, "regional_assessments.csv", 6, "security", "—"),
                                     "regional_assessments.csv", 6, "security", "a number from 1 to 5"),
    "digits of another script": (lambda r: set_cell(r, "regional_assessments.csv", 8, "threats", "３.３"),
                                 "regional_assessments.csv", 8, "threats", "a number from 1 to 5"),
    "digits of another script in a whole number": (lambda r: set_cell(r, "regional_assessments.csv", 9, "assessors", "٤"),
                                                   "regional_assessments.csv", 9, "assessors", "a whole number"),
    "digits grouped with underscores": (lambda r: set_cell(r, "regional_assessments.csv", 7, "threats", "3_5"),
                                        "regional_assessments.csv", 7, "threats", "a number from 1 to 5"),
    # days: a day in the right format that is not in the calendar is named as such
    "a day not in the calendar": (lambda r: set_cell(r, "incidents_violations.csv", 4, "date", "2016-02-30"),
                                  "incidents_violations.csv", 4, "date", "February 2016 has 29 days"),
    "a day not in the calendar, DD.MM.YYYY": (lambda r: set_cell(r, "media_materials.csv", 6, "date", "31.04.2016"),
                                              "media_materials.csv", 6, "date", "April 2016 has 30 days"),
    "a case without any violation": (lambda r: append_row(r, "incidents_cases.csv", "CASE-9000,OBS-01,2015-09-01,observer"),
                                     "incidents_cases.csv", 393, "case_id", "at least one row of incidents_violations.csv"),
    # quotes: rows are the spreadsheet's rows
    "a quote that is never closed": (lambda r: edit_lines(r, "media_outlets.csv", {5: ("OUT-004,", 'OUT-004,"')}),
                                     "media_outlets.csv", 5, None, "a closing quote"),
    "stray quotes that swallow rows": (lambda r: edit_lines(r, "media_outlets.csv", {3: ("OUT-002,", 'OUT-002,"'),
                                                                                     5: (",Актобе", '",Актобе')}),
                                       "media_outlets.csv", 3, "kind", "one line per cell"),
    "stray quotes that swallow rows and break the cell count": (
        lambda r: edit_lines(r, "media_outlets.csv", {3: ("OUT-002,", 'OUT-002,"'), 6: ("OUT-005,", 'OUT-005",')}),
        "media_outlets.csv", 3, None, "another quote closes 3 line(s) below"),
    # period.yml
    "first_day in another month than the period id says": (lambda r: replace(r, "period.yml", "first_day: 2015-08-01", "first_day: 2015-07-01"),
                                                           "period.yml", None, "first_day", "a day in 2015-08, as the period id 2015-08_2016-04 says"),
    "last_day in another month than the period id says": (lambda r: replace(r, "period.yml", "last_day: 2016-04-30", "last_day: 2016-05-31"),
                                                          "period.yml", None, "last_day", "a day in 2016-04, as the period id"),
    "period.yml empty": (lambda r: path_of(r, "period.yml").write_text("# nothing yet\n", encoding="utf-8"),
                         "period.yml", None, "id", "field 'id'"),
    "period.yml with a billion laughs": (lambda r: path_of(r, "period.yml").write_text(
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n",
        encoding="utf-8"), "period.yml", None, None, "an alias (*name) of a list or mapping: write each value out"),
    "period.yml of 200 KB": (lambda r: path_of(r, "period.yml").write_text(path_of(r, "period.yml").read_text(encoding="utf-8")
                                                                           + "#" * 200_000 + "\n", encoding="utf-8"),
                             "period.yml", None, None, "a period.yml of at most 100,000 bytes"),
    "published figures with an alias": (lambda r: path_of(r, "published_figures.yml").write_text(
        "a: &a [1, 2]\nb: *a\n", encoding="utf-8"), "published_figures.yml", None, None, "an alias (*name)"),
    "published figures that are not YAML": (lambda r: path_of(r, "published_figures.yml").write_text(
        "survey: [1, 2\n  bad: {\n", encoding="utf-8"), "published_figures.yml", None, None, "valid YAML in UTF-8"),
    "a raw file of 600 MB": (lambda r: os.truncate(path_of(r, "media_outlets.csv"), 600_000_000),  # sparse: no disk used
                             "media_outlets.csv", None, None, "a raw file of at most 500 MB"),
    "period.yml that is not YAML": (lambda r: path_of(r, "period.yml").write_text("id: [2015-08_2016-04\n\tbulletin: 5\n", encoding="utf-8"),
                                    "period.yml", None, None, "valid YAML"),
    "merged cells in a workbook's data": (lambda r: workbook_with(r, lambda b: b.active.merge_cells("B5:B7")),
                                          "incidents_violations.xlsx, sheet 'incidents_violations'", 5, None, "found 'merged cells B5:B7'"),
    "a hidden sheet read as the data": (lambda r: workbook_with(r, hide_and_copy),
                                        "incidents_violations.xlsx, sheet 'incidents_violations'", None, None, "found 'a hidden sheet'"),
    "the period's workbook saved as .ods": (lambda r: period_workbook_named(r, f"{PERIOD}.ods"),
                                            "survey_individuals.csv", None, None, f"found {PERIOD}.ods: the period's workbook"),
    "the period's workbook named as a copy, (1)": (lambda r: period_workbook_named(r, f"{PERIOD} (1).xlsx"),
                                                   "media_outlets.csv", None, None, "rename it so"),
    "a workbook that unpacks to 300 MB": (zip_bomb, "media_outlets.xlsx", None, None, "a workbook of at most 200 MB unpacked"),
    "a JPEG named .csv": (lambda r: path_of(r, "media_outlets.csv").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
                          "media_outlets.csv", None, None, "found 'a JPEG image'"),
    "a cell holding a whole document": (lambda r: set_cell(r, "survey_individuals.csv", 4, "oblast", "Павлодар " * 4000),
                                        "survey_individuals.csv", 4, "oblast", "...' (35999 characters)"),
    "last_day not in the calendar": (lambda r: replace(r, "period.yml", "last_day: 2016-04-30", "last_day: 2016-04-31"),
                                     "period.yml", None, "last_day", "April 2016 has 30 days"),
    "a wave's day not in the calendar": (lambda r: replace(r, "period.yml", "last_day: 2016-01-31}", "last_day: 2016-01-32}"),
                                         "period.yml", None, "waves[2].last_day", "January 2016 has 31 days"),
    "min_cell_respondents in words": (lambda r: replace(r, "period.yml", "division: kz_2015", "min_cell_respondents: пять\ndivision: kz_2015"),
                                      "period.yml", None, "min_cell_respondents", "a whole number of at least 1"),
    "min_cell_respondents below 1": (lambda r: replace(r, "period.yml", "division: kz_2015", "min_cell_respondents: -5\ndivision: kz_2015"),
                                     "period.yml", None, "min_cell_respondents", "a whole number of at least 1"),
    "the back page's contact in one language only": (
        lambda r: replace(r, "period.yml", "  en: |\n    LPRC — Legal", "  english: |\n    LPRC — Legal"),
        "period.yml", None, "contact", "a text in each language"),
    "division naming a path": (lambda r: replace(r, "period.yml", "division: kz_2015", "division: ../.."),
                               "period.yml", None, "division", "a division name of lower-case letters"),
    "previous_period naming a path": (lambda r: set_previous(r, "../../etc"),
                                      "period.yml", None, "previous_period", "null or a period id"),
    "previous_period that does not exist": (lambda r: set_previous(r, "2014-08_2015-04"),
                                            "period.yml", None, "previous_period", "a period of data/raw/"),
    "previous_period is the period itself": (lambda r: set_previous(r, PERIOD),
                                             "period.yml", None, "previous_period", "this is the period's own id"),
    "previous_period that ends after this one starts": (
        lambda r: (add_period(r, "2015-05_2015-10", "2015-05-01", "2015-10-31"), set_previous(r, "2015-05_2015-10")),
        "period.yml", None, "previous_period", "ends on 2015-10-31"),
    "previous_period that has not been run": (
        lambda r: (add_period(r, "2014-08_2015-04", "2014-08-01", "2015-04-30"), set_previous(r, "2014-08_2015-04")),
        "period.yml", None, "previous_period", "hrd-bulletin run 2014-08_2015-04 2015-08_2016-04"),
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


def test_a_title_with_a_shortcode_is_refused_by_validate(data_root):
    """The bulletin's title is Quarto metadata, which Quarto reads again for shortcodes: braces in it
    are refused before anything runs, naming period.yml and the field."""
    import re

    path = path_of(data_root, "period.yml")
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(\n\s*en: )([^\n]*)", r"\1Bulletin {{< include ../../x.csv >}}", text, count=1), encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_period(PERIOD, data_root)
    assert any(p.column == "title.en" and "braces" in p.expected for p in error.value.problems), error.value.report()


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


def test_problems_of_period_yml_and_of_the_files_are_reported_together(data_root):
    CASES["previous_period is the period itself"][0](data_root)
    CASES["nan where a number is expected"][0](data_root)
    with pytest.raises(InputError) as error:
        validate_period(load_period(PERIOD, data_root))
    assert {p.column for p in error.value.problems} == {"previous_period", "threats"}


def test_nothing_is_produced_from_bad_input(data_root):
    CASES["unknown place name"][0](data_root)
    assert main(["--data-root", str(data_root), "run", PERIOD, "--quiet"]) == 2
    assert not (data_root / "processed" / PERIOD).exists()
    assert not any((data_root / "processed" / ".staging").glob("*")) if (data_root / "processed" / ".staging").exists() else True


def first_geometry(text: str, change) -> str:
    """The boundaries with the first feature's geometry changed: change(geometry) -> geometry."""
    collection = json.loads(text)
    collection["features"][0]["geometry"] = change(collection["features"][0]["geometry"])
    return json.dumps(collection)


def each_point(geometry, move):
    rings = geometry["coordinates"] if geometry["type"] == "Polygon" else [r for p in geometry["coordinates"] for r in p]
    for ring in rings:
        ring[:] = [move(*position[:2]) for position in ring]
    return geometry


BOWTIE = {"type": "Polygon", "coordinates": [[[60, 45], [70, 50], [70, 45], [60, 50], [60, 45]]]}


@pytest.mark.parametrize("damage,words", [
    (lambda text: text.replace('"KZ-AST"', '"KZ-XXX"', 1), "missing: KZ-AST; unknown: KZ-XXX"),
    (lambda text: first_geometry(text, lambda g: each_point(g, lambda lon, lat: [lat, lon])),
     "outside Kazakhstan (longitude 45 to 89, latitude 39 to 57): coordinates in metres, or latitude and longitude swapped?"),
    (lambda text: first_geometry(text, lambda g: each_point(g, lambda lon, lat: [lon * 111_000, lat * 111_000])),
     "outside Kazakhstan"),
    (lambda text: first_geometry(text, lambda g: BOWTIE), "is not a valid polygon (Self-intersection"),
    (lambda text: first_geometry(text, lambda g: {"type": "Polygon", "coordinates": [[[60, 45], [70, 50]]]}),
     "a ring that is not a list of at least 4 positions"),
    (lambda text: text.replace('"coordinates":', '"coordinates":' + "[" * 100_000 + "]" * 100_000 + ',"was":', 1),
     "arrays nested too deep for coordinates"),
    (lambda text: text + " " * 11_000_000, "boundaries of at most 10 MB"),
    (lambda text: text[: len(text) // 2], "line 1 column"),
    (lambda text: text.replace('"code":"KZ-AST"', '"code":5', 1), "feature 5 has code 5, not an ISO 3166-2 code as text"),
    (lambda text: text.replace('"code":"KZ-AST"', '"code":"KZ-ALA"', 1), "missing: KZ-AST; unknown: none; more than once: KZ-ALA"),
    (lambda text: text.replace('"type":"Polygon"', '"type":"Circle"', 1), 'feature 1 (KZ-AKM) has geometry "Circle"'),
    (lambda text: text.replace('{"type":"FeatureCollection",',
                               '{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:3857"}},', 1),
     'coordinates in "EPSG:3857"'),
])
def test_boundaries_that_cannot_be_mapped_stop_the_run_before_any_step(data_root, capsys, damage, words):
    """The maps' boundaries are checked with the raw data, with the other problems, before a step runs."""
    path = data_root / "raw" / "reference" / "boundaries" / "kz_2015.geojson"
    text = path.read_text(encoding="utf-8")
    path.write_text(damage(text), encoding="utf-8")
    CASES["negative count"][0](data_root)
    assert main(["--data-root", str(data_root), "run", PERIOD, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "2 problem(s) in the input" in err and "kz_2015.geojson" in err and words in err
    assert "Traceback" not in err and "[1/" not in err and not (data_root / "processed" / PERIOD).exists()


def test_a_cell_holding_a_whole_document_is_shown_by_its_start_and_length(data_root):
    set_cell(data_root, "survey_individuals.csv", 4, "oblast", "Павлодар " * 4000)
    with pytest.raises(InputError) as error:
        validate_period(load_period(PERIOD, data_root))
    line = next(line for line in error.value.report().splitlines() if "row 4, column 'oblast'" in line)
    assert "...' (35999 characters)" in line and len(line) < 2000  # its trailing space trimmed


def test_one_problem_found_by_several_readers_is_said_once():
    same = [Problem("period.xlsx", None, None, None, "an Excel workbook (.xlsx) that opens") for _ in range(8)]
    error = InputError([*same, Problem("period.yml", None, "title", None, "a title")])
    assert error.report().count("period.xlsx") == 1 and "2 problem(s)" in error.report()
