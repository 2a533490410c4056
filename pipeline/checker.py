"""The truth check: what every claim's sentence asserts, verified against the period's tables by code
that shares nothing with the claims (pipeline/parts/*.py) but the rules of pipeline/evidence.yml.

A claim states its assertions as data (pipeline.claims: where, ref, share_of, ranked, difference,
change); this module reads the tables itself and checks each one:

    value       the number quoted is the table's, and not empty
    share       count and base are the table's, the base is not empty, the word ("most", "half",
                ...) meets its rule, no word for a survey share on a base below the minimum, the
                percentage printed is count / base
    top/bottom  the items named are exactly the n largest (smallest) rows, every tie included,
                no zero named, none of those already named; "the most" never names every row there is
    members     the items named are exactly the rows a condition selects
    absent      the table a sentence says there is none of is not there
    relation    one number stands to another as said (above the mean; enough answers for a mean)
    ratio       the ratio printed is the numbers' ("about 10 to 1")
    difference  the relation ("greater", "no_clear_difference", ...) is what the test says at alpha
                (Fisher's exact test for shares, Welch's t-test for means)
    change      the direction ("up", "down", "no_clear_change") is what a paired permutation test
                of the regions' changes says at alpha

and of the sentences: no empty value printed ("nan", "—"), no placeholder left, a capital first.

    failures = check(claims_json, tables)     # [] when every claim is true
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.yamlfiles import read_yaml

RULES = read_yaml(Path(__file__).with_name("evidence.yml"))
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Failure:
    claim: str
    message: str

    def __str__(self) -> str:
        return f"claim {self.claim}: {self.message}"


class Untrue(Exception):
    """An assertion that does not hold (its message says why)."""


def check(claims: dict[str, dict], tables: dict[str, pd.DataFrame]) -> list[Failure]:
    """Every failed assertion of every claim (claims.json rows: case, values, asserts, ru, en)."""
    failures = []
    for name, row in claims.items():
        if not row.get("asserts"):
            failures.append(Failure(name, "asserts nothing that can be checked"))
        for assertion in row.get("asserts", ()):
            try:
                CHECKS[assertion["kind"]](assertion, tables, row.get("values", {}))
            except Untrue as untrue:
                failures.append(Failure(name, f"{assertion['kind']}: {untrue}"))
            except (KeyError, IndexError, TypeError, ValueError) as error:
                failures.append(Failure(name, f"{assertion.get('kind')}: cannot be checked ({type(error).__name__}: {error})"))
        for lang in ("ru", "en"):
            if lang in row:
                failures += [Failure(name, f"{lang} sentence: {problem}") for problem in sentence_problems(row[lang])]
    return failures


EMPTY = re.compile(r"(?<![\w-])(nan|NaN|inf)(?![\w])|[—–]%|\s—\s*[.;,)]|\s—$|\{\w")


def sentence_problems(text: str) -> list[str]:
    """What a printed sentence must never hold: an empty value, a placeholder left, a lower-case start."""
    problems = []
    if EMPTY.search(text):
        problems.append(f"prints an empty value or a placeholder: {text!r}")
    if text[:1].islower():
        problems.append(f"starts with a small letter: {text!r}")
    return problems


# --- the tables ------------------------------------------------------------------------------------
def _compare(values: np.ndarray, op: str, value) -> np.ndarray:
    """A condition on a column's values (objects: missing values never meet a comparison)."""
    missing = pd.isna(values)
    if op == "isna":
        return missing
    if op == "notna":
        return ~missing
    if op == "in":
        return np.isin(values, list(value)) & ~missing
    present = np.zeros(len(values), dtype=bool)
    ok = ~missing
    compare = {"==": np.equal, "!=": np.not_equal, ">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal}[op]
    present[ok] = compare(values[ok], value)
    return present


def mask_of(frame: pd.DataFrame, conditions: list) -> np.ndarray:
    mask = np.ones(len(frame), dtype=bool)
    for column, op, value in conditions:
        mask &= _compare(frame[column].to_numpy(dtype=object), op, value)
    return mask


def rows_of(tables, table: str, conditions: list) -> pd.DataFrame:
    frame = tables[table]
    return frame[mask_of(frame, conditions)] if conditions else frame


def number(tables, reference: dict) -> float:
    """The number a reference names, read from the table."""
    frame = tables[reference["table"]]
    mask = mask_of(frame, reference.get("where", []))  # one column is read: no copy of the rows
    agg = reference.get("agg", "one")
    if agg == "rows":
        return float(mask.sum())
    values = frame[reference["column"]][mask]
    if agg == "one":
        if len(values) != 1:
            raise Untrue(f"{reference['table']} {reference['where']}: {len(values)} rows, expected one")
        return float(values.iloc[0]) if pd.notna(values.iloc[0]) else math.nan
    if values.isna().any() or values.empty:
        return math.nan
    return float(getattr(values.astype("float64"), agg)())


def same(a: float, b: float) -> bool:
    return not (math.isnan(a) or math.isnan(b)) and abs(a - b) <= TOLERANCE * max(1.0, abs(a), abs(b))


def read(tables, reference: dict) -> float:
    """The referenced number, which must be what the sentence quotes and not empty."""
    found = number(tables, reference)
    if math.isnan(found):
        raise Untrue(f"{reference['table']}.{reference['column']} {reference['where']} is empty, yet quoted")
    quoted = reference.get("value")
    if quoted is not None and not same(found, float(quoted)):
        raise Untrue(f"quotes {quoted} for {reference['table']}.{reference['column']} {reference['where']}, the table has {found:g}")
    return found


def quoted_value(values: dict, key: str | None, expected: float, what: str) -> None:
    if key is None:
        return
    value = values.get(key)
    if value is None or not same(float(value), expected):
        raise Untrue(f"the sentence prints {key} = {value}, {what} is {expected:g}")


# --- the assertions ----------------------------------------------------------------------------------
def check_value(assertion, tables, values) -> None:
    quoted_value(values, assertion.get("key"), read(tables, assertion["of"]), "the table's value")


def quantifier_holds(word: str, count: float, base: float) -> bool:
    """The rule of evidence.yml for the word, on count / base."""
    rule, p = RULES["quantifiers"][word], count / base
    tests = {"equals": lambda x: math.isclose(p, x), "above": lambda x: p > x, "below": lambda x: p < x,
             "at_least": lambda x: p >= x, "at_most": lambda x: p <= x, "not": lambda x: not math.isclose(p, x)}
    return all(tests[kind](bound) for kind, bound in rule.items())


def check_share(assertion, tables, values) -> None:
    count, base = read(tables, assertion["count"]), read(tables, assertion["base"])
    if base <= 0:
        raise Untrue("a share of an empty base")
    if not 0 <= count <= base:
        raise Untrue(f"count {count:g} is not within its base {base:g}")
    word = assertion.get("quantifier")
    if word is not None:
        if word not in RULES["quantifiers"]:
            raise Untrue(f"{word!r} is not a word of evidence.yml")
        if assertion.get("sample") and base < RULES["min_base_words"]:
            raise Untrue(f"says {word!r} of a survey share on {base:g} answers (words need {RULES['min_base_words']})")
        if not quantifier_holds(word, count, base):
            raise Untrue(f"says {word!r} of {count:g} of {base:g} ({100 * count / base:.1f}%)")
    quoted_value(values, assertion.get("key"), 100 * count / base, "the share")


def check_ranked(assertion, tables, values) -> None:
    rows = rows_of(tables, assertion["table"], assertion.get("where", []))
    key, by, n = assertion["key"], assertion["by"], int(assertion["n"])
    named = list(assertion["items"])
    scores = rows.set_index(key)[by].astype("float64")
    missing = [item for item in named if item not in scores.index]
    if missing:
        raise Untrue(f"names {missing}, which {assertion['table']} does not hold")
    if assertion.get("positive", True):
        zeros = [item for item in named if not scores[item] > 0]
        if zeros:
            raise Untrue(f"ranks {zeros}, with {by} 0 or empty")
        scores = scores[scores > 0]
    scores = scores.dropna().drop(index=[x for x in assertion.get("excluding", []) if x in scores.index])
    overlap = set(named) & set(assertion.get("excluding", []))
    if overlap:
        raise Untrue(f"names {sorted(overlap)} again, already named")
    if scores.empty or n == 0:
        if named:
            raise Untrue(f"names {named} where nothing ranks")
        return
    ordered = np.sort(scores.to_numpy())
    if assertion["kind"] == "top":
        cut = ordered[::-1][min(n, len(ordered)) - 1]
        expected = set(scores.index[scores >= cut])
    else:
        cut = ordered[min(n, len(ordered)) - 1]
        expected = set(scores.index[scores <= cut])
    if assertion["kind"] == "bottom" and assertion.get("excluding") and (n == 0 or expected == set(scores.index)):
        expected = set()  # "the lowest" never names every row but the top (nor any, when one row is left)
    if (assertion["kind"] == "top" and assertion.get("superlative", True) and not assertion.get("excluding")
            and len(named) > 1 and set(named) == set(scores.index)):
        raise Untrue(f"calls every one of {sorted(named, key=str)} the most: a superlative that singles out nothing")
    if set(named) != expected:
        left_out, wrong = sorted(expected - set(named), key=str), sorted(set(named) - expected, key=str)
        raise Untrue(f"{assertion['kind']} {n} by {by} of {assertion['table']} is {sorted(expected, key=str)}"
                     + (f"; left out (ties included): {left_out}" if left_out else "")
                     + (f"; named wrongly: {wrong}" if wrong else ""))


def check_members(assertion, tables, values) -> None:
    rows = rows_of(tables, assertion["table"], assertion.get("where", []))
    expected, named = set(rows[assertion["key"]]), set(assertion["items"])
    if expected != named:
        raise Untrue(f"names {sorted(named, key=str)}, the rows {assertion['where']} of {assertion['table']} are "
                     f"{sorted(expected, key=str)}")


def value_of(tables, side) -> float:
    return float(side) if isinstance(side, (int, float)) else read(tables, side)


def check_relation(assertion, tables, values) -> None:
    a, b, op = value_of(tables, assertion["a"]), value_of(tables, assertion["b"]), assertion["op"]
    holds = {">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b, "==": same(a, b), "!=": not same(a, b)}[op]
    if not holds:
        raise Untrue(f"says {a:g} {op} {b:g}")


def check_ratio(assertion, tables, values) -> None:
    numerator, denominator = read(tables, assertion["numerator"]), read(tables, assertion["denominator"])
    if denominator == 0:
        raise Untrue("a ratio to zero")
    expected = float(round(numerator / denominator, assertion.get("decimals", 0)))
    quoted_value(values, assertion["key"], expected, "the ratio")


def check_absent(assertion, tables, values) -> None:
    """Nothing to compare: the table is not among the period's (no previous period compared)."""
    if assertion["table"] in tables and len(tables[assertion["table"]]):
        raise Untrue(f"says there is no {assertion['table']}, yet the period has one")


def fisher_exact_p(a: float, b: float, c: float, d: float) -> float:
    """Two-sided p of Fisher's exact test of the 2x2 table [[a, b], [c, d]]: the probability, with
    the margins fixed, of every table no more likely than the one observed (hypergeometric, by
    log-gamma; written here rather than taken from scipy.stats, which the claims use)."""
    a, b, c, d = (int(round(x)) for x in (a, b, c, d))
    row, other, column = a + b, c + d, a + c

    def log_p(x: int) -> float:
        return (math.lgamma(row + 1) - math.lgamma(x + 1) - math.lgamma(row - x + 1)
                + math.lgamma(other + 1) - math.lgamma(column - x + 1) - math.lgamma(other - column + x + 1)
                - math.lgamma(row + other + 1) + math.lgamma(column + 1) + math.lgamma(row + other - column + 1))

    observed = log_p(a)
    tables = range(max(0, column - other), min(row, column) + 1)
    return min(1.0, sum(math.exp(log_p(x)) for x in tables if log_p(x) <= observed + 1e-7))


def welch_p(ma: float, sa: float, na: float, mb: float, sb: float, nb: float) -> float:
    """Two-sided p of Welch's t-test from two groups' means, standard deviations and sizes: the
    Student t tail as the regularized incomplete beta function I_x(df/2, 1/2), x = df / (df + t^2)
    (computed here by its continued fraction; importing scipy.special would cost a render 0.3 s)."""
    va, vb = sa * sa / na, sb * sb / nb
    t = (ma - mb) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va * va / (na - 1) + vb * vb / (nb - 1))
    return min(1.0, _incomplete_beta(df / 2, 0.5, df / (df + t * t)))


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b), by Lentz's continued fraction."""
    if x <= 0 or x >= 1:
        return 0.0 if x <= 0 else 1.0
    if x > (a + 1) / (a + b + 2):  # the fraction converges fast on this side only
        return 1.0 - _incomplete_beta(b, a, 1 - x)
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)) / a
    tiny, f, c, d = 1e-300, 1.0, 1.0, 0.0
    for i in range(400):
        m = i // 2
        if i == 0:
            term = 1.0
        elif i % 2:
            term = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        else:
            term = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        d = 1.0 + term * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + term / c
        c = c if abs(c) > tiny else tiny
        f *= c * d
        if abs(1.0 - c * d) < 1e-15:
            break
    return front * (f - 1.0)


