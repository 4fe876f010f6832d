"""The state store in Redis (redis-py, asyncio), shared by every worker and replica pointed at it.

Each operation is one round trip and atomic: counters are `INCR`; a rate-limit slot is a hash that a
Lua script refills, checks and takes from in one step (the same arithmetic as
`fakellm.faults.ratelimit.TokenBucket`, on Redis's own clock, so replicas on different machines
agree), so a budget is exact however many requests race for it; a journal entry is pushed, given an
id and the journal trimmed to its count and bytes by another script. Keys start with `fakellm:`;
an idle budget expires once it would be full again.

Short timeouts and no retries: when Redis is down or slow, a request is refused at once with
`StateUnavailable` (a 503 the dialect words), and served again as soon as it is back (the pool
reconnects; the scripts are loaded again if Redis lost them).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from fakellm.faults.ratelimit import (
    UNLIMITED_REQUESTS,
    UNLIMITED_TOKENS,
    WINDOW_S,
    RateLimited,
    RateLimitStatus,
    TokenBucket,
    bucket_status,
)
from fakellm.state import StateUnavailable, replica_name

PREFIX = "fakellm:"
TIMEOUT_S = 1.0  # connect, read, and wait for a pooled connection: a dead Redis fails a request this fast
MAX_CONNECTIONS = 64  # per process; requests beyond it wait (up to TIMEOUT_S) for a free one

# KEYS: the slot's hash. ARGV: requests per window, tokens per window, tokens asked for, window (s).
# Returns {refused (0, 1 requests, 2 tokens), request level, token level, wait (s)} as strings.
TAKE = """
local rpm, tpm = tonumber(ARGV[1]), tonumber(ARGV[2])
local tokens, window = tonumber(ARGV[3]), tonumber(ARGV[4])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local held = redis.call('HMGET', KEYS[1], 'rc', 'tc', 'rl', 'tl', 'at')
local rl, tl, at = rpm, tpm, now
if tonumber(held[1]) == rpm and tonumber(held[2]) == tpm then
  rl, tl, at = tonumber(held[3]), tonumber(held[4]), tonumber(held[5])
end
if now > at then
  rl = math.min(rpm, rl + (now - at) * rpm / window)
  tl = math.min(tpm, tl + (now - at) * tpm / window)
  at = now
end
local refused, wait = 0, 0
local missing = math.min(1, rpm) - rl
if missing > 0 then
  refused, wait = 1, missing / (rpm / window)
else
  missing = math.min(tokens, tpm) - tl
  if missing > 0 then refused, wait = 2, missing / (tpm / window) end
