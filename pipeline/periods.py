"""A monitoring period: data/raw/<period>/period.yml and the files beside it."""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline import paths
from pipeline.errors import InputError, Problem

PERIOD_ID = re.compile(r"^\d{4}-\d{2}_\d{4}-\d{2}$")

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

    @property
    def processed_dir(self) -> Path:
        return self.data_root / "processed" / self.id

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


def load_period(period_id: str, data_root: str | os.PathLike | None = None) -> Period:
    """Read and check data/raw/<period_id>/period.yml."""
    root = paths.data_root(data_root)
    folder = root / "raw" / period_id
    path = folder / "period.yml"
    if not PERIOD_ID.match(period_id):
        raise InputError([Problem(str(path), None, "id", period_id, "a period id like 2015-08_2016-04")])
    if not path.exists():
        known = sorted(p.parent.name for p in (root / "raw").glob("*/period.yml"))
        raise InputError([Problem(str(path), None, None, None,
                                  f"a period folder with period.yml; known periods: {', '.join(known) or 'none'}")])
    try:
        meta = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError([Problem(str(path), None, None, None, f"valid YAML ({exc})")]) from exc
    problems = []
    for field, (kind, meaning) in PERIOD_FIELDS.items():
        if field not in meta or meta[field] in (None, ""):
            problems.append(Problem(str(path), None, field, None, f"field '{field}': {meaning}"))
        elif not isinstance(meta[field], kind):
            problems.append(Problem(str(path), None, field, meta[field], meaning))
    if not problems:
        if meta["id"] != period_id:
            problems.append(Problem(str(path), None, "id", meta["id"], f"the folder's name, {period_id}"))
        for lang in ("ru", "en"):
            if not meta["title"].get(lang):
                problems.append(Problem(str(path), None, f"title.{lang}", None, "a title in this language"))
        if meta["first_day"] > meta["last_day"]:
            problems.append(Problem(str(path), None, "last_day", meta["last_day"], f"a day after first_day {meta['first_day']}"))
        if meta["data_origin"] not in DATA_ORIGINS:
            problems.append(Problem(str(path), None, "data_origin", meta["data_origin"], " | ".join(DATA_ORIGINS)))
        problems += _check_waves(path, meta)
        division_file = root / "raw" / "reference" / "divisions" / f"{meta['division']}.csv"
        if not division_file.exists():
            problems.append(Problem(str(path), None, "division", meta["division"],
                                    f"a division with a file {division_file}"))
    if problems:
        raise InputError(problems)
    return Period(
        id=meta["id"], bulletin_number=meta["bulletin_number"], title_ru=meta["title"]["ru"],
        title_en=meta["title"]["en"], first_day=meta["first_day"], last_day=meta["last_day"],
        division=meta["division"], data_origin=meta["data_origin"], previous=meta.get("previous_period"),
        waves=tuple(meta["waves"]),
        raw_dir=folder, data_root=root, min_cell_respondents=meta.get("min_cell_respondents"),
    )


def _check_waves(path: Path, meta: dict) -> list[Problem]:
    problems, expected_start = [], meta["first_day"]
    for n, wave in enumerate(meta["waves"], start=1):
        where = f"waves[{n}]"
        if not isinstance(wave, dict) or not all(isinstance(wave.get(k), dt.date) for k in ("first_day", "last_day")) \
                or wave.get("wave") != n:
            problems.append(Problem(str(path), None, where, wave, f"{{wave: {n}, first_day: YYYY-MM-DD, last_day: YYYY-MM-DD}}"))
            continue
        if wave["first_day"] != expected_start or wave["last_day"] < wave["first_day"]:
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
    return sorted(p.parent.name for p in root.glob("*/period.yml") if PERIOD_ID.match(p.parent.name))