def check_difference(assertion, tables, values) -> None:
    relation, alpha = assertion["relation"], RULES["alpha"]
    a, b = assertion["a"], assertion["b"]
    if assertion["test"] == "shares":
        ca, na, cb, nb = (number(tables, r) for r in (a["count"], a["base"], b["count"], b["base"]))
        if not (na >= RULES["min_base_words"] and nb >= RULES["min_base_words"]):  # too few to compare, as for means
            outcome = "not_comparable"
        else:
            p = fisher_exact_p(ca, na - ca, cb, nb - cb)
            outcome = "no_clear_difference" if p >= alpha else "greater" if ca / na > cb / nb else "less"
    else:
        ma, sa, na, mb, sb, nb = (number(tables, r) for r in (a["mean"], a["sd"], a["n"], b["mean"], b["sd"], b["n"]))
        if not (na >= RULES["min_base_words"] and nb >= RULES["min_base_words"]) or any(math.isnan(x) for x in (ma, sa, mb, sb)):
            outcome = "not_comparable"
        elif sa == 0 and sb == 0:
            outcome = "no_clear_difference" if ma == mb else "greater" if ma > mb else "less"
        else:
            p = welch_p(ma, sa, na, mb, sb, nb)
            outcome = "no_clear_difference" if p >= alpha else "greater" if ma > mb else "less"
    if outcome != relation:
        raise Untrue(f"says {relation!r}, the {assertion['test']} test at {alpha} gives {outcome!r}")


