"""Anthropic's ids and response headers: `request-id`, `msg_01…`/`toolu_01…`, the rate-limit headers.

Ids are base58 (no `0 O I l`), as the API's are. The request id is drawn once per request and kept
on its context, so the `request-id` header and the `request_id` of an error body (before or inside
a stream) agree. The rate-limit headers give the resets as RFC 3339 instants; fakellm has one token
budget, which `tokens-*`, `input-tokens-*` and `output-tokens-*` all report.
"""

from __future__ import annotations

import hashlib
import math
import time
from datetime import UTC, datetime

from fakellm.context import RequestContext
from fakellm.faults.ratelimit import RateLimitStatus

BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_REQUEST_ID_KEY = "_anthropic_request_id"


def request_id(ctx: RequestContext) -> str:
    """`req_011C…`, the same every time it is asked for during one request."""
    # The context is frozen to its fields; this one derived value is memoised beside them, once.
    cached = ctx.__dict__.get(_REQUEST_ID_KEY)
    if cached is None:
        cached = ctx.__dict__[_REQUEST_ID_KEY] = "req_011C" + ctx.ids.token(20, BASE58)
    return str(cached)


def message_id(ctx: RequestContext) -> str:
    return "msg_01" + ctx.ids.token(22, BASE58)


def tool_use_id(call_id: str) -> str:
    """A scenario's call id as Anthropic shows one: kept when it is a `toolu_` id, else derived from it
    (the same call id always gives the same `toolu_01…`)."""
    if call_id.startswith("toolu_"):
        return call_id
    digest = int.from_bytes(hashlib.sha256(call_id.encode()).digest(), "big")
    chars = []
    for _ in range(22):
        digest, index = divmod(digest, len(BASE58))
        chars.append(BASE58[index])
    return "toolu_01" + "".join(chars)


def rfc3339(seconds_from_now: float, now: float | None = None) -> str:
    """The instant `seconds_from_now` ahead, to the whole second (rounded up), as `2026-01-02T03:04:05Z`."""
    at = math.ceil((time.time() if now is None else now) + max(0.0, seconds_from_now))
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rate_limit_headers(status: RateLimitStatus, now: float | None = None) -> dict[str, str]:
    headers = {
        "anthropic-ratelimit-requests-limit": str(status.limit_requests),
        "anthropic-ratelimit-requests-remaining": str(status.remaining_requests),
        "anthropic-ratelimit-requests-reset": rfc3339(status.reset_requests_s, now),
    }
    tokens_reset = rfc3339(status.reset_tokens_s, now)
    for family in ("tokens", "input-tokens", "output-tokens"):
        headers[f"anthropic-ratelimit-{family}-limit"] = str(status.limit_tokens)
        headers[f"anthropic-ratelimit-{family}-remaining"] = str(status.remaining_tokens)
        headers[f"anthropic-ratelimit-{family}-reset"] = tokens_reset
    return headers
