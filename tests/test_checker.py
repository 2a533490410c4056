"""The truth check (pipeline/checker.py) on hand-made tables: for each class of false sentence the
issue found in hand-built periods, an assertion that says it is caught, and the true one beside it
passes. The checker shares no code with the claims: these assertions are written by hand here."""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline import checker
from pipeline.claims import change, difference, members, quoted, ranked, ref, share_of, where

SOURCES = pd.DataFrame({"source": ["knb", "akimat", "business", "court", "police"], "violations": [5, 5, 0, 0, 2]})
SHARES = pd.DataFrame({"group": ["all", "all", "individuals", "organizations", "individuals", "organizations", "individuals", "organizations"],
                       "item": ["coalition", "training", "alarm", "alarm", "protocol", "protocol", "locks", "locks"],
                       "answer": ["member", "no", "no", "no", "no", "no", "no", "no"],
                       "count": [5, 7, 3, 1, 60, 20, 7, 3], "base": [10, 7, 4, 4, 80, 80, 10, 10]})
REGIONS = pd.DataFrame({"oblast": ["A", "B", "C"], "risk": [4.0, 1.0, 1.5], "security_level": ["high", "low", "high"]})
TABLES = {"incidents_by_source": SOURCES, "survey_security_shares": SHARES, "dynamics_regions": REGIONS}


def failures(*asserts, values=None, ru="Верное предложение.", tables=TABLES) -> list[str]:
    rows = {"test.claim": {"case": "x", "values": values or {}, "asserts": list(asserts), "ru": ru, "en": "A true sentence."}}
    return [f.message for f in checker.check(rows, tables)]


def survey(item, group, answer, count, base):
    rows = where(group=group, item=item, answer=answer)
    return ref("survey_security_shares", "count", count, rows), ref("survey_security_shares", "base", base, rows)


def test_a_tie_cut_is_caught():
    assert failures(ranked("top", "incidents_by_source", "source", "violations", ["knb", "akimat"], 1)) == []
    [message] = failures(ranked("top", "incidents_by_source", "source", "violations", ["knb"], 1))
    assert "left out (ties included): ['akimat']" in message


def test_a_superlative_that_singles_out_nothing_is_caught():
    """Every source with a violation called "the most frequent": a list, not a ranking."""
    two = SOURCES.assign(violations=[5, 5, 0, 0, 0])
    said = ranked("top", "incidents_by_source", "source", "violations", ["knb", "akimat"], 1)
    assert "singles out nothing" in failures(said, tables={"incidents_by_source": two})[0]
    assert failures({**said, "superlative": False}, tables={"incidents_by_source": two}) == []


def test_a_zero_ranked_is_caught():
    [message] = failures(ranked("top", "incidents_by_source", "source", "violations", ["knb", "akimat", "business"], 3))
    assert "ranks ['business'], with violations 0" in message


def test_an_empty_base_and_an_empty_value_are_caught():
    empty = SOURCES.assign(violations=0)
    assert "a share of an empty base" in failures(
        share_of(ref("incidents_by_source", "violations", 0, where(source="knb")),
                 ref("incidents_by_source", "violations", 0, agg="sum"), None, sample=False), tables={"incidents_by_source": empty})[0]
    nothing = pd.DataFrame({"measure": ["convictions_per_acquittal"], "value": [float("nan")]})
    assert "is empty, yet quoted" in failures(quoted(ref("s", "value", None, where(measure="convictions_per_acquittal"))),
                                              tables={"s": nothing})[0]
    assert any("empty value" in m for m in failures(quoted(ref("incidents_by_source", "violations", 5, where(source="knb"))),
                                                    ru="Осуждений на одно оправдание — —."))
    assert any("empty value" in m for m in failures(quoted(ref("incidents_by_source", "violations", 5, where(source="knb"))),
                                                    ru="Доля — —%."))


@pytest.mark.parametrize("word, count, base, sample, ok", [
    ("most", 5, 10, False, False),        # exactly half is not "most"
    ("half", 5, 10, False, True),
    ("most", 10, 10, False, False),       # all is not "most"
    ("all", 10, 10, False, True),
    ("most", 7, 7, True, False),          # and a survey share of 7 answers is never put into words
    ("almost_all", 9, 10, False, True),
    ("minority", 5, 10, False, False),
])
def test_a_quantifier_stronger_than_its_numbers_is_caught(word, count, base, sample, ok):
    table = pd.DataFrame({"k": ["x"], "count": [count], "base": [base]})
    found = failures(share_of(ref("t", "count", count, where(k="x")), ref("t", "base", base, where(k="x")), word, sample),
                     tables={"t": table})
    assert (found == []) is ok, found


def test_the_printed_share_must_be_the_tables():
    count, base = survey("coalition", "all", "member", 5, 10)
    assert failures(share_of(count, base, "half", True, key="pct"), values={"pct": 50.0}) == []
    assert "prints pct = 55.0" in failures(share_of(count, base, "half", True, key="pct"), values={"pct": 55.0})[0]
    assert "quotes 6" in failures(quoted(ref("survey_security_shares", "count", 6, where(group="all", item="coalition"))))[0]


