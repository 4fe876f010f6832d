"""The request journal: what every request asked for, what it got, and how it ended.

Bounded in memory: the oldest entries are dropped past a count and past a total of bytes, and one
entry's texts are cut (with a marker) past a per-entry bound. Nesting is cut when published, so no
request, however deep its JSON, can make a listing fail. Secrets in headers are masked before they
are stored, so no key ever sits in the journal.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypedDict, get_args

from fakellm.config import DEFAULT_JOURNAL_ENTRY_MAX_BYTES, DEFAULT_JOURNAL_MAX_BYTES, DEFAULT_JOURNAL_SIZE
from fakellm.context import RequestContext
from fakellm.journal.events import EventHub, JournalEvent, Listener
from fakellm.journal.masking import masked_headers, masked_query
from fakellm.model import ChatRequest, Reply

Ending = Literal["pending", "completed", "error", "fault", "disconnected"]
ENDINGS: tuple[str, ...] = get_args(Ending)
# Fields of the neutral request that the journal does not publish (a dialect's typed options are internal).
UNPUBLISHED_REQUEST_FIELDS = frozenset({"options"})
# Fields of an entry that are the journal's own book-keeping.
UNPUBLISHED_ENTRY_FIELDS = frozenset({"request", "body_bytes", "weight", "schedule_s", "sent_s"})
ENTRY_OVERHEAD = 1024  # bytes an entry costs besides its body and reply text (a rough, fair guess)


# --- bounds: nesting depth and text length -----------------------------------------------------

MAX_DEPTH = 64  # levels of nesting published; JSON itself allows any, Python's recursion does not
DEPTH_MARKER = f"[fakellm: nested deeper than {MAX_DEPTH} levels, cut here]"


def cut_marker(dropped: int) -> str:
    # ASCII: one non-ASCII character would make Python store the whole kept text at 2 or 4 bytes a character.
    return f"...[fakellm: {dropped} more characters cut]"


def plain(value: Any, depth: int = 0) -> Any:
    """`value` as plain JSON values (dataclasses as dicts, tuples as lists), nesting cut at `MAX_DEPTH`.

    Works with an explicit depth rather than Python's recursion limit, so a request nested hundreds
    of levels deep is published with a marker instead of failing every listing that includes it."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if depth >= MAX_DEPTH:
        return DEPTH_MARKER
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v, depth + 1) for k, v in value.items()}
    return copy.deepcopy(value)


def truncate(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with a marker saying how many went; itself when it fits."""
    if len(text) <= limit:
        return text
    return text[:limit] + cut_marker(len(text) - limit)


class Trimmer:
    """Copies a value keeping at most `budget` characters of its strings in all (the first ones met
    keep theirs), nesting cut at `MAX_DEPTH`. Dataclasses are copied, never changed in place: the
    request the scenario answered is the client's, only the journal's copy is trimmed."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.cut = False

    def text(self, value: str) -> str:
        if len(value) <= self.budget:
            self.budget -= len(value)
            return value
        self.cut = True
        kept, self.budget = self.budget, 0
        return truncate(value, kept)

    def __call__(self, value: Any, depth: int = 0) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, int | float | bool) or value is None:
            return value
        if depth >= MAX_DEPTH:
            self.cut = True
            return DEPTH_MARKER
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            trimmed = copy.copy(value)
            for f in dataclasses.fields(value):
                object.__setattr__(trimmed, f.name, self(getattr(value, f.name), depth + 1))
            return trimmed
        if isinstance(value, list):
            return [self(v, depth + 1) for v in value]
        if isinstance(value, tuple):
            return tuple(self(v, depth + 1) for v in value)
        if isinstance(value, dict):
            return {k: self(v, depth + 1) for k, v in value.items()}
        return value


def request_to_dict(request: ChatRequest) -> dict[str, Any]:
    """The neutral request as plain JSON values, with each message's text spelled out for easy reading
    (nesting deeper than `MAX_DEPTH` is cut with a marker, so no entry fails to publish)."""
    data = {
        f.name: plain(getattr(request, f.name), 1)
        for f in dataclasses.fields(request)
        if f.name not in UNPUBLISHED_REQUEST_FIELDS
    }
    for message, raw in zip(request.messages, data["messages"], strict=True):
        raw["text"] = message.text
    return data


