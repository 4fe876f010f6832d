"""Reading a request body: the size limit, UTF-8, and JSON, each with a precise 4xx."""

from __future__ import annotations

import json
import math
import re
import time
from typing import Any

from starlette.types import Receive

from fakellm.errors import ApiError, bad_request

_NOT_JSON = "JSON has no NaN or Infinity; send a finite number or null"


def _constant(name: str) -> float:
    raise ValueError(f"{name} is not a valid JSON value ({_NOT_JSON})")


def _number(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # `1e999`: Python reads it as an infinity
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise ValueError(f"the number {shown} is too large for a double ({_NOT_JSON})")
    return value


# Standard JSON only: Python's own parser reads NaN, Infinity and -Infinity (and `1e999` as an
# infinity); providers answer 400, and let in they would come back bare in the journal listing,
# which strict parsers refuse. `decode`, not `json.loads`, for its errors (a leading BOM is
# "Expecting value").
_DECODER = json.JSONDecoder(parse_constant=_constant, parse_float=_number)
# A `\\uD800`-`\\uDFFF` escape: JSON allows it, but a lone one is not Unicode and cannot be sent back.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        f"Request body too large: the limit is {limit} bytes.",
        code="request_too_large",
    )


class ClientGone(ApiError):
    """The client hung up before its body was complete: there is nobody left to answer."""


def too_slow(timeout: float) -> ApiError:
    # `connection: close`: the rest of a slow upload is not waited for on this connection.
    return ApiError(
        408,
        f"Request timeout: the request body did not arrive within {timeout:g} seconds.",
        code="request_timeout",
        headers={"connection": "close"},
    )


async def read_body(
    receive: Receive, content_length: str | None, limit: int, deadline: float | None = None, timeout: float = 0.0
) -> bytes:
    """The whole body, refusing (without reading the rest) once it is known to exceed `limit`, or with
    a 408 once the `time.monotonic()` `deadline` (`timeout` seconds after the request came) has passed.

    The deadline is checked whenever a message comes: a body trickling in is cut off at its next
    byte, and fakellm's uvicorn protocol wakes a reader whose body stalled (`fakellm.server.limits`).
    No timer of its own, so a body that came with the headers costs nothing extra.

    The 413 goes out at once; the connection stays open so the client reliably reads it (closing it
    while the client is still uploading makes the kernel reset the connection, and the client sees a
    connection error instead). uvicorn discards the rest of the upload without buffering it.
    """
    if content_length is not None and content_length.isdigit() and int(content_length) > limit:
        raise too_large(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone(400, "The client disconnected before the request body was complete.", code="client_gone")
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                raise too_large(limit)
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
        if deadline is not None and time.monotonic() >= deadline:
            raise too_slow(timeout)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def decode_json(raw: bytes) -> Any:
    if not raw or raw.isspace():
        raise bad_request(
            "The request body is empty. Send a JSON object, e.g. "
            '{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}.'
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise bad_request(
            f"The request body is not valid UTF-8: byte 0x{raw[exc.start]:02x} at position {exc.start} "
            "cannot be decoded."
        ) from None
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise bad_request(
            f"We could not parse the JSON body of your request: {exc.msg} at line {exc.lineno} column "
            f"{exc.colno} (char {exc.pos}). The API expects a JSON payload."
        ) from None
    except RecursionError:
        raise bad_request("We could not parse the JSON body of your request: it is nested too deeply.") from None
    except ValueError as exc:  # NaN, Infinity, 1e999; an integer with more digits than Python converts
        raise bad_request(f"We could not parse the JSON body of your request: {exc}.") from None
    if b"\\u" in raw and _SURROGATE_ESCAPE.search(raw):
        where = _lone_surrogate(value)
        if where is not None:
            raise bad_request(
                f"Invalid Unicode in '{where}': a UTF-16 surrogate escape (\\uD800-\\uDFFF) that is not "
                "part of a pair.",
                param=None if where == "body" else where,
            )
    return value


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def _lone_surrogate(value: Any) -> str | None:
    """The path (`messages[0].content`) of the first string holding an unpaired surrogate, or None.

    Iterative, because the body may be nested as deeply as the JSON parser allows.
    """
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if _has_surrogate(item):
                return where or "body"
        elif isinstance(item, dict):
            for key, child in reversed(item.items()):
                if _has_surrogate(key):
                    return where or "body"
                stack.append((child, f"{where}.{key}" if where else key))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{i}]") for i, child in reversed(list(enumerate(item))))
    return None
