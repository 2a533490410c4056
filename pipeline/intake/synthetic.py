"""Synthetic periods of any size, in the raw schema of the codebooks, for tests, demonstrations and
benchmarks. Every value is random but valid; the period is marked `data_origin: synthetic`, so every
output that shows it says so. No person is described: respondents and cases are codes.

    hrd-bulletin synthesize 2030-01_2030-09 --scale 10      # 10x the volume of bulletin No. 5
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from pipeline import paths
from pipeline.data.codebook import all_files
from pipeline.data.errors import InputError, Problem
from pipeline.data.gazetteer import Gazetteer
from pipeline.data.periods import (
    DIVISION_EXPECTED,
    check_period_id,
    is_division_name,
    period_folder,
)

# rows per file at scale 1: the volume of bulletin No. 5
BASE_ROWS = {"individuals": 79, "organizations": 52, "cases": 391, "violations": 407, "outlets": 114,
             "materials": 175, "material_cases": 202}
# realistic ranges for whole numbers the codebook allows to be large
RANGES = {"experience_years": (1, 40), "projects_per_year": (1, 8), "annual_funding_usd": (500, 250_000),
          "threats": (0, 10), "attacks_information": (0, 20), "attacks_reputational": (0, 30),
          "attacks_physical": (0, 4), "attacks_technical": (0, 15), "assessors": (3, 12)}


def write_period(root: Path, period_id: str, scale: float = 1.0, seed: int = 0, division: str = "kz_2015",
                 previous: str | None = None, replace: bool = False, scenario: str = "random") -> Path:
    """Write data/raw/<period_id>/ under root (reference data must already be in root/raw/reference);
    previous names the period before it, whose Part V tables its dynamics compare against.

    Never overwrites data: an existing period folder is refused, and replace=True may overwrite only
    a period that is itself synthetic. The period is written in a folder beside it and renamed into
    place, so it is never seen half-written."""
    check_period_id(period_id, where="synthesize")
    if previous is not None:
        check_period_id(previous, where="synthesize --previous")
        if previous[8:] >= period_id[:7]:  # YYYY-MM strings compare as months
            raise InputError([Problem("synthesize --previous", None, None, previous,
                                      f"a period that ends before {period_id} starts")])
    if not is_division_name(division):
        raise InputError([Problem("synthesize --division", None, None, division, DIVISION_EXPECTED)])
    divisions = paths.reference_dir(root) / "divisions"
    if not ((divisions / f"{division}.csv").is_file() and (divisions / f"{division}_cities.csv").is_file()):
        known = sorted(p.stem for p in divisions.glob("*.csv")  # a division has its crosswalk beside it
                       if is_division_name(p.stem) and (divisions / f"{p.stem}_cities.csv").is_file())
        raise InputError([Problem("synthesize --division", None, None, division,
                                  f"a division of {divisions} (its units and its _cities crosswalk): "
                                  f"{', '.join(known) or 'none'}")])
    folder = period_folder(root, period_id)
    if folder.exists():
        origin = _data_origin(folder)
        if not replace or origin != "synthetic":
            expected = ("a new period id: synthesize never overwrites data"
                        + ("; add --replace to overwrite this synthetic period" if origin == "synthetic"
                           else f" (this folder holds {origin + ' data' if origin else 'no synthetic period'})"))
            raise InputError([Problem(str(folder), None, None, None, expected)])
    if scenario not in SCENARIOS:
        raise InputError([Problem("synthesize --scenario", None, None, scenario, f"one of {', '.join(SCENARIOS)}")])
    if not (isinstance(scale, (int, float)) and 0 < scale <= 1000):  # also refuses nan and inf
        raise InputError([Problem("synthesize --scale", None, None, scale, "a volume above 0 and at most 1000 (1 = bulletin No. 5)")])
    partial = folder.with_name(f".{period_id}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        _write_files(partial, root, period_id, scale, seed, division, previous, scenario)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)  # nothing half-written is left behind
        raise
    if folder.exists():  # replace=True on a synthetic period: its other files (notes, scans) stay
        written = {p.relative_to(partial) for p in partial.rglob("*") if p.is_file()}
        for path in folder.rglob("*"):
            relative = path.relative_to(folder)
            if path.is_file() and relative not in written:
                (partial / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, partial / relative)
        old = folder.with_name(f".{period_id}.replaced")
        shutil.rmtree(old, ignore_errors=True)
        folder.rename(old)
        partial.rename(folder)
        shutil.rmtree(old)
    else:
        partial.rename(folder)
    return folder


def _write_files(partial: Path, root: Path, period_id: str, scale: float, seed: int, division: str,
                 previous: str | None, scenario: str) -> None:
    """period.yml and every raw file of the codebook, random but valid, into the folder partial."""
    rng = np.random.default_rng(seed)
    first = dt.date(int(period_id[:4]), int(period_id[5:7]), 1)
    end_year, end_month = int(period_id[8:12]), int(period_id[13:15])
    last = (dt.date(end_year + end_month // 12, end_month % 12 + 1, 1) - dt.timedelta(days=1))
    waves, start = [], first
    bounds = np.linspace(0, (last - first).days + 1, 4).round().astype(int)
    for n in range(3):
        end = first + dt.timedelta(days=int(bounds[n + 1]) - 1)
        waves.append({"wave": n + 1, "first_day": start, "last_day": end})
        start = end + dt.timedelta(days=1)
    meta = {"id": period_id, "bulletin_number": 0,
            "title": {"ru": f"Синтетический период {period_id}", "en": f"Synthetic period {period_id}"},
            "first_day": first, "last_day": last, "division": division, "data_origin": "synthetic",
            "previous_period": previous, "waves": waves}
    (partial / "period.yml").write_text("# SYNTHETIC data for tests, demonstrations and benchmarks\n"
                                        + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
    reference = paths.reference_dir(root)
    context = _Context(rng, reference, division, first, last, waves)
    tables: dict[str, pd.DataFrame] = {}
    for key, (book, raw) in all_files().items():
        rows = max(1, round(BASE_ROWS.get(key, 0) * scale))
        tables[key] = context.table(key, book, raw, rows, tables)
    SCENARIOS[scenario](tables, rng)
    for key, (_, raw) in all_files().items():
        tables[key].to_csv(partial / raw.file, index=False, encoding="utf-8", lineterminator="\n")


def _against_bulletin_5(tables: dict[str, pd.DataFrame], rng) -> None:
    """Patterns that go against bulletin No. 5's, so that a text typed from No. 5's conclusions would
    be caught out: NGOs attacked more than individuals; half the appeals to law enforcement led to
    measures; lawyers, not journalists, the most exposed; private persons, not the state, the main
    source of threats; threats falling and resources rising from wave to wave (risk falling)."""
    for kind in ("information", "reputational", "physical", "technical"):
        column = f"attacks_{kind}"
        individuals, organizations = tables["individuals"], tables["organizations"]
        individuals[column] = np.where(rng.random(len(individuals)) < 0.8, 0, rng.integers(1, 3, len(individuals)))
        organizations[column] = np.where(rng.random(len(organizations)) < 0.8, rng.integers(1, 6, len(organizations)), 0)
    for group in ("individuals", "organizations"):
        frame = tables[group]
        appealed = frame["law_enforcement_appeal"] == "yes"
        frame.loc[appealed, "law_enforcement_result"] = np.where(rng.random(int(appealed.sum())) < 0.5, "measures_taken", "no_measures")
    violations = tables["violations"]
    violations["hrd_category"] = np.where(rng.random(len(violations)) < 0.6, "lawyers_public_defenders", violations["hrd_category"])
    violations["source"] = np.where(rng.random(len(violations)) < 0.7, "private_person", violations["source"])
    assessments = tables["regional_assessments"]
    wave = assessments["wave"].astype(int)
    noise = rng.uniform(-0.2, 0.2, len(assessments))
    assessments["threats"] = [f"{v:.1f}" for v in (4.6 - wave + noise)]
    assessments["resources"] = [f"{v:.1f}" for v in (1.4 + wave + noise)]


def _quiet_period(tables: dict[str, pd.DataFrame], rng) -> None:
    """A quieter period that goes against bulletin No. 5 in other ways than _against_bulletin_5, so
    that the bulletin's "other case" sentences for empty and mixed results are exercised: nobody
    appealed to law enforcement; no refusal of information and no lawsuit by defenders; activists,
    not journalists, the most exposed; the akimat, not the police, the first source (the state still
    the main one); attacks mixed between the groups (information attacks more among NGOs, the
    others more among individuals); most logged cases covered by the media, mostly in analysis;
    threats falling while vulnerability rises more (risk rising, for other reasons than No. 5's)."""
    individuals, organizations = tables["individuals"], tables["organizations"]
    for kind in ("information", "reputational", "physical", "technical"):
        column = f"attacks_{kind}"
        more, less = (organizations, individuals) if kind == "information" else (individuals, organizations)
        more[column] = np.where(rng.random(len(more)) < 0.7, rng.integers(1, 4, len(more)), 0)
        less[column] = np.where(rng.random(len(less)) < 0.15, 1, 0)
    for frame in (individuals, organizations):
        frame["law_enforcement_appeal"] = "no"
        frame["law_enforcement_result"] = ""
    violations = tables["violations"]
    others = [t for t in pd.unique(violations["threat_type"]) if t != "information_refused"]
    refused = violations["threat_type"] == "information_refused"
    violations.loc[refused, "threat_type"] = rng.choice(others, int(refused.sum()))
    violations.loc[violations["court_role"] == "plaintiff_against_state", "court_role"] = ""
    violations["hrd_category"] = np.where(rng.random(len(violations)) < 0.55, "activists_public_figures", violations["hrd_category"])
    violations["source"] = np.where(rng.random(len(violations)) < 0.6, "akimat", violations["source"])
    materials = tables["materials"]
    materials["genre"] = np.where(rng.random(len(materials)) < 0.8, "analysis", materials["genre"])
    # most cases covered: every case in at least one material, on top of the pairs drawn
    pairs = set(map(tuple, tables["material_cases"].to_numpy()))
    material_ids = materials["material_id"].to_numpy()
    for case_id in tables["cases"]["case_id"]:
        pairs.add((material_ids[rng.integers(len(material_ids))], case_id))
    tables["material_cases"] = pd.DataFrame(sorted(pairs), columns=["material_id", "case_id"])
    assessments = tables["regional_assessments"]
    wave = assessments["wave"].astype(int)
    noise = rng.uniform(-0.1, 0.1, len(assessments))
    assessments["threats"] = [f"{v:.1f}" for v in (3.4 - 0.2 * wave + noise)]
    assessments["vulnerability"] = [f"{v:.1f}" for v in (1.6 + 0.9 * wave + noise)]
    assessments["resources"] = [f"{v:.1f}" for v in (3.0 + noise)]


SCENARIOS = {
    "random": lambda tables, rng: None,  # every value drawn at random, uniformly over what the codebook allows
    "against-bulletin-5": _against_bulletin_5,
    "quiet-period": _quiet_period,
}


def _data_origin(folder: Path) -> str | None:
    """The data_origin period.yml declares, or None when there is no readable one."""
    try:
        meta = yaml.safe_load((folder / "period.yml").read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):  # ValueError: not UTF-8, or a day not in the calendar
        return None
    return meta.get("data_origin") if isinstance(meta, dict) else None


class _Context:
    def __init__(self, rng, reference: Path, division: str, first: dt.date, last: dt.date, waves):
        self.rng, self.first, self.last, self.waves = rng, first, last, waves
        self.division = list(pd.read_csv(reference / "divisions" / f"{division}.csv")["code"])
        crosswalk = pd.read_csv(reference / "divisions" / f"{division}_cities.csv")
        gazetteer = pd.read_csv(reference / "gazetteer.csv", keep_default_na=False)
        self.places = list(gazetteer.loc[gazetteer["city"].isin(crosswalk["city"]), "name"])
        self.reference = reference
        # a name two places bear (Аксай) gets the region of the city it was drawn for, as an observer writes it
        places = Gazetteer.load(reference, division)
        oblast_of = dict(zip(crosswalk["city"], crosswalk["oblast"]))
        self.region_of_name = {name: oblast_of[city] for name, city in zip(gazetteer["name"], gazetteer["city"])
                               if city in oblast_of and len(places.places(name)[0]) > 1}

    def table(self, key, book, raw, rows, done) -> pd.DataFrame:
        if key == "regional_assessments":
            grid = pd.MultiIndex.from_product([self.division, [w["wave"] for w in self.waves]], names=["oblast", "wave"])
            frame = grid.to_frame(index=False).astype(str)
            rows = len(frame)
        elif key == "material_cases":
            pairs = set()
            materials, cases = list(done["materials"]["material_id"]), list(done["cases"]["case_id"])
            for m in materials:  # every material covers a case; some cover two
                pairs.add((m, cases[self.rng.integers(len(cases))]))
            while len(pairs) < rows:
                pairs.add((materials[self.rng.integers(len(materials))], cases[self.rng.integers(len(cases))]))
            return pd.DataFrame(sorted(pairs), columns=["material_id", "case_id"])
        else:
            frame = pd.DataFrame(index=range(rows))
        for column in raw.columns:
            if column.name in frame.columns:
                continue
            if column.may_be_absent:  # the oblast that decides an ambiguous place name; no random draw
                frame[column.name] = [self.region_of_name.get(p, "") for p in frame["place"]] if "place" in frame else ""
                continue
            frame[column.name] = self.column(column, book, raw, rows, done, frame)
        return frame

    def column(self, column, book, raw, n, done, frame):
        rng = self.rng
        if column.type == "id":
            width = max(3, len(str(n)))
            return [f"{raw.id_prefix}-{i:0{width}d}" for i in range(1, n + 1)]
        if column.type == "ref":
            target_file, target_column = column.ref.split(".")
            ids = done[target_file][target_column].to_numpy()
            if len(ids) <= n:  # every target is referenced at least once (each case has a violation)
                return list(rng.permutation(np.concatenate([ids, rng.choice(ids, n - len(ids))])))
            return list(rng.choice(ids, n))
        if column.type == "label":
            return [f"OBS-{i:02d}" for i in rng.integers(1, 17, n)]
        if column.type == "date":
            days = (self.last - self.first).days + 1
            return [(self.first + dt.timedelta(days=int(d))).isoformat() for d in rng.integers(0, days, n)]
        if column.type == "place":
            return list(rng.choice(self.places, n))
        if column.type == "code":
            if column.codes == "division":
                codes = self.division
            elif column.codes.startswith("reference/"):
                codes = list(pd.read_csv(self.reference / f"{column.codes.split('/', 1)[1]}.csv")["id"])
            else:
                codes = list(book.codes[column.codes])
            values = np.array(rng.choice(codes, n), dtype=object)
            condition = column.applies_when()
            if condition:
                other, wanted = condition
                values = np.where(frame[other].isin(wanted), values, "")
            elif not column.required:
                values = np.where(rng.random(n) < 0.05, "", values)
            return list(values)
        if column.type == "integer":
            low, high = RANGES.get(column.name, (column.min, column.max))
            return list(rng.integers(int(max(low, column.min)), int(min(high, column.max)) + 1, n))
        return [f"{v:.1f}" for v in rng.uniform(column.min, column.max, n)]
