"""Raw files that break the codebook's contract are refused with every problem named at once."""
from __future__ import annotations

import pytest

from pipeline.data.errors import InputError
from pipeline.data.io import load_raw
from pipeline.data.periods import load_period

PERIOD = "2015-08_2016-04"


def edit(data_root, name, old, new, count=1):
    path = data_root / "raw" / PERIOD / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


def problems(data_root):
    with pytest.raises(InputError) as error:
        load_raw(PERIOD, data_root)
    return error.value.problems


def test_shipped_raw_data_is_valid():
    tables = load_raw(PERIOD)
    assert (len(tables["individuals"]), len(tables["organizations"])) == (79, 52)


def test_all_problems_of_all_files_at_once(data_root):
    edit(data_root, "survey_individuals.csv", ",female,", ",femal,")
    edit(data_root, "survey_organizations.csv", "ORG-002,", "ORG-001,")
    found = problems(data_root)
    assert any(p.file.endswith("survey_individuals.csv") and p.column == "gender" and p.value == "femal"
               and "female" in p.expected for p in found)
    dup = [p for p in found if p.column == "respondent_id"]
    assert dup and dup[0].row == 3 and "row 2" in dup[0].expected


def test_message_names_file_row_column_value_and_expectation(data_root):
    edit(data_root, "survey_organizations.csv", "ORG-003,KZ-", "ORG-003,XX-")
    text = str(next(p for p in problems(data_root) if p.column == "oblast"))
    assert "survey_organizations.csv, row 4, column 'oblast': found 'XX-" in text and "expected one of KZ-AKM" in text


def test_misspelled_column_gets_a_suggestion(data_root):
    edit(data_root, "survey_individuals.csv", ",nationality,", ",nationalty,")
    found = problems(data_root)
    assert any(p.column == "nationalty" and "nationality" in p.expected for p in found)
    assert any(p.column == "nationality" and "header" in p.expected for p in found)


def test_non_numeric_and_out_of_range_counts(data_root):
    path = data_root / "raw" / PERIOD / "survey_organizations.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("projects_per_year")] = "three"
    cells[header.index("threats")] = "-2"
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = {p.column: p for p in problems(data_root)}
    assert found["projects_per_year"].row == 2 and "whole number" in found["projects_per_year"].expected
    assert found["threats"].value == "-2"


def test_conditional_item_must_follow_its_condition(data_root):
    path = data_root / "raw" / PERIOD / "survey_individuals.csv"
    text = path.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if ",no,," in line)  # no appeal, empty result
    path.write_text(text.replace(row, row.replace(",no,,", ",no,no_measures,", 1)), encoding="utf-8")
    assert any(p.column == "law_enforcement_result" and "empty" in p.expected for p in problems(data_root))


def test_codes_are_case_and_space_insensitive(data_root):
    edit(data_root, "survey_individuals.csv", ",female,", ", Female ,")
    assert len(load_raw(PERIOD, data_root)["individuals"]) == 79


def test_period_yml_missing_field(data_root):
    edit(data_root, "period.yml", "division: kz_2015", "divison: kz_2015")
    with pytest.raises(InputError) as error:
        load_period(PERIOD, data_root)
    assert any(p.column == "division" for p in error.value.problems)
    assert "period.yml" in str(error.value)


def test_file_in_an_unknown_encoding_is_refused_clearly(data_root):
    """UTF-16 without its byte-order mark is neither UTF-8 nor Windows-1251: refused, not guessed
    (with its mark, Excel's "Unicode text", it is read: tests/test_workbooks.py)."""
    path = data_root / "raw" / PERIOD / "survey_individuals.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16-le"))
    found = problems(data_root)
    assert any("UTF-8" in p.expected and "save the file as 'CSV UTF-8'" in p.expected for p in found)


def test_personal_columns_are_dropped_when_read(data_root):
    path = data_root / "raw" / PERIOD / "survey_individuals.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + ",full_name,phone"] + [line + ",Test Person,+7 700 000 00 00" for line in lines[1:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = load_raw(PERIOD, data_root)["individuals"]
    assert "full_name" not in table.columns and "phone" not in table.columns
