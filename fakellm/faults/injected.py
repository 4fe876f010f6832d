"""The errors the fault stage answers with instead of a reply: an injected error, and a rate limit hit.

Both are neutral `ApiError`s marked `injected` (the journal says `fault`); the dialect words them.
"""

from __future__ import annotations

import math
from typing import Any

from fakellm.errors import ApiError
from fakellm.faults.ratelimit import RateLimited
from fakellm.faults.spec import ErrorSpec


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def retry_headers(spec: ErrorSpec) -> dict[str, str]:
    headers: dict[str, str] = {}
    if spec.retry_after is not None:
        headers["retry-after"] = _number(spec.retry_after)
    if spec.retry_after_ms is not None:
        headers["retry-after-ms"] = _number(spec.retry_after_ms)
    if spec.should_retry is not None:
        headers["x-should-retry"] = "true" if spec.should_retry else "false"
    return headers


def injected_error(spec: ErrorSpec, model: str, headers: dict[str, str]) -> ApiError:
    """The error `spec` asks for, carrying `headers` (the rate-limit status) and its retry hints."""
    details: dict[str, Any] = {"model": model}
    if spec.status == 429:
        details["limit_name"] = "requests"
    retry_after = spec.retry_after
    if retry_after is None and spec.retry_after_ms is not None:
        retry_after = spec.retry_after_ms / 1000.0
    return ApiError(
        spec.status,
        spec.message,
        code=spec.code if spec.code is not None else "rate_limit_exceeded" if spec.status == 429 else None,
        headers={**headers, **retry_headers(spec)},
        retry_after=retry_after,
        details=details,
        injected=True,
    )


def over_limit_error(over: RateLimited, headers: dict[str, str], model: str) -> ApiError:
    """The 429 for a request over its budget; `headers` are the dialect's rate-limit headers."""
    headers["retry-after"] = str(max(1, math.ceil(over.retry_after)))
    return ApiError(
        429,
        code="rate_limit_exceeded",
        headers=headers,
        retry_after=over.retry_after,
        details={
            "limit_name": over.limit_name,
            "limit": over.limit,
            "used": over.used,
            "requested": over.requested,
            "model": model,
        },
        injected=True,
    )
