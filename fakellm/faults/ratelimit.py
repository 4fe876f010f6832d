"""Rate limits that really count: requests and tokens per minute, refilled continuously.

The fault stage asks the limiter before answering; dialects only turn the
resulting `RateLimitStatus` into their provider's headers.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from fakellm.config import DEFAULT_RATE_LIMIT_MAX_CLIENTS


@dataclass(slots=True, frozen=True)
class RateLimitStatus:
    limit_requests: int
    remaining_requests: int
    reset_requests_s: float
    limit_tokens: int
    remaining_tokens: int
    reset_tokens_s: float


def format_reset(seconds: float) -> str:
    """OpenAI's duration style for `x-ratelimit-reset-*`: `120ms`, `6s`, `1m30.5s`."""
    if seconds < 1:
        return f"{max(0, round(seconds * 1000))}ms"
    minutes, rest = divmod(seconds, 60)
    text = f"{rest:.3f}".rstrip("0").rstrip(".") + "s"
    return f"{int(minutes)}m{text}" if minutes else text


WINDOW_S = 60.0
# The dimension a scenario does not limit is still counted and reported, against a budget this large.
UNLIMITED_REQUESTS = 10_000
UNLIMITED_TOKENS = 10_000_000
# Buckets held before idle ones are looked for; after a sweep, twice as many as are left.
SWEEP_AT = 1024


class TokenBucket:
    """A budget that refills continuously: `capacity` units per `window` seconds, as OpenAI and Groq
    document theirs (500 RPM after one request: one unit back in 120 ms, which is what
    `x-ratelimit-reset-requests: 120ms` says)."""

    __slots__ = ("capacity", "level", "rate", "updated")

    def __init__(self, capacity: int, now: float, window: float = WINDOW_S) -> None:
        self.capacity = capacity
        self.rate = capacity / window
        self.level = float(capacity)
        self.updated = now

    def refill(self, now: float) -> None:
        if now > self.updated:
            self.level = min(float(self.capacity), self.level + (now - self.updated) * self.rate)
            self.updated = now

    def wait_for(self, amount: int) -> float:
        """Seconds until `amount` units are available (after `refill`); 0 when they are now."""
        missing = min(amount, self.capacity) - self.level
        return max(0.0, missing / self.rate)

    def take(self, amount: int) -> None:
        self.level -= amount

    @property
    def remaining(self) -> int:
        return max(0, int(self.level + 1e-9))

    @property
    def used(self) -> int:
        return self.capacity - self.remaining

    def reset_in(self) -> float:
        """Seconds until the budget is whole again."""
        return max(0.0, (self.capacity - self.level) / self.rate)


class RateLimited(Exception):
    """A request over budget; `retry_after` is the real time until enough capacity has returned."""

    def __init__(
        self, status: RateLimitStatus, limit_name: str, limit: int, used: int, requested: int, retry_after: float
    ) -> None:
        super().__init__(f"rate limit on {limit_name}: limit {limit}, used {used}, requested {requested}")
        self.status = status
        self.limit_name = limit_name
        self.limit = limit
        self.used = used
        self.requested = requested
        self.retry_after = retry_after


