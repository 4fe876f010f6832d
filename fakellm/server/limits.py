"""Keeping slow and silent clients from holding connections: a header deadline and a connection cap.

uvicorn has a keep-alive timeout but nothing that closes a connection whose request never finishes
arriving: one that sends nothing, or its headers a byte a second, stays open for ever, and enough of
them exhaust the process's file descriptors. `protocol_class` makes uvicorn's HTTP protocol with two
additions:

- a header deadline: from the connection's start (and from the first byte of each later request on a
  keep-alive connection) the headers must be complete within `header_timeout` seconds, or the
  connection is closed (after a bare 408 when some of a request had arrived);
- a body alarm: when the headers are in but the body is not, the request's reader is woken once
  `body_timeout` seconds have passed (and every 50 ms after, until it answers), so that it sees its
  deadline has gone by even if no byte arrives: the deadline itself, and the 408 in the provider's
  error shape, are `fakellm.server.body.read_body`'s. No timer is set when the body came with the
  headers (nearly always), so the common request pays nothing;
- a connection cap: a connection beyond `max_connections` displaces the one that has been idle
  longest (no request in flight), or is closed at once when every connection is busy.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from uvicorn.protocols.http.auto import AutoHTTPProtocol

from fakellm.config import DEFAULT_BODY_TIMEOUT, DEFAULT_HEADER_TIMEOUT, DEFAULT_MAX_CONNECTIONS, ServerConfig

BODY_NUDGE_S = 0.05  # how often a reader whose body is overdue is woken again until it answers
FD_RESERVE = 32  # file descriptors kept for everything but client connections (logs, scenario files, ...)

_TIMEOUT_BODY = b"Request Timeout: the request headers did not arrive in time.\n"
REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: " + str(len(_TIMEOUT_BODY)).encode() + b"\r\nconnection: close\r\n\r\n" + _TIMEOUT_BODY
)


def connection_cap(max_connections: int) -> int:
    """`max_connections`, lowered to fit the process's file-descriptor limit (`ulimit -n`) if need be,
    so that a flood of connections is refused by the cap rather than by `accept` failing."""
    try:
        import resource
    except ImportError:  # Windows: no rlimits
        return max_connections
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return max_connections
    return max(1, min(max_connections, soft - FD_RESERVE))


class _Guarded(asyncio.Protocol):
    """The additions, mixed in before uvicorn's protocol (h11 or httptools: the names used are theirs)."""

    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    # uvicorn's, set by its protocol:
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    connections: set[Any]
    cycle: Any

    _deadline: asyncio.TimerHandle | None = None
    _body_alarm: asyncio.TimerHandle | None = None
    _awaiting: object = None  # the cycle that was current when the deadline was set
    _partial = False  # some of the awaited request has arrived
    _idle_since = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._idle_since = time.monotonic()
        if len(self.connections) > self.max_connections and not self._make_room():
            self.transport.close()
            return
        self._set_deadline()

    def data_received(self, data: bytes) -> None:
        if self._deadline is None and (self.cycle is None or self.cycle.response_complete):
            self._set_deadline()  # the first byte of the next request on a kept-alive connection
        if self._deadline is not None:
            self._partial = True
        super().data_received(data)
        cycle = self.cycle
        if self._deadline is not None and cycle is not self._awaiting:  # a new request's headers are in
            self._deadline.cancel()
            self._deadline = None
            if cycle.more_body:  # and not all of its body
                self._body_alarm = self.loop.call_later(self.body_timeout, self._body_overdue, cycle)
        elif self._body_alarm is not None and not cycle.more_body:
            self._stop_body_alarm()

    def on_response_complete(self) -> None:
        self._idle_since = time.monotonic()
        self._stop_body_alarm()
        super().on_response_complete()  # type: ignore[misc]

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        self._stop_body_alarm()
        super().connection_lost(exc)

    def _stop_body_alarm(self) -> None:
        if self._body_alarm is not None:
            self._body_alarm.cancel()
            self._body_alarm = None

    def _body_overdue(self, cycle: Any) -> None:
        """Wake the reader (uvicorn hands it an empty chunk) until it answers or the body completes."""
        self._body_alarm = None
        if cycle is self.cycle and cycle.more_body and not cycle.response_started and not self.transport.is_closing():
            cycle.message_event.set()
            self._body_alarm = self.loop.call_later(BODY_NUDGE_S, self._body_overdue, cycle)

    def _set_deadline(self) -> None:
        self._awaiting, self._partial = self.cycle, False
        self._deadline = self.loop.call_later(self.header_timeout, self._expire)

    def _expire(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            if self._partial:
                self.transport.write(REQUEST_TIMEOUT)
            self.transport.close()

    def _idle(self) -> bool:
        return self.cycle is None or bool(self.cycle.response_complete)

    def _make_room(self) -> bool:
        """Close the connection idle longest (not this one); False when every other one is busy."""
        idle = [c for c in self.connections if c is not self and isinstance(c, _Guarded) and c._idle()]
        if not idle:
            return False
        oldest = min(idle, key=lambda c: c._idle_since)
        oldest.transport.close()
        oldest.connections.discard(oldest)  # counted out now; uvicorn discards it again when it is lost
        return True


class _GuardedHTTP(_Guarded, AutoHTTPProtocol):  # type: ignore[misc,valid-type]
    pass


def protocol_class(header_timeout: float, body_timeout: float, max_connections: int) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (`http=` in `uvicorn.Config`) with these limits."""
    settings = {"header_timeout": header_timeout, "body_timeout": body_timeout, "max_connections": max_connections}
    return type("FakeLLMHTTPProtocol", (_GuardedHTTP,), settings)


def uvicorn_limits(config: ServerConfig) -> dict[str, Any]:
    """The `uvicorn.Config` arguments that apply `config`'s timeouts and connection cap."""
    cap = connection_cap(config.max_connections)
    return {
        "http": protocol_class(config.header_timeout, config.body_timeout, cap),
        # uvicorn's own cap answers 503 when more requests than connections are in flight (pipelining);
        # the protocol keeps the connections themselves within `cap`.
        "limit_concurrency": cap + 1,
        "timeout_keep_alive": config.keep_alive_timeout,
    }
