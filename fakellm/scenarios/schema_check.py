"""Whether a JSON value is valid for a JSON Schema, as far as a structured-output reply needs to know.

Used on what a scenario gives (`text` or `json`) before it is sent as a structured reply: valid, it
is sent as it is; not, a value is generated and the journal says why the given one was not used. The
keywords checked are those the generator honours (types, `enum`, `const`, `properties`, `required`,
`additionalProperties`, `items`, `prefixItems`, item and property counts, `uniqueItems`, string
lengths, `pattern`, the common formats, bounds, `multipleOf`, `$ref`, `anyOf`, `oneOf`, `allOf`,
`not`); others are taken as met.

Both the value and the schema may be large or hostile: at most `MAX_VISITS` values are looked at
(past that the value counts as invalid, "too large to check"), `$ref` chains and nesting are
bounded, and each `pattern` search has a time budget.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
import uuid
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from fakellm.scenarios.regexes import request_regex
from fakellm.scenarios.schema_nav import MAX_OPTIONS, resolve

MAX_VISITS = 20_000  # values (and sub-schemas) looked at in one check
MAX_DEPTH = 64
PATTERN_BUDGET_S = 0.05
_SCHEMA_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


class _TooLarge(Exception):
    pass


def _date_time(text: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)", text):
        return False
    datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    return True


def _time(text: str) -> bool:
    if not re.fullmatch(r"\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)?", text):
        return False
    time.fromisoformat(text.upper().replace("Z", "+00:00"))
    return True


def _uuid(text: str) -> bool:
    uuid.UUID(text)
    return len(text) == 36 and text.count("-") == 4


FORMAT_CHECKS: dict[str, Callable[[str], bool]] = {
    "date": lambda text: bool(re.fullmatch(r"\d{4}-\d\d-\d\d", text)) and bool(date.fromisoformat(text)),
    "date-time": _date_time,
    "time": _time,
    "email": lambda text: re.fullmatch(r"[^@\s]+@[^@\s]+", text) is not None,
    "uri": lambda text: re.match(r"[A-Za-z][A-Za-z0-9+.-]*:\S*$", text) is not None,
    "uuid": _uuid,
    "ipv4": lambda text: bool(ipaddress.IPv4Address(text)),
    "ipv6": lambda text: bool(ipaddress.IPv6Address(text)),
}


def problem(value: Any, schema: Any, root: dict[str, Any] | None = None) -> str | None:
    """Why `value` is not valid for `schema` (a short reason with where), or None when it is; `$ref`s
    point into `root` (`schema` itself when not given)."""
    checker = _Checker(root if root is not None else schema if isinstance(schema, dict) else {})
    try:
        return checker.check(value, schema, "$", 0)
    except _TooLarge:
        return "the value or schema is too large to check"


class _Checker:
    __slots__ = ("root", "visits")

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.visits = 0

    def check(self, value: Any, schema: Any, at: str, depth: int) -> str | None:
        self.visits += 1
        if self.visits > MAX_VISITS or depth > MAX_DEPTH:
            raise _TooLarge
        if schema is True or not isinstance(schema, dict):
            return None if schema is not False else f"{at}: no value is allowed here"
        schema = resolve(schema, self.root)
        for check in (self.kind, self.choices, self.combined, self.number, self.text, self.array, self.mapping):
            found = check(value, schema, at, depth)
            if found:
                return found
        return None

    def kind(self, value: Any, schema: dict[str, Any], at: str, depth: int) -> str | None:
        if "const" in schema and not _same(value, schema["const"]):
            return f"{at}: must be {schema['const']!r}"
        enum = schema.get("enum")
        if isinstance(enum, list) and not any(_same(value, option) for option in enum):
            return f"{at}: {value!r} is not one of the enum values"
        kinds = schema.get("type")
        if kinds is None:
            return None
        names = [str(k).lower() for k in (kinds if isinstance(kinds, list) else [kinds])]
        if any(_is_type(value, name) for name in names):
            return None
        return f"{at}: expected {' or '.join(names)}, not {type(value).__name__}"

    def choices(self, value: Any, schema: dict[str, Any], at: str, depth: int) -> str | None:
        any_of = schema.get("anyOf")
        if isinstance(any_of, list) and any_of:
            reasons = [self.check(value, option, at, depth + 1) for option in any_of[:MAX_OPTIONS]]
            if all(reasons):
                return reasons[0]
        one_of = schema.get("oneOf")
        if isinstance(one_of, list) and one_of:
            passed = sum(1 for option in one_of[:MAX_OPTIONS] if not self.check(value, option, at, depth + 1))
            if passed != 1:
                return f"{at}: matches {passed} of the oneOf options, not exactly one"
        return None

    def combined(self, value: Any, schema: dict[str, Any], at: str, depth: int) -> str | None:
        for option in (schema.get("allOf") or [])[:MAX_OPTIONS] if isinstance(schema.get("allOf"), list) else []:
            found = self.check(value, option, at, depth + 1)
            if found:
                return found
        if "not" in schema and not self.check(value, schema["not"], at, depth + 1):
            return f"{at}: matches the schema under `not`"
        return None

    def number(self, value: Any, schema: dict[str, Any], at: str, depth: int) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            bound = schema.get(key)
            if isinstance(bound, int | float) and not isinstance(bound, bool) and _beyond(value, key, bound):
                return f"{at}: {value} breaks {key} {bound}"
        step = schema.get("multipleOf")
        if isinstance(step, int | float) and not isinstance(step, bool) and step > 0:
            quotient = value / step
            if not math.isfinite(quotient) or abs(quotient - round(quotient)) > 1e-9:
                return f"{at}: {value} is not a multiple of {step}"
        return None

    def text(self, value: Any, schema: dict[str, Any], at: str, depth: int) -> str | None:
        if not isinstance(value, str):
            return None
        if _outside(len(value), schema.get("minLength"), schema.get("maxLength")):
            return f"{at}: length {len(value)} is outside minLength/maxLength"
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            compiled = request_regex(pattern)
            try:  # a pattern that cannot be checked is taken as met, as unknown keywords are
                if compiled is not None and not compiled.search(value, PATTERN_BUDGET_S):
                    return f"{at}: {value[:40]!r} does not match the pattern {pattern[:80]!r}"
            except TimeoutError:
                pass
        fmt = schema.get("format")
        check = FORMAT_CHECKS.get(fmt) if isinstance(fmt, str) else None
        if check is not None:
            try:
                valid = check(value)
            except ValueError:
                valid = False
            if not valid:
                return f"{at}: {value[:40]!r} is not a valid {fmt}"
        return None

    def array(self, value: Any, schema: dict[str, Any], at: str, depth: int) -> str | None:
        if not isinstance(value, list):
            return None
        if _outside(len(value), schema.get("minItems"), schema.get("maxItems")):
            return f"{at}: {len(value)} items is outside minItems/maxItems"
        prefix = schema.get("prefixItems")
        prefix = prefix if isinstance(prefix, list) else []
        items = schema.get("items", True)
        if isinstance(items, list):  # draft 4's positional items
            prefix, items = items, schema.get("additionalItems", True)
        for index, item in enumerate(value):
            sub = prefix[index] if index < len(prefix) else items
            found = self.check(item, sub, f"{at}[{index}]", depth + 1)
            if found:
                return found
        if schema.get("uniqueItems") is True:
            keys = {json.dumps(_canonical(item), sort_keys=True) for item in value}
            if len(keys) < len(value):
                return f"{at}: items are not unique"
        return None

    def mapping(self, value: Any, schema: dict[str, Any], at: str, depth: int) -> str | None:
        if not isinstance(value, dict):
            return None
        required = schema.get("required")
        for key in required if isinstance(required, list) else []:
            if isinstance(key, str) and key not in value:
                return f"{at}: the required property '{key}' is missing"
        if _outside(len(value), schema.get("minProperties"), schema.get("maxProperties")):
            return f"{at}: {len(value)} properties is outside minProperties/maxProperties"
        properties = schema.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            sub = properties.get(key, extra)
            if sub is False:
                return f"{at}: the property '{key}' is not allowed"
            found = self.check(item, sub, f"{at}.{key}", depth + 1)
            if found:
                return found
        return None


def _outside(size: int, low: Any, high: Any) -> bool:
    """Whether a length or count is below `low` or above `high` (bounds that are not ints are ignored)."""
    too_few = isinstance(low, int) and not isinstance(low, bool) and size < low
    return too_few or (isinstance(high, int) and not isinstance(high, bool) and size > high)


def _beyond(value: float, key: str, bound: float) -> bool:
    if key == "minimum":
        return value < bound
    if key == "maximum":
        return value > bound
    if key == "exclusiveMinimum":
        return value <= bound
    return value >= bound


def _is_type(value: Any, name: str) -> bool:
    if name == "null":
        return value is None
    if name == "integer":
        if isinstance(value, float):
            return value.is_integer()
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    wanted = _SCHEMA_TYPES.get(name)
    return wanted is None or isinstance(value, wanted)


def _canonical(value: Any) -> Any:
    """`value` with whole floats as ints, so that equal JSON values dump the same (`1.0` as `1`)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def _same(left: Any, right: Any) -> bool:
    """JSON equality: `1 == 1.0`, but `True != 1`."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right) and type(left) is not dict and type(left) is not list
