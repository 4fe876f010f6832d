"""One object of a kind per event loop: the pacer, the read batch, the admission.

The test harness runs servers on several loops in one process, so each loop gets its own, made on
first use. The object holds its loop weakly (`LoopBound`), and is kept in a dictionary keyed weakly
by the loop: when the loop goes, so does the object (one holding its loop strongly would keep both
for ever).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar


class LoopBound:
    """An object that works with one event loop, without keeping it alive."""

    __slots__ = ("__weakref__", "_loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = weakref.ref(loop)

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        loop = self._loop()
        if loop is None:  # cannot be while anything runs on it
            raise RuntimeError("the event loop is gone")
        return loop


T = TypeVar("T", bound=LoopBound)


class PerLoop(Generic[T]):
    """`per_loop(loop)` is the loop's one object of the kind, made by `make(loop)` on first use."""

    def __init__(self, make: Callable[[asyncio.AbstractEventLoop], T]) -> None:
        self._make = make
        self._made: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, T] = weakref.WeakKeyDictionary()

    def __call__(self, loop: asyncio.AbstractEventLoop) -> T:
        found = self._made.get(loop)
        if found is None:
            found = self._made[loop] = self._make(loop)
        return found

    def __len__(self) -> int:
        """Loops that have one (for tests)."""
        return len(self._made)
