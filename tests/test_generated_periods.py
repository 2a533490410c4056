"""Every claim on periods nobody designed: Hypothesis builds small raw periods in the codebook's
shape (a dozen respondents or none, everything in one region or category, ties everywhere, zeros,
empty groups, suppressed regions, one wave or a previous period to compare with), each part computes
its tables from them as in a run, and for every claim the case is one it declares, its sentences
print in both languages with nothing empty in them, and the truth check (pipeline/checker.py) finds
every assertion true. A claim added to a part is covered here without a line of this file changing.

The values come from bulletin No. 5's own raw files, column by column, so a new column of the
codebook is generated too; the generator draws a small palette of them per column (one or two
values, often the same for every row) to make ties and concentration the rule, not the exception.
Periods per test: GENERATED below (README.md gives the counts and the time).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import checker, claims
from pipeline.data import io
from pipeline.data.codebook import load_codebook
from pipeline.data.periods import load_period
from pipeline.outputs.claims import as_json, evaluate
from pipeline.outputs.datapackage import check_integers, tables_meta
from pipeline.parts import dynamics, incidents, media, overview, portrait, security
from pipeline.parts.inputs import PartInputs, load_inputs

PERIOD = "2015-08_2016-04"
# generated periods per test; HRD_GENERATED_PERIODS=N multiplies them by N (e.g. 25 for a thorough run).
# The questionnaires cost most (the regional counts' privacy audit solves small integer programs).
SCALE = int(os.environ.get("HRD_GENERATED_PERIODS", "1"))
GENERATED = {"survey": 30 * SCALE, "logs": 80 * SCALE, "dynamics": 200 * SCALE, "whole": 40 * SCALE}


def generated(kind: str):
    """Hypothesis settings: derandomized (the same periods on every machine, so CI and a developer
    see the same), no example database, no shrinking time limit worries (deadline off)."""
    return settings(max_examples=GENERATED[kind], deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@functools.lru_cache(maxsize=1)
def no5() -> tuple:
    """No. 5's period, raw tables (the palettes) and what each part reads of the reference data."""
    period = load_period(PERIOD)
    raw = io.load_raw(period)
    reference = {part.__name__: load_inputs(part, period).reference for part in (incidents, media)}
    return period, raw, io.load_division(period), reference


def palette(draw, values: list, allow_missing: bool = True):
    """One or two values of a column, sometimes with 'no answer' among them."""
    chosen = draw(st.lists(st.sampled_from(values), min_size=1, max_size=2, unique=True)) if values else []
    if allow_missing and (not chosen or draw(st.booleans())):
        chosen.append(None)
    return chosen


@functools.lru_cache(maxsize=None)
def observed(file: str, column: str) -> list:
    """The values No. 5's raw file holds in a column, each once."""
    return sorted({v for v in no5()[1][file][column].dropna().tolist()}, key=str)


def column_values(draw, file: str, column: str, rows: int, required: bool = False) -> list:
    choices = palette(draw, observed(file, column), allow_missing=not required)
    if len(choices) == 1:
        return choices * rows
    if draw(st.booleans()):  # the palette's values in turn: ties between them
        return [choices[i % len(choices)] for i in range(rows)]
    return draw(st.lists(st.sampled_from(choices), min_size=rows, max_size=rows))


@st.composite
def survey_raw(draw, raw: dict, units: list[str]) -> dict[str, pd.DataFrame]:
    """Questionnaires: none to a dozen of each group, in one to three regions, each answer drawn
    from a palette of one or two of No. 5's answers (an item asked only when another answer was
    given is left empty otherwise)."""
    book = load_codebook("survey")
    out = {}
    regions = draw(st.lists(st.sampled_from(units), min_size=1, max_size=3, unique=True))
    for group in ("individuals", "organizations"):
        template = raw[group]
        n = draw(st.integers(0, 12))
        frame = pd.DataFrame({"respondent_id": [f"{group[:3].upper()}-{i:03d}" for i in range(n)],
                              "oblast": [draw(st.sampled_from(regions)) for _ in range(n)]})
        for column in template.columns:
            if column not in frame:
                frame[column] = column_values(draw, group, column, n)
        for column in book.files[group].columns:
            condition = column.applies_when()
            if condition and column.name in frame:
                other, wanted = condition
                frame.loc[~frame[other].isin(wanted), column.name] = None
        out[group] = frame.astype({c: template[c].dtype for c in template.columns}, errors="ignore")
    return out


