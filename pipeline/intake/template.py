"""The data-entry workbook observers fill in, generated from the codebook (`hrd-bulletin template <period>`).

One sheet per raw file of the codebook, named as the reader expects (`incidents_cases`, ...), row 1
the codebook's column names (personal-data columns are left out: the template has no place for
names, phones, IINs); a drop-down list (Excel data validation) on every coded column, on places
(the gazetteer's names in the period's division) and on references to another sheet's key; whole
numbers, numbers and days checked against the codebook's ranges and the period's days; date columns
shown as dates. The first sheet, `Инструкция`, explains every column in Russian and English with the
question it answers and every code with its labels; a hidden sheet `lists` holds the drop-downs'
values (Excel limits a list typed into a validation to 255 characters). The reader reads only the
sheets named after codebook files, so neither is ever taken for data.

Filled in and saved as `<period id>.xlsx` in `data/raw/<period id>/`, the workbook is the period's
data (pipeline.data.sources). The template itself is written as `<period id>.template.xlsx`, a name
the reader never reads; a blank template under the data's name would be refused all the same (every
sheet needs a data row). The same period gives the same bytes: the times openpyxl stamps into the
file (document properties, zip entries) are fixed.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.data.codebook import Codebook, Column, RawFile, all_files
from pipeline.data.errors import InputError, Problem
from pipeline.data.gazetteer import Gazetteer
from pipeline.data.periods import Period, is_period_id

GUIDE_SHEET = "Инструкция"
LISTS_SHEET = "lists"
MARK = "hrd-bulletin data-entry template"  # the workbook's category property: what --replace may overwrite
FIXED_TIME = dt.datetime(2000, 1, 1)  # document properties and zip entries: the same bytes on every run
LAST_ROW = 1_048_576  # Excel's last row: validations and formats cover the whole column below the header
DATE_FORMAT = "DD.MM.YYYY"
TEXT_FORMAT = "@"  # codes stay text: Excel would read '18-25' or '1-2' as something else
# What one row of each file is, for the guide.
ROW_IS = {
    "individuals": ("одна анкета правозащитника (физического лица)", "one questionnaire of an individual HRD"),
    "organizations": ("одна анкета правозащитной организации", "one questionnaire of a human rights organization"),
    "cases": ("один случай (событие, затронувшее одного или нескольких правозащитников)",
              "one case (an event that befell one or more HRDs)"),
    "violations": ("одно нарушение права в случае", "one violated right in a case"),
    "outlets": ("одно СМИ", "one media outlet"),
    "materials": ("один медиа-материал", "one media material"),
    "material_cases": ("одна пара «материал - случай, который он освещает»", "one pair of a material and a case it covers"),
    "regional_assessments": ("один регион в одну волну", "one region in one wave"),
}


@dataclass(frozen=True)
class Code:
    value: str | int
    ru: str
    en: str


def sheet_name(raw: RawFile) -> str:
    """The sheet the reader looks for: the file's name without .csv."""
    return raw.file.removesuffix(".csv")


