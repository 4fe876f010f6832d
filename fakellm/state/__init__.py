"""Per-run state that several processes can share: rate-limit budgets, error counters, sequence
positions and the journal.

With `--state memory` (the default) each process keeps its own, in the objects that use it (the
fault stage's limiter and counters, each scenario's positions, the `Journal`), and no store is
made. With `--state redis://HOST:PORT/DB` every worker and replica pointed at the same database
keeps them in a `RedisStore`, so a fleet behind a load balancer behaves as one fakellm. The stages
only see the `StateStore` protocol; `MemoryStore` is its in-process implementation (the reference
semantics, and what the stages' shared paths are tested against without a Redis).

A store that cannot be reached raises `StateUnavailable`: a 503 the dialect words, never a hang.
"""

from __future__ import annotations

import os
import socket
from typing import Any, Protocol

from fakellm.config import MEMORY_STATE
from fakellm.errors import ApiError
from fakellm.faults.ratelimit import RateLimitStatus

STATE_UNREACHABLE = "state_store_unreachable"


def replica_name() -> str:
    """Which process answered, as the shared journal names it: `host:pid`."""
    return f"{socket.gethostname()}:{os.getpid()}"


class StateUnavailable(ApiError):
    """The shared state store did not answer: a 503 in the dialect's own error shape."""

    def __init__(self, where: str, why: str) -> None:
        super().__init__(
            503,
            f"fakellm's shared state store ({where}) is unreachable: {why}. Requests are refused until it is "
            "back, rather than answered with counters, budgets and sequences that other replicas do not share.",
            code=STATE_UNREACHABLE,
        )


class StateStore(Protocol):
    """What the stages keep in a shared store. Every method may raise `StateUnavailable`."""

    where: str  # for messages: the URL without a password

    async def incr(self, key: str) -> int:
        """Add one to a counter (it starts at 0) and return the new count."""

    async def take(self, slot: tuple[str, str], rpm: int | None, tpm: int | None, tokens: int) -> RateLimitStatus:
        """Take one request and `tokens` tokens from the slot's budget, atomically, or raise
        `fakellm.faults.ratelimit.RateLimited` (the semantics of `RateLimiter.acquire`)."""

    async def reserve(self) -> int:
        """The next journal id, taken when a request arrives (so ids follow arrival across replicas)."""

    async def publish(self, entry_id: int, entry: dict[str, Any]) -> None:
        """Add a settled journal entry (its `to_dict()`) under a reserved id, naming the replica that
        answered (`replica`); the oldest entries go past the journal's count or bytes."""

    async def entries(self) -> list[dict[str, Any]]:
        """The journal's entries, in the order of their ids (of arrival)."""

    async def clear_journal(self) -> int:
        """Empty the journal; how many entries went."""

    async def reset(self) -> None:
        """Forget everything: counters, budgets, positions and the journal."""

    async def ping(self) -> None:
        """Raise `StateUnavailable` unless the store answers."""

    async def close(self) -> None: ...


def open_store(url: str, *, journal_size: int, journal_max_bytes: int) -> StateStore | None:
    """The store `--state` names, or None for `memory` (each stage keeps its own state)."""
    if url == MEMORY_STATE:
        return None
    from fakellm.state.redis_store import RedisStore

    return RedisStore(url, journal_size=journal_size, journal_max_bytes=journal_max_bytes)


__all__ = ["STATE_UNREACHABLE", "StateStore", "StateUnavailable", "open_store", "replica_name"]
