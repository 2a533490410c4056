"""The data-entry workbook observers fill in (`hrd-bulletin template`, issue 15, item 3): generated
from the codebook, and bulletin No. 5's raw data filled into it gives the same tables as its CSV files."""
from __future__ import annotations

import datetime as dt
import shutil

import openpyxl
import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.data.codebook import all_files
from pipeline.data.errors import InputError
from pipeline.data.io import load_raw
from pipeline.data.periods import load_period
from pipeline.data.validation import Context, read_csv_strings
from pipeline.intake.template import GUIDE_SHEET, LISTS_SHEET, MARK, sheet_name, template_bytes, write_template
from tests.conftest import PERIOD, copy_raw
from tests.test_workbooks import assert_same_tables

NEW = "2016-05_2017-01"  # a new period folder holding bulletin No. 5's data, as an observer's workbook
CODED = ("code", "wave", "place", "ref")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / f"{PERIOD}.template.xlsx"
    path.write_bytes(template_bytes(load_period(PERIOD)))
    return openpyxl.load_workbook(path)


def validations(sheet) -> dict[str, object]:
    """column letter -> its data validation (each covers one whole column below the header)."""
    found = {}
    for validation in sheet.data_validations.dataValidation:
        (cells,) = str(validation.sqref).split()
        first, last = cells.split(":")
        assert first.rstrip("0123456789") == last.rstrip("0123456789") and first.endswith("2") and last.endswith("1048576")
        found[first.rstrip("0123456789")] = validation
    return found


def test_a_sheet_per_codebook_file_with_its_header_and_no_personal_columns(template):
    files = all_files()
    assert template.sheetnames == [GUIDE_SHEET] + [sheet_name(raw) for _, raw in files.values()] + [LISTS_SHEET]
    assert template[LISTS_SHEET].sheet_state == "hidden" and template.active.title == GUIDE_SHEET
    personal = set().union(*(book.personal_names for book, _ in files.values()))
    for _, raw in files.values():
        sheet = template[sheet_name(raw)]
        header = [c.value for c in sheet[1]]
        assert header == [c.name for c in raw.columns]
        assert not set(header) & personal
        assert sheet.max_row == 1 and sheet.freeze_panes == "A2"
    assert template.properties.category == MARK


def test_every_coded_column_has_a_drop_down_and_numbers_and_days_their_range(template):
    period = load_period(PERIOD)
    lists = template[LISTS_SHEET]
    for book, raw in all_files().values():
        sheet = template[sheet_name(raw)]
        found = validations(sheet)
        for position, column in enumerate(raw.columns, start=1):
            letter = openpyxl.utils.get_column_letter(position)
            validation = found[letter]
            assert validation.prompt and validation.showInputMessage, column.name
            if column.type in CODED:
                assert validation.type == "list", (raw.file, column.name)
                target, cells = validation.formula1.split("!")
                if column.type == "ref":
                    assert target.strip("'") == sheet_name(all_files()[column.ref.split(".")[0]][1])
                    continue
                assert target.strip("'") == LISTS_SHEET
                first, last = cells.replace("$", "").split(":")
                values = [c.value for row in lists[f"{first}:{last}"] for c in row]
                if column.type == "code" and not column.codes.startswith(("division", "reference/")):
                    assert values == list(book.codes[column.codes]), column.name
                elif column.type == "code" and column.codes == "division":
                    assert len(values) == 16 and "KZ-ALA" in values
                elif column.type == "wave":
                    assert values == [1, 2, 3]
                assert validation.errorStyle == ("warning" if column.type == "place" else "stop")
            elif column.type in ("integer", "number"):
                assert validation.type == ("whole" if column.type == "integer" else "decimal")
                assert (float(validation.formula1), float(validation.formula2)) == (column.min, column.max)
            elif column.type == "date":
                assert validation.type == "date"
                first_day = dt.date(1899, 12, 30) + dt.timedelta(days=int(validation.formula1))
                last_day = dt.date(1899, 12, 30) + dt.timedelta(days=int(validation.formula2))
                assert (first_day, last_day) == (period.first_day, period.last_day)
                assert sheet.column_dimensions[letter].number_format == "DD.MM.YYYY"


def test_every_place_of_the_drop_down_is_one_place_of_the_division(template):
    from pipeline.data.gazetteer import Gazetteer

    period = load_period(PERIOD)
    gazetteer = Gazetteer.load(period.reference_dir, period.division)
    header = [c.value for c in template[LISTS_SHEET][1]]
    for name in ("places", "places_and_regions"):
        column = template[LISTS_SHEET][openpyxl.utils.get_column_letter(header.index(name) + 1)]
        names = [c.value for c in column[1:] if c.value]
        assert "Алматы" in names and "Аксай" not in names  # two places bear it: the oblast column decides
        for place in names:
            (found,), _ = gazetteer.places(place)
            assert found.oblast in {"KZ-" + c for c in "AKM AKT ALA ALM AST ATY KAR KUS KZY MAN PAV SEV VOS YUZ ZAP ZHA".split()}
            assert found.city or name == "places_and_regions"


