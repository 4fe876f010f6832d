"""Live events about journal entries, for whoever watches (the dashboard's feed, the metrics).

A small publish/subscribe hub the journal owns. Four kinds of event, in this order for one request:
`open` (the request arrived), `answer` (the scenario has answered: the replies are known, the
response is about to go out), `chunk` (frames went out: only for listeners that asked for chunks)
and `settle` (the request is over). A backend that keeps the journal elsewhere (Redis) keeps this
interface: `subscribe(listener, chunks=...)`, `unsubscribe(listener)`, `publish(event)`.

Publishing is cheap when nobody listens: the server checks `watched` / `watching_chunks` (plain
attributes) before it builds an event at all. Listeners are called synchronously where the event
happens (the server's event loop) and must not block; one that raises is dropped, so a broken
watcher can never break a request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from fakellm.journal import JournalEntry

EventKind = Literal["open", "answer", "chunk", "settle"]
logger = logging.getLogger("fakellm")


@dataclass(slots=True)  # not frozen: made for every request someone watches, and frozen ones cost 4x to make
class JournalEvent:
    """`data` depends on the kind: `answer` has `replies` (the neutral replies); `chunk` has `sent`
    (frames sent so far), `text` (the reply text those frames added) and `at_ms` (since arrival)."""

    kind: EventKind
    entry: JournalEntry
    data: dict[str, Any] = field(default_factory=dict)


Listener = Callable[[JournalEvent], None]


class EventHub:
    def __init__(self) -> None:
        self._listeners: tuple[Listener, ...] = ()
        self._chunk_listeners: tuple[Listener, ...] = ()
        self.watched = False  # anyone listening at all
        self.watching_chunks = False  # anyone listening to `chunk` events

    def subscribe(self, listener: Listener, *, chunks: bool = False) -> None:
        """Call `listener` for every event; `chunk` events only when `chunks` is set (they come once
        per frame sent, so only a live view should ask for them)."""
        self._listeners = (*self._listeners, listener)
        if chunks:
            self._chunk_listeners = (*self._chunk_listeners, listener)
        self._update()

    def unsubscribe(self, listener: Listener) -> None:
        self._listeners = tuple(x for x in self._listeners if x is not listener)
        self._chunk_listeners = tuple(x for x in self._chunk_listeners if x is not listener)
        self._update()

    def _update(self) -> None:
        self.watched = bool(self._listeners)
        self.watching_chunks = bool(self._chunk_listeners)

    @property
    def listeners(self) -> int:
        return len(self._listeners)

    def publish(self, event: JournalEvent) -> None:
        for listener in self._chunk_listeners if event.kind == "chunk" else self._listeners:
            try:
                listener(event)
            except Exception:
                logger.exception("fakellm: a journal listener failed and was dropped")
                self.unsubscribe(listener)