def test_a_difference_no_test_supports_is_caught():
    """7 of 10 against 3 of 10 (70 % and 30 %): Fisher's exact test gives p = 0.18; 3 of 4 against
    1 of 4 is not compared at all (bases under min_base_words); 60 of 80 against 20 of 80 is a difference."""
    a, b = survey("locks", "individuals", "no", 7, 10), survey("locks", "organizations", "no", 3, 10)
    small = difference("shares", {"count": a[0], "base": a[1]}, {"count": b[0], "base": b[1]}, "greater")
    assert "gives 'no_clear_difference'" in failures(small)[0]
    assert failures({**small, "relation": "no_clear_difference"}) == []
    a, b = survey("alarm", "individuals", "no", 3, 4), survey("alarm", "organizations", "no", 1, 4)
    tiny = difference("shares", {"count": a[0], "base": a[1]}, {"count": b[0], "base": b[1]}, "no_clear_difference")
    assert "gives 'not_comparable'" in failures(tiny)[0]
    assert failures({**tiny, "relation": "not_comparable"}) == []
    a, b = survey("protocol", "individuals", "no", 60, 80), survey("protocol", "organizations", "no", 20, 80)
    assert failures(difference("shares", {"count": a[0], "base": a[1]}, {"count": b[0], "base": b[1]}, "greater")) == []


def test_a_change_no_test_supports_is_caught():
    waves = pd.DataFrame({"oblast": list("ABCD") * 2, "wave": [1] * 4 + [2] * 4, "assessors": 5,
                          "risk": [3.0, 2.0, 4.0, 2.5, 3.2, 1.9, 4.3, 2.4]})
    said = change("w", "oblast", {"where": where(wave=1), "column": "risk"}, {"where": where(wave=2), "column": "risk"},
                  ["assessors"], "up")
    assert "paired permutation test gives 'no_clear_change'" in failures(said, tables={"w": waves})[0]
    assert failures({**said, "direction": "no_clear_change"}, tables={"w": waves}) == []
    # eight regions, every one of them higher in wave 2: all 256 sign flips but two give less (p = 0.008)
    rising = pd.DataFrame({"oblast": list("ABCDEFGH") * 2, "wave": [1] * 8 + [2] * 8, "assessors": 5,
                           "risk": [1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7] + [1.2, 1.3, 1.5, 1.6, 1.5, 1.8, 1.7, 2.0]})
    assert failures(said, tables={"w": rising}) == []


def test_a_region_named_twice_on_both_ends_and_a_wrong_set_are_caught():
    top = ranked("top", "dynamics_regions", "oblast", "risk", ["A"], 1)
    assert failures(top, ranked("bottom", "dynamics_regions", "oblast", "risk", ["B"], 1, excluding=["A"])) == []
    # "the lowest" of three regions is never both others: that is all but the highest
    assert "named wrongly: ['B', 'C']" in failures(ranked("bottom", "dynamics_regions", "oblast", "risk", ["B", "C"], 3,
                                                          excluding=["A"]))[0]
    assert "names ['A'] again" in failures(ranked("bottom", "dynamics_regions", "oblast", "risk", ["A", "B", "C"], 3,
                                                  excluding=["A"]))[0]
    assert failures(members("dynamics_regions", "oblast", ["A", "C"], where(security_level="high"))) == []
    assert "are ['A', 'C']" in failures(members("dynamics_regions", "oblast", ["A"], where(security_level="high")))[0]


def test_a_claim_that_asserts_nothing_and_a_sentence_starting_small_are_caught():
    assert failures() == ["asserts nothing that can be checked"]
    assert "starts with a small letter" in failures(quoted(ref("dynamics_regions", "risk", 4.0, where(oblast="A"))),
                                                    ru="самый высокий риск.")[0]


def test_the_checkers_own_tests_agree_with_scipys():
    """The checker computes Fisher's exact test and Welch's t-test itself (the claims use scipy.stats):
    two implementations that must agree."""
    import numpy as np
    from scipy.stats import fisher_exact, ttest_ind_from_stats

    rng = np.random.default_rng(0)
    for _ in range(300):
        na, nb = rng.integers(1, 200, 2)
        ca, cb = rng.integers(0, na + 1), rng.integers(0, nb + 1)
        assert checker.fisher_exact_p(ca, na - ca, cb, nb - cb) == pytest.approx(fisher_exact([[ca, na - ca], [cb, nb - cb]]).pvalue,
                                                                                 abs=1e-9)
        (ma, mb), (sa, sb), (n1, n2) = rng.random(2) * 10, rng.random(2) * 3 + 0.1, rng.integers(2, 100, 2)
        assert checker.welch_p(ma, sa, n1, mb, sb, n2) == pytest.approx(
            ttest_ind_from_stats(ma, sa, n1, mb, sb, n2, equal_var=False).pvalue, abs=1e-9)