def test_the_guide_explains_every_column_and_code_in_russian_and_english(template):
    text = "\n".join(" | ".join(str(v) for v in row if v is not None)
                     for row in template[GUIDE_SHEET].iter_rows(values_only=True))
    for book, raw in all_files().values():
        for column in raw.columns:
            assert f"{sheet_name(raw)} | {column.name} | {column.ru} | {column.en} | {column.question}" in text
        for codes in book.codes.values():
            for code, label in codes.items():
                assert f"| {code} | {label['ru']} | {label['en']}" in text
    assert "threat_types | court_proceedings | Судебный процесс | Court proceedings" in text  # reference lists too
    assert f"{PERIOD}.xlsx" in text and "hrd-bulletin validate" in text and "ИИН" in text


def test_the_same_period_gives_the_same_bytes():
    period = load_period(PERIOD)
    assert template_bytes(period) == template_bytes(period)


def fill(template_path, raw_dir, target):
    """Bulletin No. 5's raw files, read with the project's own reader (values as written), typed into
    the template as an observer would: codes as text, numbers as numbers, days as dates."""
    book = openpyxl.load_workbook(template_path)
    for _, raw in all_files().values():
        frame = read_csv_strings(raw_dir / raw.file, {c.name for c in raw.columns})
        sheet = book[sheet_name(raw)]
        header = [c.value for c in sheet[1]]
        assert set(frame.columns) <= set(header)
        kinds = {c.name: c.type for c in raw.columns}
        for row, values in enumerate(frame.itertuples(index=False), start=2):
            for name, value in zip(frame.columns, values):
                if value == "":
                    continue
                kind = kinds[name]
                typed = (int(value) if kind in ("integer", "wave") else float(value) if kind == "number"
                         else dt.date.fromisoformat(value) if kind == "date" else value)
                cell = sheet.cell(row=row, column=header.index(name) + 1, value=typed)
                if kind == "date":
                    cell.number_format = "DD.MM.YYYY"
    book.save(target)
    return target


def test_bulletin_5_filled_into_the_template_validates_and_gives_byte_identical_tables(tmp_path):
    """Done when of issue 15: No. 5's raw data filled into the template, in place of the period's
    CSV files, gives byte-identical tables to the CSV period's. (A period id names its months, so
    No. 5's days cannot move to another period's folder.)"""
    csv_root = copy_raw(tmp_path / "csv")
    root = copy_raw(tmp_path / "book")
    folder = root / "raw" / PERIOD
    for _, raw in all_files().values():
        (folder / raw.file).unlink()
    template_path = write_template(load_period(PERIOD, root), tmp_path / f"{PERIOD}.template.xlsx")
    fill(template_path, csv_root / "raw" / PERIOD, folder / f"{PERIOD}.xlsx")

    assert main(["--data-root", str(root), "validate", PERIOD]) == 0
    assert_same_tables(load_period(PERIOD, root), load_period(PERIOD, csv_root), tmp_path)
    period = load_period(PERIOD, root)
    assert folder / f"{PERIOD}.xlsx" in period.known_files()
    assert not {folder / raw.file for _, raw in all_files().values()} & set(period.known_files())


def test_a_blank_template_in_the_raw_folder_is_never_read_as_an_empty_period(tmp_path):
    root = copy_raw(tmp_path / "data")
    raw_dir = root / "raw" / PERIOD
    before = load_raw(PERIOD, root)
    write_template(load_period(PERIOD, root), raw_dir / f"{PERIOD}.template.xlsx")  # beside the CSVs: not read
    after = load_raw(PERIOD, root)
    assert all(before[key].equals(after[key]) for key in before)
    for path in raw_dir.glob("*.csv"):
        if path.name != "published_matrix.csv":
            path.unlink()
    (raw_dir / f"{PERIOD}.template.xlsx").rename(raw_dir / f"{PERIOD}.xlsx")  # blank, under the data's name
    with pytest.raises(InputError) as error:
        load_raw(PERIOD, root)
    assert f"{PERIOD}.xlsx, sheet 'incidents_cases': expected at least one data row below the header" in error.value.report()


