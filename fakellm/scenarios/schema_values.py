"""Tool-call arguments made from a JSON Schema: what a model would send, small and fast whatever the schema says.

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
finite, so the arguments are strict JSON.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fakellm.scenarios.generate import Generator

_MAX_DEPTH = 8  # nesting of objects and arrays, which bounds `$ref` recursion too
_MAX_ITEMS = 32  # array length, whatever `minItems` asks
_MAX_STRING = 1000  # string length, whatever `minLength` asks
_MAX_OPTIONS = 16  # entries of `anyOf`/`oneOf`/`allOf`/`enum`/a type list that are looked at
_MAX_REF_HOPS = 8  # a `$ref` to a `$ref` to ...
_MAX_REF_PARTS = 32  # segments of one `$ref` pointer
_BUDGET = 8192  # about the bytes of the whole value: past it, only required properties, and minimal
_HARD = 2 * _BUDGET  # past it, nothing more is added
_NODE = 4  # what one value costs on top of its text
_MAX_CONST_DEPTH = 64  # nesting of a `const` or `enum` value that is sent back as it is
_WINDOW = 100.0  # numbers come from a window this wide inside the bounds


def arguments(generator: Generator, schema: dict[str, Any]) -> dict[str, Any]:
    """An object that validates against a tool's `parameters` schema (types, enums, bounds, required)."""
    value = _Walk(generator, schema).value(schema, "", 0)
    return value if isinstance(value, dict) else {}


class _Walk:
    """One generation: the schema's root (for `$ref`) and what has been spent of the budget."""

    __slots__ = ("gen", "root", "spent")

    def __init__(self, generator: Generator, root: dict[str, Any]) -> None:
        self.gen = generator
        self.root = root
        self.spent = 0

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
        for key in ("anyOf", "oneOf", "allOf"):
            options = _options(schema.get(key))
            if options:
                return self.value(_pick_option(options, self.root), name, depth + 1)
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
            low, high = _bounds(schema)
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
        if not isinstance(properties, dict):
            return {}
        required = schema.get("required")
        needed = {key for key in required if isinstance(key, str)} if isinstance(required, list) else set()
        out: dict[str, Any] = {}
        for key, sub in properties.items():
            if self.spent >= _HARD:
                break
            if self.spent >= _BUDGET and key not in needed:
                continue
            self.spent += len(key) + _NODE
            out[key] = self.value(sub, key, depth + 1)
        return out

    def _array(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        low = _count(schema.get("minItems"))
        top = _count(schema.get("maxItems"))
        if low is None:
            low = 1 if top is None else min(1, top)
        low = min(low, _MAX_ITEMS)
        high = max(low, min(low + 2 if top is None else top, low + 2, _MAX_ITEMS))
        items = schema.get("items", {})
        if isinstance(items, list):  # draft 4's positional `items`: the first position stands for all
            items = items[0] if items else {}
        out: list[Any] = []
        for index in range(self.gen.rng.randint(low, high)):
            if self.spent >= (_HARD if index < low else _BUDGET):
                break
            out.append(self.value(items, name, depth + 1))
        return out

    def _integer(self, schema: dict[str, Any]) -> int:
        low, high = _window(*_bounds(schema))
        bottom, top = math.ceil(low), math.floor(high)
        if bottom > top:  # no integer fits (`minimum: 1.2, maximum: 1.8`): the nearest one
            return bottom
        return self.gen.rng.randint(bottom, top)

    def _number(self, schema: dict[str, Any]) -> float:
        low, high = _window(*_bounds(schema))
        drawn = self.gen.rng.uniform(low, high)
        rounded = round(drawn, 2)
        return rounded if low <= rounded <= high else drawn

    def _string(self, schema: dict[str, Any], name: str) -> str:
        faker = self.gen.faker
        fmt = schema.get("format")
        if fmt == "date":
            text = faker.date()
        elif fmt == "date-time":
            text = faker.iso8601()
        elif fmt == "email":
            text = faker.email()
        elif fmt in ("uri", "url"):
            text = faker.url()
        elif fmt == "uuid":
            text = str(faker.uuid4())
        else:
            text = self._named_string(name.lower())
        text = text.ljust(min(_count(schema.get("minLength")) or 0, _MAX_STRING), "x")
        high = _count(schema.get("maxLength"))
        if high is not None:
            text = text[:high]
        self.spent += len(text)
        return text

    def _named_string(self, name: str) -> str:
        # A plausible value for a parameter called `city`, `email`, `name`, ...: demos read better.
        faker = self.gen.faker
        for hint, make in (
            ("email", faker.email),
            ("city", faker.city),
            ("location", faker.city),
            ("country", faker.country),
            ("address", faker.address),
            ("phone", faker.phone_number),
            ("url", faker.url),
            ("date", faker.date),
            ("name", faker.name),
            ("company", faker.company),
        ):
            if hint in name:
                return str(make())
        return " ".join(faker.words(self.gen.rng.randint(1, 3)))


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """Follow a local `$ref` (`#/$defs/X`, `#/definitions/X`, `#`), as pydantic- and zod-made schemas use.

    A `$ref` that leads nowhere (remote, too long, missing) reads as `{}`, any value.
    """
    target: Any = schema
    for _ in range(_MAX_REF_HOPS):
        ref = target.get("$ref") if isinstance(target, dict) else None
        if not isinstance(ref, str):
            break
        target = _pointer(ref, root)
    return target if isinstance(target, dict) else {}


def _pointer(ref: str, root: dict[str, Any]) -> Any:
    if ref in ("#", ""):
        return root
    if not ref.startswith("#/") or ref.count("/") > _MAX_REF_PARTS:
        return {}
    target: Any = root
    for raw in ref[2:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(target, dict):
            target = target.get(part, {})
        elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
            target = target[int(part)]
        else:
            return {}
    return target


def _options(value: Any) -> list[Any]:
    return value[:_MAX_OPTIONS] if isinstance(value, list) else []


def _pick_option(options: list[Any], root: dict[str, Any]) -> Any:
    """The first option that is not `null` (a model fills an optional value in), else the first."""
    for option in options:
        kind = _resolve(option, root).get("type") if isinstance(option, dict) else None
        if str(kind).lower() != "null":
            return option
    return options[0]


def _kind(schema: dict[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind[:_MAX_OPTIONS] if str(k).lower() != "null"), "null")
    if isinstance(kind, str):
        return kind.lower()  # Gemini's `parameters` schema spells types in capitals (OBJECT, STRING)
    return "object" if "properties" in schema else "array" if "items" in schema else "string"


def _count(value: Any) -> int | None:
    """A size keyword (`minItems`, `maxLength`) as a non-negative int, or None if it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return int(value) if value >= 0 else None


def _finite(value: Any) -> float | None:
    """A bound as a finite float, or None (absent, wrong type, NaN, infinite, an int too big for a float)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _bounds(schema: dict[str, Any]) -> tuple[float, float]:
    """The `[low, high]` a number is drawn from: the schema's bounds, else 0-100 (or 100 wide from one bound)."""
    low, high = 0.0, 100.0
    minimum, maximum = _finite(schema.get("minimum")), _finite(schema.get("maximum"))
    if minimum is None and (minimum := _finite(schema.get("exclusiveMinimum"))) is not None:
        minimum += 1
    if maximum is None and (maximum := _finite(schema.get("exclusiveMaximum"))) is not None:
        maximum -= 1
    if minimum is not None:
        low = minimum
        high = max(high, low + 100) if maximum is None else high
    if maximum is not None:
        high = maximum
        low = min(low, high)
    return low, high


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
