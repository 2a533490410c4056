"""Observers' data as they keep it: Excel workbooks read directly, and the habits of Excel's exports
(issue 15, items 1 and 2). The same data as a workbook and as CSV files gives the same tables."""
from __future__ import annotations

import datetime as dt
import shutil
import warnings

import openpyxl
import pandas as pd
import pytest

from pipeline.data.codebook import all_files
from pipeline.data.errors import InputError
from pipeline.data.io import load_raw
from pipeline.data.periods import load_period
from pipeline.data.sources import cell_text
from pipeline.data.validation import InputWarning
from tests.conftest import PERIOD, copy_raw

CSV_FILES = [raw.file for _, raw in all_files().values()]


def typed_cell(value: str, kind: str):
    """A CSV cell as Excel would hold it when an observer types it: numbers as numbers, days as dates."""
    if value == "":
        return None
    if kind in ("integer", "wave"):
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "date":
        return dt.date.fromisoformat(value)
    return value


def write_workbook(raw_dir, path, files=None, typed=True, title=None):
    """The period's CSV files as sheets of one workbook (named as the files without .csv); the CSVs removed."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for _, raw in all_files().values():
        if files is not None and raw.file not in files:
            continue
        csv = raw_dir / raw.file
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
        kinds = {c.name: c.type for c in raw.columns}
        sheet = book.create_sheet(raw.file.removesuffix(".csv"))
        if title:
            sheet.append([title])
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append([typed_cell(v, kinds.get(c, "text")) if typed else v for c, v in zip(frame.columns, row)])
        for column, name in enumerate(frame.columns, start=1):
            if kinds.get(name) == "date":
                for cell in sheet.iter_cols(min_col=column, max_col=column, min_row=2):
                    for c in cell:
                        c.number_format = "DD.MM.YYYY"  # as a Russian Excel shows days
        csv.unlink()
    book.save(path)
    return path


def all_tables(period):
    from pipeline.parts import dynamics, incidents, media, overview, portrait, security
    from pipeline.parts.inputs import load_inputs

    tables = {}
    for part in (overview, portrait, security, incidents, media, dynamics):
        tables.update(part.tables(load_inputs(part, period)))
    return tables


def csv_bytes(tables, folder):
    from pipeline.outputs.processed import write_table

    for name, frame in tables.items():
        write_table(frame, folder, name)
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("*.csv"))}


def assert_same_tables(period, csv_period, tmp_path):
    """Every table computed from `period` (without a warning) has the bytes of the CSV period's."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from_book = all_tables(period)
    from_csv = all_tables(csv_period)
    assert set(from_book) == set(from_csv)
    book_bytes, csv_bytes_ = csv_bytes(from_book, tmp_path / "out-book"), csv_bytes(from_csv, tmp_path / "out-csv")
    assert len(csv_bytes_) == len(from_csv) and book_bytes == csv_bytes_


def test_bulletin_5_as_one_workbook_gives_byte_identical_tables(tmp_path):
    """Done when of issue 15: No. 5's raw data as one workbook <period id>.xlsx, every table the same bytes."""
    csv_root = copy_raw(tmp_path / "csv")
    book_root = copy_raw(tmp_path / "book")
    raw_dir = book_root / "raw" / PERIOD
    write_workbook(raw_dir, raw_dir / f"{PERIOD}.xlsx")
    assert not list(raw_dir.glob("survey_*.csv"))
    assert_same_tables(load_period(PERIOD, book_root), load_period(PERIOD, csv_root), tmp_path)
    period = load_period(PERIOD, book_root)
    assert raw_dir / f"{PERIOD}.xlsx" in period.known_files() and period.ignored_files() == 2  # README.md, editorial/README.md


def test_one_workbook_per_file_beside_csv_files(data_root):
    raw_dir = data_root / "raw" / PERIOD
    before = load_raw(PERIOD, data_root)
    write_workbook(raw_dir, raw_dir / "incidents_violations.xlsx", files=["incidents_violations.csv"])
    write_workbook(raw_dir, raw_dir / "regional_assessments.xlsx", files=["regional_assessments.csv"], typed=False)
    after = load_raw(PERIOD, data_root)
    for key in before:
        pd.testing.assert_frame_equal(before[key], after[key])


