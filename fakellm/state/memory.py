"""The state store in one process: what `RedisStore` does, kept in dictionaries.

The reference semantics of `StateStore` (counters, budgets by `RateLimiter`'s own rules, a journal
bounded by count and bytes). The stages' shared code paths are tested against it without a Redis.
"""

from __future__ import annotations

import itertools
import json
from collections import deque
from typing import Any

from fakellm.config import DEFAULT_JOURNAL_MAX_BYTES, DEFAULT_JOURNAL_SIZE
from fakellm.faults.ratelimit import RateLimiter, RateLimitStatus
from fakellm.state import replica_name


class MemoryStore:
    where = "memory"

    def __init__(
        self, journal_size: int = DEFAULT_JOURNAL_SIZE, journal_max_bytes: int = DEFAULT_JOURNAL_MAX_BYTES
    ) -> None:
        self.journal_size = journal_size
        self.journal_max_bytes = journal_max_bytes
        self._counters: dict[str, int] = {}
        self._limiter = RateLimiter()
        self._journal: deque[tuple[int, str]] = deque()
        self._bytes = 0
        self._ids = itertools.count(1)

    async def incr(self, key: str) -> int:
        count = self._counters[key] = self._counters.get(key, 0) + 1
        return count

    async def take(self, slot: tuple[str, str], rpm: int | None, tpm: int | None, tokens: int) -> RateLimitStatus:
        return self._limiter.acquire(slot, rpm, tpm, tokens)

    async def reserve(self) -> int:
        return next(self._ids)

    async def publish(self, entry_id: int, entry: dict[str, Any]) -> None:
        text = json.dumps({**entry, "replica": replica_name()}, ensure_ascii=False, default=str)
        self._journal.append((entry_id, text))
        self._bytes += len(text)
        while len(self._journal) > 1 and (
            len(self._journal) > self.journal_size or self._bytes > self.journal_max_bytes
        ):
            self._bytes -= len(self._journal.popleft()[1])

    async def entries(self) -> list[dict[str, Any]]:
        return [{**json.loads(text), "id": entry_id} for entry_id, text in sorted(self._journal)]

    async def clear_journal(self) -> int:
        dropped = len(self._journal)
        self._journal.clear()
        self._bytes = 0
        return dropped

    async def reset(self) -> None:
        self._counters.clear()
        self._limiter.reset()
        await self.clear_journal()

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None
