"""The regex-to-string generator: strings the pattern matches, in bounds, or a clean refusal."""

from __future__ import annotations

import random
import re

import pytest

from fakellm.scenarios.patterns import MAX_OUTPUT, Unsupported, matching_string

SUPPORTED = [
    r"^[A-Z]{3}$",
    r"^\d{3}-\d{4}$",
    r"^(foo|bar)+baz?$",
    r"[^,]+",
    r"^\w+@\w+\.com$",
    r"^[a-z0-9_-]{3,16}$",
    r"a{2,}",
    r"x\{",
    r"^\+?[1-9]\d{1,14}$",
    r"(?P<x>ab)c",
    r"(?<year>\d{4})-(?:0[1-9]|1[0-2])",
    r"^(?:[01]\d|2[0-3]):[0-5]\d$",
    r"[\u0041-\u005A]{2}\x21",
    r"^\S+\s\S+$",
    r"^.*$",
    r"^[A-Z][a-z]*( [A-Z][a-z]*)*$",
    r"\A[-.\]]{2}\Z",
    r"^a{,3}$",
    r"^(a|)b+?c*+$",
    r"",
]


@pytest.mark.parametrize("pattern", SUPPORTED)
def test_the_string_matches_the_pattern(pattern: str) -> None:
    for seed in range(20):
        text = matching_string(pattern, random.Random(seed))
        assert re.search(pattern.replace("(?<year>", "(?P<year>").replace("*+", "*"), text), (pattern, text)


def test_an_exact_count_gives_exactly_that_many() -> None:
    texts = {matching_string(r"^[A-Z]{3}$", random.Random(seed)) for seed in range(30)}
    assert all(len(t) == 3 and t.isupper() for t in texts)
    assert len(texts) > 20  # drawn, not one fixed answer


def test_length_bounds_are_met_by_stretching_or_shrinking_repeats() -> None:
    for seed in range(20):
        long = matching_string(r"^[a-z]+$", random.Random(seed), min_length=20, max_length=25)
        assert 20 <= len(long) <= 25
        assert long.isalpha()
        short = matching_string(r"^\d{1,40}$", random.Random(seed), max_length=2)
        assert 1 <= len(short) <= 2


def test_the_same_seed_gives_the_same_string() -> None:
    assert matching_string(r"^[a-z]{5,9}\d$", random.Random(7)) == matching_string(r"^[a-z]{5,9}\d$", random.Random(7))


@pytest.mark.parametrize(
    "pattern",
    [
        *(r"(?=a)b", r"(?!a)b", r"(?<=a)b", r"\bword", r"(a)\1", r"\p{L}+", r"(?i)abc"),
        *(r"a**", r"[[:alpha:]]", r"(ab", r"ab)", r"[z-a]", "x" * 2000),
    ],
)
def test_what_is_not_generated_is_refused_cleanly(pattern: str) -> None:
    with pytest.raises(Unsupported):
        matching_string(pattern, random.Random(1))


def test_unreachable_bounds_are_refused_not_looped_on() -> None:
    with pytest.raises(Unsupported):
        matching_string(r"^[A-Z]{3}$", random.Random(1), min_length=10)


@pytest.mark.parametrize("pattern", [r"((){1000}){1000}", r"(a{1000}){1000}", r"a{1000}b{1000}", r"((a|b){999}){999}"])
def test_a_pattern_asking_for_too_much_is_refused_quickly(pattern: str) -> None:
    with pytest.raises(Unsupported):
        matching_string(pattern, random.Random(1))


def test_a_long_but_possible_string_is_made() -> None:
    text = matching_string(r"^a{900}$", random.Random(1))
    assert text == "a" * 900
    assert len(text) <= MAX_OUTPUT


def test_a_negated_class_draws_printable_ascii_outside_it() -> None:
    for seed in range(30):
        char = matching_string(r"^[^a-zA-Z0-9]$", random.Random(seed))
        assert 32 <= ord(char) <= 126
        assert not char.isalnum()
