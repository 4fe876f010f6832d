"""When a request arrived: the moment the event loop woke to read it.

A request's schedule (its TTFT, its token times) counts from its arrival, so a request that waited
for the loop does not start its schedule late. The protocol (`fakellm.server.limits`) stamps each
request as its headers complete. Reading itself takes time, though: parsing a request and making
its task costs uvicorn tens of microseconds, and when a burst of requests is waiting in the kernel,
the loop wakes once and reads them one after another. Stamped as each read began, the last of 500
requests read in one wake-up would be stamped some 20 ms after its bytes were there, and its
client would see those 20 ms added to its TTFT.

So every read of one wake-up gets the same stamp: the time the first of them began. Each socket
read then was readable when the loop polled, before that stamp. (A request whose last bytes came
while its socket was being read in that same wake-up is stamped at most that wake-up's reading
time early.) `ReadBatch.stamp` takes the time at the first read of a wake-up and schedules its
own reset for the loop's next turn of callbacks, which comes after every read of the wake-up.
"""

from __future__ import annotations

import asyncio
import time

from fakellm.server.per_loop import LoopBound, PerLoop


class ReadBatch(LoopBound):
    __slots__ = ("_at", "_end")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop)
        self._at: float | None = None
        self._end = self._reset  # bound once: it is scheduled on every wake-up that reads

    def stamp(self) -> float:
        """The `time.monotonic()` at which the loop began this wake-up's reads."""
        at = self._at
        if at is None:
            at = self._at = time.monotonic()
            self.loop.call_soon(self._end)
        return at

    def _reset(self) -> None:
        self._at = None


read_batch: PerLoop[ReadBatch] = PerLoop(ReadBatch)  # the loop's read batch
