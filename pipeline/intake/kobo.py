"""KoboToolbox / ODK Collect: XLSForms generated from the codebook, and Kobo's exports of submissions
brought into a period's raw files (issue 15, item 4).

`write_forms(folder)` writes three XLSForms (survey, choices and settings sheets; labels in Russian and
English): the questionnaires of individuals and of organisations, and an incident report (one
submission = one case, with a repeat group of its violations). Every question comes from a codebook
column (pipeline/data/schemas/*.yml), so a form cannot drift from the codebook: its `version` is a
hash of its questions and choices and changes whenever the codebook changes them.

`import_export(period, files)` reads Kobo's exports (XLSX, or CSV with ';' or ',') made with "XML
values and headers", drops Kobo's metadata columns, strips group prefixes (`portrait/gender`),
turns the select-multiple `activity_type` back into the codebook's yes/no columns, assigns the ids
(`IND-001`, `CASE-001`, `VIOL-001`) in submission order, checks the result against the codebook
and writes the codebook CSVs into data/raw/<period>/, never overwriting a file. The shape assumed
is KoboToolbox's as its documentation describes it (README.md, "KoboToolbox / ODK Collect").
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import paths
from pipeline.data.codebook import Codebook, Column, load_codebook
from pipeline.data.errors import InputError, InputWarning, Problem

LANGUAGES = (("ru", "Русский (ru)"), ("en", "English (en)"))
DEFAULT_LANGUAGE = LANGUAGES[0][1]
# Groups of the forms: a codebook part, or the case and its violations
GROUPS = {
    "I": ("portrait", "I. Портрет", "I. Portrait"),
    "II": ("security", "II. Безопасность", "II. Security"),
    "case": ("case", "Случай", "Case"),
}
# columns a person never types: ids are assigned by the import, a violation's case is its submission
ASSIGNED_TYPES = ("id", "ref", "wave")


@dataclass(frozen=True)
class FormSpec:
    key: str
    form_id: str
    book: str
    main: str  # codebook file of a submission
    title_ru: str
    title_en: str
    repeat: str | None = None  # codebook file of the repeat group (one row per repetition)
    repeat_name: str | None = None
    repeat_label: tuple[str, str] = ("", "")

    @property
    def file_name(self) -> str:
        return f"{self.form_id}.xlsx"


FORMS = (
    FormSpec("individuals", "hrd_survey_individuals", "survey", "individuals",
             "Анкета правозащитника (физическое лицо)", "Questionnaire of an individual human rights defender"),
    FormSpec("organizations", "hrd_survey_organizations", "survey", "organizations",
             "Анкета правозащитной организации (НПО)", "Questionnaire of a human rights organization (NGO)"),
    FormSpec("incidents", "hrd_incident_report", "incidents", "cases",
             "Сообщение о случае и нарушениях прав правозащитников", "Report of a case and the violations of HRDs' rights in it",
             repeat="violations", repeat_name="violation", repeat_label=("Нарушение права", "Violation of a right")),
)


@dataclass
class Question:
    """One question of a form: fills one codebook column, or (select_multiple) several yes/no columns."""

    name: str
    type: str  # XLSForm type: integer, decimal, date, text, select_one <list>, select_multiple <list>
    columns: tuple[str, ...]
    label: dict[str, str]
    hint: dict[str, str]
    required: bool = False
    relevant: str = ""
    constraint: str = ""
    constraint_message: dict[str, str] = field(default_factory=dict)
    group: str | None = None
    in_repeat: bool = False
    answers: dict[str, str] = field(default_factory=dict)  # select_multiple: choice name -> codebook column

    @property
    def list_name(self) -> str | None:
        return self.type.split()[1] if self.type.startswith("select_") else None


def latest_division() -> str:
    """The newest administrative division of data/raw/reference/divisions/ (kz_2022)."""
    folder = paths.REPO_ROOT / "data" / "raw" / "reference" / "divisions"
    return sorted(p.stem for p in folder.glob("kz_*.csv") if re.fullmatch(r"kz_\d{4}", p.stem))[-1]


def _reference_dir() -> Path:
    return paths.REPO_ROOT / "data" / "raw" / "reference"


# --- questions from the codebook ------------------------------------------------------------------

ITEM = re.compile(r"^([A-Z][0-9]+[a-z]?)(?:[.:]\s*|\s+|$)(.*)$")


def _labels(column: Column) -> tuple[dict[str, str], dict[str, str]]:
    """Label (the questionnaire's wording, in Russian; the meaning in English) and hint (the meaning)."""
    text = column.question.replace("[reconstructed]", "").strip().strip("«»").strip()
    if text.startswith("assigned by"):  # a code the project gives (observer_id): no questionnaire wording
        return {"ru": column.ru, "en": column.en}, {"ru": "", "en": ""}
    found = ITEM.match(text)
    item, wording = (found.group(1), found.group(2).strip()) if found else (None, text)
    sub_item = found is not None and ":" in text[:len(item) + 1]
    prefix = f"{item}. " if item else ""
    ru = f"{prefix}{column.ru}" if not wording or sub_item else f"{prefix}{wording}"
    return {"ru": ru, "en": f"{prefix}{column.en}"}, {"ru": column.ru, "en": column.en}


def _number_constraint(column: Column) -> tuple[str, dict[str, str]]:
    def shown(v: float) -> str:
        return str(int(v)) if column.type == "integer" or float(v).is_integer() else f"{v:g}"

    low, high = shown(column.min), shown(column.max)
    kind_ru, kind_en = ("целое число", "a whole number") if column.type == "integer" else ("число", "a number")
    return (f". >= {low} and . <= {high}",
            {"ru": f"Введите {kind_ru} от {low} до {high}", "en": f"Enter {kind_en} from {low} to {high}"})


def _list_name(column: Column) -> str:
    if column.codes == "division":
        return "oblast"
    return column.codes.split("/", 1)[1] if column.codes.startswith("reference/") else column.codes


def _question(column: Column, group: str | None, in_repeat: bool) -> Question:
    label, hint = _labels(column)
    condition = column.applies_when()
    relevant = " or ".join(f"${{{condition[0]}}} = '{v}'" for v in condition[1]) if condition else ""
    required = bool(condition) or (column.required and not column.may_be_absent)
    q = Question(column.name, "", (column.name,), label, hint, required, relevant, group=group, in_repeat=in_repeat)
    if column.type == "code":
        q.type = f"select_one {_list_name(column)}"
    elif column.type in ("integer", "number"):
        q.type = "integer" if column.type == "integer" else "decimal"
        q.constraint, q.constraint_message = _number_constraint(column)
    elif column.type == "date":
        q.type = "date"
        q.constraint = ". <= today()"
        q.constraint_message = {"ru": "Дата не может быть позже сегодняшней", "en": "The date cannot be after today"}
    elif column.type == "place":
        q.type = "text"
        q.hint = {"ru": f"{column.ru}. Пишите название полностью, как на карте (Алматы, Усть-Каменогорск)",
                  "en": f"{column.en}. Write the full name as on a map (Almaty, Ust-Kamenogorsk)"}
    elif column.type == "label":
        q.type = "text"
        pattern = column.pattern.replace(r"\d", "[0-9]")
        q.constraint = f"regex(., '{pattern}')"
        example = re.sub(r"\\d\{(\d+)\}", lambda m: "0" * (int(m.group(1)) - 1) + "1", column.pattern.strip("^$"))
        q.constraint_message = {"ru": f"Код вида {example}", "en": f"A code like {example}"}
    else:
        raise ValueError(f"no XLSForm question for codebook type {column.type!r} ({column.name})")
    if column.may_be_absent:
        q.hint = {"ru": f"{q.hint['ru']}. Только если название места носят два места (Аксай)",
                  "en": f"{q.hint['en']}. Only where two places bear the name (Aksai)"}
    return q


def _multi_question(columns: list[Column], group: str | None) -> Question:
    """A multiple-answer item (summary: multi, e.g. activity_type) as one select_multiple."""
    first = columns[0]
    label, _ = _labels(first)  # A1. <the item's wording>
    label["en"] = label["en"].split(": ")[0]  # A1. Kind of activity
    return Question(first.item_name, f"select_multiple {first.item_name}", tuple(c.name for c in columns), label,
                    {"ru": "Можно выбрать несколько ответов", "en": "Several answers may be chosen"},
                    required=all(c.required for c in columns), group=group,
                    answers={c.answer: c.name for c in columns})


def form_questions(spec: FormSpec, book: Codebook | None = None) -> list[Question]:
    """The questions of a form, in the codebook's order; assigned columns (ids, refs) are left out."""
    book = book or load_codebook(spec.book)
    questions = []
    for key, in_repeat in ((spec.main, False), (spec.repeat, True)):
        if key is None:
            continue
        raw = book.files[key]
        done: set[str] = set()
        for column in raw.columns:
            if column.type in ASSIGNED_TYPES or column.name in done:
                continue
            group = spec.repeat_name if in_repeat else (GROUPS[column.part][0] if column.part in GROUPS else
                                                         GROUPS["case"][0] if spec.key == "incidents" else None)
            if column.summary == "multi":
                item = [c for c in raw.columns if c.summary == "multi" and c.item_name == column.item_name]
                done.update(c.name for c in item)
                questions.append(_multi_question(item, group))
            else:
                questions.append(_question(column, group, in_repeat))
    return questions


def assigned_columns(spec: FormSpec, book: Codebook | None = None) -> dict[str, tuple[str, ...]]:
    """Per codebook file of the form, the columns the import fills itself (ids, the case of a violation)."""
    book = book or load_codebook(spec.book)
    return {key: tuple(c.name for c in book.files[key].columns if c.type in ASSIGNED_TYPES)
            for key in (spec.main, spec.repeat) if key}


def _choice_lists(spec: FormSpec, book: Codebook, questions: list[Question], division: str) -> dict[str, list[tuple]]:
    """list name -> [(name, ru, en)] for every select question of the form."""
    lists: dict[str, list[tuple]] = {}
    columns = {c.name: c for key in (spec.main, spec.repeat) if key for c in book.files[key].columns}
    for q in questions:
        name = q.list_name
        if name is None or name in lists:
            continue
        if q.answers:
            lists[name] = [(answer, columns[col].ru.split(": ", 1)[-1], columns[col].en.split(": ", 1)[-1])
                           for answer, col in q.answers.items()]
            continue
        column = columns[q.columns[0]]
        if column.codes == "division":
            units = pd.read_csv(_reference_dir() / "divisions" / f"{division}.csv", dtype=str, keep_default_na=False)
            lists[name] = list(units[["code", "name_ru", "name_en"]].itertuples(index=False, name=None))
        elif column.codes.startswith("reference/"):
            table = pd.read_csv(_reference_dir() / f"{column.codes.split('/', 1)[1]}.csv", dtype=str, keep_default_na=False)
            lists[name] = list(table[["id", "name_ru", "name_en"]].itertuples(index=False, name=None))
        else:
            lists[name] = [(code, text["ru"], text["en"]) for code, text in book.codes[column.codes].items()]
    return lists


def form_sheets(spec: FormSpec, division: str | None = None, book: Codebook | None = None) -> dict[str, list[list[str]]]:
    """The XLSForm of a form as sheets of rows: survey, choices, settings (header row first)."""
    book = book or load_codebook(spec.book)
    division = division or latest_division()
    questions = form_questions(spec, book)
    langs = [name for _, name in LANGUAGES]
    survey_head = (["type", "name"] + [f"label::{n}" for n in langs] + [f"hint::{n}" for n in langs]
                   + ["required", "relevant", "constraint"] + [f"constraint_message::{n}" for n in langs])

    def row(type_, name, label=None, hint=None, required="", relevant="", constraint="", message=None):
        def per_lang(texts):
            return [(texts or {}).get(code, "") for code, _ in LANGUAGES]
        return [type_, name] + per_lang(label) + per_lang(hint) + [required, relevant, constraint] + per_lang(message)

    survey = [survey_head]
    open_group, open_repeat = None, False
    for q in questions:
        if q.in_repeat and not open_repeat:
            if open_group:
                survey.append(row("end_group", ""))
                open_group = None
            survey.append(row("begin_repeat", spec.repeat_name, dict(zip(("ru", "en"), spec.repeat_label))))
            open_repeat = True
        if not q.in_repeat and q.group != open_group:
            if open_group:
                survey.append(row("end_group", ""))
            if q.group:
                key = next(k for k, v in GROUPS.items() if v[0] == q.group)
                survey.append(row("begin_group", q.group, {"ru": GROUPS[key][1], "en": GROUPS[key][2]}))
            open_group = q.group
        survey.append(row(q.type, q.name, q.label, q.hint, "yes" if q.required else "", q.relevant, q.constraint,
                          q.constraint_message))
    if open_repeat:
        survey.append(row("end_repeat", ""))
    elif open_group:
        survey.append(row("end_group", ""))
    choices = [["list_name", "name"] + [f"label::{n}" for n in langs]]
    for name, options in _choice_lists(spec, book, questions, division).items():
        choices += [[name, code, ru, en] for code, ru, en in options]
    digest = hashlib.sha256(json.dumps([survey, choices], ensure_ascii=False).encode("utf-8")).hexdigest()
    settings = [["form_title", "form_id", "version", "default_language"],
                [f"{spec.title_ru} / {spec.title_en}", spec.form_id, digest[:12], DEFAULT_LANGUAGE]]
    return {"survey": survey, "choices": choices, "settings": settings}


def write_forms(folder: Path, division: str | None = None) -> list[Path]:
    """Write the three XLSForms into folder; an existing file is refused (nothing is written then)."""
    import openpyxl

    from pipeline.data.periods import DIVISION_EXPECTED, is_division_name

    division = division or latest_division()
    if not is_division_name(division) or not (_reference_dir() / "divisions" / f"{division}.csv").is_file():
        raise InputError([Problem("forms --division", None, None, division, DIVISION_EXPECTED)])
    folder = Path(folder)
    targets = [folder / spec.file_name for spec in FORMS]
    existing = [t for t in targets if os.path.lexists(t)]  # a dangling link too: writing would follow it
    if existing:
        raise InputError([Problem(str(t), None, None, None, "no file of this name: forms never overwrite a file "
                                  "(move it away or choose another folder)") for t in existing])
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".forms-{os.getpid()}.probe"  # writable? asked before the first form is written
        probe.touch()
        probe.unlink()
    except OSError as error:
        what = "a folder (this is a file)" if folder.exists() and not folder.is_dir() else "a folder this user can write"
        raise InputError([Problem(str(folder), None, None, None, f"{what} ({error.strerror})")]) from None
    for spec, target in zip(FORMS, targets):
        book = openpyxl.Workbook()
        book.remove(book.active)
        for name, rows in form_sheets(spec, division).items():
            sheet = book.create_sheet(name)
            for r in rows:
                sheet.append(r)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        book.save(tmp)
        _publish(tmp, target)
    return targets


def _publish(tmp: Path, target: Path) -> None:
    """Move a finished temporary file to its name, atomically and never over an existing file."""
    try:
        try:
            os.link(tmp, target)  # fails if target exists: no window in which another file is overwritten
        except FileExistsError:
            raise InputError([Problem(str(target), None, None, None,
                                      "no file of this name (it appeared while writing); nothing was overwritten")]) from None
        except OSError:  # a file system without hard links
            if target.exists():
                raise InputError([Problem(str(target), None, None, None, "no file of this name")]) from None
            os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


# --- Kobo's exports into a period's raw files --------------------------------------------------------

# Columns Kobo adds to an export (its metadata), dropped: those starting with '_' (_id, _uuid,
# _submission_time, _validation_status, _notes, _status, _submitted_by, _tags, _index, _parent_index,
# _parent_table_name, _submission__uuid, __version__, ...), the form's `meta/` and `formhub/` fields
# and the metadata questions Kobo's form builder adds (start, end, today, deviceid, ...).
META_QUESTIONS = frozenset({"start", "end", "today", "deviceid", "username", "simserial", "subscriberid",
                            "phonenumber", "audit", "instanceID", "instanceName", "rootUuid", "deprecatedID",
                            "background-audio", "start-geopoint", "email"})
META_GROUPS = frozenset({"meta", "formhub"})
DOCS = "https://support.kobotoolbox.org/export_download.html"


def is_meta(header: str) -> bool:
    parts = header.split("/")
    return parts[-1].startswith("_") or parts[0] in META_GROUPS or header in META_QUESTIONS


@dataclass
class ExportTable:
    """A sheet of a Kobo XLSX export, or a Kobo CSV export: cells as stripped strings."""

    name: str  # how messages name it: file, or file and sheet
    frame: pd.DataFrame  # index: the spreadsheet's row number minus 2
    path: Path  # the export file

    @property
    def is_repeat(self) -> bool:
        return "_parent_index" in self.frame.columns


def read_export(path: Path) -> list[ExportTable]:
    """Every table of an export file: each sheet of an XLSX workbook, or the CSV file."""
    from pipeline.data.sources import WORKBOOK_SUFFIXES, Source, sheet_names
    from pipeline.data.validation import read_csv_table, read_sheet

    path = Path(path)
    if not path.is_file():
        raise InputError([Problem(str(path), None, None, None, "a Kobo export file (XLSX or CSV) that exists")])
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        tables = [read_sheet(Source(path, sheet), frozenset()) for sheet in sheet_names(path)]
    elif path.suffix.lower() in (".csv", ".txt"):
        tables = [read_csv_table(path)]
    else:
        raise InputError([Problem(str(path), None, None, path.suffix, f"a Kobo export as XLSX or CSV ({DOCS})")])
    problems = [p for t in tables for p in t.problems]
    if problems:
        raise InputError(problems)
    return [ExportTable(t.name, t.frame, path) for t in tables if len(t.frame.columns)]


@dataclass
class _Resolved:
    fields: dict[str, str]  # question name -> header (its answer column)
    details: dict[str, dict[str, str]]  # select_multiple name -> {choice: header} (Kobo's 1/0 columns)
    personal: list[str]
    unknown: list[str]


def _resolve(headers, questions: list[Question], personal: frozenset[str]) -> _Resolved:
    """Which question each header answers: its last segment after the group prefixes, or for Kobo's
    separate select-multiple columns `group/question/choice`, the question and the choice."""
    names = {q.name: q for q in questions}
    out = _Resolved({}, {}, [], [])
    for header in headers:
        if is_meta(header):
            continue
        parts = header.split("/")
        if parts[-1] in names and parts[-1] not in out.fields:
            out.fields[parts[-1]] = header
        elif len(parts) >= 2 and parts[-2] in names and parts[-1] in names[parts[-2]].answers:
            out.details.setdefault(parts[-2], {})[parts[-1]] = header
        elif parts[-1] in personal:
            out.personal.append(header)
        else:
            out.unknown.append(header)
    return out


def _which_form(table: ExportTable, personal: dict[str, frozenset[str]], unknown_allowed=lambda known: 0
                ) -> tuple[FormSpec, _Resolved] | None:
    """The form whose questions the table answers (the repeat's questions for a repeat sheet): the
    one answering most columns, unless another answers as many. unknown_allowed(known): how many
    columns may be no question of it (none, for reading; a few, for naming them in a message)."""
    best = []
    for spec in FORMS:
        if table.is_repeat and not spec.repeat:
            continue
        questions = [q for q in form_questions(spec) if q.in_repeat == table.is_repeat]
        resolved = _resolve(table.frame.columns, questions, personal[spec.book])
        score = len(resolved.fields) + len(resolved.details)
        if score and len(resolved.unknown) <= unknown_allowed(score):
            best.append((score, spec, resolved))
    if not best:
        return None
    best.sort(key=lambda b: -b[0])
    if len(best) > 1 and best[0][0] == best[1][0]:
        return None
    return best[0][1], best[0][2]


def _nearest_form(table: ExportTable, personal: dict[str, frozenset[str]]) -> tuple[FormSpec, list[str]] | None:
    """The form whose questions are most of the table's columns, and the columns it lacks (a few at
    most: else the table is not an export of that form)."""
    found = _which_form(table, personal, unknown_allowed=lambda known: max(3, known // 5))
    return (found[0], list(found[1].unknown)) if found else None


@dataclass
class _Rows:
    """Rows for one codebook file, and where each came from (for messages)."""

    rows: list[dict] = field(default_factory=list)
    origin: list[tuple[str, int]] = field(default_factory=list)  # (export table, spreadsheet row)
    keys: list[str] = field(default_factory=list)  # (submission) _index or _uuid, linking repeats to it


def _int_text(value: str) -> str:
    return value[:-2] if re.fullmatch(r"[+-]?[0-9]+\.0", value) else value


def _answers(table: ExportTable, questions: list[Question], resolved: _Resolved, problems: list[Problem]) -> list[dict]:
    """Codebook columns of each row of the table."""
    out = []
    for i, row in table.frame.iterrows():
        values = {}
        for q in questions:
            if q.answers:  # select_multiple -> one yes/no column per answer
                header = resolved.fields.get(q.name)
                chosen = row[header].split() if header else []
                if not chosen and q.name in resolved.details:
                    chosen = [c for c, h in resolved.details[q.name].items() if row[h] in ("1", "1.0", "True", "TRUE")]
                    answered = any(row[h] != "" for h in resolved.details[q.name].values())
                else:
                    answered = bool(chosen)
                for token in chosen:
                    if token not in q.answers:
                        problems.append(Problem(table.name, i + 2, header, token, f"one of {', '.join(q.answers)} "
                                                f"(export with 'XML values and headers', {DOCS})"))
                for answer, column in q.answers.items():
                    values[column] = ("yes" if answer in chosen else "no") if answered else ""
                continue
            header = resolved.fields.get(q.name)
            value = row[header] if header else ""
            values[q.columns[0]] = _int_text(value) if q.type == "integer" else value
        out.append(values)
    return out


def _order(table: ExportTable) -> list:
    """The table's rows in submission order: by Kobo's _index when there is one, else as written."""
    if "_index" in table.frame.columns:
        index = pd.to_numeric(table.frame["_index"], errors="coerce")
        if index.notna().all():
            return list(index.sort_values(kind="stable").index)
    return list(table.frame.index)


def convert_exports(files: list[Path]) -> tuple[dict[str, pd.DataFrame], dict[str, list[tuple[str, int]]]]:
    """The codebook files (key -> table, in the codebook's columns) that Kobo exports hold, and where
    each row came from. InputError naming every table that is not an export of these forms."""
    personal = {spec.book: load_codebook(spec.book).personal_names for spec in FORMS}
    problems: list[Problem] = []
    mains: list[tuple[ExportTable, FormSpec, _Resolved]] = []
    repeats: list[tuple[ExportTable, FormSpec, _Resolved]] = []
    for path in files:
        for table in read_export(path):
            if table.frame.empty:
                continue
            found = _which_form(table, personal)
            if found is None:
                nearest = _nearest_form(table, personal)
                if nearest is not None:  # the form it almost is: name the columns it does not have
                    spec, unknown = nearest
                    problems.append(Problem(table.name, 1, ", ".join(unknown), None,
                                            f"only columns of the form {spec.form_id} (every other column of this sheet is one "
                                            "of its questions): remove these, or add them to the form and the codebook; "
                                            "export with 'XML values and headers'"))
                    continue
                headers = [h for h in table.frame.columns if not is_meta(h)]
                problems.append(Problem(table.name, 1, None, ", ".join(headers[:6]) + (", ..." if len(headers) > 6 else ""),
                                        "the columns of one of the forms hrd-bulletin forms writes (individuals, "
                                        "organizations, incident report), exported from KoboToolbox with 'XML values "
                                        f"and headers' ({DOCS}); a column no form has is named here as found"))
                continue
            spec, resolved = found
            if resolved.personal:
                warnings.warn(f"{table.name}: columns {', '.join(resolved.personal)} are personal data (the codebook's "
                              f"list): left out of the raw files", InputWarning, stacklevel=2)
            (repeats if table.is_repeat else mains).append((table, spec, resolved))
    if problems:
        raise InputError(problems)
    if not mains:
        raise InputError([Problem(", ".join(map(str, files)), None, None, None,
                                  "at least one export of submissions (the main sheet of a form's export)")])
    collected: dict[str, _Rows] = {}
    parents: dict[tuple[str, str], tuple[str, str]] = {}  # (form, _index or _uuid of the submission) -> (key, id)
    for table, spec, resolved in mains:
        questions = [q for q in form_questions(spec) if not q.in_repeat]
        missing = [q.name for q in questions if q.required and q.name not in resolved.fields and q.name not in resolved.details]
        for name in missing:
            problems.append(Problem(table.name, 1, name, None, f"this question's column (the form {spec.form_id} asks it; "
                                    "was it removed from the form, or left out of the export's questions?)"))
        answers = _answers(table, questions, resolved, problems)
        rows = collected.setdefault(spec.main, _Rows())
        if not {"_uuid", "_index"} & set(table.frame.columns):
            warnings.warn(f"{table.name}: no _uuid or _index column (Kobo's submission ids): a submission given twice "
                          "cannot be recognised; export with them, as KoboToolbox does by default", InputWarning, stacklevel=2)
        for i in _order(table):
            rows.rows.append(answers[table.frame.index.get_loc(i)])
            rows.origin.append((table.name, i + 2))
            uuid = table.frame.at[i, "_uuid"] if "_uuid" in table.frame.columns else ""
            index = table.frame.at[i, "_index"] if "_index" in table.frame.columns else ""
            # without Kobo's _uuid and _index each row is a submission of its own (said once, below)
            rows.keys.append(uuid or (f"{table.name}#{index}" if index else f"{table.name}, row {i + 2}"))
            for key in filter(None, (uuid and f"uuid:{uuid}", index and f"index:{table.path}:{index}")):
                parents[spec.form_id, key] = (spec.main, len(rows.rows) - 1)
    problems += _duplicates(collected)
    for table, spec, resolved in repeats:
        questions = [q for q in form_questions(spec) if q.in_repeat]
        answers = _answers(table, questions, resolved, problems)
        rows = collected.setdefault(spec.repeat, _Rows())
        frame = table.frame
        for i in _order(table):
            uuid = frame.at[i, "_submission__uuid"] if "_submission__uuid" in frame.columns else ""
            link = f"uuid:{uuid}" if uuid else f"index:{table.path}:{frame.at[i, '_parent_index']}"
            parent = parents.get((spec.form_id, link))
            if parent is None:
                problems.append(Problem(table.name, i + 2, "_parent_index", frame.at[i, "_parent_index"],
                                        f"the _index of a submission in the main sheet of the same export ({DOCS})"))
                continue
            rows.rows.append({**answers[frame.index.get_loc(i)], "_parent": parent[1]})
            rows.origin.append((table.name, i + 2))
            rows.keys.append("")
    if problems:
        raise InputError(problems)
    return _with_ids(collected)


def _duplicates(collected: dict[str, _Rows]) -> list[Problem]:
    problems = []
    for rows in collected.values():
        seen: dict[str, tuple[str, int]] = {}
        for key, origin in zip(rows.keys, rows.origin):
            if key in seen:
                problems.append(Problem(origin[0], origin[1], "_uuid", key, f"each submission once: it is also "
                                        f"{seen[key][0]}, row {seen[key][1]} (give each export once)"))
            seen.setdefault(key, origin)
    return problems


def _with_ids(collected: dict[str, _Rows]) -> tuple[dict[str, pd.DataFrame], dict[str, list[tuple[str, int]]]]:
    """Assign the ids (prefix and a number from 001, in submission order) and the violations' case."""
    tables, origins = {}, {}
    ids: dict[str, list[str]] = {}
    for spec in FORMS:
        for key in (spec.main, spec.repeat):
            if key is None or key not in collected:
                continue
            raw = load_codebook(spec.book).files[key]
            rows = collected[key]
            width = max(3, len(str(len(rows.rows))))
            ids[key] = [f"{raw.id_prefix}-{n:0{width}d}" for n in range(1, len(rows.rows) + 1)]
            frame = pd.DataFrame(rows.rows, columns=[c.name for c in raw.columns if c.type not in ASSIGNED_TYPES]
                                 + (["_parent"] if key == spec.repeat else []))
            for column in raw.columns:
                if column.type == "id":
                    frame[column.name] = ids[key]
                elif column.type == "ref":
                    target_file, _ = column.ref.split(".")
                    frame[column.name] = [ids[target_file][p] for p in frame["_parent"]]
            tables[key] = frame[[c.name for c in raw.columns]].fillna("")
            origins[key] = rows.origin
    return tables, origins


def import_export(period_id: str, files: list[Path], data_root=None) -> list[Path]:
    """Bring Kobo exports into data/raw/<period>/: the codebook CSVs of the submissions, checked
    against the codebook before anything is written; an existing file is never overwritten."""
    from pipeline.data.codebook import all_files
    from pipeline.data.io import load_division
    from pipeline.data.periods import load_period, period_folder
    from pipeline.data.sources import Source, sources
    from pipeline.data.validation import Context, check_references, validate_file

    folder = period_folder(paths.data_root(data_root), period_id)
    if not (folder / "period.yml").is_file():
        raise InputError([Problem(str(folder / "period.yml"), None, None, None,
                                  "the period's period.yml before its data is imported: copy "
                                  "data/raw/2015-08_2016-04/period.yml into the folder and set its id, "
                                  "bulletin_number, title, first_day, last_day, division, data_origin (observed), "
                                  "previous_period and waves")])
    period = load_period(period_id, data_root)
    tables, origins = convert_exports(files)
    contracts = all_files()
    targets = {key: folder / contracts[key][1].file for key in tables}
    existing = [(key, found) for key in tables for found in sources(folder, [contracts[key][1].file])]
    if existing:
        raise InputError([Problem(str(found), None, None, None,
                                  f"no {contracts[key][1].file} in the period yet: import never overwrites a file "
                                  "(move it away to import again)") for key, found in existing])
    context = Context(period=period, reference_dir=period.reference_dir, division_codes=set(load_division(period)["code"]))
    temporary = {key: folder / f".kobo-import-{os.getpid()}-{targets[key].name}" for key in tables}
    try:
        problems, typed = [], {}
        for key, frame in tables.items():
            frame.to_csv(temporary[key], index=False, lineterminator="\n", encoding="utf-8")
            book, raw = contracts[key]
            try:
                typed[key] = validate_file(Source(temporary[key]), raw, book, context)
            except InputError as exc:
                problems += exc.problems
        problems += check_references(typed, {k: contracts[k] for k in typed}, folder,
                                     {k: str(temporary[k]) for k in typed})
        if problems:
            raise InputError([_in_export(p, temporary, targets, origins) for p in problems])
        for key in tables:
            _publish(temporary[key], targets[key])
    finally:
        for path in temporary.values():
            path.unlink(missing_ok=True)
    return [targets[key] for key in tables]


def _in_export(problem: Problem, temporary: dict[str, Path], targets: dict[str, Path],
               origins: dict[str, list[tuple[str, int]]]) -> Problem:
    """A problem of a file about to be written, said of the export row it came from."""
    key = next((k for k, p in temporary.items() if problem.file == str(p)), None)
    if key is None:
        return problem
    if problem.row is None or problem.row < 2 or problem.row - 2 >= len(origins[key]):
        return Problem(f"{targets[key]} (from the Kobo export)", problem.row, problem.column, problem.value, problem.expected)
    name, row = origins[key][problem.row - 2]
    return Problem(f"{name} (for {targets[key].name})", row, problem.column, problem.value, problem.expected)
