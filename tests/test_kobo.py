"""KoboToolbox / ODK Collect (issue 15, item 4): XLSForms generated from the codebook convert with
pyxform; exports of submissions in Kobo's shape import into a period that validates and runs."""
from __future__ import annotations

import dataclasses
import datetime as dt
import shutil

import openpyxl
import pandas as pd
import pytest

from pipeline import paths
from pipeline.cli import main
from pipeline.data.codebook import Column, load_codebook
from pipeline.data.errors import InputError
from pipeline.data.io import validate_period
from pipeline.data.periods import load_period
from pipeline.intake import kobo
from tests.conftest import PERIOD, copy_raw, copy_reference
from tests.test_workbooks import all_tables, csv_bytes

pyxform = pytest.importorskip("pyxform.xls2xform")
RAW = paths.REPO_ROOT / "data" / "raw" / PERIOD


@pytest.fixture(scope="module")
def forms(tmp_path_factory):
    folder = tmp_path_factory.mktemp("forms")
    assert main(["forms", str(folder), "--division", "kz_2015"]) == 0
    return {spec.key: folder / spec.file_name for spec in kobo.FORMS}


def sheet(path, name):
    rows = list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], ["" if v is None else v for v in r])) for r in rows[1:]]


def convert(path):
    warnings = []
    result = pyxform.convert(str(path), warnings=warnings, validate=False)
    return result, warnings + list(result.warnings)


@pytest.mark.parametrize("division", ["kz_2015", None])
def test_every_generated_form_converts_with_pyxform_without_warnings(tmp_path, division):
    paths_ = kobo.write_forms(tmp_path, division)
    assert [p.name for p in paths_] == ["hrd_survey_individuals.xlsx", "hrd_survey_organizations.xlsx",
                                        "hrd_incident_report.xlsx"]
    for path in paths_:
        result, warnings = convert(path)
        assert warnings == [], (path.name, warnings)
        assert 'lang="Русский (ru)"' in result.xform and 'lang="English (en)"' in result.xform
        settings = sheet(path, "settings")[0]
        assert settings["form_id"] == path.stem and settings["default_language"] == "Русский (ru)"
        assert set(openpyxl.load_workbook(path).sheetnames) == {"survey", "choices", "settings"}


def test_forms_cover_every_codebook_column_and_no_personal_one(forms):
    for spec in kobo.FORMS:
        book = load_codebook(spec.book)
        survey = sheet(forms[spec.key], "survey")
        choices = sheet(forms[spec.key], "choices")
        names = {r["name"] for r in survey if r["type"] and not r["type"].startswith(("begin_", "end_"))}
        covered = set()
        for r in survey:
            if r["type"].startswith("select_multiple"):
                item = [c for key in (spec.main, spec.repeat) if key for c in book.files[key].columns if c.item_name == r["name"]]
                listed = {c["name"] for c in choices if c["list_name"] == r["type"].split()[1]}
                assert listed == {c.answer for c in item}
                covered |= {c.name for c in item}
            elif r["name"] in names:
                covered.add(r["name"])
        for key in (spec.main, spec.repeat):
            if key is None:
                continue
            wanted = {c.name for c in book.files[key].columns if c.type not in ("id", "ref")}
            assert wanted <= covered, (spec.key, wanted - covered)
        assert not names & book.personal_names
        assert all(r["label::Русский (ru)"] and r["label::English (en)"] for r in survey if r["type"] != "end_group"
                   and not r["type"].startswith("end_"))
        assert all(c["label::Русский (ru)"] and c["label::English (en)"] for c in choices)


def test_a_change_of_the_codebook_changes_the_form_and_its_version(monkeypatch):
    spec = kobo.FORMS[0]
    before = kobo.form_sheets(spec, "kz_2015")
    book = load_codebook("survey")
    extra = Column(name="digital_security_audit", files=("individuals",), type="code", codes="yes_no", ru="Проводил аудит",
                   en="Has had a digital security audit", question="C7. Проводили ли Вы аудит цифровой безопасности?",
                   required=False, part="II", summary="share")
    individuals = dataclasses.replace(book.files["individuals"], columns=book.files["individuals"].columns + (extra,))
    changed = dataclasses.replace(book, files={**book.files, "individuals": individuals})
    monkeypatch.setattr(kobo, "load_codebook", lambda name: changed if name == "survey" else load_codebook(name))
    after = kobo.form_sheets(spec, "kz_2015")
    assert ["select_one yes_no", "digital_security_audit"] == after["survey"][-2][:2]
    assert after["survey"][-2][2] == "C7. Проводили ли Вы аудит цифровой безопасности?"
    assert after["settings"][1][2] != before["settings"][1][2]
    assert kobo.form_sheets(kobo.FORMS[1], "kz_2015")["settings"][1][2] == \
        kobo.form_sheets(kobo.FORMS[1], "kz_2015")["settings"][1][2]  # stable: a hash of the form


