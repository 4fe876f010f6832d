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
- a connection cap: a connection beyond `max_connections` displaces another that is not sending
  (see `_Guarded._make_room` for which), or is closed at once when there is none;
- an arrival stamp: the moment the loop woke to read a request (`fakellm.server.arrival`) goes into
  its scope (`fakellm.context.ARRIVED`), so that its schedule (TTFT, token times) counts from when
  its bytes came, not from when its task first ran: in a burst, hundreds of requests are read in one
  loop turn and then prepared one after another;
- a held head: each request's cycle writes through a `fakellm.server.heads.HeldHead`, so a
  response's head and its first body bytes go out in one write.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from uvicorn.protocols.http.auto import AutoHTTPProtocol

from fakellm.config import DEFAULT_BODY_TIMEOUT, DEFAULT_HEADER_TIMEOUT, DEFAULT_MAX_CONNECTIONS, ServerConfig
from fakellm.context import ARRIVED
from fakellm.server.arrival import ReadBatch, read_batch
from fakellm.server.heads import HeldHead

NEW_GRACE_S = 0.25  # a new connection is not displaced before it has had this long to send (see _make_room)
KEPT_ALIVE, SILENT, YOUNG = 0, 1, 2  # which connections _make_room closes first
OVERDRAFT = 16  # new connections allowed past the cap during their grace (within FD_RESERVE)
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
    _opened = 0.0
    _probation: asyncio.TimerHandle | None = None  # over the cap, until its grace is up
    _read_turn = False  # the loop has polled the socket for reading at least once since it opened

    _reads: ReadBatch

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._reads = read_batch(self.loop)
        self._idle_since = self._opened = time.monotonic()
        # The reader is registered by now; two turns on, the loop has polled it at least once.
        self.loop.call_soon(self.loop.call_soon, self._had_read_turn)
        if len(self.connections) > self.max_connections and not self._make_room(SILENT):
            if len(self.connections) <= self.max_connections + OVERDRAFT:
                # Every other connection is new or sending: this one gets the same grace, over the cap.
                self._probation = self.loop.call_later(self._grace(), self._end_probation)
            elif not self._make_room(YOUNG):
                self._refuse()
                return
        self._set_deadline()

    def data_received(self, data: bytes) -> None:
        arrived, before = self._reads.stamp(), self.cycle
        if self._deadline is None and (before is None or before.response_complete):
            self._set_deadline()  # the first byte of the next request on a kept-alive connection
        if self._deadline is not None:
            self._partial = True
        super().data_received(data)
        cycle = self.cycle
        if cycle is not before and cycle is not None:  # a new request's headers are in: its task has not run
            cycle.scope[ARRIVED] = arrived
            cycle.transport = HeldHead(self.transport, self.loop)
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
        if self._probation is not None:
            self._probation.cancel()
            self._probation = None
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

    def _had_read_turn(self) -> None:
        self._read_turn = True

    def _grace(self) -> float:
        return min(NEW_GRACE_S, self.header_timeout / 4)

    def _refuse(self) -> None:
        self.transport.close()
        self.connections.discard(self)  # counted out now, as a displaced one is

    def _end_probation(self) -> None:
        """This connection's grace is up while it is over the cap: if it is still silent, it is now as
        displaceable as any other silent connection; room is made for it, or it is closed."""
        self._probation = None
        if self.transport.is_closing() or len(self.connections) <= self.max_connections:
            return
        if self._displaceable(time.monotonic()) is not None and not self._make_room(SILENT):
            self._refuse()

    def _displaceable(self, now: float) -> tuple[int, float] | None:
        """How readily this connection may be closed to make room (lower first), or None if not at all."""
        if self._deadline is not None and self._partial:
            return None  # some of a request has arrived: it is sending
        if self.cycle is not None:
            if self.cycle.response_complete:
                return (KEPT_ALIVE, self._idle_since)  # idle between requests on a kept-alive connection
            return None  # a request in flight
        if not self._read_turn:
            return None  # its request may be waiting in the socket, unread
        if now - self._opened < self._grace():
            return (YOUNG, self._opened)  # silent, but new: still has its chance to send
        return (SILENT, self._opened)  # opened a while ago and still silent

    def _make_room(self, worst: int) -> bool:
        """Close the other connection readiest to go, if it ranks no worse than `worst`; False if none.

        The rule, in `connection_made`: a connection that has sent part of a request, has one in
        flight, or whose socket the loop has not yet read is never closed to make room. The last is
        the bug this guards against: connections accepted in one burst get `connection_made` a loop
        turn before any is read, so a client whose request was already waiting in its socket could be
        taken for idle and reset in favour of a newer, equally silent connection. Of the rest, first
        the one idle longest between requests (it has been served; its client reconnects when it
        needs to), then the oldest silent one past its grace (`NEW_GRACE_S`, or a quarter of the header
        deadline if shorter: time enough for any client to send). When only connections still in
        their grace are left, the newcomer is one of them as much as they are, so it is not refused
        but given the same grace over the cap (at most `OVERDRAFT` over; `_end_probation`); past that,
        the oldest young silent one goes (it has had its chance longest), and the newcomer is refused
        only when every other connection is sending or unread. So a flood of silent connections never
        pushes out one that is sending.
        """
        now = time.monotonic()
        ranked = []
        for other in self.connections:
            if other is not self and isinstance(other, _Guarded) and not other.transport.is_closing():
                rank = other._displaceable(now)
                if rank is not None and rank[0] <= worst:
                    ranked.append((rank, other))
        if not ranked:
            return False
        _, victim = min(ranked, key=lambda r: r[0])
        victim.transport.close()
        victim.connections.discard(victim)  # counted out now; uvicorn discards it again when it is lost
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
        # the protocol keeps the connections themselves within `cap` (and `OVERDRAFT` new ones).
        "limit_concurrency": cap + OVERDRAFT + 1,
        "timeout_keep_alive": config.keep_alive_timeout,
    }
