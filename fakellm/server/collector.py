"""Keeping the garbage collector's pauses out of the streams' timing (`fakellm serve` only).

CPython's automatic collector runs whenever enough objects have been allocated, wherever the
program happens to be. A full collection walks every tracked object still alive: with a thousand
streams in flight and a full journal that is tens of thousands of objects, and a pause of tens of
milliseconds that every stream due meanwhile sees as latency nobody asked for. Measured with
`bench/timing.py`, these pauses were the whole of fakellm's tail at 1,000 streams.

So a served process collects on its own terms. What start-up built (scenarios, Faker, the import
graph) is frozen out of every collection; the automatic collector is off; and once a second a
`Collector` looks at how many tracked objects have been made (net of those freed) since it last
collected. It collects when no request is in flight and no frame waits for its time (nothing to
delay: "no frame waits" alone is not enough, since streams ticking together all leave the pacer's
heap for a moment at each tick) and enough has piled up to be worth it, or, whatever is in flight,
when so much has piled up that memory matters more than one pause. A request leaves no reference
cycles behind on its usual path (its objects go as soon as it ends: see
`transport._DisconnectWatcher`), so under steady load the count stays near what is in flight and the
second case does not come.

The test harness does not use it: a test's process is its own, and its collector is left alone.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable

from fakellm.server.pacer import pacer

CHECK_S = 1.0  # how often the count is looked at
IDLE_COLLECT_AT = 10_000  # objects piled up before a collection while nothing waits
BUSY_COLLECT_AT = 1_000_000  # objects piled up before a collection whatever waits


class Collector:
    """The garbage collection policy of one served event loop: `start` it once the loop runs."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        in_flight: Callable[[], int] = lambda: 0,
        *,
        check_s: float = CHECK_S,
        idle_at: int = IDLE_COLLECT_AT,
        busy_at: int = BUSY_COLLECT_AT,
    ) -> None:
        self.loop = loop
        self.pacer = pacer(loop)
        self.in_flight = in_flight  # requests being answered (the app's journal knows)
        self.check_s, self.idle_at, self.busy_at = check_s, idle_at, busy_at
        self._idle_at = idle_at  # raised while collections find nothing to free
        self.collections = 0  # run by this collector
        self._timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        """Freeze what exists now out of every later collection, turn the automatic collector off,
        and start looking."""
        gc.collect()
        gc.freeze()
        gc.disable()
        self._timer = self.loop.call_later(self.check_s, self.check)

    def stop(self) -> None:
        """Stop looking and hand collection back to CPython."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        gc.enable()

    def check(self) -> None:
        """Collect if it is time to (see the module's docstring), and look again in `check_s`."""
        piled_up = gc.get_count()[0]
        idle = not len(self.pacer) and not self.in_flight()
        if piled_up >= self.busy_at or (piled_up >= self._idle_at and idle):
            found = gc.collect()
            self.collections += 1
            # Nothing to free: what piled up was alive (new connections, journal entries), so wait for
            # twice as much next time; garbage found brings the bar back down.
            self._idle_at = self.idle_at if found else min(self._idle_at * 2, self.busy_at)
        self._timer = self.loop.call_later(self.check_s, self.check)
