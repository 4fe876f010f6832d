"""The structured-output checker: what it accepts and refuses agrees with a real JSON Schema validator."""

from __future__ import annotations

import time
from typing import Any

import jsonschema
import pytest

from fakellm.scenarios.schema_check import problem

PERSON: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "age": {"type": "integer", "minimum": 0, "maximum": 150},
        "email": {"type": "string", "format": "email"},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2, "uniqueItems": True},
        "kind": {"enum": ["a", "b"]},
        "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "born": {"type": "string", "format": "date"},
        "pet": {"anyOf": [{"$ref": "#/$defs/Pet"}, {"type": "null"}]},
    },
    "required": ["name", "age"],
    "additionalProperties": False,
    "$defs": {"Pet": {"type": "object", "properties": {"legs": {"type": "integer"}}, "required": ["legs"]}},
}
VALID = [
    {"name": "Ann", "age": 3},
    {"name": "Ann", "age": 3.0, "email": "a@b.c", "tags": ["x", "y"], "kind": "a", "code": "ABC", "born": "2020-02-29"},
    {"name": "Ann", "age": 150, "pet": {"legs": 4}},
    {"name": "Ann", "age": 1, "pet": None},
]
INVALID = [
    {"name": "Ann"},
    {"name": "", "age": 3},
    {"name": "Ann", "age": True},
    {"name": "Ann", "age": 151},
    {"name": "Ann", "age": 1.5},
    {"name": "Ann", "age": 3, "extra": 1},
    {"name": "Ann", "age": 3, "tags": ["x", "x"]},
    {"name": "Ann", "age": 3, "tags": ["x", "y", "z"]},
    {"name": "Ann", "age": 3, "kind": "c"},
    {"name": "Ann", "age": 3, "code": "abc"},
    {"name": "Ann", "age": 3, "born": "2021-02-30"},
    {"name": "Ann", "age": 3, "email": "nope"},
    {"name": "Ann", "age": 3, "pet": {"legs": "four"}},
    ["not", "an", "object"],
]


@pytest.mark.parametrize("value", VALID)
def test_valid_values_pass(value: Any) -> None:
    jsonschema.Draft202012Validator(PERSON, format_checker=jsonschema.FormatChecker()).validate(value)
    assert problem(value, PERSON) is None


@pytest.mark.parametrize("value", INVALID)
def test_invalid_values_are_named_with_a_reason(value: Any) -> None:
    validator = jsonschema.Draft202012Validator(PERSON, format_checker=jsonschema.FormatChecker())
    assert not validator.is_valid(value)
    reason = problem(value, PERSON)
    assert reason is not None
    assert reason.startswith("$")


def test_one_of_needs_exactly_one_option() -> None:
    schema = {"oneOf": [{"type": "integer"}, {"type": "number"}]}
    assert problem(1.5, schema) is None
    assert "exactly one" in (problem(1, schema) or "")


def test_a_huge_value_is_refused_as_too_large_rather_than_walked() -> None:
    assert problem(list(range(100_000)), {"type": "array", "items": {"type": "integer"}}) == (
        "the value or schema is too large to check"
    )


def test_a_catastrophic_pattern_does_not_hang_the_check() -> None:
    start = time.perf_counter()
    problem("a" * 40 + "!", {"type": "string", "pattern": "^(a|a)+$"})
    assert time.perf_counter() - start < 1.0