class _Lists:
    """The drop-downs' values: one column each of the hidden sheet, referenced by range."""

    def __init__(self, period: Period, gazetteer: Gazetteer):
        self.period, self.gazetteer = period, gazetteer
        self.columns: dict[str, list[Code]] = {}

    def codes(self, book: Codebook, column: Column) -> tuple[str, list[Code]]:
        """(the list's name, its codes with their labels) for a code, wave or place column."""
        period = self.period
        if column.type == "wave":
            name = "wave"
            codes = [Code(int(w["wave"]), f"волна {w['wave']}: {_day(w['first_day'])} - {_day(w['last_day'])}",
                          f"wave {w['wave']}: {_day(w['first_day'])} to {_day(w['last_day'])}") for w in period.waves]
        elif column.type == "place":
            name = "places_and_regions" if column.regions else "places"
            codes = self._places(column.regions)
        elif column.codes == "division":
            name = f"division_{period.division}"
            table = pd.read_csv(period.division_path, dtype=str, keep_default_na=False)
            codes = [Code(r.code, r.name_ru, r.name_en) for r in table.itertuples(index=False)]
        elif column.codes.startswith("reference/"):
            name = column.codes.split("/", 1)[1]
            table = pd.read_csv(period.reference_dir / f"{name}.csv", dtype=str, keep_default_na=False)
            codes = [Code(r.id, r.name_ru, r.name_en) for r in table.itertuples(index=False)]
        else:
            name = column.codes
            codes = [Code(k, v["ru"], v["en"]) for k, v in book.codes[column.codes].items()]
        self.columns.setdefault(name, codes)
        return name, codes

    def _places(self, regions: bool) -> list[Code]:
        """The cities of the gazetteer that lie in the period's division, by their Russian name, and
        (where the column takes them) its regions: only names that stand for one place."""
        gazetteer, found, seen = self.gazetteer, [], set()
        cities = gazetteer.cities.sort_values("name_ru", kind="stable")
        candidates = [(r.name_ru, r.name_ru, r.name_en) for r in cities.itertuples(index=False)]
        if regions:
            division = pd.read_csv(self.period.division_path, dtype=str, keep_default_na=False)
            candidates += [(r.name_ru, f"{r.name_ru} (вся область)", f"{r.name_en} (the region as a whole)")
                           for r in division.itertuples(index=False) if r.kind != "city"]
        for name, ru, en in candidates:
            places, _ = gazetteer.places(name)
            if name in seen or len(places) != 1 or places[0].oblast is None or (places[0].city is None and not regions):
                continue  # two places bear it (Аксай: the oblast column decides), or not in this division
            seen.add(name)
            found.append(Code(name, ru, en))
        return found

    def reference(self, name: str) -> str:
        """The range of a list on the hidden sheet, e.g. lists!$C$2:$C$7."""
        from openpyxl.utils import get_column_letter, quote_sheetname

        position = list(self.columns).index(name) + 1
        letter = get_column_letter(position)
        return f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(self.columns[name]) + 1}"


def _day(value) -> str:
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    return day.strftime("%d.%m.%Y")


def _serial(day: dt.date) -> int:
    """Excel's serial number of a day (the 1900 date system)."""
    return (day - dt.date(1899, 12, 30)).days


def _allowed(column: Column, raw: RawFile, files: dict[str, tuple[Codebook, RawFile]], period: Period,
             list_name: str | None) -> tuple[str, str]:
    """What a column takes, (ru, en), for the guide."""
    first, last = _day(period.first_day), _day(period.last_day)
    if column.type == "id":
        return (f"{raw.id_prefix}- и цифры ({raw.id_prefix}-001), свой у каждой строки",
                f"{raw.id_prefix}- and digits ({raw.id_prefix}-001), one per row")
    if column.type == "label":
        return f"код вида OBS-01 (шаблон {column.pattern})", f"a code such as OBS-01 (pattern {column.pattern})"
    if column.type == "ref":
        other_key, other_column = column.ref.split(".")
        other = sheet_name(files[other_key][1])
        return (f"{other_column} из листа {other} (выпадающий список)", f"a {other_column} of sheet {other} (drop-down)")
    if column.type == "integer":
        return f"целое число от {column.min:g} до {column.max:g}", f"a whole number from {column.min:g} to {column.max:g}"
    if column.type == "number":
        return (f"число от {column.min:g} до {column.max:g} (дробная часть через запятую или точку)",
                f"a number from {column.min:g} to {column.max:g}")
    if column.type == "date":
        return f"дата периода, {first} - {last}", f"a day of the period, {first} to {last}"
    if column.type == "place":
        regions_ru = "; если известен только регион - название области" if column.regions else ""
        regions_en = "; when only the region is known, the region's name" if column.regions else ""
        return (f"название из выпадающего списка или другое написание того же места (Excel предупредит, "
                f"проверка его узнает){regions_ru}; список «{list_name}» ниже",
                f"a name of the drop-down, or another spelling of the same place (Excel warns, the check knows it)"
                f"{regions_en}; list '{list_name}' below")
    if column.type == "wave":
        return f"номер волны из списка «{list_name}» ниже", f"a wave number of list '{list_name}' below"
    return f"код из выпадающего списка, список «{list_name}» ниже", f"a code of the drop-down, list '{list_name}' below"


def _required(column: Column) -> tuple[str, str]:
    condition = column.applies_when()
    if condition:
        other, values = condition
        return (f"только когда {other} = {' или '.join(values)}, иначе пусто",
                f"only when {other} is {' or '.join(values)}, else empty")
    if column.may_be_absent:
        return ("нет; нужен, когда название места носят два места (Аксай)",
                "no; needed when two places bear the place's name (Аксай)")
    return ("да", "yes") if column.required else ("нет (пусто - нет ответа)", "no (empty - no answer)")