def test_forms_never_overwrite(tmp_path, capsys):
    (tmp_path / "hrd_incident_report.xlsx").write_bytes(b"an edited form")
    assert main(["forms", str(tmp_path)]) == 2
    assert "hrd_incident_report.xlsx: expected no file of this name: forms never overwrite" in capsys.readouterr().err
    assert (tmp_path / "hrd_incident_report.xlsx").read_bytes() == b"an edited form"
    assert not (tmp_path / "hrd_survey_individuals.xlsx").exists()


def test_form_constraints_and_conditions_come_from_the_codebook(forms):
    survey = {r["name"]: r for r in sheet(forms["individuals"], "survey")}
    assert survey["experience_years"]["constraint"] == ". >= 0 and . <= 100" and survey["experience_years"]["type"] == "integer"
    assert survey["law_enforcement_result"]["relevant"] == "${law_enforcement_appeal} = 'yes'"
    assert survey["law_enforcement_result"]["required"] == "yes" and survey["self_rated_security"]["required"] == ""
    assert survey["oblast"]["type"] == "select_one oblast"
    incidents = {r["name"]: r for r in sheet(forms["incidents"], "survey")}
    assert incidents["violation"]["type"] == "begin_repeat"
    assert incidents["court_outcome"]["relevant"] == "${court_role} = 'accused' or ${court_role} = 'defendant'"
    assert incidents["place"]["type"] == "text" and incidents["observer_id"]["constraint"] == "regex(., '^OBS-[0-9]{2}$')"
    assert not {"case_id", "violation_id", "respondent_id"} & (set(incidents) | set(survey))


# --- exports in Kobo's shape ---------------------------------------------------------------------

def form_fields(path):
    """(header with group prefixes, header without, question row) of each question, and the repeat's."""
    main_fields, repeat_fields, groups, in_repeat = [], [], [], False
    choices = sheet(path, "choices")
    for r in sheet(path, "survey"):
        kind = r["type"]
        if kind in ("begin_group", "begin_repeat"):
            groups.append(r["name"])
            in_repeat = in_repeat or kind == "begin_repeat"
            continue
        if kind in ("end_group", "end_repeat"):
            groups.pop()
            in_repeat = in_repeat and kind != "end_repeat"
            continue
        target = repeat_fields if in_repeat else main_fields
        target.append(("/".join(groups + [r["name"]]), r["name"], r))
        if kind.startswith("select_multiple"):
            for c in choices:
                if c["list_name"] == kind.split()[1]:
                    target.append(("/".join(groups + [r["name"], c["name"]]), f"{r['name']}/{c['name']}", None))
    return main_fields, repeat_fields


def kobo_cells(fields, record, codebook_columns, groups=True, typed=False):
    """One export row of a codebook row: Kobo's select_multiple summary (space-separated codes) and its
    separate 1/0 columns; numbers and days typed as in Kobo's XLSX export when typed."""
    row = {}
    for grouped, plain, question in fields:
        header = grouped if groups else plain
        if question is None:  # a separate column of a select_multiple: 1 chosen, 0 not
            item, answer = plain.split("/")
            column = next(c for c in codebook_columns if c.item_name == item and c.answer == answer)
            row[header] = "1" if record[column.name] == "yes" else "0"
        elif question["type"].startswith("select_multiple"):
            item = [c for c in codebook_columns if c.item_name == question["name"]]
            row[header] = " ".join(c.answer for c in item if record[c.name] == "yes")
        else:
            value = record.get(question["name"], "")
            if typed and value and question["type"] == "integer":
                value = int(value)
            elif typed and value and question["type"] == "date":
                value = dt.datetime.fromisoformat(value)
            row[header] = value
    return row


