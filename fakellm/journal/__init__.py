"""The request journal: what every request asked for, what it got, and how it ended.

Bounded in memory (the oldest entries are dropped). Secrets in headers are
masked before they are stored, so no key ever sits in the journal.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from fakellm.config import DEFAULT_JOURNAL_SIZE
from fakellm.context import RequestContext
from fakellm.dialects import key_headers, key_query_params
from fakellm.model import ChatRequest, Reply

# The providers' key headers, and the usual other places for credentials.
SECRET_HEADERS = key_headers() | {"proxy-authorization", "x-api-key", "cookie", "set-cookie"}
SECRET_QUERY = key_query_params() | {"api_key", "api-key"}

Ending = Literal["pending", "completed", "error", "fault", "disconnected"]
ENDINGS: tuple[str, ...] = get_args(Ending)


def mask(value: str) -> str:
    if len(value) <= 8:
        return "***"
    return value[:4] + "***" + value[-2:]


def mask_header(name: str, value: str) -> str:
    if name not in SECRET_HEADERS:
        return value
    scheme, space, token = value.partition(" ")
    # Keep the scheme readable ("Bearer sk-t***yz"): a test may assert on how the key was sent.
    if space and scheme.lower() in ("bearer", "basic", "token") and token:
        return f"{scheme} {mask(token.strip())}"
    return mask(value)


def masked_headers(headers: dict[str, str]) -> dict[str, str]:
    masked = dict(headers)
    for name in SECRET_HEADERS & masked.keys():
        masked[name] = mask_header(name, masked[name])
    return masked


def request_to_dict(request: ChatRequest) -> dict[str, Any]:
    """The neutral request as plain JSON values, with each message's text spelled out for easy reading."""
    data = dataclasses.asdict(request)
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
        query={k: (mask(v) if k in SECRET_QUERY else v) for k, v in ctx.query.items()} if ctx.query else {},
    )


@dataclass(frozen=True, slots=True)
class JournalFilter:
    """Which entries to keep; a field left as None matches everything."""

    scenario: str | None = None
    dialect: str | None = None
    status: int | None = None
    ended: str | None = None
    rule: str | None = None
    path: str | None = None
    method: str | None = None
    stream: bool | None = None

    def __call__(self, entry: JournalEntry) -> bool:
        for name in self.__slots__:
            wanted = getattr(self, name)
            if wanted is not None and getattr(entry, name) != wanted:
                return False
        return True


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
