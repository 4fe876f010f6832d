"""Gemini's `Schema` (an OpenAPI 3.0 subset) as the JSON Schema the neutral request carries.

`generationConfig.responseSchema` spells types in capitals (`OBJECT`, `STRING`), marks optional
values `nullable`, orders properties with `propertyOrdering`, and arrives in either spelling protobuf
JSON accepts (`maxItems`, `max_items`). The neutral `OutputFormat` holds plain JSON Schema, so it is
converted here: lowercase types, `nullable` as a `"null"` type, camelCase keywords, Gemini-only
fields dropped. A field the `Schema` message does not have is refused as Google refuses it
(`Unknown name "$schema" at 'generation_config.response_schema': Cannot find field.`).
"""

from __future__ import annotations

from typing import Any

from fakellm.errors import ApiError, bad_request

MAX_DEPTH = 64
# The Schema message's fields (camelCase) and the JSON Schema keyword each becomes (None: dropped).
_KEYWORDS: dict[str, str | None] = {
    "type": "type",
    "format": "format",
    "title": "title",
    "description": "description",
    "nullable": None,  # folded into `type`
    "enum": "enum",
    "maxItems": "maxItems",
    "minItems": "minItems",
    "properties": "properties",
    "required": "required",
    "minProperties": "minProperties",
    "maxProperties": "maxProperties",
    "minLength": "minLength",
    "maxLength": "maxLength",
    "pattern": "pattern",
    "example": None,
    "anyOf": "anyOf",
    "propertyOrdering": None,
    "default": "default",
    "items": "items",
    "minimum": "minimum",
    "maximum": "maximum",
    "additionalProperties": "additionalProperties",
    "defs": "$defs",
    "ref": "$ref",
    "$defs": "$defs",  # the same two fields by their JSON names
    "$ref": "$ref",
}


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def _unknown(name: str, at: str) -> ApiError:
    return bad_request(
        f"Invalid JSON payload received. Unknown name \"{name}\" at '{at}': Cannot find field.",
        param=at,
        code="invalid_argument",
    )


def _type(value: Any, nullable: bool) -> Any:
    kind = value.lower() if isinstance(value, str) and value != "TYPE_UNSPECIFIED" else None
    if nullable and kind is not None and kind != "null":
        return [kind, "null"]
    return kind


def to_json_schema(schema: Any, at: str, depth: int = 0) -> Any:
    """`schema` (a Gemini `Schema` object, found at `at`) as JSON Schema; anything else as it is."""
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return schema
    out: dict[str, Any] = {}
    nullable = schema.get("nullable") is True
    for key, value in schema.items():
        name = _camel(key)
        if name not in _KEYWORDS:
            raise _unknown(key, at)
        target = _KEYWORDS[name]
        if target is None:
            continue
        if name == "type":
            kind = _type(value, nullable)
            if kind is not None:
                out["type"] = kind
        elif name in ("properties", "defs", "$defs") and isinstance(value, dict):
            # Google names a map entry by its position: `properties[0].value`.
            entries = enumerate(value.items())
            out[target] = {k: to_json_schema(v, f"{at}.{key}[{i}].value", depth + 1) for i, (k, v) in entries}
        elif name == "items" or (name == "additionalProperties" and isinstance(value, dict)):
            out[target] = to_json_schema(value, f"{at}.{key}", depth + 1)
        elif name == "anyOf" and isinstance(value, list):
            out[target] = [to_json_schema(v, f"{at}.{key}[{i}]", depth + 1) for i, v in enumerate(value)]
        else:
            out[target] = value
    if nullable and "type" not in out and "anyOf" in out:
        out["anyOf"] = [*out["anyOf"], {"type": "null"}]
    return out
