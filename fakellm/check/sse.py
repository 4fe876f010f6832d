"""Reading a server-sent-event body the way the OpenAI SDKs do, keeping what they would throw away.

`fakellm check` judges someone else's stream: it needs each event's raw lines (to
name a bare JSON line or an `event:` field) as well as the data the SDK would see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# CR, LF and CRLF all end a line (openai-python `_SSELineDecoder`, openai-node `LineDecoder`).
_LINE_END = re.compile(rb"\r\n|\r|\n")


@dataclass
class SseEvent:
    """One event: the lines before its blank line, and when that blank line arrived."""

    number: int  # 1-based, in order of arrival
    lines: list[str]
    at: float  # seconds after the request was sent
    terminated: bool = True  # False: the body ended before the blank line, so no SDK dispatches it

    @property
    def fields(self) -> list[tuple[str, str]]:
        """(name, value) per line, as the SSE spec splits them; comments (`:` lines) are left out."""
        parsed: list[tuple[str, str]] = []
        for line in self.lines:
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            parsed.append((name, value[1:] if value.startswith(" ") else value))
        return parsed

    @property
    def data(self) -> str | None:
        """The data an SDK would see (several `data:` lines joined by LF), or None when there is none."""
        values = [value for name, value in self.fields if name == "data"]
        return "\n".join(values) if values else None

    def field_names(self) -> set[str]:
        return {name for name, _ in self.fields}


@dataclass
class SseReader:
    """Feed it body bytes as they arrive; it hands back each event once its blank line has come."""

    crlf: bool = False  # a line ended in CR or CRLF somewhere (accepted by the SDKs; OpenAI sends LF)
    _buffer: bytes = b""
    _lines: list[str] = field(default_factory=list)
    _count: int = 0

    def feed(self, chunk: bytes, at: float) -> list[SseEvent]:
        self._buffer += chunk
        events: list[SseEvent] = []
        while True:
            match = _LINE_END.search(self._buffer)
            # A CR at the very end may be the first half of a CRLF split across reads: wait for more.
            if match is None or (match.group() == b"\r" and match.end() == len(self._buffer)):
                return events
            line, self._buffer = self._buffer[: match.start()], self._buffer[match.end() :]
            if match.group() != b"\n":
                self.crlf = True
            event = self._line(line.decode("utf-8", errors="replace"), at)
            if event is not None:
                events.append(event)

    def finish(self, at: float) -> SseEvent | None:
        """At the end of the body: the event left without its blank line, if any."""
        if self._buffer:
            self._lines.append(self._buffer.decode("utf-8", errors="replace"))
            self._buffer = b""
        if not self._lines:
            return None
        self._count += 1
        tail = SseEvent(self._count, self._lines, at, terminated=False)
        self._lines = []
        return tail

    def _line(self, line: str, at: float) -> SseEvent | None:
        if line:
            self._lines.append(line)
            return None
        if not self._lines:
            return None  # blank lines between events are not events
        self._count += 1
        event = SseEvent(self._count, self._lines, at)
        self._lines = []
        return event