def test_the_command_never_overwrites_a_file(tmp_path, monkeypatch, capsys):
    root = copy_raw(tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    assert main(["--data-root", str(root), "template", PERIOD]) == 0
    written = tmp_path / f"{PERIOD}.template.xlsx"
    assert written.is_file() and str(written) in capsys.readouterr().out
    assert main(["--data-root", str(root), "template", PERIOD]) == 2
    assert "expected a new file: template never overwrites a file; add --replace" in capsys.readouterr().err
    assert main(["--data-root", str(root), "template", PERIOD, "--replace"]) == 0  # a blank template: replaced

    notes = tmp_path / "notes.xlsx"  # any other file is never overwritten, --replace or not
    notes.write_bytes(b"observer's own notes")
    assert main(["--data-root", str(root), "template", PERIOD, "--output", str(notes), "--replace"]) == 2
    assert "not a blank template" in capsys.readouterr().err and notes.read_bytes() == b"observer's own notes"

    book = openpyxl.load_workbook(written)  # a template with data in it is data: never overwritten
    book["incidents_cases"]["A2"] = "CASE-0001"
    book.save(written)
    filled = written.read_bytes()
    assert main(["--data-root", str(root), "template", PERIOD, "--replace"]) == 2
    assert written.read_bytes() == filled

    for name in (f"{PERIOD}.xlsx", "incidents_cases.xlsx"):  # names read as data are refused
        assert main(["--data-root", str(root), "template", PERIOD, "--output", str(tmp_path / name)]) == 2
        assert "a name the reader does not take for data" in capsys.readouterr().err
        assert not (tmp_path / name).exists()
    assert main(["--data-root", str(root), "template", "2099-01_2099-09"]) == 2  # no period.yml yet
    assert "period.yml" in capsys.readouterr().err
    shutil.rmtree(root)


def test_the_template_follows_the_periods_division_and_days(tmp_path):
    from pipeline.intake.synthetic import write_period
    from tests.conftest import copy_reference

    root = copy_reference(tmp_path / "data")
    write_period(root, "2023-01_2023-09", division="kz_2022", scale=0.05)
    period = load_period("2023-01_2023-09", root)
    book = openpyxl.load_workbook(write_template(period, tmp_path / "t.template.xlsx"))
    lists = book[LISTS_SHEET]
    header = [c.value for c in lists[1]]
    codes = [c.value for c in lists[openpyxl.utils.get_column_letter(header.index("division_kz_2022") + 1)][1:] if c.value]
    context = Context(period=period, reference_dir=period.reference_dir, division_codes=set())
    assert codes == list(pd.read_csv(period.division_path, dtype=str)["code"]) and len(codes) == 20
    places = [c.value for c in lists[openpyxl.utils.get_column_letter(header.index("places") + 1)][1:] if c.value]
    assert all(context.gazetteer.places(p)[0][0].oblast in codes for p in places)
    date = validations(book["incidents_violations"])["C"]
    assert dt.date(1899, 12, 30) + dt.timedelta(days=int(date.formula1)) == period.first_day


def test_a_template_where_it_cannot_be_written_is_said_and_leaves_nothing(tmp_path, capsys):
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    (tmp_path / "x.template.xlsx").symlink_to(tmp_path / "gone")
    for output, words in ((tmp_path / "a-file" / "x.template.xlsx", "a folder that exists"),
                          (tmp_path / "x.template.xlsx", "a new file: this is a link to a missing file")):
        before = sorted(p.name for p in tmp_path.rglob("*"))
        assert main(["template", PERIOD, "--output", str(output)]) == 2
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err
        assert sorted(p.name for p in tmp_path.rglob("*")) == before and not (tmp_path / "gone").exists()


def test_rows_past_the_drop_downs_of_a_libreoffice_copy_are_checked_all_the_same(tmp_path):
    """LibreOffice 7.4 saves the template's drop-downs for rows 2-1001 only (measured with
    `soffice --convert-to xlsx`): a code typed below them is checked like any other row."""
    root = copy_raw(tmp_path / "data")
    raw_dir = root / "raw" / PERIOD
    frame = pd.read_csv(raw_dir / "media_outlets.csv", dtype=str, keep_default_na=False)
    bad = frame.iloc[[0]].assign(outlet_id="OUT-999", kind="newsletter")  # not a kind of the list
    padding = pd.DataFrame([{c: "" for c in frame.columns}] * (1499 - len(frame)))  # empty rows down to row 1500
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "media_outlets"
    for row in [list(frame.columns), *frame.values.tolist(), *padding.values.tolist(), *bad.values.tolist()]:
        sheet.append(row)
    book.save(raw_dir / "media_outlets.xlsx")
    (raw_dir / "media_outlets.csv").unlink()
    with pytest.raises(InputError) as error:
        load_raw(load_period(PERIOD, root))
    assert "sheet 'media_outlets', row 1501, column 'kind': found 'newsletter'" in error.value.report()
