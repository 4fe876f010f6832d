"""One timer for every delayed frame of an event loop: frames due at the same moment go out together.

A stream waiting for its next frame's time asks the loop's `Pacer` for a future that is resolved
when the time comes. The pacer keeps one heap of (due time, future) and one loop timer, armed for the
earliest; when it fires, every future due by then (within `SLACK_S`) is released in one batch. With
a thousand streams that is one timer callback a tick instead of a thousand timer handles made,
fired and cancelled, and the streams due together wake together.

The batch is released two loop turns after the timer fires: a client that hung up in the meantime has
then been noticed by its stream's disconnect watcher (the server reports the hang-up to it through
one or two `call_soon` hops), so a frame is never counted as sent to a client already gone. That is
what one `asyncio.sleep(0)` per frame did before, at the cost of a task step per frame.

Due times are on the `time.monotonic()` clock, the clock a request's arrival is stamped on.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import time

from fakellm.server.per_loop import LoopBound, PerLoop

SLACK_S = 0.0005  # frames due this close to the timer's firing go with it (libuv's timers tick in ms)
COMPACT_AT = 1024  # waits abandoned early (hang-ups during long stalls) before the heap is swept of them


def _release(due: list[asyncio.Future[None]]) -> None:
    for waiter in due:
        if not waiter.done():
            waiter.set_result(None)


class Pacer(LoopBound):
    __slots__ = ("_abandoned", "_armed", "_heap", "_order", "_timer")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop)
        self._heap: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()  # ties go first come, first served
        self._timer: asyncio.TimerHandle | asyncio.Handle | None = None
        self._armed = math.inf
        self._abandoned = 0

    def wait(self, when: float) -> asyncio.Future[None]:
        """A future resolved at `when` (monotonic seconds); cancel it, or resolve it, to stop waiting."""
        waiter: asyncio.Future[None] = self.loop.create_future()
        heapq.heappush(self._heap, (when, next(self._order), waiter))
        if when < self._armed:
            self._arm(when)
        return waiter

    def abandoned(self) -> None:
        """A wait ended before its time (the client hung up, or the stream was cancelled). Its entry
        stays on the heap until then; once they are many (a flood of hang-ups during 15-minute stalls),
        the heap is swept of them, so it holds only what is still awaited."""
        self._abandoned += 1
        heap = self._heap
        if self._abandoned >= COMPACT_AT and self._abandoned * 2 >= len(heap):
            heap[:] = [entry for entry in heap if not entry[2].done()]
            heapq.heapify(heap)
            self._abandoned = 0

    def __len__(self) -> int:
        return len(self._heap)

    def _arm(self, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._armed = when
        self._timer = self.loop.call_later(max(0.0, when - time.monotonic()), self._fire)

    def _fire(self) -> None:
        self._timer, self._armed = None, math.inf
        heap = self._heap
        due_by = time.monotonic() + SLACK_S
        due = []
        while heap and heap[0][0] <= due_by:
            waiter = heapq.heappop(heap)[2]
            if not waiter.done():  # not woken early (a hang-up) or cancelled
                due.append(waiter)
        if due:
            self.loop.call_soon(self.loop.call_soon, _release, due)
        if heap:
            self._arm(heap[0][0])


pacer: PerLoop[Pacer] = PerLoop(Pacer)  # the loop's pacer