def _validation(column: Column, raw: RawFile, files, period: Period, lists: _Lists, book: Codebook):
    """The data validation of a column's cells: a drop-down, a range, or (ids, labels) only a prompt."""
    from openpyxl.worksheet.datavalidation import DataValidation

    prompt = f"{column.ru}. {column.en}"
    kind: dict = {}
    if column.type in ("code", "wave", "place"):
        name, _ = lists.codes(book, column)
        warn = column.type == "place"
        kind = dict(type="list", formula1=lists.reference(name), errorStyle="warning" if warn else "stop",
                    errorTitle="Нет в списке / Not in the list",
                    error=("Этого названия нет в списке. Если это другое написание того же места, нажмите «Да»: "
                           "проверка (hrd-bulletin validate) узнает его или назовёт ближайшие. / Not in the list: "
                           "keep it if it is another spelling of the same place; the check will know it."
                           if warn else "Выберите код из списка (см. лист «Инструкция»). / Choose a code of the list "
                           "(see the sheet Инструкция)."))
    elif column.type == "ref":
        from openpyxl.utils import get_column_letter, quote_sheetname

        other_key, other_column = column.ref.split(".")
        other = files[other_key][1]
        letter = get_column_letter([c.name for c in other.columns].index(other_column) + 1)
        kind = dict(type="list", formula1=f"{quote_sheetname(sheet_name(other))}!${letter}$2:${letter}${LAST_ROW}",
                    errorStyle="warning", errorTitle="Нет на листе / Not on the sheet",
                    error=f"Такого {other_column} нет на листе {sheet_name(other)}: добавьте его там. / "
                          f"No such {other_column} on sheet {sheet_name(other)}: add it there.")
    elif column.type in ("integer", "number"):
        whole = column.type == "integer"
        kind = dict(type="whole" if whole else "decimal", operator="between", formula1=f"{column.min:g}",
                    formula2=f"{column.max:g}", errorStyle="stop", errorTitle="Вне диапазона / Out of range",
                    error=(f"{'Целое число' if whole else 'Число'} от {column.min:g} до {column.max:g}. / "
                           f"{'A whole number' if whole else 'A number'} from {column.min:g} to {column.max:g}."))
    elif column.type == "date":
        kind = dict(type="date", operator="between", formula1=str(_serial(period.first_day)),
                    formula2=str(_serial(period.last_day)), errorStyle="stop", errorTitle="Не дата периода / Not a day of the period",
                    error=f"Дата с {_day(period.first_day)} по {_day(period.last_day)}. / "
                          f"A day from {_day(period.first_day)} to {_day(period.last_day)}.")
    validation = DataValidation(allow_blank=True, showInputMessage=True, showErrorMessage=bool(kind),
                                promptTitle=column.name[:32], prompt=prompt[:255], **kind)
    return validation


