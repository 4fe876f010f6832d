"""The request journal: what every request asked for, what it got, and how it ended.

Bounded in memory (the oldest entries are dropped). Secrets in headers are
masked before they are stored, so no key ever sits in the journal.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from fakellm.context import RequestContext
from fakellm.neutral import ChatRequest, Reply

SECRET_HEADERS = frozenset({"authorization", "api-key", "x-goog-api-key", "x-api-key", "cookie"})
SECRET_QUERY = frozenset({"key"})
DEFAULT_JOURNAL_SIZE = 1000

Ending = Literal["pending", "completed", "error", "fault", "disconnected"]


def mask(value: str) -> str:
    if len(value) <= 8:
        return "***"
    return value[:4] + "***" + value[-2:]


def masked_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: (mask(v) if k in SECRET_HEADERS else v) for k, v in headers.items()}


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
        self.tool_calls = [
            {"id": c.id, "name": c.name, "arguments": c.arguments} for r in replies[:1] for c in r.tool_calls
        ]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def new_entry(entry_id: int, ctx: RequestContext) -> JournalEntry:
    return JournalEntry(
        id=entry_id,
        time=ctx.wall_time,
        method=ctx.method,
        path=ctx.path,
        dialect=ctx.dialect.name,
        headers=masked_headers(ctx.headers),
        query={k: (mask(v) if k in SECRET_QUERY else v) for k, v in ctx.query.items()},
    )


class Journal:
    def __init__(self, size: int = DEFAULT_JOURNAL_SIZE) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=max(1, size))
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return self._entries.maxlen or 0

    def open(self, ctx: RequestContext) -> JournalEntry:
        entry = new_entry(next(self._ids), ctx)
        with self._lock:
            self._entries.append(entry)
        return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def entries(self) -> list[JournalEntry]:
        with self._lock:
            return list(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())

    def __len__(self) -> int:
        return len(self._entries)
