"""Values made from a JSON Schema (tool-call arguments, structured replies): what a model would send,
small and fast whatever the schema says.

The schema comes from the request, so nothing it says may decide how much work is done: array
lengths, string lengths, nesting (and so `$ref` recursion) are capped, and the whole value has a
budget of about `_BUDGET` bytes. Once the budget is spent, optional properties are left out and
further values are the smallest of their type; past `_HARD` nothing more is added at all.

A schema that cannot be met (`minItems` above the cap, `minimum` above `maximum`, a `$ref` to
nowhere) gets a best-effort value, not an error: providers pass such schemas to the model in their
non-strict mode and the model answers something, which is what client code must cope with.
Keywords of the wrong type (`minItems: "x"`, `maxLength: null`, a `minimum` no float can hold) are
ignored, as a model would. Numbers are drawn from a window of `_WINDOW` inside the bounds, near
zero when the bounds allow (zod's `.int()` says +-2^53, a model still answers 3), and are always
finite, so the arguments are strict JSON. Strings are made by `schema_strings` (pattern, format,
property name). What could not be honoured (a `pattern` beyond the generator) is said in `notes`.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from fakellm.scenarios.schema_check import problem
from fakellm.scenarios.schema_nav import kind as _kind
from fakellm.scenarios.schema_nav import merged as _merged
from fakellm.scenarios.schema_nav import options as _options
from fakellm.scenarios.schema_nav import pick_option as _pick_option
from fakellm.scenarios.schema_nav import resolve as _resolve
from fakellm.scenarios.schema_strings import MAX_STRING as _MAX_STRING
from fakellm.scenarios.schema_strings import count as _count
from fakellm.scenarios.schema_strings import string_value

if TYPE_CHECKING:
    from fakellm.scenarios.generate import Generator

_MAX_DEPTH = 8  # nesting of objects and arrays, which bounds `$ref` recursion too
_MAX_ITEMS = 32  # array length, whatever `minItems` asks
_BUDGET = 8192  # about the bytes of the whole value: past it, only required properties, and minimal
_HARD = 2 * _BUDGET  # past it, nothing more is added
_NODE = 4  # what one value costs on top of its text
_MAX_CONST_DEPTH = 64  # nesting of a `const` or `enum` value that is sent back as it is
_WINDOW = 100.0  # numbers come from a window this wide inside the bounds


def arguments(generator: Generator, schema: dict[str, Any]) -> dict[str, Any]:
    """An object that validates against a tool's `parameters` schema (types, enums, bounds, required)."""
    value = _Walk(generator, schema).value(schema, "", 0)
    return value if isinstance(value, dict) else {}


def schema_value(generator: Generator, schema: dict[str, Any]) -> tuple[Any, list[str]]:
    """A value of any type for `schema` (a structured reply's), and notes on what it could not honour."""
    walk = _Walk(generator, schema)
    return walk.value(schema, "", 0), walk.notes


