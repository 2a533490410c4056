"""A monitoring period: data/raw/<period>/period.yml and the files beside it."""
from __future__ import annotations

import datetime as dt
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline import paths
from pipeline.data.errors import InputError, InputWarning, Problem
from pipeline.data.privacy import DEFAULT_MIN_CELL
from pipeline.data.rawtext import DAY_EXPECTED, decode, parse_day
from pipeline.yamlfiles import NoAliases

# The one check of the names a user gives the pipeline: period ids and division names. Every
# command, period.yml and everything that builds a path from them goes through it, so a path
# built from them never leaves its folder (no '/', no '..': only the documented shape).
PERIOD_ID = re.compile(r"([0-9]{4})-([0-9]{2})_([0-9]{4})-([0-9]{2})")
PERIOD_ID_EXPECTED = "a period id YYYY-MM_YYYY-MM (its first and last month), e.g. 2015-08_2016-04"
DIVISION_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
DIVISION_EXPECTED = "a division name of lower-case letters, digits and '_' (a file name in data/raw/reference/divisions/)"


def period_id_problem(value) -> str | None:
    """None when value is a well-formed period id, else what was expected."""
    found = PERIOD_ID.fullmatch(value) if isinstance(value, str) else None
    if not found:
        return PERIOD_ID_EXPECTED
    first_year, first_month, last_year, last_month = (int(g) for g in found.groups())
    if not (1 <= first_month <= 12 and 1 <= last_month <= 12):
        return f"{PERIOD_ID_EXPECTED}; months run from 01 to 12"
    if (first_year, first_month) > (last_year, last_month):
        return f"{PERIOD_ID_EXPECTED}; the first month before the last"
    return None


def is_period_id(value) -> bool:
    return period_id_problem(value) is None


def check_period_id(value, where: str = "period id", column: str | None = None) -> str:
    """value if it is a well-formed period id; else InputError naming where it came from."""
    problem = period_id_problem(value)
    if problem:
        raise InputError([Problem(where, None, column, value, problem)])
    return value


def is_division_name(value) -> bool:
    return isinstance(value, str) and DIVISION_NAME.fullmatch(value) is not None


def period_folder(root: Path, period_id: str) -> Path:
    """data/raw/<period id>/ under a data root, for a checked id only."""
    return Path(root) / "raw" / check_period_id(period_id)


# field -> (type, meaning); every field is required.
PERIOD_FIELDS = {
    "id": (str, "period id, YYYY-MM_YYYY-MM, equal to the folder name"),
    "bulletin_number": (int, "number of the bulletin this period feeds"),
    "title": (dict, "title with keys ru and en"),
    "first_day": (dt.date, "first day of the period, YYYY-MM-DD"),
    "last_day": (dt.date, "last day of the period, YYYY-MM-DD"),
    "division": (str, "administrative division in force, a file name in data/raw/reference/divisions/"),
    "data_origin": (str, "observed | reconstructed | synthetic"),
    "waves": (list, "the waves (quarters) of the period: a list of {wave, first_day, last_day}"),
}
DATA_ORIGINS = ("observed", "reconstructed", "synthetic")
# Files of a period folder the pipeline knows besides the codebook's raw files. Only known files are
# read, hashed and named in outputs: observers keep other files there (scans, questionnaires) whose
# very names may be personal data.
PERIOD_FILES = ("period.yml", "published_figures.yml", "published_matrix.csv")


