"""Rate limits: what a client's budget looks like after a request.

The limiter itself belongs to the fault stage; dialects only turn a
`RateLimitStatus` into their provider's headers.
"""

from __future__ import annotations

from dataclasses import dataclass


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
