"""The requests `fakellm check` sends, and what came back, timed, byte for byte.

The stream is read with a deadline on every read, so a stalled endpoint costs at
most `--timeout` and a body left open after `data: [DONE]` is noticed.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from fakellm.check.sse import SseEvent, SseReader

# How the stream body ended: cleanly, dropped by the peer, silent past the deadline, or still open after [DONE].
Ending = Literal["eof", "dropped", "stalled", "open-after-done", "unread"]

SMOKE_PROMPT = "Repeat with me: the smoke test has passed."
_PREVIEW_BYTES = 2000


@dataclass
class Answer:
    """One request's outcome; `failure` is set when no HTTP response came at all."""

    failure: str | None = None
    status: int = 0
    content_type: str = ""
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)  # names lower-cased


@dataclass
class StreamCapture(Answer):
    events: list[SseEvent] = field(default_factory=list)
    tail: SseEvent | None = None  # an event the body ended inside of
    ending: Ending = "unread"
    detail: str = ""  # the transport error behind a dropped stream
    first_byte_at: float | None = None
    done_at: float | None = None
    ended_at: float | None = None
    crlf: bool = False


def headers_for(api_key: str) -> dict[str, str]:
    """What an OpenAI client sends: the key as a Bearer token, and a JSON body."""
    return {"authorization": f"Bearer {api_key}", "content-type": "application/json"}


def _is_done(event: SseEvent) -> bool:
    return event.data is not None and event.data.startswith("[DONE]")


async def _read_preview(response: httpx.Response) -> bytes:
    body = b""
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) >= _PREVIEW_BYTES:
            break
    return body[:_PREVIEW_BYTES]


async def capture_stream(
    client: httpx.AsyncClient,
    endpoint: str,
    headers: dict[str, str],
    body: dict[str, Any],
    timeout: float,
    grace: float,
) -> StreamCapture:
    capture = StreamCapture()
    start = time.monotonic()
    try:
        async with client.stream("POST", endpoint, headers=headers, json=body) as response:
            capture.status = response.status_code
            capture.content_type = response.headers.get("content-type", "")
            capture.headers = {k.lower(): v for k, v in response.headers.items()}
            if response.status_code != 200:
                capture.body = await asyncio.wait_for(_read_preview(response), timeout)
                return capture
            await _read_events(response, capture, start, timeout, grace)
    except (httpx.HTTPError, TimeoutError) as exc:
        if capture.status == 0:
            capture.failure = _describe(exc, timeout)
    return capture


async def _read_events(
    response: httpx.Response, capture: StreamCapture, start: float, timeout: float, grace: float
) -> None:
    reader = SseReader()
    chunks = response.aiter_bytes()
    deadline = start + timeout
    while True:
        now = time.monotonic()
        limit = deadline if capture.done_at is None else min(deadline, start + capture.done_at + grace)
        try:
            chunk = await asyncio.wait_for(anext(chunks), max(0.0, limit - now))
        except StopAsyncIteration:
            capture.ending = "eof"
        except (TimeoutError, httpx.TimeoutException):
            capture.ending = "stalled" if capture.done_at is None else "open-after-done"
        except httpx.HTTPError as exc:
            capture.ending, capture.detail = "dropped", str(exc) or type(exc).__name__
        else:
            at = time.monotonic() - start
            if capture.first_byte_at is None and chunk:
                capture.first_byte_at = at
            for event in reader.feed(chunk, at):
                capture.events.append(event)
                if capture.done_at is None and _is_done(event):
                    capture.done_at = at
            continue
        break
    capture.ended_at = time.monotonic() - start
    capture.crlf = reader.crlf
    if capture.ending in ("eof", "dropped"):
        capture.tail = reader.finish(capture.ended_at)


async def send_json(
    client: httpx.AsyncClient, endpoint: str, headers: dict[str, str], body: dict[str, Any] | None, timeout: float
) -> Answer:
    """POST `body`, or GET when there is none."""
    try:
        if body is None:
            sent = client.get(endpoint, headers=headers)
        else:
            sent = client.post(endpoint, headers=headers, json=body)
        response = await asyncio.wait_for(sent, timeout)
    except (httpx.HTTPError, TimeoutError) as exc:
        return Answer(failure=_describe(exc, timeout))
    return Answer(
        status=response.status_code,
        content_type=response.headers.get("content-type", ""),
        body=response.content,
        headers={k.lower(): v for k, v in response.headers.items()},
    )


def _describe(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect ({exc})"
    return f"{type(exc).__name__}: {exc}"
