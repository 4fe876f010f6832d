"""Property: for any schema of the kinds structured outputs use, the generated value validates.

Schemas are drawn by hypothesis (nested objects, enums, consts, patterns from a safe set, formats,
bounds, `multipleOf`, arrays with item counts, `$defs`/`$ref`, `anyOf`, `allOf`, nullable types,
`additionalProperties: false`); each generated value is checked by `jsonschema`'s Draft 2020-12 validator with format
checking, with strict RFC 3339 checks added for the formats `jsonschema` leaves unchecked here.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakellm.scenarios.generate import Generator
from fakellm.scenarios.schema_values import schema_value

FORMATS = ["date", "date-time", "time", "email", "uri", "uuid", "ipv4", "ipv6", "hostname", "duration"]
PATTERNS = [
    r"^[A-Z]{3}$",
    r"^\d{3}-\d{4}$",
    r"^[a-z][a-z0-9_]{2,15}$",
    r"^(red|green|blue)$",
    r"^\+?[1-9]\d{1,14}$",
    r"^[A-Z]{2}\d{2}[A-Z0-9]{4,10}$",
    r"^(?:[01]\d|2[0-3]):[0-5]\d$",
    r"^#[0-9a-fA-F]{6}$",
    r"^\S+@\S+\.\S+$",
    r"^[^,]{1,20}$",
]
NAMES = st.sampled_from(
    [
        "name",
        "first_name",
        "email",
        "city",
        "country",
        "age",
        "count",
        "title",
        "description",
        "tags",
        "id",
        "price",
        "startDate",
        "zip",
        "phone",
        "website",
        "participants",
        "status",
        "notes",
        "x",
    ]
)

FORMAT_CHECKER = jsonschema.FormatChecker()


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _date_time(text: object) -> bool:
    assert isinstance(text, str)
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", text):
        raise ValueError(text)
    datetime.fromisoformat(text.replace("Z", "+00:00"))
    return True


@FORMAT_CHECKER.checks("time", raises=ValueError)
def _time(text: object) -> bool:
    assert isinstance(text, str)
    if not re.fullmatch(r"\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", text):
        raise ValueError(text)
    time.fromisoformat(text.replace("Z", "+00:00"))
    return True


@FORMAT_CHECKER.checks("uri")
def _uri(text: object) -> bool:
    return isinstance(text, str) and re.fullmatch(r"[a-z][a-z0-9+.-]*://[^\s/]+(/\S*)?", text) is not None


@FORMAT_CHECKER.checks("duration")
def _duration(text: object) -> bool:
    pattern = r"P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?"
    return isinstance(text, str) and re.fullmatch(pattern, text) is not None


@FORMAT_CHECKER.checks("hostname")
def _hostname(text: object) -> bool:
    label = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    return isinstance(text, str) and re.fullmatch(rf"{label}(?:\.{label})*", text) is not None


def _bounds(draw: st.DrawFn, integer: bool) -> dict[str, Any]:
    number = st.integers(-(2**53), 2**53) if integer else st.floats(-1e9, 1e9, allow_nan=False)
    low = draw(st.none() | number)
    high = draw(st.none() | number)
    if low is not None and high is not None and low > high:
        low, high = high, low
    out: dict[str, Any] = {}
    if low is not None:
        out["exclusiveMinimum" if draw(st.booleans()) and high != low else "minimum"] = low
    if high is not None:
        out["maximum"] = high
    if "exclusiveMinimum" in out and high is not None and integer and high - low < 1:
        out["minimum"] = out.pop("exclusiveMinimum")
    return out


@st.composite
def leaf(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(["string", "format", "pattern", "integer", "number", "boolean", "null", "enum", "const"])
    )
    if kind == "string":
        low = draw(st.integers(0, 10))
        schema: dict[str, Any] = {"type": "string", "minLength": low}
        if draw(st.booleans()):
            schema["maxLength"] = low + draw(st.integers(0, 30))
        return schema
    if kind == "format":
        return {"type": "string", "format": draw(st.sampled_from(FORMATS))}
    if kind == "pattern":
        return {"type": "string", "pattern": draw(st.sampled_from(PATTERNS))}
    if kind in ("integer", "number"):
        return {"type": kind, **_bounds(draw, kind == "integer")}
    if kind == "multiple":
        schema = {"type": "integer", "multipleOf": draw(st.sampled_from([2, 3, 5, 10, 25]))}
        if draw(st.booleans()):
            schema["minimum"] = draw(st.integers(-(10**6), 10**6))
        return schema
    if kind == "enum":
        return {"enum": draw(st.lists(st.text(max_size=8) | st.integers(), min_size=1, max_size=5, unique=True))}
    if kind == "const":
        return {"const": draw(st.text(max_size=8) | st.integers() | st.booleans())}
    return {"type": kind}


def nullable(inner: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    def make(schema: dict[str, Any]) -> dict[str, Any]:
        if isinstance(schema.get("type"), str) and schema["type"] != "null":
            return {**schema, "type": [schema["type"], "null"]}
        return {"anyOf": [schema, {"type": "null"}]}

    return inner.map(make)


def extend(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    @st.composite
    def obj(draw: st.DrawFn) -> dict[str, Any]:
        properties = draw(st.dictionaries(NAMES, children, min_size=1, max_size=5))
        required = draw(st.lists(st.sampled_from(sorted(properties)), unique=True))
        if draw(st.booleans()):  # strict: every property required, no others
            required = sorted(properties)
        return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}

    @st.composite
    def array(draw: st.DrawFn) -> dict[str, Any]:
        low = draw(st.integers(0, 4))
        schema: dict[str, Any] = {"type": "array", "items": draw(children), "minItems": low}
        if draw(st.booleans()):
            schema["maxItems"] = low + draw(st.integers(0, 3))
        return schema

    @st.composite
    def all_of(draw: st.DrawFn) -> dict[str, Any]:
        """One object's properties split over the parts of an `allOf` (as pydantic writes an extension)."""
        properties = draw(st.dictionaries(NAMES, children, min_size=2, max_size=5))
        names = sorted(properties)
        cut = draw(st.integers(1, len(names) - 1))
        parts = [names[:cut], names[cut:]]
        return {
            "allOf": [
                {"type": "object", "properties": {n: properties[n] for n in part}, "required": part} for part in parts
            ]
        }

    any_of = st.lists(children, min_size=2, max_size=3).map(lambda options: {"anyOf": options})
    return obj() | array() | any_of | all_of() | nullable(children)