end
if refused == 0 then rl, tl = rl - 1, tl - tokens end
local function f(x) return string.format('%.17g', x) end
redis.call('HSET', KEYS[1], 'rc', rpm, 'tc', tpm, 'rl', f(rl), 'tl', f(tl), 'at', f(at))
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000) + 1000)
return {refused, f(rl), f(tl), f(wait)}
"""

# KEYS: the journal list, its byte count. ARGV: the entry's id and JSON, most entries, most bytes.
PUBLISH = """
local item = ARGV[1] .. ' ' .. ARGV[2]
redis.call('RPUSH', KEYS[1], item)
local bytes = redis.call('INCRBY', KEYS[2], #item)
local size, limit = tonumber(ARGV[3]), tonumber(ARGV[4])
local count = redis.call('LLEN', KEYS[1])
while count > 1 and (count > size or bytes > limit) do
  local gone = redis.call('LPOP', KEYS[1])
  bytes = redis.call('DECRBY', KEYS[2], #gone)
  count = count - 1
end
return count
"""

CLEAR = """
local count = redis.call('LLEN', KEYS[1])
redis.call('DEL', KEYS[1], KEYS[2])
return count
"""


def shown(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=f"{user}{host}{':' + str(parts.port) if parts.port else ''}"))


class RedisStore:
    def __init__(self, url: str, *, journal_size: int, journal_max_bytes: int, timeout: float = TIMEOUT_S) -> None:
        self.where = shown(url)
        self.journal_size = journal_size
        self.journal_max_bytes = journal_max_bytes
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=MAX_CONNECTIONS,
            timeout=timeout,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
            health_check_interval=0,
        )
        self.redis = Redis(connection_pool=pool)
        self._take = self.redis.register_script(TAKE)
        self._publish = self.redis.register_script(PUBLISH)
        self._clear = self.redis.register_script(CLEAR)
        self._journal_keys = [PREFIX + "journal", PREFIX + "journal:ids", PREFIX + "journal:bytes"]

    def _unavailable(self, exc: BaseException) -> StateUnavailable:
        why = str(exc) or type(exc).__name__
        return StateUnavailable(self.where, why if len(why) < 200 else why[:200] + "...")

    async def incr(self, key: str) -> int:
        try:
            return int(await self.redis.incr(PREFIX + "count:" + key))
        except (RedisError, OSError) as exc:
            raise self._unavailable(exc) from None

    async def take(self, slot: tuple[str, str], rpm: int | None, tpm: int | None, tokens: int) -> RateLimitStatus:
        rpm, tpm = rpm or UNLIMITED_REQUESTS, tpm or UNLIMITED_TOKENS
        key = f"{PREFIX}budget:{slot[0]}:{slot[1]}"
        try:
            refused, request_level, token_level, wait = await self._take(keys=[key], args=[rpm, tpm, tokens, WINDOW_S])
        except (RedisError, OSError) as exc:
            raise self._unavailable(exc) from None
        requests, budget = TokenBucket(rpm, 0.0), TokenBucket(tpm, 0.0)
        requests.level, budget.level = float(request_level), float(token_level)
        status = bucket_status(requests, budget)
        if int(refused) == 1:
            raise RateLimited(status, "requests", rpm, requests.used, 1, float(wait))
        if int(refused) == 2:
            raise RateLimited(status, "tokens", tpm, budget.used, tokens, float(wait))
        return status

    async def reserve(self) -> int:
        try:
            return int(await self.redis.incr(self._journal_keys[1]))
        except (RedisError, OSError) as exc:
            raise self._unavailable(exc) from None

    async def publish(self, entry_id: int, entry: dict[str, Any]) -> None:
        text = json.dumps({**entry, "replica": replica_name()}, ensure_ascii=False, default=str)
        keys = [self._journal_keys[0], self._journal_keys[2]]
        try:
            await self._publish(keys=keys, args=[entry_id, text, self.journal_size, self.journal_max_bytes])
        except (RedisError, OSError) as exc:
            raise self._unavailable(exc) from None

    async def entries(self) -> list[dict[str, Any]]:
        try:
            items = await self.redis.lrange(self._journal_keys[0], 0, -1)
        except (RedisError, OSError) as exc:
            raise self._unavailable(exc) from None
        found = []
        for item in items:
            raw = item if isinstance(item, bytes) else item.encode()
            entry_id, _, text = raw.partition(b" ")
            found.append({**json.loads(text), "id": int(entry_id)})
        return sorted(found, key=lambda e: int(e["id"]))

    async def clear_journal(self) -> int:
        try:
            return int(await self._clear(keys=[self._journal_keys[0], self._journal_keys[2]]))
        except (RedisError, OSError) as exc:
            raise self._unavailable(exc) from None

    async def reset(self) -> None:
        """Delete every `fakellm:` key but the journal's id counter (ids keep rising, so an id read
        before a reset never names a different entry after it)."""
        try:
            keys = [k async for k in self.redis.scan_iter(match=PREFIX + "*", count=1000)]
            keys = [k for k in keys if k != self._journal_keys[1].encode()]
            if keys:
                await self.redis.unlink(*keys)
        except (RedisError, OSError) as exc:
            raise self._unavailable(exc) from None

    async def ping(self) -> None:
        try:
            await self.redis.ping()
        except (RedisError, OSError) as exc:
            raise self._unavailable(exc) from None

    async def close(self) -> None:
        await self.redis.aclose()