class _Walk:
    """One generation: the schema's root (for `$ref`), what has been spent of the budget, and notes."""

    __slots__ = ("gen", "notes", "root", "spent")

    def __init__(self, generator: Generator, root: dict[str, Any]) -> None:
        self.gen = generator
        self.root = root
        self.spent = 0
        self.notes: list[str] = []

    def value(self, schema: Any, name: str, depth: int) -> Any:
        if not isinstance(schema, dict):
            self.spent += _NODE
            return None
        schema = _resolve(schema, self.root)
        if depth > _MAX_DEPTH or self.spent >= _BUDGET:
            return self.minimal(schema)
        if "const" in schema and (size := _size(schema["const"])) is not None:
            self.spent += size
            return schema["const"]
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            choice = self.gen.rng.choice(enum)
            size = _size(choice)
            if size is not None:
                self.spent += size
                return choice
        all_of = _options(schema.get("allOf"))
        if all_of:
            return self.value(_merged(schema, all_of, self.root), name, depth + 1)
        one_of = _options(schema.get("oneOf"))
        if one_of:
            return self._one_of(one_of, name, depth)
        any_of = _options(schema.get("anyOf"))
        if any_of:
            return self.value(_pick_option(any_of, self.root), name, depth + 1)
        kind = _kind(schema)
        self.spent += _NODE
        if kind == "object":
            return self._object(schema, depth)
        if kind == "array":
            return self._array(schema, name, depth)
        if kind == "integer":
            return self._integer(schema)
        if kind == "number":
            return self._number(schema)
        if kind == "boolean":
            return self.gen.rng.random() < 0.5
        if kind == "null":
            return None
        return self._string(schema, name)

    def _one_of(self, options: list[Any], name: str, depth: int) -> Any:
        """A value that exactly one option holds, trying the options in turn (the non-null ones first)."""
        first = _pick_option(options, self.root)
        ordered = [first, *(option for option in options if option is not first)]
        fallback: Any = None
        for position, option in enumerate(ordered[:4]):
            candidate = self.value(option, name, depth + 1)
            if position == 0:
                fallback = candidate
            if sum(1 for other in options if problem(candidate, other, self.root) is None) == 1:
                return candidate
        return fallback

    def minimal(self, schema: dict[str, Any]) -> Any:
        """The smallest value of the schema's type, without drawing or looking deeper."""
        self.spent += _NODE
        candidates = [schema["const"]] if "const" in schema else _options(schema.get("enum"))
        for candidate in candidates:
            size = _size(candidate)
            if size is not None:
                self.spent += size
                return candidate
        for key in ("anyOf", "oneOf", "allOf"):
            options = _options(schema.get(key))
            if options:
                schema = _resolve(_pick_option(options, self.root), self.root)
                break
        kind = _kind(schema)
        if kind == "object":
            return {}
        if kind == "array":
            return []
        if kind in ("integer", "number"):
            low, high = _bounds(schema, integer=kind == "integer")
            if kind == "integer":
                return max(math.ceil(low), min(0, math.floor(high)))
            return max(low, min(0.0, high))
        if kind == "boolean":
            return False
        if kind == "null":
            return None
        return "x" * min(_count(schema.get("minLength")) or 0, _MAX_STRING)

    def _object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        properties = schema.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        required = schema.get("required")
        needed = {key for key in required if isinstance(key, str)} if isinstance(required, list) else set()
        extra = schema.get("additionalProperties", True)
        extra = extra if isinstance(extra, dict) else {}
        out: dict[str, Any] = {}
        for key, sub in properties.items():
            if self.spent >= _HARD:
                break
            if self.spent >= _BUDGET and key not in needed:
                continue
            self.spent += len(key) + _NODE
            out[key] = self.value(sub, key, depth + 1)
        for key in required if isinstance(required, list) else []:  # required, not described: any value
            if self.spent >= _HARD:
                break
            if isinstance(key, str) and key not in out:
                self.spent += len(key) + _NODE
                out[key] = self.value(extra, key, depth + 1)
        wanted = min(_count(schema.get("minProperties")) or 0, _MAX_ITEMS)
        while len(out) < wanted and self.spent < _HARD:
            key = f"{'key' if extra else 'item'}{len(out) + 1}"
            out[key] = self.value(extra, key, depth + 1)
        return out

    def _array(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        low = _count(schema.get("minItems"))
        top = _count(schema.get("maxItems"))
        if low is None:
            low = 1 if top is None else min(1, top)
        low = min(low, _MAX_ITEMS)
        high = max(low, min(low + 2 if top is None else top, low + 2, _MAX_ITEMS))
        items = schema.get("items", {})
        prefix = schema.get("prefixItems")
        prefix = prefix[:_MAX_ITEMS] if isinstance(prefix, list) else []
        if isinstance(items, list):  # draft 4's positional `items`
            prefix, items = items[:_MAX_ITEMS], schema.get("additionalItems", {})
        if items is False:  # a tuple: exactly the positions given
            low = high = min(len(prefix), high) if top is not None else len(prefix)
        unique = schema.get("uniqueItems") is True
        size = self.gen.rng.randint(low, high)
        choices = _resolve(items, self.root).get("enum") if unique and isinstance(items, dict) and not prefix else None
        sendable = [c for c in choices[:_MAX_ITEMS] if _size(c) is not None] if isinstance(choices, list) else []
        if sendable:  # distinct values of an enum: drawn without putting back
            drawn = self.gen.rng.sample(sendable, k=min(max(size, low), len(sendable)))
            self.spent += sum(_size(choice) or _NODE for choice in drawn)
            return drawn
        out: list[Any] = []
        seen: set[str] = set()
        for _ in range(size * 2 + 4 if unique else size):  # more tries to find distinct items
            if len(out) >= size or self.spent >= (_HARD if len(out) < low else _BUDGET):
                break
            item = self.value(prefix[len(out)] if len(out) < len(prefix) else items, name, depth + 1)
            if unique:
                key = json.dumps(item, sort_keys=True, default=str)
                if key in seen:
                    continue
                seen.add(key)
            out.append(item)
        return out

    def _integer(self, schema: dict[str, Any]) -> int:
        low, high = _bounds(schema, integer=True)
        step = _finite(schema.get("multipleOf"))
        if step is not None and step >= 1 and step.is_integer():
            bottom, top = _window(math.ceil(low / step), math.floor(high / step))
            bottom, top = math.ceil(bottom), math.floor(top)
            return int(step) * (self.gen.rng.randint(bottom, top) if bottom <= top else bottom)
        low, high = _window(low, high)
        bottom, top = math.ceil(low), math.floor(high)
        if bottom > top:  # no integer fits (`minimum: 1.2, maximum: 1.8`): the nearest one
            return bottom
        return self.gen.rng.randint(bottom, top)

    def _number(self, schema: dict[str, Any]) -> float:
        low, high = _window(*_bounds(schema, integer=False))
        step = _finite(schema.get("multipleOf"))
        if step is not None and step > 0:
            bottom, top = math.ceil(low / step), math.floor(high / step)
            if bottom <= top and top - bottom < 10**15:
                multiple = self.gen.rng.randint(bottom, top) * step
                digits = max(0, -math.floor(math.log10(step))) if step < 1 else 0
                return round(multiple, digits + 2)
        drawn = self.gen.rng.uniform(low, high)
        rounded = round(drawn, 2)
        return rounded if low <= rounded <= high else drawn

    def _string(self, schema: dict[str, Any], name: str) -> str:
        text = string_value(self.gen, schema, name, self.notes)
        self.spent += len(text)
        return text


def _finite(value: Any) -> float | None:
    """A bound as a finite float, or None (absent, wrong type, NaN, infinite, an int too big for a float)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _bounds(schema: dict[str, Any], *, integer: bool) -> tuple[float, float]:
    """The `[low, high]` a number is drawn from: the schema's bounds, else 0-100 (or 100 wide from one
    bound). An exclusive bound moves in by 1 for an integer, by a little for a number."""
    low, high = 0.0, 100.0
    minimum, maximum = _finite(schema.get("minimum")), _finite(schema.get("maximum"))
    above, below = _finite(schema.get("exclusiveMinimum")), _finite(schema.get("exclusiveMaximum"))
    if above is not None:
        start = math.floor(above) + 1.0 if integer else above + _nudge(above, below)
        minimum = start if minimum is None else max(minimum, start)
    if below is not None:
        end = math.ceil(below) - 1.0 if integer else below - _nudge(below, above)
        maximum = end if maximum is None else min(maximum, end)
    if minimum is not None:
        low = minimum
        high = max(high, low + 100) if maximum is None else high
    if maximum is not None:
        high = maximum
        low = min(low, high)
    return low, high


def _nudge(bound: float, other: float | None) -> float:
    """How far inside an exclusive bound a number is drawn: 0.01, or less when the two bounds are close."""
    step = 0.01 if other is None else min(0.01, abs(other - bound) / 4)
    return step if bound + step != bound else max(abs(bound) * 1e-9, 1e-300)


def _window(low: float, high: float) -> tuple[float, float]:
    """At most `_WINDOW` of `[low, high]`, as near zero as the bounds allow: a model answers 3, not 2^52."""
    if high - low <= _WINDOW:
        return low, high
    start = min(max(0.0, low), high - _WINDOW)
    return start, start + _WINDOW


def _size(value: Any) -> int | None:
    """About the bytes of a `const`/`enum` value as JSON, or None if it cannot be sent back: it holds a
    NaN or an infinity, or is nested deeper than `_MAX_CONST_DEPTH` (too deep for `json.dumps`)."""
    size, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        size += _NODE
        if isinstance(item, str):
            size += len(item)
        elif not _sendable(item, depth):
            return None
        elif isinstance(item, dict):
            size += sum(len(str(key)) for key in item)
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return size


def _sendable(item: Any, depth: int) -> bool:
    if isinstance(item, float):
        return math.isfinite(item)
    return depth < _MAX_CONST_DEPTH or not isinstance(item, dict | list)
