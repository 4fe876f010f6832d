"""Tool arguments from hostile or odd schemas: bounded in size and time, finite, and never an exception."""

from __future__ import annotations

import json
import math
import time
from typing import Any

import pytest

from fakellm.scenarios.generate import Generator

SIZE_LIMIT = 40_000  # bytes of JSON: the budget (about 8 kB) twice over, plus slack
TIME_LIMIT = 1.0  # seconds: generation takes milliseconds


def strict_dumps(value: Any) -> str:
    """JSON as a strict parser accepts it: raises on NaN and infinities."""
    return json.dumps(value, allow_nan=False, ensure_ascii=False, separators=(",", ":"))


def generate(parameters: dict[str, Any], seed: int = 1) -> tuple[dict[str, Any], int]:
    """The arguments for `parameters`, and the size of their JSON, checking they came quickly."""
    start = time.perf_counter()
    args = Generator(seed).arguments(parameters)
    elapsed = time.perf_counter() - start
    assert elapsed < TIME_LIMIT, f"generation took {elapsed:.2f}s"
    size = len(strict_dumps(args).encode())
    assert size < SIZE_LIMIT, f"arguments are {size} bytes"
    return args, size


def prop(schema: dict[str, Any]) -> dict[str, Any]:
    """A tool's parameters with one property `a` of the given schema."""
    return {"type": "object", "properties": {"a": schema}, "required": ["a"]}


def recursive(width: int) -> dict[str, Any]:
    """`$defs.N` with `width` properties that are all `N` again: exponential if followed blindly."""
    node = {"type": "object", "properties": {f"p{i}": {"$ref": "#/$defs/N"} for i in range(width)}}
    return {"type": "object", "$defs": {"N": node}, "properties": {"n": {"$ref": "#/$defs/N"}}}


@pytest.mark.parametrize("count", [200_000, 1e308, 2**70, 33])
def test_an_array_asking_for_too_many_items_gets_at_most_32(count: float) -> None:
    args, _ = generate(prop({"type": "array", "items": {"type": "integer"}, "minItems": count}))
    assert 1 <= len(args["a"]) <= 32
    assert all(isinstance(item, int) for item in args["a"])


def test_an_array_asking_for_a_few_items_gets_them() -> None:
    for seed in range(10):
        args, _ = generate(prop({"type": "array", "items": {"type": "string"}, "minItems": 20}), seed)
        assert 20 <= len(args["a"]) <= 22


def test_max_items_zero_gives_an_empty_array() -> None:
    assert generate(prop({"type": "array", "maxItems": 0}))[0]["a"] == []


def test_a_huge_min_length_is_capped() -> None:
    args, _ = generate(prop({"type": "string", "minLength": 10**9}))
    assert len(args["a"]) == 1000


def test_self_referencing_defs_stay_small() -> None:
    for width in (1, 5, 50):
        args, size = generate(recursive(width))
        assert isinstance(args["n"], dict)
        assert size < 20_000


def test_a_ref_to_the_root_and_a_ref_cycle_stay_small() -> None:
    root = {"type": "object", "properties": {"x": {"$ref": "#"}, "y": {"$ref": "#"}, "z": {"$ref": "#"}}}
    assert isinstance(generate(root)[0]["x"], dict)
    cycle = {"$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"$ref": "#/$defs/A"}}, **prop({"$ref": "#/$defs/A"})}
    assert "a" in generate(cycle)[0]


def test_many_properties_are_cut_at_the_budget_but_required_ones_come_first() -> None:
    properties = {f"k{i}": {"type": "string"} for i in range(100_000)}
    args, _ = generate({"type": "object", "properties": properties, "required": ["k99999"]})
    assert "k0" in args
    assert "k99999" in args
    assert len(args) < 5000


def test_long_option_lists_and_pointers_are_only_looked_at_in_part() -> None:
    nulls_first = {"anyOf": [{"type": "null"}] * 20_000 + [{"type": "integer"}]}
    properties = {f"k{i}": {"$ref": "#/$defs/M"} for i in range(1000)}
    generate({"type": "object", "$defs": {"M": nulls_first}, "properties": properties})
    generate(prop({"$ref": "#/" + "/".join(["x"] * 100_000)}))
    generate(prop({"type": ["null"] * 100_000}))


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "array", "minItems": "x"},
        {"type": "array", "maxItems": None},
        {"type": "array", "minItems": -3, "maxItems": [1]},
        {"type": "array", "items": [{"type": "integer"}]},
        {"type": "array", "items": []},
        {"type": "string", "minLength": []},
        {"type": "string", "maxLength": -1, "minLength": 2.5},
        {"type": "string", "minLength": math.inf},
        {"type": "integer", "minimum": math.nan},
        {"type": "integer", "minimum": "1", "maximum": {}},
        {"type": "integer", "minimum": 10**400},
        {"type": "integer", "exclusiveMinimum": True},
        {"type": "number", "maximum": -math.inf},
        {"type": "object", "properties": [], "required": "a"},
        {"type": "object", "properties": {"b": {"type": "integer"}}, "required": [{}, ["b"], "b"]},
        {"type": 5},
        {"type": []},
        {"type": {"x": 1}},
        {"enum": []},
        {"enum": "abc"},
        {"anyOf": "x"},
        {"allOf": [5]},
        {"$ref": 7},
        {"$ref": "https://example.com/schema.json"},
        {"$ref": "#/$defs/missing/0/x"},
        {"format": ["date"]},
    ],
)
def test_wrong_typed_keywords_are_ignored(schema: dict[str, Any]) -> None:
    args, _ = generate(prop(schema))
    assert "a" in args