class RateLimiter:
    """Request and token budgets per (scope, client key). A refused request costs nothing.

    At most `max_clients` slots hold a budget. When a new one would pass that, the slots whose budgets
    have refilled are swept first; if it is still full, the least recently used slot is forgotten.
    That is the trade-off of a hard cap: an evicted client starts again with a full budget, so a
    flood of new keys can buy one old client a fresh allowance. Raise the cap (each slot costs a few
    hundred bytes) rather than let memory grow with the number of keys seen.
    """

    def __init__(self, max_clients: int = DEFAULT_RATE_LIMIT_MAX_CLIENTS, sweep_at: int = SWEEP_AT) -> None:
        if max_clients < 1:
            raise ValueError(f"max_clients must be 1 or more, got {max_clients!r}")
        # Least recently used first: a slot moves to the end each time it is asked for.
        self._buckets: OrderedDict[tuple[str, str], tuple[TokenBucket, TokenBucket]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_clients = max_clients
        self.evicted = 0  # slots forgotten at the cap, least recently used first
        self._sweep_min = self._sweep_gap = sweep_at
        self._made = 0  # slots made since the last sweep
        # At the cap, new slots made before it sweeps again (between, the least recently used go).
        self._cap_gap = max(1, max_clients // 4)

    def __len__(self) -> int:
        """How many (scope, client key) slots hold a budget."""
        return len(self._buckets)

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
            self._made, self._sweep_gap = 0, self._sweep_min

    def _pair(self, slot: tuple[str, str], rpm: int, tpm: int, now: float) -> tuple[TokenBucket, TokenBucket]:
        pair = self._buckets.get(slot)
        if pair is not None:
            self._buckets.move_to_end(slot)
        if pair is None or pair[0].capacity != rpm or pair[1].capacity != tpm:
            if pair is None:
                self._make_room(now)
            pair = (TokenBucket(rpm, now), TokenBucket(tpm, now))
            self._buckets[slot] = pair
        return pair

    def _make_room(self, now: float) -> None:
        """Before a new slot: sweep when due, then evict the least recently used while at the cap.
        A sweep is due when the slots made since the last one reach the doubling schedule, or at the
        cap once a quarter of the cap has been made since: so a full limiter does not sweep on every
        new key (each request stays O(1) on average) but evicts between sweeps."""
        full = len(self._buckets) >= self.max_clients
        if self._made >= self._sweep_gap or (full and self._made >= self._cap_gap):
            self._sweep(now)
        self._made += 1
        while len(self._buckets) >= self.max_clients:
            self._buckets.popitem(last=False)
            self.evicted += 1

    def _sweep(self, now: float) -> None:
        """Forget the slots whose budgets have refilled completely: a full bucket carries no state
        (a new one made for the next request is the same), so only budgets in use stay. One key per
        request cannot grow the limiter without bound; the sweep runs when the count doubles (as many
        slots made as were left), so its cost spread over the requests stays constant."""
        idle = []
        for slot, (requests, tokens) in self._buckets.items():
            requests.refill(now)
            tokens.refill(now)
            if requests.level >= requests.capacity and tokens.level >= tokens.capacity:
                idle.append(slot)
        for slot in idle:
            del self._buckets[slot]
        left = len(self._buckets)
        self._made, self._sweep_gap = 0, max(self._sweep_min - left, left)

    def acquire(
        self, slot: tuple[str, str], rpm: int | None, tpm: int | None, tokens: int, now: float | None = None
    ) -> RateLimitStatus:
        """Take one request and `tokens` tokens from the slot's budget, or raise `RateLimited`."""
        now = time.monotonic() if now is None else now
        with self._lock:
            requests, budget = self._pair(slot, rpm or UNLIMITED_REQUESTS, tpm or UNLIMITED_TOKENS, now)
            requests.refill(now)
            budget.refill(now)
            for bucket, name, amount in ((requests, "requests", 1), (budget, "tokens", tokens)):
                wait = bucket.wait_for(amount)
                if wait > 0:
                    status = bucket_status(requests, budget)
                    raise RateLimited(status, name, bucket.capacity, bucket.used, amount, wait)
            requests.take(1)
            budget.take(tokens)
            return bucket_status(requests, budget)


def bucket_status(requests: TokenBucket, tokens: TokenBucket) -> RateLimitStatus:
    """What the two buckets of one slot say in the rate-limit headers (after `refill`)."""
    return RateLimitStatus(
        limit_requests=requests.capacity,
        remaining_requests=requests.remaining,
        reset_requests_s=requests.reset_in(),
        limit_tokens=tokens.capacity,
        remaining_tokens=tokens.remaining,
        reset_tokens_s=tokens.reset_in(),
    )
