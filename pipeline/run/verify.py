"""`hrd-bulletin verify`: for reviewers, every output of a period, equal or different against a run
record (someone else's run.json, or the period's own).

    hrd-bulletin verify 2015-08_2016-04 --against their/run.json           # the published outputs
    hrd-bulletin verify 2015-08_2016-04 --rerun --against their/run.json   # a fresh run of the raw data

Outputs that carry the time of their making (executed notebooks, the bulletin) differ from run to
run by design (pipeline/run/notebooks.py lists what varies): they are shown, marked as such, and do
not count against the verdict. The inputs are compared too: different inputs explain different outputs.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from pipeline.checksums import sha256
from pipeline.data.errors import InputError, Problem
from pipeline.data.periods import load_period
from pipeline.outputs.processed import published_folder

VOLATILE = ("notebooks/", "bulletin/", "bulletin-outdated/",
            "bulletin-data/ru.yml", "bulletin-data/en.yml")  # the content quotes the run record: its date, versions


def verify(period_id: str, data_root: str | os.PathLike | None = None, against: str | os.PathLike | None = None,
           rerun: bool = False) -> tuple[str, bool]:
    """A report of every output and input against the record, and whether they agree (the outputs
    that carry times aside)."""
    period = load_period(period_id, data_root)
    record_path = Path(against) if against else published_folder(period) / "run.json"
    if not record_path.is_file():
        raise InputError([Problem(str(record_path), None, None, None,
                                  "a run record (run.json): run the period, or give --against <run.json>")])
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError([Problem(str(record_path), None, None, None, f"a run record in JSON ({exc})")]) from None
    if not isinstance(record, dict) or not record.get("outputs"):
        raise InputError([Problem(str(record_path), None, "outputs", None, "a run record listing the run's outputs")])
    problems = [Problem(str(record_path), None, "period", record.get("period"), f"a run record of period {period.id}")
                ] if record.get("period") != period.id else []
    for key in ("inputs", "outputs"):
        listed = record.get(key, {})
        if not isinstance(listed, dict) or not all(isinstance(v, str) for v in listed.values()):
            problems.append(Problem(str(record_path), None, key, str(listed)[:60], "file names mapped to SHA-256 digests"))
        else:  # never a file outside the data root (inputs) or the period's outputs: a record is someone else's text
            problems += [Problem(str(record_path), None, key, name[:80], "a relative path inside the data root, without '..'")
                         for name in listed if Path(name).is_absolute() or ".." in Path(name).parts]
    if problems:
        raise InputError(problems)
    scratch = None
    try:
        if rerun:
            scratch = Path(tempfile.mkdtemp(prefix="hrd-verify-"))
            folder = _run_again(period, scratch)
            source = f"a fresh run of {period.id} (no bulletin)"
        else:
            folder = published_folder(period)
            source = str(folder)
        outputs = {p.relative_to(folder).as_posix(): sha256(p) for p in sorted(folder.rglob("*"))
                   if p.is_file() and p.name != "run.json"}
        inputs = {name: sha256(period.data_root / name) for name in record.get("inputs", {})
                  if (period.data_root / name).is_file()}
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    lines = [f"{period.id}: {source} against {record_path} (run of {record.get('started', '?')})", ""]
    agree, not_made = True, 0
    for kind, recorded, current in (("input", record.get("inputs", {}), inputs), ("output", record.get("outputs", {}), outputs)):
        for name in sorted(set(recorded) | set(current)):
            if rerun and kind == "output" and name.startswith(VOLATILE) and name not in current:
                not_made += 1  # not made by a run without the bulletin: said below
                continue
            state = ("equal" if recorded.get(name) == current.get(name) else
                     "missing" if name not in current else "not in the record" if name not in recorded else "different")
            volatile = kind == "output" and name.startswith(VOLATILE) and state == "different"
            if state != "equal" and not volatile:
                agree = False
            lines.append(f"{state + (' (carries times: expected)' if volatile else ''):<40} {kind:<6} {name}")
    counted = [line.split("  ")[0].strip() for line in lines[2:]]
    summary = f"{'AGREE' if agree else 'DIFFER'}: " + ", ".join(f"{counted.count(s)} {s}" for s in dict.fromkeys(counted))
    differences = [line for line in lines[2:] if not line.startswith(("equal", "different (carries"))]
    # the verdict and what differs first: a reviewer should not look for one line among two hundred
    lines = [lines[0], summary, *(["", "differences:", *differences] if differences else []), "", "every file:", *lines[2:],
             "", summary]
    if not_made:
        lines += [f"not compared: {not_made} file(s) of the bulletin in the record (a run again makes no bulletin)"]
    code = _code_differences(record)
    if code:  # different code may explain different outputs; it does not decide the verdict
        lines += [f"the code differs from the record's in {len(code)} file(s): {', '.join(code[:8])}"
                  + (" ..." if len(code) > 8 else "")]
    return "\n".join(lines), agree


def _code_differences(record: dict) -> list[str]:
    from pipeline.paths import REPO_ROOT

    return sorted(name for name, digest in record.get("code", {}).items()
                  if not (REPO_ROOT / name).is_file() or sha256(REPO_ROOT / name) != digest)


def _run_again(period, scratch: Path) -> Path:
    """The period run from its raw data (and the previous period's tables) in a data root of its own."""
    from pipeline.run.engine import run_period

    root = scratch / "data"
    shutil.copytree(period.raw_dir, root / "raw" / period.id)
    shutil.copytree(period.reference_dir, root / "raw" / "reference")
    if period.previous:
        shutil.copytree(period.data_root / "raw" / period.previous, root / "raw" / period.previous)
        previous = period.data_root / "processed" / period.previous
        if previous.is_dir():
            shutil.copytree(previous, root / "processed" / period.previous)
    (root / "processed").mkdir(parents=True, exist_ok=True)
    return run_period(period.id, root, progress=False, bulletin=False).output_dir
