"""What came back from the upstream, and when: the events of a stream (or the body), their times,
and a hang-up; then the whole exchange as a rule (`Capture.rule`).

Bytes are noted as the proxy relays them, so the times are those the client saw. A compressed
body (gzip, deflate) is decompressed here for reading only; the client gets the bytes as sent.
Everything held is bounded: a body past `max_bytes` is not recorded (the client still gets it).
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field
from typing import Any

from fakellm.dialects import Dialect
from fakellm.dialects.readback import MAX_EVENTS, ReadBack, SseEvent, SseSplitter
from fakellm.model import ChatRequest
from fakellm.record.rules import error_rule, reply_rule

DEFAULT_MAX_BYTES = 64 * 1024 * 1024


def _ms(start: float, end: float) -> float:
    return round((end - start) * 1000.0, 1)


@dataclass(slots=True)
class Capture:
    started: float  # monotonic, when the request arrived
    max_bytes: int = DEFAULT_MAX_BYTES
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)  # the upstream's, names lower-cased
    sse: bool = False
    body: bytearray = field(default_factory=bytearray)
    events: list[tuple[float, SseEvent]] = field(default_factory=list)
    first_at: float | None = None  # when the first bytes of the body came
    ended_at: float | None = None
    hung_up_at: float | None = None
    too_large: bool = False
    _splitter: SseSplitter = field(default_factory=SseSplitter)
    _inflater: Any = None

    def response(self, status: int, headers: dict[str, str]) -> None:
        self.status = status
        self.headers = headers
        self.sse = headers.get("content-type", "").split(";")[0].strip().lower() == "text/event-stream"
        encoding = headers.get("content-encoding", "").strip().lower()
        if encoding in ("gzip", "deflate", "x-gzip"):
            self._inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib, by its header

    def data(self, chunk: bytes, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        if self.first_at is None:
            self.first_at = now
        if self._inflater is not None:
            try:
                chunk = self._inflater.decompress(chunk)
            except zlib.error:
                self.too_large = True  # unreadable: not recorded
                return
        if self.too_large:
            return
        if len(self.body) + len(chunk) > self.max_bytes:
            self.too_large = True
            self.body.clear()
            return
        self.body += chunk
        if self.sse:
            for event in self._splitter.feed(chunk):
                if len(self.events) < MAX_EVENTS:
                    self.events.append((now, event))

    def end(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self.ended_at = now
        if self.sse:
            self.events.extend((now, e) for e in self._splitter.close())

    def hang_up(self, now: float | None = None) -> None:
        self.hung_up_at = time.monotonic() if now is None else now

    # --- the rule --------------------------------------------------------------------------------

    def read(self, dialect: Dialect) -> ReadBack | None:
        if self.too_large:
            return None
        if self.sse:
            return dialect.parse_stream([event for _, event in self.events])
        return dialect.parse_response(bytes(self.body))

    def timing(self, read: ReadBack, stream: bool) -> dict[str, Any]:
        """TTFT and, for SSE, each content event's time; a whole body's TTFT is when it had all come
        (a streamed JSON array's: when it began, its elements' own times not being known)."""
        if self.sse:
            offsets = [_ms(self.started, self.events[i][0]) for i in read.content_events if i < len(self.events)]
            first = offsets[0] if offsets else _ms(self.started, self.events[0][0]) if self.events else 0.0
            timing: dict[str, Any] = {"ttft_ms": first}
            if offsets:
                timing["chunk_offsets_ms"] = offsets
        else:
            came = self.first_at if stream else self.ended_at
            timing = {"ttft_ms": _ms(self.started, came or self.hung_up_at or self.started)}
        if self.hung_up_at is not None and not read.complete:
            timing["hung_up_ms"] = _ms(self.started, self.hung_up_at)
        return timing

    def rule(self, dialect: Dialect, request: ChatRequest, name: str) -> dict[str, Any] | None:
        """The exchange as a rule of the scenario format; None when there is nothing to replay (no
        response, a body too large, or a dialect that cannot read its answers back)."""
        if self.status >= 400:
            error = None if self.too_large else dialect.parse_error(bytes(self.body))
            return error_rule(name, request, self.status, error, self.headers)
        if self.status < 200 or self.status >= 300:
            return None
        read = self.read(dialect)
        if read is None:
            return None
        if self.hung_up_at is not None and not read.complete:
            name += f" (the client hung up after {_ms(self.started, self.hung_up_at):g} ms)"
        return reply_rule(name, request, read.replies[0], self.timing(read, request.stream), read.stream_error)