@st.composite
def incidents_raw(draw, raw: dict) -> dict[str, pd.DataFrame]:
    """A log of none to ten cases and up to fifteen violations, their places, categories, types,
    sources, court roles and responses each from a palette of one or two."""
    n_cases, n_violations = draw(st.integers(0, 10)), draw(st.integers(0, 15))
    if not n_cases:
        n_violations = 0
    cases = pd.DataFrame({"case_id": [f"CASE-{i:04d}" for i in range(n_cases)]})
    for column in raw["cases"].columns:
        if column not in cases:
            cases[column] = column_values(draw, "cases", column, n_cases, required=column in ("observer_id", "reported_on"))
    template = raw["violations"]
    places = template[["place", "city", "oblast"]].drop_duplicates().reset_index(drop=True)
    chosen = draw(st.lists(st.integers(0, len(places) - 1), min_size=1, max_size=3, unique=True))
    where = places.loc[[draw(st.sampled_from(chosen)) for _ in range(n_violations)]].reset_index(drop=True)
    violations = pd.DataFrame({"violation_id": [f"VIOL-{i:04d}" for i in range(n_violations)],
                               "case_id": [cases["case_id"].iloc[draw(st.integers(0, n_cases - 1))] for _ in range(n_violations)]
                               if n_cases else []})
    violations = pd.concat([violations, where], axis=1)
    for column in template.columns:
        if column not in violations:
            violations[column] = column_values(draw, "violations", column, n_violations,
                                               required=column in ("hrd_category", "threat_type", "source", "date"))
    return {"cases": cases.astype({c: raw["cases"][c].dtype for c in cases.columns}, errors="ignore"),
            "violations": violations.astype({c: template[c].dtype for c in template.columns}, errors="ignore")}