def build_template(period: Period):
    """The template of a period as an openpyxl workbook (not saved)."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    files = all_files()
    gazetteer = Gazetteer.load(period.reference_dir, period.division)
    lists = _Lists(period, gazetteer)
    book = openpyxl.Workbook()
    guide = book.active
    guide.title = GUIDE_SHEET
    bold, header_fill = Font(bold=True), PatternFill("solid", start_color="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")

    rows_of_guide: list[list] = []
    for _key, (book_, raw) in files.items():
        sheet = book.create_sheet(sheet_name(raw))
        sheet.append([c.name for c in raw.columns])
        sheet.freeze_panes = "A2"
        for position, column in enumerate(raw.columns, start=1):
            letter = get_column_letter(position)
            cell = sheet.cell(row=1, column=position)
            cell.font, cell.fill = bold, header_fill
            sheet.column_dimensions[letter].width = min(max(len(column.name) + 3, 14), 40)
            if column.type == "date":
                sheet.column_dimensions[letter].number_format = DATE_FORMAT
            elif column.type in ("id", "label", "ref", "code", "place"):
                sheet.column_dimensions[letter].number_format = TEXT_FORMAT
            validation = _validation(column, raw, files, period, lists, book_)
            validation.add(f"{letter}2:{letter}{LAST_ROW}")
            sheet.add_data_validation(validation)
            list_name = None
            if column.type in ("code", "wave", "place"):
                list_name, _ = lists.codes(book_, column)
            allowed, required = _allowed(column, raw, files, period, list_name), _required(column)
            rows_of_guide.append([sheet_name(raw), column.name, column.ru, column.en, column.question,
                                  allowed[0], allowed[1], required[0], required[1]])

    _write_guide(guide, period, files, lists, rows_of_guide, bold, header_fill, wrap)

    hidden = book.create_sheet(LISTS_SHEET)
    hidden.sheet_state = "hidden"
    for position, (name, codes) in enumerate(lists.columns.items(), start=1):
        hidden.cell(row=1, column=position, value=name)
        for row, code in enumerate(codes, start=2):
            hidden.cell(row=row, column=position, value=code.value)
    book.active = 0

    props = book.properties
    props.title = f"Шаблон для ввода данных, период {period.id} / Data-entry template, period {period.id}"
    props.subject = period.title_ru
    props.category = MARK
    props.keywords = period.id
    props.creator = props.lastModifiedBy = "hrd-bulletin template"
    props.created = props.modified = FIXED_TIME
    return book


def _write_guide(guide, period: Period, files, lists: _Lists, rows_of_guide, bold, header_fill, wrap) -> None:
    id_ = period.id
    intro = [
        (f"Шаблон для ввода данных мониторинга, период {id_} ({_day(period.first_day)} - {_day(period.last_day)}); "
         f"деление: {period.division}", True),
        (f"Data-entry template of the monitoring, period {id_}; administrative division {period.division}", True),
        ("", False),
        ("Как заполнять", True),
        ("1. Каждый лист - один файл данных периода. Не переименовывайте листы и не меняйте первую строку "
         "(названия столбцов).", False),
        ("2. Одна строка - одна анкета, один случай, одно нарушение, одно СМИ, один материал (что именно - в таблице "
         "листов ниже). Пустая ячейка - нет ответа.", False),
        ("3. Коды выбирайте из выпадающих списков; что значит каждый код - в списках ниже.", False),
        ("4. Даты вводите как даты (ДД.ММ.ГГГГ), в пределах периода.", False),
        ("5. Место выбирайте из списка; другое написание того же места можно оставить (Excel предупредит, проверка "
         "его узнает). Если название носят два места (Аксай), укажите регион в столбце oblast.", False),
        ("6. Не вносите ФИО, телефоны, адреса, e-mail, ИИН, ссылки и описания: для них в шаблоне нет столбцов.", False),
        (f"7. Сохраните как {id_}.xlsx (Книга Excel) и передайте редактору. Редактор кладёт файл в data/raw/{id_}/ "
         f"рядом с period.yml и проверяет: hrd-bulletin validate {id_}. Листы, данные которых передаются отдельным "
         "файлом, удалите.", False),
        ("", False),
        ("How to fill it in", True),
        ("1. Each sheet is one data file of the period. Do not rename the sheets or change row 1 (the column names).", False),
        ("2. One row is one questionnaire, case, violation, outlet or material (the table of sheets below says "
         "which). An empty cell is no answer.", False),
        ("3. Choose codes from the drop-down lists; the lists below say what each code means.", False),
        ("4. Enter days as dates (DD.MM.YYYY), inside the period.", False),
        ("5. Choose a place from the list; another spelling of the same place may stay (Excel warns, the check "
         "knows it). Where two places bear the name (Аксай), give the region in column oblast.", False),
        ("6. Enter no names, phones, addresses, e-mails, IINs, links or descriptions: the template has no columns "
         "for them.", False),
        (f"7. Save it as {id_}.xlsx (Excel Workbook) and hand it to the editor, who puts it in data/raw/{id_}/ "
         f"beside period.yml and checks it: hrd-bulletin validate {id_}. Delete the sheets whose data comes as "
         "another file.", False),
        ("", False),
    ]
    for text, strong in intro:
        guide.append([text])
        if strong:
            guide.cell(row=guide.max_row, column=1).font = bold

    def table(title: str, header: list[str], rows: list[list]) -> None:
        guide.append([title])
        guide.cell(row=guide.max_row, column=1).font = bold
        guide.append(header)
        for cell in guide[guide.max_row]:
            cell.font, cell.fill = bold, header_fill
        for row in rows:
            guide.append(row)
            for cell in guide[guide.max_row]:
                cell.alignment = wrap
        guide.append([])

    table("Листы / Sheets", ["лист / sheet", "одна строка (ru)", "one row (en)", "что это (ru)", "what it is (en)",
                             "ключ / key"],
          [[sheet_name(raw), *ROW_IS.get(key, ("", "")), raw.ru, raw.en, ", ".join(raw.primary_key)]
           for key, (_, raw) in files.items()])
    table("Столбцы / Columns", ["лист / sheet", "столбец / column", "что записать (ru)", "what to enter (en)",
                                "вопрос анкеты / question", "допустимые значения (ru)", "allowed values (en)",
                                "обязательно (ru)", "required (en)"], rows_of_guide)
    table("Списки кодов / Code lists", ["список / list", "код / code", "значение (ru)", "meaning (en)"],
          [[name, code.value, code.ru, code.en] for name, codes in lists.columns.items() for code in codes])
    for letter, width in zip("ABCDEFGHI", (22, 30, 45, 45, 40, 40, 40, 22, 22)):
        guide.column_dimensions[letter].width = width


def template_bytes(period: Period) -> bytes:
    """The template as the bytes of an .xlsx file, the same for the same period and codebook."""
    from openpyxl.xml.functions import tostring

    book = build_template(period)
    buffer = io.BytesIO()
    book.save(buffer)  # openpyxl stamps the time into docProps/core.xml and into every zip entry
    book.properties.modified = FIXED_TIME
    fixed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, \
            zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            data = tostring(book.properties.to_tree()) if entry.filename == "docProps/core.xml" else source.read(entry)
            info = zipfile.ZipInfo(entry.filename, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, entry.external_attr
            target.writestr(info, data)
    return fixed.getvalue()


def default_output(period: Period) -> Path:
    """Where the template goes unless told: <period id>.template.xlsx in the current folder."""
    return Path.cwd() / f"{period.id}.template.xlsx"


def is_blank_template(path: Path) -> bool:
    """Whether a file is a template this command wrote, with no data entered (what --replace may overwrite)."""
    try:
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True)
    except Exception:  # not a workbook at all
        return False
    try:
        if book.properties.category != MARK:
            return False
        stems = {sheet_name(raw) for _, raw in all_files().values()}
        for name in book.sheetnames:
            if name in stems and any(any(v not in (None, "") for v in row)
                                     for row in book[name].iter_rows(min_row=2, values_only=True)):
                return False
        return True
    finally:
        book.close()


def write_template(period: Period, output: Path | None = None, replace: bool = False) -> Path:
    """Write the period's template; never over a file (replace=True: only over a blank template)."""
    path = Path(output) if output is not None else default_output(period)
    if path.suffix.lower() != ".xlsx":
        raise InputError([Problem(str(path), None, None, None, "a file name ending in .xlsx (an Excel workbook)")])
    stems = {sheet_name(raw) for _, raw in all_files().values()}
    stem = path.name[: -len(path.suffix)].lower()
    if is_period_id(stem) or stem == path.parent.resolve().name.lower() or stem in stems:  # what sources.py reads as data
        raise InputError([Problem(str(path), None, None, None,
                                  f"a name the reader does not take for data ({path.name} is read as a period's data "
                                  f"in its folder): write the template as {period.id}.template.xlsx and save it "
                                  f"as {period.id}.xlsx once it is filled")])
    if os.path.lexists(path) and not path.exists():  # a dangling link: writing would follow it
        raise InputError([Problem(str(path), None, None, None, "a new file: this is a link to a missing file")])
    if path.exists():
        blank = is_blank_template(path)
        if not (replace and blank):
            expected = ("a new file: template never overwrites a file"
                        + ("; add --replace to overwrite this blank template" if blank else
                           " (this one is not a blank template of hrd-bulletin: it may hold data)"))
            raise InputError([Problem(str(path), None, None, None, expected)])
    data = template_bytes(period)
    if not path.parent.is_dir():
        raise InputError([Problem(str(path), None, None, None, f"a folder that exists: {path.parent}")])
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(data)
    except OSError as error:  # a read-only folder, a full disk: said, and nothing left half-written
        partial.unlink(missing_ok=True)
        raise InputError([Problem(str(path), None, None, None, f"a folder this user can write ({error.strerror})")]) from None
    if replace:
        os.replace(partial, path)
    else:
        try:
            os.link(partial, path)  # fails if the file appeared meanwhile: never overwritten
        except FileExistsError:
            partial.unlink()
            raise InputError([Problem(str(path), None, None, None, "a new file: template never overwrites a file")]) from None
        except OSError:  # a file system without hard links
            with open(path, "xb") as file:
                file.write(data)
        partial.unlink(missing_ok=True)
    return path