def kobo_meta(n, version="v1"):
    return {"__version__": version, "_id": 1000 + n, "_uuid": f"4f1c{n:04d}-aaaa-4bbb-8ccc-1234567890ab",
            "_submission_time": f"2016-05-0{1 + n % 9}T10:{n % 60:02d}:00", "_validation_status": "",
            "_notes": "", "_status": "submitted_via_web", "_submitted_by": "observer05", "_tags": "", "_index": n}


def write_xlsx(path, sheets):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        ws.append(list(rows[0]))
        for r in rows:
            ws.append([r[h] for h in rows[0]])
    book.save(path)
    return path


def survey_export_rows(form, key, groups=True, typed=False):
    fields, _ = form_fields(form)
    columns = load_codebook("survey").files[key].columns
    records = pd.read_csv(RAW / load_codebook("survey").files[key].file, dtype=str, keep_default_na=False)
    return [{"start": "2016-04-20T09:00:00.000+06:00", "end": "2016-04-20T09:20:00.000+06:00",
             **kobo_cells(fields, r, columns, groups, typed), **kobo_meta(n)}
            for n, r in enumerate(records.to_dict("records"), start=1)]


def incident_export(form, link="uuid"):
    """The incident log of bulletin No. 5 as Kobo's XLSX export of the incident report: the cases in the
    first sheet (named after the form's title), their violations in the sheet of the repeat group."""
    main_fields, repeat_fields = form_fields(form)
    book = load_codebook("incidents")
    cases = pd.read_csv(RAW / "incidents_cases.csv", dtype=str, keep_default_na=False)
    violations = pd.read_csv(RAW / "incidents_violations.csv", dtype=str, keep_default_na=False)
    main_rows, repeat_rows = [], []
    for n, case in enumerate(cases.to_dict("records"), start=1):
        meta = kobo_meta(n)
        main_rows.append({"start": "", "end": "", **kobo_cells(main_fields, case, book.files["cases"].columns, typed=True),
                          **meta})
        for v in violations[violations["case_id"] == case["case_id"]].to_dict("records"):
            row = {**kobo_cells(repeat_fields, v, book.files["violations"].columns, typed=True),
                   "_index": len(repeat_rows) + 1, "_parent_table_name": "hrd_incident_report", "_parent_index": n}
            if link == "uuid":
                row.update({"_submission__id": meta["_id"], "_submission__uuid": meta["_uuid"],
                            "_submission__submission_time": meta["_submission_time"]})
            repeat_rows.append(row)
    return {"Сообщение о случае и нарушения"[:31]: main_rows, "violation": repeat_rows}, cases


def write_kobo_csv(path, rows):
    """Kobo's CSV export: ';'-separated, every cell quoted."""
    def line(cells):
        return ";".join('"' + str(c).replace('"', '""') + '"' for c in cells)
    path.write_text("\n".join([line(rows[0])] + [line(r.values()) for r in rows]) + "\n", encoding="utf-8")
    return path


def new_period(tmp_path, cases):
    """A data root with No. 5's period.yml, media log and regional assessments; the media log's cases
    renamed as the import numbers them (CASE-001 for the first submission)."""
    root = copy_reference(tmp_path / "data")
    folder = root / "raw" / PERIOD
    folder.mkdir()
    for name in ("period.yml", "media_outlets.csv", "media_materials.csv", "regional_assessments.csv"):
        shutil.copy(RAW / name, folder / name)
    renamed = {case: f"CASE-{i:03d}" for i, case in enumerate(cases["case_id"], start=1)}
    links = pd.read_csv(RAW / "media_material_cases.csv", dtype=str, keep_default_na=False)
    links.assign(case_id=links["case_id"].map(renamed)).to_csv(folder / "media_material_cases.csv", index=False)
    return root


