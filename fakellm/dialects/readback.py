"""Reading a provider's answer back into neutral form, for `fakellm record`: the shared pieces.

Each dialect reads its own provider's bodies (`Dialect.parse_response`, `parse_stream`,
`parse_error`); this module holds what they share and what carries no provider's field names:
the result (`ReadBack`), an upstream error's words (`ErrorText`), and a reader of Server-Sent
Events that splits a byte stream into events as it arrives.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fakellm.model import Reply

# One event's bytes at most, and the events of one stream kept: bounds on what an upstream can make us hold.
MAX_EVENT_BYTES = 16 * 1024 * 1024
MAX_EVENTS = 200_000


@dataclass(frozen=True, slots=True)
class SseEvent:
    """One Server-Sent Event: its `data` lines joined by newlines, and its `event` name ("" if none)."""

    data: str
    event: str = ""


@dataclass(slots=True)
class ReadBack:
    """A provider's answer in neutral terms: one reply per choice, the model it named, and (for a
    stream) the positions of the events that carried content (text, reasoning or a tool call)."""

    replies: list[Reply]
    model: str = ""
    content_events: list[int] = field(default_factory=list)
    stream_error: ErrorText | None = None  # an error event inside the stream, after the 200
    complete: bool = True  # whether the answer reached its end (a finish reason, a terminator)
    response_id: str = ""  # the id the provider gave the answer, where a later request may refer to it


@dataclass(frozen=True, slots=True)
class ErrorText:
    """What an error body says: its message, and its code when it names one."""

    message: str
    code: str | None = None


def json_body(body: bytes) -> Any:
    """The decoded JSON of a body, or None when it is not JSON."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def event_json(event: SseEvent) -> Any:
    """The JSON an event's data holds, or None (`[DONE]`, a comment, anything not JSON)."""
    try:
        return json.loads(event.data) if event.data else None
    except ValueError:
        return None


class SseSplitter:
    """Splits a byte stream into Server-Sent Events as the bytes arrive (LF, CRLF or CR line ends).

    `feed` returns the events completed by the bytes given; an event larger than `MAX_EVENT_BYTES`
    is dropped rather than held."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, chunk: bytes) -> list[SseEvent]:
        text = self._pending + chunk
        events: list[SseEvent] = []
        start = 0
        while True:
            end, gap = _blank_line(text, start)
            if end < 0:
                break
            event = parse_event(text[start:end])
            if event is not None:
                events.append(event)
            start = end + gap
        self._pending = text[start:]
        if len(self._pending) > MAX_EVENT_BYTES:
            self._pending = b""
        return events

    def close(self) -> list[SseEvent]:
        """The last event, when the stream ended without a blank line after it."""
        rest, self._pending = self._pending, b""
        event = parse_event(rest) if rest.strip() else None
        return [event] if event is not None else []


def _blank_line(text: bytes, start: int) -> tuple[int, int]:
    """Where the next event ends (the position of its blank line) and the length of the separator."""
    best, gap = -1, 0
    for separator in (b"\r\n\r\n", b"\n\n", b"\r\r"):
        found = text.find(separator, start)
        if found >= 0 and (best < 0 or found < best):
            best, gap = found, len(separator)
    return best, gap


def parse_event(raw: bytes) -> SseEvent | None:
    """One event's lines as SSE reads them; None for an event with no data (comments, keep-alives)."""
    data: list[str] = []
    name = ""
    for line in raw.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line or line.startswith(":"):
            continue
        key, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if key == "data":
            data.append(value)
        elif key == "event":
            name = value
    if not data:
        return None
    return SseEvent("\n".join(data), name)