@dataclass(frozen=True)
class Period:
    id: str
    bulletin_number: int
    title_ru: str
    title_en: str
    first_day: dt.date
    last_day: dt.date
    division: str
    data_origin: str
    previous: str | None
    waves: tuple[dict, ...]
    raw_dir: Path
    data_root: Path
    min_cell_respondents: int | None = None  # overrides pipeline/privacy.yml for this period
    # the back page (colophon), each {ru: text, en: text} or None: who publishes the bulletin, the
    # project and funding statement, the publishers' contact block (an office's public address)
    publishers: dict | None = None
    acknowledgement: dict | None = None
    contact: dict | None = None
    licence: dict | None = None  # the publication's licence as its publishers grant it (the cover says it)
    published: dt.date | None = None  # the day the bulletin is published (the cover says it; none: not said)

    @property
    def processed_dir(self) -> Path:
        return self.data_root / "processed" / self.id

    @property
    def reference_dir(self) -> Path:
        return paths.reference_dir(self.data_root)

    @property
    def division_path(self) -> Path:
        """The unit list of the period's division (the name is checked: the path stays in divisions/)."""
        return self.reference_dir / "divisions" / f"{self.division}.csv"

    def known_files(self) -> list[Path]:
        """The files of the period folder the pipeline reads: period.yml, the codebook's raw files
        (CSV or workbooks), the published figures and the editor's text, those that exist. Nothing else there is read, hashed or named."""
        from pipeline.data.codebook import all_files
        from pipeline.data.sources import sources

        # the codebook's files as CSV (any letter case), workbooks of their own, the period's workbook
        raw = sources(self.raw_dir, [raw.file for _, raw in all_files().values()])
        from pipeline.data.editorial import files

        editorial = set(files(self.raw_dir))  # the editor's text
        return sorted(set(raw) | editorial | {self.raw_dir / name for name in PERIOD_FILES if (self.raw_dir / name).is_file()})

    def ignored_files(self) -> int:
        """How many other files (subfolders included) the period folder holds: counted, never named."""
        known = set(self.known_files())
        return sum(1 for p in self.raw_dir.rglob("*") if p.is_file() and p not in known)

    @property
    def published_figures_path(self) -> Path:
        return self.raw_dir / "published_figures.yml"

    @property
    def published_matrix_path(self) -> Path:
        """The published threat-type x city matrix, when the bulletin printed one."""
        return self.raw_dir / "published_matrix.csv"

    def origin_banner(self) -> str:
        """Markdown banner for notebooks and reports: where this period's data comes from."""
        note = self.origin_note
        return f"> **{self.title_ru}** (бюллетень №{self.bulletin_number}). {note['ru']}  \n> *{note['en']}*"

    @property
    def origin_note(self) -> dict[str, str]:
        """A sentence, in both languages, that every output showing this period's data carries."""
        return ORIGIN_NOTES[self.data_origin]


ORIGIN_NOTES = {
    "observed": {"ru": "Данные наблюдателей мониторинга.", "en": "Data collected by the monitoring's observers."},
    "reconstructed": {
        "ru": "Микроданные реконструированы по опубликованным агрегатам бюллетеня; это не исходные анкеты.",
        "en": "Microdata reconstructed from the bulletin's published aggregates; not the original questionnaires.",
    },
    "synthetic": {"ru": "Синтетические данные для тестов и демонстрации.", "en": "Synthetic data for tests and demonstrations."},
}
# the same, in a word or two: what a figure inside the bulletin says, the bulletin saying the note once
ORIGIN_LABELS = {"observed": {"ru": "", "en": ""},
                 "reconstructed": {"ru": "данные реконструированы", "en": "reconstructed data"},
                 "synthetic": {"ru": "синтетические данные", "en": "synthetic data"}}


class _PeriodLoader(NoAliases, yaml.SafeLoader):
    """YAML with days kept as written: a day that is not in the calendar (2016-04-31) is then
    reported like any other problem instead of failing inside the YAML reader."""


_PeriodLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _day(path: Path, field: str, value, problems: list[Problem]) -> dt.date | None:
    """A day of period.yml, as text; a problem (and None) when it is not one."""
    day, expected = parse_day(value) if isinstance(value, str) else (None, DAY_EXPECTED)
    if day is None:
        problems.append(Problem(str(path), None, field, value, expected))
    return day


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


PERIOD_YML_MAX_BYTES = 100_000