@st.composite
def media_raw(draw, raw: dict, period, cases: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Up to eight outlets (No. 5's, so their places hold together) and up to twelve materials, on
    days of the period, covering some of the cases."""
    outlets = raw["outlets"].sample(n=draw(st.integers(1, 8)), random_state=draw(st.integers(0, 999))).reset_index(drop=True)
    n = draw(st.integers(0, 12))
    first, last = period.waves[0]["first_day"], period.waves[-1]["last_day"]
    days = [first + dt.timedelta(days=d) for d in draw(st.lists(st.integers(0, (last - first).days), min_size=1, max_size=2))]
    materials = pd.DataFrame({"material_id": [f"MAT-{i:04d}" for i in range(n)],
                              "date": pd.to_datetime([draw(st.sampled_from(days)) for _ in range(n)]).astype(raw["materials"]["date"].dtype),
                              "outlet_id": [draw(st.sampled_from(list(outlets["outlet_id"]))) for _ in range(n)]})
    for column in ("genre", "tone"):
        materials[column] = column_values(draw, "materials", column, n, required=True)
    links = sorted({(m, c) for m in materials["material_id"] for c in cases["case_id"] if draw(st.integers(0, 3)) == 0})
    return {"outlets": outlets, "materials": materials.astype({"genre": "string", "tone": "string", "material_id": "string",
                                                               "outlet_id": "string"}),
            "material_cases": pd.DataFrame(links, columns=["material_id", "case_id"]).astype("string")}


@st.composite
def assessments_raw(draw, units: list[str], waves: list[int]) -> pd.DataFrame:
    """Regional self-assessments: one to all units, some waves, few assessors (so some are
    suppressed), scores from a palette of two or three (ties in risk)."""
    regions = draw(st.lists(st.sampled_from(units), min_size=1, max_size=len(units), unique=True))
    scores = draw(st.lists(st.sampled_from([1.0, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0]), min_size=1, max_size=3, unique=True))
    rows = []
    for region in regions:
        for wave in draw(st.lists(st.sampled_from(waves), min_size=1, max_size=len(waves), unique=True)):
            rows.append({"oblast": region, "wave": wave, "assessors": draw(st.integers(1, 8)),
                         **{s: draw(st.sampled_from(scores)) for s in ("threats", "vulnerability", "resources", "security")}})
    frame = pd.DataFrame(rows, columns=["oblast", "wave", "assessors", "threats", "vulnerability", "resources", "security"])
    return frame.astype({"oblast": "string", "wave": "Int64", "assessors": "Int64", "threats": "Float64",
                         "vulnerability": "Float64", "resources": "Float64", "security": "Float64"})


@st.composite
def periods(draw, parts: tuple = (overview, portrait, security, incidents, media, dynamics)) -> dict[str, pd.DataFrame]:
    """A generated period's tables, computed by the parts from its generated raw files."""
    period, raw, division, reference = no5()
    units = list(division["code"])
    waves = [w["wave"] for w in period.waves]
    period = dataclasses.replace(period, waves=period.waves[: draw(st.integers(1, len(waves)))])
    generated = {}  # only the raw files the parts read (what the overview reads of the others: empty files)
    if {overview, portrait, security} & set(parts):
        generated |= draw(survey_raw(raw, units))
    if {overview, incidents, media} & set(parts):
        generated |= draw(incidents_raw(raw))
    if {overview, media} & set(parts):
        generated |= draw(media_raw(raw, period, generated["cases"]))
    if {overview, dynamics} & set(parts):
        generated["regional_assessments"] = draw(assessments_raw(units, [w["wave"] for w in period.waves]))
    for name, frame in raw.items():
        generated.setdefault(name, frame.head(0))
    previous = None
    if dynamics in parts and draw(st.booleans()):  # a previous period on the same division to compare with
        before = PartInputs(period=period, raw={"regional_assessments": draw(assessments_raw(units, waves))}, division=division)
        previous = dynamics.tables(before)
    tables = {}
    for part in parts:
        inputs = PartInputs(period=period, raw=generated, division=division, reference=reference.get(part.__name__, {}),
                            previous=previous if part is dynamics else None)
        tables.update(part.tables(inputs))
    meta = tables_meta()
    for name, frame in tables.items():  # what save_tables checks before a run writes them
        check_integers(name, frame, meta[name].get("integers", []))
    return tables


def assert_every_claim_true(tables: dict) -> None:
    found = evaluate(tables)
    assert found, "no claim evaluated"
    for name, claim in found.items():
        assert claim.case in claims.CASES[name], name
        assert claim.asserts, f"{name} asserts nothing"
    rows = as_json(found)
    failures = checker.check(rows, tables)
    assert failures == [], "\n".join(map(str, failures)) + "\n" + "\n".join(f"{n}: {r['ru']}" for n, r in rows.items())


@generated("survey")
@given(periods(parts=(overview, portrait, security)))
def test_every_survey_claim_is_true_of_generated_questionnaires(tables):
    assert_every_claim_true(tables)


@generated("logs")
@given(periods(parts=(incidents, media)))
def test_every_incident_and_media_claim_is_true_of_generated_logs(tables):
    assert_every_claim_true(tables)


@generated("dynamics")
@given(periods(parts=(dynamics,)))
def test_every_dynamics_claim_is_true_of_generated_assessments(tables):
    assert_every_claim_true(tables)


def test_every_claim_is_true_of_whole_generated_periods():
    """Whole periods, every part at once; and the periods the issue names are among them (zeros,
    empty groups, ties at the top, one region, suppressed cells, hidden assessments, a previous
    period), found by drawing, not by design."""
    seen = set()

    @generated("whole")
    @given(periods())
    def every_claim_true(tables):
        assert_every_claim_true(tables)
        headlines = tables["period_headlines"].set_index("figure")["value"]
        respondents = tables["survey_respondents_by_oblast"]["respondents"]
        sources = tables["incidents_by_source"]["violations"]
        seen.update(feature for feature, present in (
            ("no individuals", headlines["individuals"] == 0), ("no violations", headlines["violations"] == 0),
            ("tie at the top", sources.max() > 0 and (sources == sources.max()).sum() > 1),
            ("suppressed region", respondents.isna().any()), ("one region", (respondents > 0).sum() == 1),
            ("hidden assessment", (tables["dynamics_units"]["status"] == "hidden").any()),
            ("previous period", "dynamics_vs_previous" in tables)) if present)

    every_claim_true()
    assert seen == {"no individuals", "no violations", "tie at the top", "suppressed region", "one region",
                    "hidden assessment", "previous period"}


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__, "-q"])