def test_a_type_is_kept_when_a_size_keyword_is_wrong() -> None:
    assert isinstance(generate(prop({"type": "array", "minItems": "x"}))[0]["a"], list)
    assert isinstance(generate(prop({"type": "string", "minLength": None}))[0]["a"], str)


def test_integers_with_zod_bounds_are_small() -> None:
    limit = 2**53 - 1
    for seed in range(30):
        value = generate(prop({"type": "integer", "minimum": -limit, "maximum": limit}), seed)[0]["a"]
        assert isinstance(value, int)
        assert 0 <= value <= 100


@pytest.mark.parametrize(
    ("bounds", "low", "high"),
    [
        ({"minimum": 10**6, "maximum": 10**12}, 10**6, 10**6 + 100),
        ({"minimum": -(10**12), "maximum": -(10**6)}, -(10**6) - 100, -(10**6)),
        ({"minimum": -(10**12), "maximum": 50}, -50, 50),
        ({"minimum": 10**6}, 10**6, 10**6 + 100),
        ({"exclusiveMinimum": 0, "exclusiveMaximum": 10**15}, 1, 101),
    ],
)
def test_integers_come_from_a_small_window_inside_the_bounds(bounds: dict[str, Any], low: int, high: int) -> None:
    for seed in range(20):
        value = generate(prop({"type": "integer", **bounds}), seed)[0]["a"]
        assert low <= value <= high


def test_numbers_with_the_widest_bounds_are_finite_and_small() -> None:
    for seed in range(20):
        value = generate(prop({"type": "number", "minimum": -1.7e308, "maximum": 1.7e308}), seed)[0]["a"]
        assert 0 <= value <= 100


def test_an_integer_range_without_integers_gets_the_nearest_one() -> None:
    assert generate(prop({"type": "integer", "minimum": 1.2, "maximum": 1.8}))[0]["a"] == 2


def test_non_finite_consts_and_enum_values_are_never_sent() -> None:
    args, _ = generate(prop({"type": "number", "const": math.nan}))
    assert math.isfinite(args["a"])
    for seed in range(10):
        generate(prop({"enum": [math.inf, -math.inf, math.nan]}), seed)
        generate(prop({"enum": [{"x": [math.inf]}]}), seed)


def test_a_const_nested_too_deeply_to_encode_is_not_sent() -> None:
    deep: Any = "leaf"
    for _ in range(5000):
        deep = [deep]
    args, _ = generate(prop({"type": "string", "const": deep}))
    assert isinstance(args["a"], str)
    shallow = [[["leaf"]]]
    assert generate(prop({"const": shallow}))[0]["a"] == shallow


def test_past_the_budget_values_are_minimal_and_still_typed() -> None:
    item = {"type": "object", "properties": {"s": {"type": "string", "minLength": 900}, "n": {"type": "integer"}}}
    args, size = generate(prop({"type": "array", "items": item, "minItems": 32}))
    assert len(args["a"]) == 32  # `minItems` is met while the hard limit allows
    assert all(isinstance(entry, dict) for entry in args["a"])
    assert size < 20_000
