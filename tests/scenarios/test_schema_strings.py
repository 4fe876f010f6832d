"""Values a model would write: strings by pattern, format and property name; numbers near zero."""

from __future__ import annotations

import ipaddress
import re
import uuid
from datetime import date, datetime
from typing import Any

import pytest

from fakellm.scenarios.generate import Generator
from fakellm.scenarios.schema_strings import name_words
from fakellm.scenarios.schema_values import schema_value


def value(schema: dict[str, Any], seed: int = 1) -> Any:
    made, notes = schema_value(Generator(seed), schema)
    assert notes == []
    return made


def prop(name: str, schema: dict[str, Any], seed: int = 1) -> Any:
    return value({"type": "object", "properties": {name: schema}, "required": [name]}, seed)[name]


def test_names_read_like_names_and_emails_like_emails() -> None:
    for seed in range(10):
        name = prop("full_name", {"type": "string"}, seed)
        assert re.fullmatch(r"[A-Z][\w'.-]*( [A-Z][\w'.-]*)+", name), name
        assert re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", prop("contactEmail", {"type": "string"}, seed))
        assert " " not in prop("firstName", {"type": "string"}, seed)


def test_a_list_named_in_the_plural_holds_what_its_name_says() -> None:
    people = prop("participants", {"type": "array", "items": {"type": "string"}, "minItems": 2}, 3)
    assert all(re.fullmatch(r"[A-Z][\w'.-]*( [A-Z][\w'.-]*)+", person) for person in people), people


def test_name_words_split_camel_snake_and_plural() -> None:
    assert name_words("homeCity") == {"home", "city"}
    assert {"participant", "participants"} <= name_words("participants")
    assert {"city", "cities"} <= name_words("cities")


@pytest.mark.parametrize(
    ("fmt", "check"),
    [
        ("date", date.fromisoformat),
        ("date-time", lambda text: datetime.fromisoformat(text.replace("Z", "+00:00")).tzinfo),
        ("uuid", uuid.UUID),
        ("ipv4", ipaddress.IPv4Address),
        ("ipv6", ipaddress.IPv6Address),
        ("email", lambda text: re.fullmatch(r"[^@\s]+@[^@\s]+", text)),
        ("uri", lambda text: re.match(r"https?://", text)),
        ("time", lambda text: re.fullmatch(r"\d\d:\d\d:\d\dZ", text)),
        ("duration", lambda text: re.fullmatch(r"P(\d+[DW])?(T(\d+[HMS])+)?", text)),
    ],
)
def test_a_format_gives_a_value_of_that_format(fmt: str, check: Any) -> None:
    for seed in range(5):
        assert check(prop("x", {"type": "string", "format": fmt}, seed))


def test_a_date_time_carries_its_offset() -> None:
    assert prop("when", {"type": "string", "format": "date-time"}).endswith("Z")


def test_the_pattern_wins_over_the_name() -> None:
    assert re.fullmatch(r"[A-Z]{3}", prop("city", {"type": "string", "pattern": "^[A-Z]{3}$"}))


def test_a_pattern_that_cannot_be_made_is_noted_and_a_plain_string_sent() -> None:
    made, notes = schema_value(Generator(1), {"type": "string", "pattern": "(?=a)b"})
    assert isinstance(made, str)
    assert "not followed" in notes[0]


@pytest.mark.parametrize("bound", [2**53, 10**12, 1_000_000])
def test_integers_with_huge_bounds_stay_small(bound: int) -> None:
    for seed in range(20):
        number = prop("n", {"type": "integer", "minimum": -bound, "maximum": bound}, seed)
        assert -1_000_000 <= number <= 1_000_000


def test_integers_go_as_far_as_the_bounds_demand() -> None:
    number = prop("n", {"type": "integer", "minimum": 10**15})
    assert 10**15 <= number <= 10**15 + 100


def test_exclusive_bounds_and_multiples() -> None:
    for seed in range(20):
        assert 0 < prop("x", {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.001}, seed) < 0.001
        assert prop("n", {"type": "integer", "multipleOf": 7, "minimum": 50}, seed) % 7 == 0
        assert 3 <= prop("n", {"type": "integer", "exclusiveMinimum": 2.5, "maximum": 4}, seed) <= 4


def test_unique_items_are_unique() -> None:
    for seed in range(20):
        items = prop(
            "tags", {"type": "array", "items": {"enum": ["a", "b", "c"]}, "minItems": 3, "uniqueItems": True}, seed
        )
        assert sorted(items) == ["a", "b", "c"]


def test_all_of_merges_and_one_of_matches_exactly_one() -> None:
    merged = value(
        {
            "allOf": [
                {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
                {"properties": {"b": {"type": "boolean"}}, "required": ["b"]},
            ]
        }
    )
    assert set(merged) == {"a", "b"}
    for seed in range(10):
        one = value({"oneOf": [{"type": "number"}, {"type": "integer"}]}, seed)
        assert isinstance(one, float)
        assert not one.is_integer()


def test_required_properties_that_are_not_described_are_still_given() -> None:
    assert set(value({"type": "object", "required": ["x", "y"]})) == {"x", "y"}


def test_a_tuple_gives_exactly_its_positions() -> None:
    made = value({"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "items": False})
    assert len(made) == 2
    assert isinstance(made[0], int)
    assert isinstance(made[1], str)
