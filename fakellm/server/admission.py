"""Preparing requests one per turn of the event loop when they come in a burst.

A request's schedule counts from its arrival (`fakellm.server.arrival`), and arrivals are only
seen when the loop polls its sockets, which it does once per turn. Preparing a request (parse, pick
a scenario, reply, plan, frame) takes a fraction of a millisecond; when 500 requests come at once,
the loop reads a first handful, and if it then prepared all of them in the same turn, the rest
would sit unread in the kernel for as long as that took, and be stamped that much late: their
clients would see it added to their TTFT.

So at most one request starts being prepared per turn without waiting; while others are waiting,
each turn lets the longest-waiting one go, and a newcomer waits behind them. Between two
preparations the loop polls its sockets, so every request is stamped within one preparation of
its bytes arriving. Preparing them all takes as long as before (one turn of the loop costs a few
microseconds); what changes is that it no longer hides arrivals. A request that waits here is not
late for that: its schedule still counts from its arrival stamp.

Nothing is held across an `await`: a preparation that waits for the shared store (Redis) does not
keep the next one from starting.
"""

from __future__ import annotations

import asyncio
from collections import deque

from fakellm.server.per_loop import LoopBound, PerLoop


class Admission(LoopBound):
    __slots__ = ("_new_turn", "_pump", "_pumping", "_taken", "_waiting")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop)
        self._taken = False  # a request started being prepared in this turn without waiting
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._pumping = False
        self._new_turn, self._pump = self._turn_over, self._let_one_go  # bound once: scheduled per turn

    def ticket(self) -> asyncio.Future[None] | None:
        """None when the request may be prepared now; otherwise a future to await first."""
        if self._taken or self._waiting:
            waiter: asyncio.Future[None] = self.loop.create_future()
            self._waiting.append(waiter)
            if not self._pumping:
                self._pumping = True
                self.loop.call_soon(self._pump)
            return waiter
        self._taken = True
        self.loop.call_soon(self._new_turn)
        return None

    def __len__(self) -> int:
        """Requests waiting."""
        return len(self._waiting)

    def _turn_over(self) -> None:
        self._taken = False

    def _let_one_go(self) -> None:
        waiting = self._waiting
        while waiting:
            waiter = waiting.popleft()
            if not waiter.done():  # not cancelled (the server shutting down)
                waiter.set_result(None)
                break
        if waiting:
            self.loop.call_soon(self._pump)
        else:
            self._pumping = False


admission: PerLoop[Admission] = PerLoop(Admission)  # the loop's admission
