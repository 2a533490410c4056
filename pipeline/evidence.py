"""How strong a sentence may be: the words for a share, the intervals of survey shares and the tests
behind a comparison, by the rules of pipeline/evidence.yml (thresholds and their sources).

    quantifier(7, 10)                 -> 'most'        (70 %; 'about_half' for 55 %, 'half' for 50 %)
    speakable(7, 10)                  -> True          (a base of 10 or more may be put into words)
    wilson(7, 10)                     -> (39.7, 89.2)  95 % interval, in percent
    compare_shares(9, 10, 2, 10)      -> ('greater', 0.0055)   Fisher's exact test
    paired_change([2.0, 3.1], [2.4, 3.9], [5, 6]) -> ('no_clear_change', 0.5)

The claims (pipeline/parts/*.py) decide their cases with these functions; pipeline/checker.py
verifies the outcome with its own code against the same rules.
"""
from __future__ import annotations

import math
from pathlib import Path

from pipeline.yamlfiles import read_yaml

RULES = read_yaml(Path(__file__).with_name("evidence.yml"))
ALPHA = float(RULES["alpha"])
MIN_BASE = int(RULES["min_base_words"])
CAUTION_BASE = int(RULES["caution_base"])
CONFIDENCE = float(RULES["confidence"])


def quantifier(count: int, base: int) -> str:
    """The most specific true word for count of base (rules: evidence.yml); base > 0."""
    if base <= 0:
        raise ValueError("a share of nobody has no word")
    p = count / base
    if count == 0:
        return "none"
    if count == base:
        return "all"
    if 2 * count == base:
        return "half"
    if p >= 0.9:
        return "almost_all"
    if p > RULES["most_over"]:
        return "most"
    if p >= 0.4:
        return "about_half"
    return "minority" if p >= RULES["minority_from"] else "few"


def speakable(count: int, base: int) -> bool:
    """Whether a survey share may be put into words: a base of at least MIN_BASE answers."""
    return base >= MIN_BASE


def wilson(count: int, base: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval of count/base, in percent (NaN for an empty base)."""
    if base <= 0:
        return float("nan"), float("nan")
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + confidence / 2))
    p = count / base
    centre = (p + z * z / (2 * base)) / (1 + z * z / base)
    half = z / (1 + z * z / base) * math.sqrt(p * (1 - p) / base + z * z / (4 * base * base))
    return 100 * max(0.0, centre - half), 100 * min(1.0, centre + half)


def compare_shares(count_a: int, base_a: int, count_b: int, base_b: int) -> tuple[str, float]:
    """('greater' | 'less' | 'no_clear_difference' | 'not_comparable', p) for share a against share b,
    by Fisher's exact test at ALPHA; not comparable when either base has fewer than MIN_BASE answers
    (evidence.yml: a share of fewer is never put into words, a comparison included)."""
    if not (base_a >= MIN_BASE and base_b >= MIN_BASE):
        return "not_comparable", float("nan")
    from scipy.stats import fisher_exact

    p = float(fisher_exact([[count_a, base_a - count_a], [count_b, base_b - count_b]]).pvalue)
    if p >= ALPHA:
        return "no_clear_difference", p
    return ("greater" if count_a / base_a > count_b / base_b else "less"), p


def compare_means(mean_a: float, sd_a: float, n_a: int, mean_b: float, sd_b: float, n_b: int) -> tuple[str, float]:
    """The same for two groups' means, by Welch's t-test from their summaries; not comparable when a
    group has fewer than MIN_BASE values (a mean of a few people is theirs, not a group's)."""
    if not (n_a >= MIN_BASE and n_b >= MIN_BASE) or any(map(math.isnan, (mean_a, sd_a, mean_b, sd_b))):
        return "not_comparable", float("nan")
    if sd_a == 0 and sd_b == 0:  # no spread at all: the means differ or they do not
        return ("no_clear_difference", 1.0) if mean_a == mean_b else (("greater" if mean_a > mean_b else "less"), 0.0)
    from scipy.stats import ttest_ind_from_stats

    p = float(ttest_ind_from_stats(mean_a, sd_a, n_a, mean_b, sd_b, n_b, equal_var=False).pvalue)
    if p >= ALPHA:
        return "no_clear_difference", p
    return ("greater" if mean_a > mean_b else "less"), p


def paired_change(before, after, weights) -> tuple[str, float]:
    """('up' | 'down' | 'no_clear_change', p): the weighted mean change of paired regional scores,
    tested by flipping the sign of each region's change (all 2^n flips up to
    exact_permutations_up_to regions, else a fixed-seed random sample of random_permutations); the
    p-value is the share of flips whose |mean change| reaches the observed one. 'no_clear_change'
    for fewer than two regions."""
    import numpy as np

    before, after, weights = (np.asarray(x, dtype="float64") for x in (before, after, weights))
    n = len(before)
    if n < 2:
        return "no_clear_change", float("nan")
    changes = weights * (after - before) / weights.sum()
    observed = changes.sum()
    if observed == 0:
        return "no_clear_change", 1.0
    if n <= RULES["exact_permutations_up_to"]:  # every flip: the sums of each half's flips, added pairwise
        def sums(part):
            return (1 - 2 * ((np.arange(2 ** len(part))[:, None] >> np.arange(len(part))) & 1)) @ part
        flipped = np.abs(sums(changes[: n // 2])[:, None] + sums(changes[n // 2:])[None, :]).ravel()
    else:
        flipped = np.abs(np.random.default_rng(0).choice([-1, 1], size=(RULES["random_permutations"], n)) @ changes)
    p = float(np.mean(flipped >= abs(observed) * (1 - 1e-12)))
    if p >= ALPHA:
        return "no_clear_change", p
    return ("up" if observed > 0 else "down"), p