@dataclass(slots=True)
class JournalEntry:
    id: int
    time: float
    method: str
    path: str
    dialect: str
    headers: dict[str, str]
    query: dict[str, str]
    scenario: str | None = None
    rule: str | None = None
    request: ChatRequest | None = None
    status: int = 0
    stream: bool = False
    text: str = ""
    tool_calls: list[dict[str, str]] = field(default_factory=list)
    # How the replies were changed to obey the request (tool choice, output format, stop, max_tokens…).
    adjustments: list[str] = field(default_factory=list)
    chunks: int = 0
    ttft_ms: float | None = None
    total_ms: float | None = None
    ended: Ending = "pending"
    fault: str | None = None
    error: str | None = None
    disconnected_at_ms: float | None = None
    body_bytes: int = 0  # the request body's size as received
    weight: int = 0  # the bytes the journal counts for this entry (set when it settles)
    # When each frame was due and when it went out, in seconds since arrival (the dashboard's timeline);
    # empty when everything went out in one write, at `ttft_ms`.
    schedule_s: list[float] = field(default_factory=list)
    sent_s: list[float] = field(default_factory=list)

    def record_replies(self, replies: list[Reply]) -> None:
        self.text = replies[0].text if replies else ""
        if replies and replies[0].tool_calls:
            self.tool_calls = [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in replies[0].tool_calls]
        for index, reply in enumerate(replies):
            prefix = f"choice {index}: " if len(replies) > 1 else ""
            self.adjustments += [prefix + note for note in reply.adjustments]

    def bound(self, max_bytes: int) -> None:
        """Weigh the settled entry; over `max_bytes`, keep only that many characters of its texts
        (request first, then reply) with markers where they were cut."""
        size = self.body_bytes + len(self.text)
        if size > max_bytes:
            trim = Trimmer(max_bytes)
            if self.request is not None:
                self.request = trim(self.request)
            self.text = trim.text(self.text)
            size = max_bytes - trim.budget
        self.weight = ENTRY_OVERHEAD + size + 16 * len(self.sent_s)

    @property
    def model(self) -> str | None:
        return self.request.model if self.request else None

    @property
    def user_text(self) -> str:
        """The last user message the client sent ("" when the body was not a chat request)."""
        return self.request.last_user_text if self.request else ""

    @property
    def disconnected(self) -> bool:
        return self.ended == "disconnected"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values: what `GET /_fakellm/requests` returns for this entry."""
        data = {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in UNPUBLISHED_ENTRY_FIELDS
        }
        data["timestamp"] = datetime.fromtimestamp(self.time, UTC).isoformat(timespec="milliseconds")
        data["headers"] = dict(self.headers)
        data["query"] = dict(self.query)
        data["tool_calls"] = [dict(c) for c in self.tool_calls]
        data["adjustments"] = list(self.adjustments)
        data["request"] = request_to_dict(self.request) if self.request else None
        return data

    def summary(self) -> str:
        """One line for failure messages, e.g.
        `#3 POST /v1/chat/completions [openai, scenario echo, rule echo] 200 completed`."""
        where = f"{self.dialect}, scenario {self.scenario or '-'}, rule {self.rule or '-'}"
        how: str = self.ended
        if self.ended == "disconnected":
            how = f"client disconnected at {self.disconnected_at_ms} ms after {self.chunks} chunks"
        elif self.error:
            how = f"{self.ended}: {self.error}"
        said = f" user: {self.user_text[:60]!r}" if self.request else ""
        adjusted = f" (adjusted: {'; '.join(self.adjustments)})" if self.adjustments else ""
        return f"#{self.id} {self.method} {self.path} [{where}] {self.status or '-'} {how}{said}{adjusted}"


def new_entry(entry_id: int, ctx: RequestContext) -> JournalEntry:
    return JournalEntry(
        id=entry_id,
        time=ctx.wall_time,
        method=ctx.method,
        path=ctx.path,
        dialect=ctx.dialect.name,
        headers=masked_headers(ctx.headers),
        query=masked_query(ctx.query),
    )


@dataclass(frozen=True, slots=True)
class JournalFilter:
    """Which entries to keep; a field left as None matches everything.

    The one list of filter fields: the HTTP API's query parameters and `Requests.filter` are derived
    from it, and `FilterCriteria` (for type checkers) is pinned to it by a test."""

    scenario: str | None = None
    dialect: str | None = None
    status: int | None = field(default=None, metadata={"range": (100, 599)})
    ended: Ending | None = None
    rule: str | None = None
    path: str | None = None
    method: str | None = None  # compared upper-case
    stream: bool | None = None

    def __post_init__(self) -> None:
        if self.method is not None:
            object.__setattr__(self, "method", self.method.upper())

    def __call__(self, entry: JournalEntry) -> bool:
        for name in self.__slots__:
            wanted = getattr(self, name)
            if wanted is not None and getattr(entry, name) != wanted:
                return False
        return True

    def narrowed(self, criteria: FilterCriteria) -> JournalFilter:
        """This filter with the criteria that are given (not None) added or replaced."""
        current = {name: getattr(self, name) for name in self.__slots__}
        current.update({k: v for k, v in criteria.items() if v is not None})
        return JournalFilter(**current)


class FilterCriteria(TypedDict, total=False):
    """`JournalFilter`'s fields as keyword arguments (`requests.filter(status=429)`), for type checkers."""

    scenario: str | None
    dialect: str | None
    status: int | None
    ended: Ending | None
    rule: str | None
    path: str | None
    method: str | None
    stream: bool | None


