"""Reading a request body: the size limit, UTF-8, and JSON, each with a precise 4xx."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import Receive

from fakellm.errors import ApiError, bad_request

DEFAULT_MAX_BODY = 16 * 1024 * 1024


def too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        f"Request body too large: the limit is {limit} bytes.",
        code="request_too_large",
    )


async def read_body(receive: Receive, content_length: str | None, limit: int) -> bytes:
    """The whole body, refusing (without reading the rest) once it is known to exceed `limit`."""
    if content_length is not None and content_length.isdigit() and int(content_length) > limit:
        raise too_large(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise bad_request("The client disconnected before the request body was complete.")
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                raise too_large(limit)
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def decode_json(raw: bytes) -> Any:
    if not raw.strip():
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
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise bad_request(
            f"We could not parse the JSON body of your request: {exc.msg} at line {exc.lineno} column "
            f"{exc.colno} (char {exc.pos}). The API expects a JSON payload."
        ) from None
