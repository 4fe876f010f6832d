"""The request journal: what every request asked for, what it got, and how it ended.

Bounded in memory (the oldest entries are dropped). Secrets in headers are
masked before they are stored, so no key ever sits in the journal.
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

from fakellm.config import DEFAULT_JOURNAL_SIZE
from fakellm.context import RequestContext
from fakellm.journal.masking import masked_headers, masked_query
from fakellm.model import ChatRequest, Reply

Ending = Literal["pending", "completed", "error", "fault", "disconnected"]
ENDINGS: tuple[str, ...] = get_args(Ending)
# Fields of the neutral request that the journal does not publish (a dialect's typed options are internal).
UNPUBLISHED_REQUEST_FIELDS = frozenset({"options"})


def request_to_dict(request: ChatRequest) -> dict[str, Any]:
    """The neutral request as plain JSON values, with each message's text spelled out for easy reading."""
    data = {
        f.name: _plain(getattr(request, f.name))
        for f in dataclasses.fields(request)
        if f.name not in UNPUBLISHED_REQUEST_FIELDS
    }
    for message, raw in zip(request.messages, data["messages"], strict=True):
        raw["text"] = message.text
    return data


def _plain(value: Any) -> Any:
    """One field's value as `dataclasses.asdict` gives it."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return copy.deepcopy(value)


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
    chunks: int = 0
    ttft_ms: float | None = None
    total_ms: float | None = None
    ended: Ending = "pending"
    fault: str | None = None
    error: str | None = None
    disconnected_at_ms: float | None = None

    def record_replies(self, replies: list[Reply]) -> None:
        self.text = replies[0].text if replies else ""
        if replies and replies[0].tool_calls:
            self.tool_calls = [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in replies[0].tool_calls]

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
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "request"}
        data["timestamp"] = datetime.fromtimestamp(self.time, UTC).isoformat(timespec="milliseconds")
        data["headers"] = dict(self.headers)
        data["query"] = dict(self.query)
        data["tool_calls"] = [dict(c) for c in self.tool_calls]
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
        return f"#{self.id} {self.method} {self.path} [{where}] {self.status or '-'} {how}{said}"


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
    def __init__(self, size: int = DEFAULT_JOURNAL_SIZE) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=max(1, size))
        self._ids = itertools.count(1)
        # Requests only take the plain lock (the Condition's own `with` is Python code); they notify
        # only when some reader is waiting.
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._waiting = 0
        self._pending: set[int] = set()

    @property
    def size(self) -> int:
        return self._entries.maxlen or 0

    def open(self, ctx: RequestContext) -> JournalEntry:
        entry = new_entry(next(self._ids), ctx)
        with self._lock:
            self._entries.append(entry)
            self._pending.add(entry.id)
        return entry

    def settle(self, entry: JournalEntry) -> None:
        """The request is over (answered, refused or abandoned): readers waiting for it may go on."""
        with self._lock:
            self._pending.discard(entry.id)
            if self._waiting:
                self._changed.notify_all()

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
