"""The claims of a run: every part's claims (pipeline.claims) evaluated on the run's tables,
written to claims.json with their sentences, and compared with the previous period's."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from pipeline import checker
from pipeline.claims import Claim, Tables, evaluate_registered, sentence

# the parts declare their claims: importing them registers every claim
from pipeline.parts import dynamics, incidents, media, overview, portrait, security  # noqa: F401


def evaluate(tables: Tables) -> dict[str, Claim]:
    """Every claim whose tables are among `tables`."""
    return evaluate_registered(tables)


def as_json(claims: dict[str, Claim]) -> dict:
    return {name: {**asdict(c), "ru": sentence(c, "ru"), "en": sentence(c, "en")} for name, c in claims.items()}


def write_for_run(folder: Path, into: Path) -> dict[str, Claim]:
    """claims.json: every claim of the run's tables, with its sentences and what each asserts, after
    the truth check (pipeline.checker): a false assertion fails the step, naming the claim, and
    nothing is written."""
    tables = {p.stem: pd.read_parquet(p) for p in sorted((Path(folder) / "tables").glob("*.parquet"))}
    claims = evaluate(tables)
    check(as_json(claims), tables)
    into.mkdir(parents=True, exist_ok=True)
    (into / "claims.json").write_text(json.dumps(as_json(claims), ensure_ascii=False, indent=2, default=_plain) + "\n",
                                      encoding="utf-8")
    return claims


def run_step(run, into: Path, record) -> None:
    """The run's step `claims` (pipeline/steps.yml)."""
    write_for_run(run.folder, into)


def step_summary(run, record) -> str:
    """Every claim with its case, and which changed since the previous period: what an editor reads
    before the text (also in run.json, the step's `claims`)."""
    current = load(run.folder) or {}
    period = run.period
    previous = load(period.data_root / "processed" / period.previous) if period.previous else None
    record.details = {"claims": compared(current, previous)}
    changed = [n for n, c in record.details["claims"].items() if c["changed"]]
    lines = [f"{len(current)} claims" + (f", {len(changed)} changed since {period.previous}" if previous else "")]
    for name, row in record.details["claims"].items():
        lines.append(f"      {name}: {row['case']}" + (f"  (was {row['previous_case']})" if row["changed"] else ""))
    return "\n".join(lines)


def _plain(value):
    return value.item() if hasattr(value, "item") else str(value)


def compared(current: dict, previous: dict | None) -> dict[str, dict]:
    """Per claim (claims.json rows): its case, the previous period's case, and whether it changed."""
    previous = previous or {}
    return {name: {"case": row["case"], "previous_case": previous.get(name, {}).get("case"),
                   "changed": name in previous and previous[name]["case"] != row["case"]}
            for name, row in current.items()}


class ClaimsUntrue(Exception):
    """Claims whose assertions the tables contradict (pipeline.checker): nothing that says them is published."""

    def __init__(self, failures: list) -> None:
        self.failures = failures
        super().__init__(f"{len(failures)} claim assertion(s) false: " + "; ".join(map(str, failures[:5]))
                         + ("; ..." if len(failures) > 5 else ""))


def check(rows: dict, tables: Tables) -> None:
    """Every claim's assertions against the tables; raises ClaimsUntrue naming each false one."""
    failures = checker.check(rows, tables)
    if failures:
        raise ClaimsUntrue(failures)


def checked_claims(folder: Path, tables: Tables) -> dict:
    """The run's claims (claims.json; else decided from the tables now), checked against the tables."""
    stored = load(folder)
    rows = stored if stored is not None else as_json(evaluate(tables))
    check(rows, tables)
    return rows


def load(folder: Path) -> dict | None:
    path = Path(folder) / "claims.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