class Journal:
    """The last `size` requests, fewer when they weigh more than `max_bytes` in all (the oldest go
    first; the newest always stays); each entry's texts are cut to `entry_max_bytes`."""

    def __init__(
        self,
        size: int = DEFAULT_JOURNAL_SIZE,
        max_bytes: int = DEFAULT_JOURNAL_MAX_BYTES,
        entry_max_bytes: int = DEFAULT_JOURNAL_ENTRY_MAX_BYTES,
    ) -> None:
        self._entries: deque[JournalEntry] = deque()
        self._size = max(1, size)
        self.max_bytes = max_bytes
        self.entry_max_bytes = entry_max_bytes
        self._bytes = 0  # the weight of the settled entries held
        self._ids = itertools.count(1)
        # Requests only take the plain lock (the Condition's own `with` is Python code); they notify
        # only when some reader is waiting.
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._waiting = 0
        self._pending: set[int] = set()
        self.events = EventHub()

    def subscribe(self, listener: Listener, *, chunks: bool = False) -> None:
        """Call `listener` with each `JournalEvent` (see `fakellm.journal.events`)."""
        self.events.subscribe(listener, chunks=chunks)

    def unsubscribe(self, listener: Listener) -> None:
        self.events.unsubscribe(listener)

    @property
    def size(self) -> int:
        return self._size

    @property
    def in_flight(self) -> int:
        """Requests opened and not yet settled."""
        return len(self._pending)

    @property
    def bytes(self) -> int:
        """The weight of the entries held (body and texts, plus a fixed overhead each), as counted
        against `max_bytes`."""
        return self._bytes

    def open(self, ctx: RequestContext) -> JournalEntry:
        entry = new_entry(0, ctx)
        with self._lock:
            entry.id = next(self._ids)  # ids in the order entries are appended
            entries = self._entries
            entries.append(entry)
            if len(entries) > self._size:
                self._bytes -= entries.popleft().weight
            self._pending.add(entry.id)
        if self.events.watched:
            self.events.publish(JournalEvent("open", entry))
        return entry

    def settle(self, entry: JournalEntry) -> None:
        """The request is over (answered, refused or abandoned): weigh it, drop the oldest entries
        while the journal is over its bytes, and let readers waiting for it go on."""
        counted = entry.weight > 0  # settled before: weighed and counted already
        if not counted:
            entry.bound(self.entry_max_bytes)
        with self._lock:
            entries = self._entries
            if not counted and entries and entry.id >= entries[0].id:  # still held (not dropped or cleared meanwhile)
                self._bytes += entry.weight
                while self._bytes > self.max_bytes and len(entries) > 1:
                    self._bytes -= entries.popleft().weight
            self._pending.discard(entry.id)
            if self._waiting:
                self._changed.notify_all()
        if not counted and self.events.watched:
            self.events.publish(JournalEvent("settle", entry))

    def _wait(self, predicate: Callable[[], bool], timeout: float) -> bool:
        with self._changed:
            self._waiting += 1
            try:
                return self._changed.wait_for(predicate, timeout)
            finally:
                self._waiting -= 1

    def wait_settled(self, timeout: float) -> bool:
        """Wait until no request is in flight; False if some still are after `timeout` seconds."""
        return self._wait(lambda: not self._pending, timeout)

    def wait_for(self, count: int, where: JournalFilter, timeout: float) -> bool:
        """Wait until at least `count` settled entries match `where`."""

        def enough() -> bool:
            return sum(1 for e in self._entries if e.id not in self._pending and where(e)) >= count

        return self._wait(enough, timeout)

    def clear(self) -> int:
        with self._changed:
            dropped = len(self._entries)
            self._entries.clear()
            self._bytes = 0
            self._changed.notify_all()
        return dropped

    def entries(self, where: JournalFilter | None = None) -> list[JournalEntry]:
        with self._changed:
            entries = list(self._entries)
        return [e for e in entries if where(e)] if where else entries

    def get(self, entry_id: int) -> JournalEntry | None:
        with self._changed:
            return next((e for e in self._entries if e.id == entry_id), None)

    def pending(self) -> int:
        with self._changed:
            return len(self._pending)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())

    def __len__(self) -> int:
        return len(self._entries)
