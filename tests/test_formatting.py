"""Numbers and counted nouns in Russian and English (pipeline.formatting), worked out by hand."""
from __future__ import annotations

import pytest

from pipeline.formatting import counted, number, percent, plural

CASE = ("случай", "случая", "случаев")


@pytest.mark.parametrize("count,form", [(1, "случай"), (2, "случая"), (4, "случая"), (5, "случаев"), (11, "случаев"),
                                        (12, "случаев"), (14, "случаев"), (21, "случай"), (22, "случая"), (25, "случаев"),
                                        (101, "случай"), (111, "случаев"), (131, "случай"), (0, "случаев")])
def test_russian_nouns_agree_with_the_count(count, form):
    assert plural(count, "ru", CASE) == form


@pytest.mark.parametrize("count,text", [(1, "1 region"), (2, "2 regions"), (0, "0 regions"), (21, "21 regions")])
def test_english_nouns_agree_with_the_count(count, text):
    assert counted(count, "en", ("region", "regions")) == text


def test_numbers_in_each_language():
    assert number(27867, "ru") == "27 867" and number(27867, "en") == "27,867"
    assert number(7.94, "ru", 1) == "7,9" and number(7.94, "en", 1) == "7.9"
    assert percent(54.43, "ru") == "54,4%" and percent(54.43, "en") == "54.4%"
    assert counted(2, "ru", ("город", "города", "городов")) == "2 города"


def test_halves_round_up_as_a_reader_rounds_not_to_even():
    assert number(7.25, "ru", 1) == "7,3" and number(0.125, "en", 2) == "0.13" and number(2.5, "en") == "3"
    assert percent(12.45, "ru") == "12,5%" and number(-2.5, "ru") == "-3"
    assert number(float("nan"), "en") == "—"


@pytest.mark.parametrize("count,text", [(2.5, "2,5 года"), (1.5, "1,5 года"), (0.5, "0,5 года"), (8.0, "8 лет")])
def test_fractions_take_the_genitive_singular_in_russian(count, text):
    assert counted(count, "ru", ("год", "года", "лет")) == text


def test_fractions_take_the_plural_in_english():
    assert counted(1.5, "en", ("year", "years")) == "1.5 years" and counted(1, "en", ("year", "years")) == "1 year"
