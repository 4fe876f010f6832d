"""Gemini's thought signatures: the opaque token beside a function call that a client must send back.

Gemini 2.5 and 3 put a `thoughtSignature` beside the first `functionCall` part of a turn (the native
route), or `extra_content.google.thought_signature` on each tool call (the OpenAI-compatible route,
Gemini 3). Gemini 3 checks the history of the current turn (everything after the last user text):
a model turn whose first function call comes back without its signature is a 400. A client that
rebuilds the history from the call's name and arguments, dropping the part's other fields, works for
one tool round and breaks on the next; this module makes fakellm break it the same way.

A signature here is derived from the call (its name and arguments), so the same reply always carries
the same one; the check, as Google's, is that one is there.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any

from fakellm.errors import ApiError
from fakellm.model import ToolCall

DOCS = "https://ai.google.dev/gemini-api/docs/thought-signatures"


def text_signature(text: str) -> str:
    """A stable, opaque, base64 signature for what the model said."""
    digest = hashlib.sha256(text.encode()).digest()
    return base64.b64encode(b"\x12\x20fakellm-thought" + digest).decode()


def signature(call: ToolCall) -> str:
    """The signature of a function call, from its name and arguments."""
    return text_signature(f"{call.name}\x00{call.arguments}")


def missing(name: str, position: int) -> ApiError:
    """Gemini 3's 400 for a function call sent back without its signature."""
    return ApiError(
        400,
        "Function call is missing a thought_signature in functionCall parts. This is required for tools to work "
        "correctly, and missing thought_signature may lead to degraded model performance. Additional data, "
        f"function call `default_api:{name}` , position {position}. Please refer to {DOCS} for more details.",
    )


def _current_turn(items: list[Any], starts_turn: Any) -> Iterator[tuple[int, Any]]:
    """The items after the last one that `starts_turn` (a user's own words), with their positions."""
    start = 0
    for i, item in enumerate(items):
        if isinstance(item, dict) and starts_turn(item):
            start = i + 1
    for i in range(start, len(items)):
        yield i, items[i]


def _native_user_text(content: dict[str, Any]) -> bool:
    parts = content.get("parts")
    return (
        (content.get("role") or "user") == "user"
        and isinstance(parts, list)
        and any(isinstance(p, dict) and "text" in p for p in parts)
    )


def check_native(contents: list[Any]) -> None:
    """Raise the 400 when a model turn of the current turn lacks the signature on its first function call."""
    for i, content in _current_turn(contents, _native_user_text):
        if not isinstance(content, dict) or content.get("role") != "model":
            continue
        if not isinstance(content.get("parts"), list):
            continue
        calls = [p for p in content["parts"] if isinstance(p, dict) and isinstance(p.get("functionCall"), dict)]
        if calls and not (calls[0].get("thoughtSignature") or calls[0].get("thought_signature")):
            raise missing(str(calls[0]["functionCall"].get("name", "")), i + 1)


def _compat_user_text(message: dict[str, Any]) -> bool:
    return message.get("role") == "user"


def compat_signature(call: dict[str, Any]) -> Any:
    extra = call.get("extra_content")
    google = extra.get("google") if isinstance(extra, dict) else None
    return google.get("thought_signature") if isinstance(google, dict) else None


def check_compat(messages: list[Any]) -> None:
    """The same check on the OpenAI-compatible route: the first tool call of an assistant message."""
    for i, message in _current_turn(messages, _compat_user_text):
        if not isinstance(message, dict) or message.get("role") != "assistant":
            continue
        calls = message.get("tool_calls")
        if isinstance(calls, list) and calls and isinstance(calls[0], dict) and not compat_signature(calls[0]):
            function = calls[0].get("function")
            name = function.get("name", "") if isinstance(function, dict) else ""
            raise missing(str(name), i + 1)