def load_period(period_id: str, data_root: str | os.PathLike | None = None) -> Period:
    """Read and check data/raw/<period_id>/period.yml."""
    root = paths.data_root(data_root)
    check_period_id(period_id, where=str(root / "raw"))
    folder = period_folder(root, period_id)
    path = folder / "period.yml"
    if not path.is_file():
        known = list_periods(root)
        raise InputError([Problem(str(path), None, None, None,
                                  f"a period folder with period.yml; known periods: {', '.join(known) or 'none'}")])
    if path.stat().st_size > PERIOD_YML_MAX_BYTES:
        raise InputError([Problem(str(path), None, None, f"{path.stat().st_size:,} bytes",
                                  f"a period.yml of at most {PERIOD_YML_MAX_BYTES:,} bytes (No. 5's has 2,600)")])
    text = decode(path, path.read_bytes(), "UTF-8 text")
    try:
        meta = yaml.load(text, Loader=_PeriodLoader) or {}
    except yaml.YAMLError as exc:
        raise InputError([Problem(str(path), None, None, None, f"valid YAML ({exc})")]) from exc
    if not isinstance(meta, dict):
        raise InputError([Problem(str(path), None, None, None, "fields written as 'name: value', one per line")])
    problems: list[Problem] = []
    for field in ("first_day", "last_day"):
        if meta.get(field) not in (None, ""):
            meta[field] = _day(path, field, meta[field], problems) or meta[field]
    if meta.get("published") not in (None, ""):  # optional: the day the bulletin is published (its cover says it)
        meta["published"] = _day(path, "published", meta["published"], problems) or meta["published"]
    for field, (kind, meaning) in PERIOD_FIELDS.items():
        if field not in meta or meta[field] in (None, ""):
            problems.append(Problem(str(path), None, field, None, f"field '{field}': {meaning}"))
        elif not isinstance(meta[field], kind) or (kind is int and not _whole(meta[field])):
            if not any(p.column == field for p in problems):  # an impossible day is reported once
                problems.append(Problem(str(path), None, field, meta[field], meaning))
    problems += _check_optional_fields(path, meta)
    if not problems:
        if meta["id"] != period_id:
            problems.append(Problem(str(path), None, "id", meta["id"], f"the folder's name, {period_id}"))
        for lang in ("ru", "en"):
            title = meta["title"].get(lang)
            if not title:
                problems.append(Problem(str(path), None, f"title.{lang}", None, "a title in this language"))
            elif "{" in str(title) or "}" in str(title):  # the bulletin's title is Quarto metadata (pipeline/bulletin/content.py)
                problems.append(Problem(str(path), None, f"title.{lang}", title,
                                        "a title without braces { } (Quarto would read them as a shortcode)"))
        if meta["first_day"] > meta["last_day"]:
            problems.append(Problem(str(path), None, "last_day", meta["last_day"], f"a day after first_day {meta['first_day']}"))
        for field, month in (("first_day", period_id[:7]), ("last_day", period_id[8:])):
            if f"{meta[field]:%Y-%m}" != month:  # the id names the period's first and last month
                problems.append(Problem(str(path), None, field, meta[field], f"a day in {month}, as the period id {period_id} says"))
        if meta["data_origin"] not in DATA_ORIGINS:
            problems.append(Problem(str(path), None, "data_origin", meta["data_origin"], " | ".join(DATA_ORIGINS)))
        problems += _check_waves(path, meta)
        if not is_division_name(meta["division"]):
            problems.append(Problem(str(path), None, "division", meta["division"], DIVISION_EXPECTED))
        elif not (paths.reference_dir(root) / "divisions" / f"{meta['division']}.csv").exists():
            known = sorted(p.stem for p in (paths.reference_dir(root) / "divisions").glob("*.csv")
                           if is_division_name(p.stem) and not p.stem.endswith("_cities"))
            problems.append(Problem(str(path), None, "division", meta["division"],
                                    f"a division of data/raw/reference/divisions/: {', '.join(known) or 'none'}"))
    if problems:
        raise InputError(problems)
    minimum = meta.get("min_cell_respondents")
    if minimum is not None and minimum < DEFAULT_MIN_CELL:
        shown = f"{minimum}" if minimum == DEFAULT_MIN_CELL - 1 else f"{minimum} to {DEFAULT_MIN_CELL - 1}"
        warnings.warn(f"{path}: min_cell_respondents is {minimum}, below the default of {DEFAULT_MIN_CELL} "
                      f"(pipeline/data/privacy.yml): regional counts of {shown} respondents will be published and "
                      "could point at a person", InputWarning, stacklevel=2)
    return Period(
        id=meta["id"], bulletin_number=meta["bulletin_number"], title_ru=meta["title"]["ru"],
        title_en=meta["title"]["en"], first_day=meta["first_day"], last_day=meta["last_day"],
        division=meta["division"], data_origin=meta["data_origin"], previous=meta.get("previous_period"),
        waves=tuple(meta["waves"]),
        raw_dir=folder, data_root=root, min_cell_respondents=minimum, published=meta.get("published") or None,
        **{field: meta.get(field) for field in BACK_PAGE_FIELDS},
    )


