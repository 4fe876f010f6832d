"""Finding one's way in a JSON Schema: local `$ref`s, the options of `anyOf`/`oneOf`/`allOf`, a value's type.

Shared by the generator (`schema_values`) and the checker (`schema_check`), so both read a schema the
same way. A schema comes from a request: `$ref` chains, pointer lengths and option lists are bounded.
"""

from __future__ import annotations

from typing import Any

MAX_OPTIONS = 16  # entries of `anyOf`/`oneOf`/`allOf`/`enum`/a type list that are looked at
MAX_REF_HOPS = 8  # a `$ref` to a `$ref` to ...
MAX_REF_PARTS = 32  # segments of one `$ref` pointer


def resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """Follow a local `$ref` (`#/$defs/X`, `#/definitions/X`, `#`), as pydantic- and zod-made schemas use.

    A `$ref` that leads nowhere (remote, too long, missing) reads as `{}`, any value.
    """
    target: Any = schema
    for _ in range(MAX_REF_HOPS):
        ref = target.get("$ref") if isinstance(target, dict) else None
        if not isinstance(ref, str):
            break
        target = pointer(ref, root)
    return target if isinstance(target, dict) else {}


def pointer(ref: str, root: dict[str, Any]) -> Any:
    if ref in ("#", ""):
        return root
    if not ref.startswith("#/") or ref.count("/") > MAX_REF_PARTS:
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


def options(value: Any) -> list[Any]:
    return value[:MAX_OPTIONS] if isinstance(value, list) else []


def pick_option(choices: list[Any], root: dict[str, Any]) -> Any:
    """The first option that is not `null` (a model fills an optional value in), else the first."""
    for option in choices:
        kind = resolve(option, root).get("type") if isinstance(option, dict) else None
        if str(kind).lower() != "null":
            return option
    return choices[0]


def merged(schema: dict[str, Any], parts: list[Any], root: dict[str, Any]) -> dict[str, Any]:
    """`schema` with its `allOf` parts folded in: properties and `required` joined, other keywords the
    last part's (what pydantic and zod make of an `allOf` is a plain extension of one object)."""
    out: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for part in parts:
        if not isinstance(part, dict):
            continue
        part = resolve(part, root)
        for key, value in part.items():
            if key == "properties" and isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = {**out[key], **value}
            elif key == "required" and isinstance(value, list) and isinstance(out.get(key), list):
                out[key] = [*out[key], *(v for v in value if v not in out[key])]
            elif key != "allOf":
                out[key] = value
    return out


def kind(schema: dict[str, Any]) -> str | None:
    """The type a value is made as: the first non-null of a type list, lower-cased; guessed when absent."""
    given = schema.get("type")
    if isinstance(given, list):
        given = next((k for k in given[:MAX_OPTIONS] if str(k).lower() != "null"), "null")
    if isinstance(given, str):
        return given.lower()  # Gemini's `parameters` schema spells types in capitals (OBJECT, STRING)
    return "object" if "properties" in schema else "array" if "items" in schema else "string"