def check_change(assertion, tables, values) -> None:
    key = assertion["key"]
    before = rows_of(tables, assertion["table"], assertion["before"].get("where", []))
    after = rows_of(tables, assertion["table"], assertion["after"].get("where", []))
    pairs = before.merge(after, on=key, suffixes=("_before", "_after"))
    column_before = assertion["before"]["column"] + ("_before" if assertion["before"]["column"] in after.columns else "")
    column_after = assertion["after"]["column"] + ("_after" if assertion["after"]["column"] in before.columns else "")
    pairs = pairs.dropna(subset=[column_before, column_after])
    x, y = pairs[column_before].to_numpy(float), pairs[column_after].to_numpy(float)
    weight_columns = [c + s if c + s in pairs.columns else c for c in assertion["weights"] for s in ("_before", "_after")]
    weights = pairs[list(dict.fromkeys(weight_columns))].to_numpy(float).mean(axis=1)
    outcome = "no_clear_change"
    if len(x) >= 2 and (y - x).any():
        outcome = sign_flip_direction(x, y, weights)
    national = assertion.get("national")
    if national:  # the national means quoted beside it must move the same way, or no direction is stated
        first, last = read(tables, national["first"]), read(tables, national["last"])
        if (outcome == "up" and last <= first) or (outcome == "down" and last >= first):
            outcome = "no_clear_change"
    if outcome != assertion["direction"]:
        raise Untrue(f"says {assertion['direction']!r} over {len(x)} regions, the paired permutation test gives {outcome!r}")