SCHEMAS = st.recursive(leaf(), extend, max_leaves=12)


@st.composite
def with_defs(draw: st.DrawFn) -> dict[str, Any]:
    """A root object whose properties use `$ref`s into `$defs` (as pydantic and zod write them)."""
    defs = draw(st.dictionaries(st.sampled_from(["Address", "Person", "Item", "Tag"]), SCHEMAS, min_size=1, max_size=3))
    properties = {f"p_{name.lower()}": {"$ref": f"#/$defs/{name}"} for name in defs}
    properties["other"] = draw(SCHEMAS)
    return {
        "type": "object",
        "properties": properties,
        "required": sorted(properties),
        "additionalProperties": False,
        "$defs": defs,
    }


def check(schema: dict[str, Any], seed: int) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)
    value, notes = schema_value(Generator(seed), schema)
    assert notes == [], notes  # every pattern here is one the generator follows
    jsonschema.Draft202012Validator(schema, format_checker=FORMAT_CHECKER).validate(value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=SCHEMAS, seed=st.integers(0, 2**32))
def test_the_generated_value_validates(schema: dict[str, Any], seed: int) -> None:
    check(schema, seed)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=with_defs(), seed=st.integers(0, 2**32))
def test_the_generated_value_validates_through_refs(schema: dict[str, Any], seed: int) -> None:
    check(schema, seed)


def test_the_same_seed_gives_the_same_value() -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "n": {"type": "integer"}}}
    assert schema_value(Generator(5), schema) == schema_value(Generator(5), schema)
    assert schema_value(Generator(5), schema) != schema_value(Generator(6), schema)