def test_problems_in_a_workbook_name_file_sheet_row_and_column(data_root):
    raw_dir = data_root / "raw" / PERIOD
    path = write_workbook(raw_dir, raw_dir / f"{PERIOD}.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["incidents_violations"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=12, column=header.index("place") + 1, value="Атлантида")
    sheet.cell(row=5, column=header.index("date") + 1, value=dt.datetime(2016, 5, 3))
    book.save(path)
    with pytest.raises(InputError) as error:
        load_raw(PERIOD, data_root)
    text = error.value.report()
    assert f"{PERIOD}.xlsx, sheet 'incidents_violations', row 12, column 'place': found 'Атлантида'" in text
    assert "sheet 'incidents_violations', row 5, column 'date': found '2016-05-03', expected a day of the period" in text


def test_personal_columns_of_a_workbook_are_dropped_and_other_sheets_not_read(data_root):
    from tests.conftest import PLANTED, plant_personal_data

    raw_dir = data_root / "raw" / PERIOD
    plant_personal_data(raw_dir)
    path = write_workbook(raw_dir, raw_dir / f"{PERIOD}.xlsx")
    book = openpyxl.load_workbook(path)
    book.create_sheet("контакты").append(["=1/0", PLANTED["full_name"], PLANTED["phone"]])
    book.save(path)
    tables = load_raw(PERIOD, data_root)
    for table in tables.values():
        text = table.astype(str).to_csv(index=False)
        assert not any(v in text for v in PLANTED.values()) and not set(table.columns) & {"full_name", "phone", "victim_name"}


def test_a_file_given_as_csv_and_as_a_sheet_is_refused_naming_both(data_root):
    raw_dir = data_root / "raw" / PERIOD
    write_workbook(raw_dir, raw_dir / f"{PERIOD}.xlsx", files=["media_outlets.csv"])
    shutil.copy(copy_raw(data_root.parent / "again") / "raw" / PERIOD / "media_outlets.csv", raw_dir / "media_outlets.csv")
    with pytest.raises(InputError) as error:
        load_raw(PERIOD, data_root)
    text = error.value.report()
    assert "media_outlets.csv: expected the file once: it is given 2 times" in text and f"{PERIOD}.xlsx, sheet 'media_outlets'" in text


def test_a_changed_workbook_changes_the_raw_data_fingerprint(data_root):
    from pipeline.run.steps import Run, from_registry

    raw_dir = data_root / "raw" / PERIOD
    path = write_workbook(raw_dir, raw_dir / f"{PERIOD}.xlsx")
    step = next(s for s in from_registry() if s.name == "incidents")
    run = Run(period=load_period(PERIOD, data_root), folder=data_root / "processed", scratch=data_root, parameters={})
    before = step.fingerprint(run)["raw data"]
    book = openpyxl.load_workbook(path)
    book["incidents_violations"]["A2"].value = book["incidents_violations"]["A2"].value + " "
    book.save(path)
    assert step.fingerprint(run)["raw data"] != before


def test_sheet_misnamed_is_named_in_the_message(data_root):
    raw_dir = data_root / "raw" / PERIOD
    path = write_workbook(raw_dir, raw_dir / f"{PERIOD}.xlsx")
    book = openpyxl.load_workbook(path)
    book["media_outlets"].title = "Media outlets"
    book.save(path)
    with pytest.raises(InputError) as error:
        load_raw(PERIOD, data_root)
    assert "or a sheet 'media_outlets' in 2015-08_2016-04.xlsx" in error.value.report()
    assert "did you mean 'Media outlets'? name it 'media_outlets'" in error.value.report()


def test_xls_and_ods_are_refused_with_the_fix(data_root):
    raw_dir = data_root / "raw" / PERIOD
    (raw_dir / "media_outlets.csv").rename(raw_dir / "media_outlets.ods")
    with pytest.raises(InputError) as error:
        load_raw(PERIOD, data_root)
    assert "found media_outlets.ods: save it as 'Excel Workbook (.xlsx)' or as 'CSV UTF-8" in error.value.report()


@pytest.mark.parametrize("value, text", [(None, ""), (3.0, "3"), (3.5, "3.5"), (0.1 + 0.2, "0.3"), (7, "7"),
                                         (dt.datetime(2015, 8, 3), "2015-08-03"), (dt.date(2016, 2, 29), "2016-02-29"),
                                         (1e-05, "0.00001"), (" Алматы ", " Алматы ")])
def test_cell_values_as_the_csv_would_hold_them(value, text):
    assert cell_text(value) == text


# --- Excel habits (item 2) -----------------------------------------------------------------------

def raw_path(root, name):
    return root / "raw" / PERIOD / name


def test_decimal_comma_in_a_semicolon_file(data_root):
    path = raw_path(data_root, "regional_assessments.csv")
    text = path.read_text(encoding="utf-8")
    assert "KZ-AKM,1,4,3.3" in text
    path.write_text(text.replace(",", ";").replace("KZ-AKM;1;4;3.3", "KZ-AKM;1;4;3,3"), encoding="utf-8")
    table = load_raw(PERIOD, data_root)["regional_assessments"]
    assert table.loc[(table["oblast"] == "KZ-AKM") & (table["wave"] == 1), "threats"].iloc[0] == 3.3


def test_decimal_comma_in_a_workbook_text_cell(data_root):
    raw_dir = data_root / "raw" / PERIOD
    path = write_workbook(raw_dir, raw_dir / "regional_assessments.xlsx", files=["regional_assessments.csv"])
    book = openpyxl.load_workbook(path)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("threats") + 1, value="3,5")
    book.save(path)
    assert load_raw(PERIOD, data_root)["regional_assessments"]["threats"].iloc[0] == 3.5