def test_kobo_exports_import_into_a_period_that_validates_and_gives_bulletin_5s_tables(tmp_path, forms, capsys):
    """Done when of item 4: No. 5's questionnaires and incident log as Kobo exports (individuals as
    Kobo's CSV with group prefixes and select-multiple columns, organisations as XLSX without group
    prefixes, the incident report as XLSX with its repeat sheet) import into a period that validates,
    and every table computed from it is byte for byte bulletin No. 5's."""
    exports = tmp_path / "exports"
    exports.mkdir()
    individuals = write_kobo_csv(exports / "hrd_survey_individuals_-_all_versions_-_2016-05-10.csv",
                                 survey_export_rows(forms["individuals"], "individuals"))
    organizations = write_xlsx(exports / "hrd_survey_organizations.xlsx",
                               {"Анкета правозащитной организаци": survey_export_rows(forms["organizations"], "organizations",
                                                                                  groups=False, typed=True)})
    sheets, cases = incident_export(forms["incidents"])
    incidents = write_xlsx(exports / "hrd_incident_report.xlsx", sheets)
    assert 'portrait/activity_type/lawyer' in individuals.read_text(encoding="utf-8").splitlines()[0]
    root = new_period(tmp_path, cases)

    assert main(["--data-root", str(root), "import-kobo", PERIOD, str(individuals), str(organizations), str(incidents)]) == 0
    out = capsys.readouterr()
    folder = root / "raw" / PERIOD
    for name in ("survey_individuals.csv", "survey_organizations.csv", "incidents_cases.csv", "incidents_violations.csv"):
        assert f"wrote {folder / name}" in out.out
    assert not list(folder.glob(".kobo-import-*"))
    imported = pd.read_csv(folder / "survey_individuals.csv", dtype=str, keep_default_na=False)
    original = pd.read_csv(RAW / "survey_individuals.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(imported, original)  # ids, yes/no columns and all, as delivered
    violations = pd.read_csv(folder / "incidents_violations.csv", dtype=str, keep_default_na=False)
    assert violations["violation_id"].iloc[0] == "VIOL-001" and len(violations) == 407

    period = load_period(PERIOD, root)
    tables = validate_period(period, previous_run_required=False)
    assert len(tables["individuals"]) == 79 and len(tables["organizations"]) == 52 and len(tables["cases"]) == 391
    assert main(["--data-root", str(root), "validate", PERIOD]) == 0
    from_kobo = all_tables(period)
    from_csv = all_tables(load_period(PERIOD, copy_raw(tmp_path / "csv")))
    assert set(from_kobo) == set(from_csv)
    assert csv_bytes(from_kobo, tmp_path / "out-kobo") == csv_bytes(from_csv, tmp_path / "out-csv")


@pytest.mark.parametrize("link", ["uuid", "index"])
def test_repeat_sheet_linked_by_submission_uuid_or_parent_index(tmp_path, forms, link):
    sheets, cases = incident_export(forms["incidents"], link)
    path = write_xlsx(tmp_path / "incidents.xlsx", sheets)
    tables, _ = kobo.convert_exports([path])
    original = pd.read_csv(RAW / "incidents_violations.csv", dtype=str, keep_default_na=False)
    renamed = {case: f"CASE-{i:03d}" for i, case in enumerate(cases["case_id"], start=1)}
    by_case = tables["violations"].groupby("case_id").size()
    assert by_case.to_dict() == original.groupby(original["case_id"].map(renamed)).size().to_dict()
    assert list(tables["cases"]["case_id"][:2]) == ["CASE-001", "CASE-002"]
    assert list(tables["cases"].columns) == ["case_id", "observer_id", "reported_on", "information_source"]


def test_select_multiple_from_its_separate_columns_only(tmp_path, forms):
    """Kobo's 'Separate columns' export: only the 1/0 columns of activity_type."""
    rows = survey_export_rows(forms["individuals"], "individuals")
    rows = [{h: v for h, v in r.items() if h != "portrait/activity_type"} for r in rows]
    tables, _ = kobo.convert_exports([write_kobo_csv(tmp_path / "ind.csv", rows)])
    original = pd.read_csv(RAW / "survey_individuals.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(tables["individuals"], original)


def test_import_refuses_to_overwrite_and_needs_period_yml(tmp_path, forms, capsys):
    path = write_kobo_csv(tmp_path / "ind.csv", survey_export_rows(forms["individuals"], "individuals")[:3])
    root = copy_reference(tmp_path / "data")
    assert main(["--data-root", str(root), "import-kobo", PERIOD, str(path)]) == 2
    assert "expected the period's period.yml before its data is imported: copy data/raw/2015-08_2016-04/period.yml" \
        in capsys.readouterr().err
    folder = root / "raw" / PERIOD
    folder.mkdir()
    shutil.copy(RAW / "period.yml", folder / "period.yml")
    (folder / "Survey_Individuals.csv").write_text("an observer's own file\n", encoding="utf-8")
    assert main(["--data-root", str(root), "import-kobo", PERIOD, str(path)]) == 2
    assert "Survey_Individuals.csv: expected no survey_individuals.csv in the period yet: import never overwrites" \
        in capsys.readouterr().err
    assert (folder / "Survey_Individuals.csv").read_text(encoding="utf-8") == "an observer's own file\n"
    (folder / "Survey_Individuals.csv").unlink()
    assert main(["--data-root", str(root), "import-kobo", PERIOD, str(path)]) == 0
    assert len(pd.read_csv(folder / "survey_individuals.csv")) == 3
    assert "note: the period still needs survey_organizations.csv" in capsys.readouterr().err


def test_a_problem_is_named_at_the_export_row_and_nothing_is_written(tmp_path, forms):
    rows = survey_export_rows(forms["organizations"], "organizations", groups=False, typed=True)
    rows[4]["oblast"] = "KZ-XXX"
    path = write_xlsx(tmp_path / "org.xlsx", {"orgs": rows})
    root = new_period(tmp_path, pd.read_csv(RAW / "incidents_cases.csv", dtype=str))
    with pytest.raises(InputError) as error:
        kobo.import_export(PERIOD, [path], root)
    assert f"{path}, sheet 'orgs' (for survey_organizations.csv), row 6, column 'oblast': found 'KZ-XXX'" in error.value.report()
    assert not (root / "raw" / PERIOD / "survey_organizations.csv").exists()
    assert not list((root / "raw" / PERIOD).glob(".kobo-import-*"))


def test_an_export_of_another_form_or_with_labels_is_refused(tmp_path, forms):
    rows = survey_export_rows(forms["individuals"], "individuals")[:2]
    labels = {h: f"Вопрос {i}" for i, h in enumerate(rows[0]) if not h.startswith("_")}  # every question by its label
    labelled = [{labels.get(h, h): v for h, v in r.items()} for r in rows]
    with pytest.raises(InputError) as error:
        kobo.convert_exports([write_kobo_csv(tmp_path / "labels.csv", labelled)])
    assert "expected the columns of one of the forms hrd-bulletin forms writes" in error.value.report()
    assert "'XML values and headers'" in error.value.report()


def test_a_column_the_form_does_not_have_is_named(tmp_path, forms):
    rows = [{**r, "portrait/favourite_colour": "green"} for r in survey_export_rows(forms["individuals"], "individuals")[:2]]
    with pytest.raises(InputError) as error:
        kobo.convert_exports([write_kobo_csv(tmp_path / "ind.csv", rows)])
    assert "column 'portrait/favourite_colour': expected only columns of the form hrd_survey_individuals" in error.value.report()


def test_personal_columns_added_to_a_form_are_left_out(tmp_path, forms):
    rows = survey_export_rows(forms["individuals"], "individuals")[:2]
    rows = [{**r, "full_name": "Плантов Тестолай"} for r in rows]
    with pytest.warns(kobo.InputWarning, match="full_name are personal data"):
        tables, _ = kobo.convert_exports([write_kobo_csv(tmp_path / "ind.csv", rows)])
    assert "full_name" not in tables["individuals"].columns


@pytest.mark.parametrize("where,words", [
    (lambda tmp: tmp / "a-file", "expected a folder (this is a file)"),
    (lambda tmp: tmp / "a-file" / "forms", "expected a folder this user can write"),
    (lambda tmp: (tmp / "links").mkdir() or (tmp / "links" / "hrd_survey_organizations.xlsx").symlink_to(tmp / "gone")
     or tmp / "links", "expected no file of this name"),
])
def test_forms_into_a_place_they_cannot_go_say_so_and_write_nothing(tmp_path, capsys, where, words):
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    folder = where(tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert main(["forms", str(folder)]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before, "no form written before the refusal"


def test_an_export_without_submission_ids_is_read_row_by_row_with_a_warning(tmp_path, forms):
    rows = [{h: v for h, v in r.items() if h not in ("_uuid", "_index")} for r in survey_export_rows(forms["individuals"], "individuals")]
    with pytest.warns(kobo.InputWarning, match="no _uuid or _index column"):
        tables, _ = kobo.convert_exports([write_kobo_csv(tmp_path / "ind.csv", rows)])
    assert len(tables["individuals"]) == len(rows) == len(pd.read_csv(RAW / "survey_individuals.csv"))