def previous_period_problems(period: Period, required_run: bool = True) -> list[Problem]:
    """The period's previous_period, checked before a run: it exists, is valid, ends before this
    period starts, and (required_run) has been run, since Part V compares against its tables."""
    if not period.previous:
        return []
    where, previous = str(period.raw_dir / "period.yml"), period.previous
    if previous == period.id:
        return [Problem(where, None, "previous_period", previous,
                        "the id of an earlier period (this is the period's own id), or null")]
    if not (period.data_root / "raw" / previous / "period.yml").exists():
        known = [p for p in list_periods(period.data_root) if p != period.id]
        return [Problem(where, None, "previous_period", previous,
                        f"a period of data/raw/ (known: {', '.join(known) or 'none'}), or null")]
    try:
        before = load_period(previous, period.data_root)
    except InputError as exc:
        return [Problem(where, None, "previous_period", previous,
                        f"a period whose period.yml is valid ({len(exc.problems)} problem(s): "
                        f"hrd-bulletin validate {previous})")]
    problems = []
    if before.division != period.division:  # Part V compares the units the two divisions share
        from pipeline.data.divisions import units_match

        try:
            units_match(period.reference_dir, period.division, before.division)
        except InputError as exc:
            problems.append(Problem(where, None, "previous_period", previous,
                                    f"a period whose division ({before.division}) divisions/changes.csv links to "
                                    f"{period.division}: {exc.problems[0].expected}"))
    if before.last_day >= period.first_day:
        problems.append(Problem(where, None, "previous_period", previous,
                                f"a period that ends before this one starts on {period.first_day}; "
                                f"{previous} ends on {before.last_day}"))
    if required_run and not (before.processed_dir / "run.json").exists():
        problems.append(Problem(where, None, "previous_period", previous,
                                f"a period that has been run (Part V compares against its tables): "
                                f"hrd-bulletin run {previous}, or both at once: hrd-bulletin run {previous} {period.id}"))
    return problems


# optional texts of the back page, each in both languages
BACK_PAGE_FIELDS = {
    "publishers": "who publishes the bulletin, {ru: ..., en: ...}",
    "acknowledgement": "the project and funding statement of the back page, {ru: ..., en: ...}",
    "contact": "the publishers' contact block of the back page (one line each: office, address, phone, site), {ru: ..., en: ...}",
    "licence": "the publication's licence as its publishers grant it, said on the cover (e.g. CC BY 4.0), {ru: ..., en: ...}",
}


def _check_optional_fields(path: Path, meta: dict) -> list[Problem]:
    problems = []
    for field, meaning in BACK_PAGE_FIELDS.items():
        value = meta.get(field)
        if value is not None and not (isinstance(value, dict) and all(isinstance(value.get(lang), str) and value[lang].strip()
                                                                     for lang in ("ru", "en"))):
            problems.append(Problem(str(path), None, field, value, f"a text in each language: {meaning}"))
    previous = meta.get("previous_period")
    if previous is not None and not is_period_id(previous):
        problems.append(Problem(str(path), None, "previous_period", previous,
                                f"null or {period_id_problem(previous)}"))
    minimum = meta.get("min_cell_respondents")
    if minimum is not None and not (_whole(minimum) and minimum >= 1):
        problems.append(Problem(str(path), None, "min_cell_respondents", minimum,
                                "a whole number of at least 1: the fewest respondents a published regional count "
                                f"may show (default {DEFAULT_MIN_CELL}, pipeline/privacy.yml)"))
    return problems


def _check_waves(path: Path, meta: dict) -> list[Problem]:
    problems, expected_start = [], meta["first_day"]
    for n, wave in enumerate(meta["waves"], start=1):
        where = f"waves[{n}]"
        if not isinstance(wave, dict) or wave.get("wave") != n or not all(isinstance(wave.get(k), str) for k in ("first_day", "last_day")):
            problems.append(Problem(str(path), None, where, wave, f"{{wave: {n}, first_day: YYYY-MM-DD, last_day: YYYY-MM-DD}}"))
            continue
        days = [_day(path, f"{where}.{k}", wave[k], problems) for k in ("first_day", "last_day")]
        if None in days:
            expected_start = None  # the next wave's start cannot be checked against this one
            continue
        wave["first_day"], wave["last_day"] = days
        if (expected_start is not None and wave["first_day"] != expected_start) or wave["last_day"] < wave["first_day"]:
            problems.append(Problem(str(path), None, where, wave, f"a wave starting {expected_start}, the day after the one before"))
        expected_start = wave["last_day"] + dt.timedelta(days=1)
    if not problems and meta["waves"] and meta["waves"][-1]["last_day"] != meta["last_day"]:
        problems.append(Problem(str(path), None, "waves", meta["waves"][-1]["last_day"], f"the last wave to end on last_day {meta['last_day']}"))
    return problems


def wave_of(period: Period, day) -> int:
    """The wave (quarter) of the period a day falls in."""
    day = day.date() if hasattr(day, "date") else day
    for wave in period.waves:
        if wave["first_day"] <= day <= wave["last_day"]:
            return wave["wave"]
    raise ValueError(f"{day} is outside period {period.id}")


def list_periods(data_root: str | os.PathLike | None = None) -> list[str]:
    root = paths.data_root(data_root) / "raw"
    return sorted(p.parent.name for p in root.glob("*/period.yml") if is_period_id(p.parent.name))