def test_decimal_comma_in_a_comma_file_is_refused_with_the_fix(data_root):
    path = raw_path(data_root, "regional_assessments.csv")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("KZ-AKM,1,4,3.3", 'KZ-AKM,1,4,"3,3"'), encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_raw(PERIOD, data_root)
    assert "found '3,3', expected a number from 1 to 5 with a decimal point (3.5)" in error.value.report()


def test_trailing_empty_rows_and_columns_are_ignored(data_root):
    path = raw_path(data_root, "media_outlets.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    width = lines[0].count(",")
    lines = [line + ",,," for line in lines] + ["," * (width + 3)] * 4 + [""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(load_raw(PERIOD, data_root)["outlets"]) == 114


def test_a_column_with_values_but_no_name_is_refused(data_root):
    path = raw_path(data_root, "media_outlets.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + ",,"] + [line + ",,x" if i == 3 else line + ",," for i, line in enumerate(lines[1:], start=2)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_raw(PERIOD, data_root)
    message = error.value.report()
    assert "media_outlets.csv, row 1: found 'column E', expected a name in the header for every column that holds values" in message


def test_a_title_row_above_the_header_is_named_and_rows_keep_their_numbers(data_root):
    path = raw_path(data_root, "incidents_violations.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[8].split(",")  # row 9
    cells[header.index("place")] = "Алмата"
    lines[8] = ",".join(cells)
    path.write_text("Журнал нарушений, 2015-2016\n" + "\n".join(lines) + "\n", encoding="utf-8")
    with pytest.warns(InputWarning, match=r"row 1 'Журнал нарушений 2015-2016' above the header, which is row 2"):
        with pytest.raises(InputError) as error:
            load_raw(PERIOD, data_root)
    assert "incidents_violations.csv, row 10, column 'place': found 'Алмата'" in error.value.report()


def test_a_title_row_in_a_workbook(data_root):
    raw_dir = data_root / "raw" / PERIOD
    write_workbook(raw_dir, raw_dir / f"{PERIOD}.xlsx", files=["media_outlets.csv"], title="СМИ — мониторинг")
    with pytest.warns(InputWarning, match="row 1 'СМИ — мониторинг' above the header"):
        assert len(load_raw(PERIOD, data_root)["outlets"]) == 114


def test_tab_separated_utf16_unicode_text_is_read(data_root):
    """Excel's 'Unicode text' export: UTF-16 with a byte-order mark, tab separated, decimal commas."""
    path = raw_path(data_root, "regional_assessments.csv")
    text = path.read_text(encoding="utf-8")
    lines = [line.replace(",", "\t") for line in text.splitlines()]
    lines = [line.replace("\t3.3\t", "\t3,3\t", 1) for line in lines]
    path.write_bytes("\r\n".join(lines).encode("utf-16") + "\r\n".encode("utf-16-le"))
    before = load_raw(PERIOD, copy_raw(data_root.parent / "csv"))["regional_assessments"]
    pd.testing.assert_frame_equal(load_raw(PERIOD, data_root)["regional_assessments"], before)


def test_a_file_name_in_another_letter_case_is_found(data_root):
    raw_dir = data_root / "raw" / PERIOD
    before = load_raw(PERIOD, data_root)["outlets"]
    (raw_dir / "media_outlets.csv").rename(raw_dir / "Media_Outlets.CSV")
    pd.testing.assert_frame_equal(load_raw(PERIOD, data_root)["outlets"], before)
    assert raw_dir / "Media_Outlets.CSV" in load_period(PERIOD, data_root).known_files()


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_opened(data_root, monkeypatch):
    """A zip bomb: a few hundred KB that unpack to 300 MB of sheet. Refused from the archive's
    directory, without openpyxl reading a cell."""
    import zipfile

    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("the workbook was opened"))
    path = data_root / "raw" / PERIOD / "incidents_violations.xlsx"
    (data_root / "raw" / PERIOD / "incidents_violations.csv").unlink()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            for _ in range(300):
                sheet.write(b"<c/>" * 250_000)
    assert path.stat().st_size < 2e6
    with pytest.raises(InputError) as error:
        load_raw(PERIOD, data_root)
    assert "incidents_violations.xlsx" in error.value.report() and "300 MB once unpacked" in error.value.report()
    assert "a workbook of at most 200 MB unpacked" in error.value.report()


@pytest.mark.parametrize("name,fix", [(f"{PERIOD} (1).xlsx", "rename it so"),
                                      (f"{PERIOD}.ods", "save it as 'Excel Workbook (.xlsx)' under that name")])
def test_the_periods_workbook_under_another_name_is_pointed_at(data_root, name, fix):
    raw_dir = data_root / "raw" / PERIOD
    write_workbook(raw_dir, raw_dir / name)
    with pytest.raises(InputError) as error:
        load_raw(PERIOD, data_root)
    missing = [str(p) for p in error.value.problems if "this file to exist" in p.expected]
    assert missing and all(f"found {name}: the period's workbook is read only as {PERIOD}.xlsx: {fix}" in m for m in missing)


def test_merged_cells_and_a_hidden_sheet_are_refused_with_the_fix(data_root):
    raw_dir = data_root / "raw" / PERIOD
    write_workbook(raw_dir, raw_dir / "incidents_violations.xlsx", files=["incidents_violations.csv"])
    path = raw_dir / "incidents_violations.xlsx"
    book = openpyxl.load_workbook(path)
    book.active.merge_cells("B5:B7")  # one case's three violations, its id written once
    book.save(path)
    with pytest.raises(InputError) as error:
        load_raw(PERIOD, data_root)
    assert "sheet 'incidents_violations', row 5: found 'merged cells B5:B7', expected one value in each cell" in error.value.report()

    book = openpyxl.load_workbook(path)  # the sheet kept, hidden, beside the copy the observer filled in
    book.active.unmerge_cells("B5:B7")
    book.active.sheet_state = "hidden"
    book.create_sheet("incidents_violations (2)")
    book.save(path)
    with pytest.raises(InputError) as error:
        load_raw(PERIOD, data_root)
    assert "sheet 'incidents_violations': found 'a hidden sheet', expected a visible sheet" in error.value.report()


def test_a_formula_without_a_saved_result_is_refused_not_read_as_empty(data_root):
    """openpyxl (like other programs that do not calculate) saves a formula without its result:
    read as an empty cell it would silently become 'no answer'."""
    raw_dir = data_root / "raw" / PERIOD
    write_workbook(raw_dir, raw_dir / "regional_assessments.xlsx", files=["regional_assessments.csv"])
    path = raw_dir / "regional_assessments.xlsx"
    book = openpyxl.load_workbook(path)
    book.active["D3"] = "=2+1"
    book.save(path)
    with pytest.raises(InputError) as error:
        load_raw(PERIOD, data_root)
    assert ("sheet 'regional_assessments', row 3: found 'formulas without a saved result in D3', expected values: open the "
            "workbook in Excel or LibreOffice and save it again") in error.value.report()