def sign_flip_direction(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> str:
    """The direction of the weighted mean change y - x, if a sign-flip permutation test at alpha
    supports one: every flip up to exact_permutations_up_to pairs, else a seeded random sample
    (scipy's permutation_test, one-sided both ways, doubled)."""
    def statistic(u, v, axis=-1):
        return np.sum(weights * (v - u), axis=axis) / weights.sum()

    observed = statistic(x, y)
    if len(x) <= RULES["exact_permutations_up_to"]:  # the exact null distribution: all 2^n sign flips
        parts = np.array_split(weights * (y - x) / weights.sum(), 2)
        flips = [np.array(np.meshgrid(*[[-1, 1]] * len(part), indexing="ij")).reshape(len(part), -1).T @ part
                 if len(part) else np.zeros(1) for part in parts]
        null = (flips[0][:, None] + flips[1][None, :]).ravel()
        p = min(1.0, 2 * min(np.mean(null >= observed - 1e-12), np.mean(null <= observed + 1e-12)))
    else:
        from scipy import stats

        p = stats.permutation_test((x, y), statistic, permutation_type="samples", vectorized=True,
                                   n_resamples=RULES["random_permutations"], rng=np.random.default_rng(0)).pvalue
    if p >= RULES["alpha"]:
        return "no_clear_change"
    return "up" if observed > 0 else "down"


CHECKS = {"value": check_value, "share": check_share, "top": check_ranked, "bottom": check_ranked, "members": check_members, "absent": check_absent,
          "relation": check_relation, "ratio": check_ratio,
          "difference": check_difference, "change": check_change}
