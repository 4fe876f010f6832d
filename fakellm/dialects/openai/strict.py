"""OpenAI's rules for a `strict` JSON schema (Structured Outputs), checked as OpenAI checks them.

With `response_format: {"type": "json_schema", "json_schema": {"strict": true, …}}` OpenAI refuses a
schema whose root is not an object, or any object in it that does not set `additionalProperties:
false` or does not list every property in `required`, with a 400 `invalid_json_schema` that names
the place as a Python tuple (`In context=('properties', 'address')`). A fake that accepted such a
schema would let a test pass that fails in production, so the same schemas are refused here.
"""

from __future__ import annotations

from typing import Any

from fakellm.errors import ApiError, bad_request

MAX_NODES = 10_000  # sub-schemas looked at, at most (the body's size bounds it anyway)
_CHILD_MAPS = ("properties", "$defs", "definitions")
_CHILD_LISTS = ("anyOf", "allOf", "prefixItems")


def _refusal(name: str, message: str) -> ApiError:
    return bad_request(
        f"Invalid schema for response_format '{name}': {message}", param="response_format", code="invalid_json_schema"
    )


def _context(path: tuple[str, ...]) -> str:
    return repr(path)


def _check_object(schema: dict[str, Any], path: tuple[str, ...], name: str) -> None:
    where = f"In context={_context(path)}, "
    if schema.get("additionalProperties") is not False:
        raise _refusal(name, where + "'additionalProperties' is required to be supplied and to be false.")
    properties = schema.get("properties")
    keys = list(properties) if isinstance(properties, dict) else []
    required = schema.get("required")
    listed = [r for r in required if isinstance(r, str)] if isinstance(required, list) else None
    base = where + "'required' is required to be supplied and to be an array including every key in properties."
    if listed is None:
        if keys:
            raise _refusal(name, f"{base} Missing '{keys[0]}'.")
        return
    for key in keys:
        if key not in listed:
            raise _refusal(name, f"{base} Missing '{key}'.")
    for key in listed:
        if key not in keys:
            raise _refusal(name, f"{base} Extra required key '{key}' supplied.")


def _is_object(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    return kind == "object" or (isinstance(kind, list) and "object" in kind)


def check_strict_schema(schema: Any, name: str) -> None:
    """Raise OpenAI's 400 when `schema` breaks the strict-mode rules; do nothing when it keeps them."""
    if not isinstance(schema, dict):
        return
    if not _is_object(schema):
        kind = schema.get("type")
        shown = f'type: "{kind}"' if isinstance(kind, str) else "type: None"
        raise _refusal(name, f"schema must be a JSON Schema of 'type: \"object\"', got '{shown}'.")
    stack: list[tuple[dict[str, Any], tuple[str, ...]]] = [(schema, ())]
    seen = 0
    while stack and seen < MAX_NODES:
        node, path = stack.pop(0)
        seen += 1
        if _is_object(node):
            _check_object(node, path, name)
        for key in _CHILD_MAPS:
            children = node.get(key)
            if isinstance(children, dict):
                stack += [(c, (*path, key, n)) for n, c in children.items() if isinstance(c, dict)]
        items = node.get("items")
        if isinstance(items, dict):
            stack.append((items, (*path, "items")))
        for key in _CHILD_LISTS:
            options = node.get(key)
            if isinstance(options, list):
                stack += [(child, (*path, key, str(i))) for i, child in enumerate(options) if isinstance(child, dict)]
