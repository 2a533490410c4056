"""Published figures (published_figures.yml): reading them and the arithmetic of printed numbers.

A printed percentage like 68.3 stands for any share in [68.25, 68.35]; with a base n, only some
whole counts k fit. These helpers are shared by the reconstruction (which must hit the printed
figures) and the reconciliation (which checks them), so both read the printed figures alike.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator

import yaml

from pipeline.data.errors import InputError, Problem
from pipeline.yamlfiles import NoAliases, read_yaml

ANNOTATIONS = {"note", "scale"}  # keys that describe a figure rather than being one


class _PublishedLoader(NoAliases, yaml.SafeLoader):
    """Written by an editor: PyYAML's own reader, whose messages show the line (not libyaml's)."""


PUBLISHED_MAX_BYTES = 5_000_000


def load_published(path: str | Path) -> dict:
    path = Path(path)
    if path.stat().st_size > PUBLISHED_MAX_BYTES:
        raise InputError([Problem(str(path), None, None, f"{path.stat().st_size:,} bytes",
                                  f"published figures of at most {PUBLISHED_MAX_BYTES:,} bytes (No. 5's: 10,000)")])
    try:
        return _plain_keys(yaml.load(path.read_text(encoding="utf-8"), Loader=_PublishedLoader))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError([Problem(str(path), None, None, None, f"valid YAML in UTF-8 ({exc})")]) from None


def _plain_keys(tree):
    """YAML 1.1 reads the keys yes/no as booleans; the figures mean the answers 'yes' and 'no'."""
    if not isinstance(tree, dict):
        return tree
    return {({True: "yes", False: "no"}.get(k, k) if isinstance(k, bool) else k): _plain_keys(v)
            for k, v in tree.items()}


def decimals_of(value: float | int) -> int:
    """Decimals as printed: 61 -> 0, 68.3 -> 1, 50.0 -> 1 (YAML keeps 50.0 a float)."""
    if isinstance(value, bool) or isinstance(value, int):
        return 0
    exponent = Decimal(repr(value)).as_tuple().exponent
    return max(0, -int(exponent))


def tolerance(value: float | int) -> float:
    """Half a unit of the last printed decimal: the rounding a printed number hides."""
    return 0.5 * 10 ** -decimals_of(value) + 1e-9


def agrees(published: float | int, recomputed: float) -> bool:
    return abs(float(recomputed) - float(published)) <= tolerance(published)


def counts_fitting(pct: float | int, base: int) -> list[int]:
    """Whole counts k with 100*k/base printed as pct."""
    return [k for k in range(base + 1) if agrees(pct, 100 * k / base)]


def base_and_count(pct: float | int, largest_base: int) -> tuple[int, int]:
    """The largest base <= largest_base (least item non-response) that some count fits, and that count."""
    for base in range(largest_base, 0, -1):
        fits = counts_fitting(pct, base)
        if fits:
            return base, min(fits, key=lambda k: abs(100 * k / base - pct))
    raise ValueError(f"no base up to {largest_base} fits {pct}%")


def sum_for_mean(mean: float | int, n: int) -> int:
    """The whole-number total of n values whose mean prints as `mean`, nearest to mean * n."""
    fits = [s for s in range(int((mean - 1) * n), int((mean + 1) * n) + 2) if agrees(mean, s / n)]
    if not fits:
        raise ValueError(f"no whole total of {n} values has mean {mean}")
    return min(fits, key=lambda s: abs(s - mean * n))


def leaves(tree: dict, prefix: str = "") -> Iterator[tuple[str, Any, dict]]:
    """(dotted path, value, annotations of its parent) for every figure in the tree."""
    notes = {k: v for k, v in tree.items() if k in ANNOTATIONS}
    for key, value in tree.items():
        if key in ANNOTATIONS:
            continue
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            yield from leaves(value, path)
        else:
            yield path, value, notes


CHECKS_PATH = Path(__file__).with_name("published_figures.checks.yml")


def check_published(tree: dict, source: str = "published_figures.yml") -> list:
    """Shares that must add up to 100 (one answer per respondent) do, within their printed rounding."""
    checks = read_yaml(CHECKS_PATH)
    problems = []
    for path in checks["sum_to_100"]:
        node = tree
        for key in path.split("."):
            node = node.get(key, {}) if isinstance(node, dict) else {}
        if not node:
            continue
        groups = {None: node}
        first = next(iter(node.values()))
        if isinstance(first, dict) and "pct" not in first:  # answer -> group -> {pct}
            groups = {g: {a: v[g] for a, v in node.items() if g in v} for g in first}
        for group, answers in groups.items():
            pcts = [v["pct"] for v in answers.values() if isinstance(v, dict) and "pct" in v]
            total = sum(pcts)
            slack = sum(tolerance(p) for p in pcts)
            if abs(total - 100) > slack:
                where = path + (f" ({group})" if group else "")
                problems.append(Problem(source, None, where, round(total, 2),
                                        f"shares adding up to 100 within their rounding (±{slack:.2f})"))
    return problems
