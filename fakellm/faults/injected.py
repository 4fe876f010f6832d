"""The errors the fault stage answers with instead of a reply: an injected error, and a rate limit hit.

Both are neutral `ApiError`s marked `injected` (the journal says `fault`); the dialect words them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakellm.errors import ApiError
from fakellm.faults.ratelimit import RateLimited, RateLimitStatus
from fakellm.faults.spec import ErrorSpec

if TYPE_CHECKING:
    from fakellm.context import RequestContext

# An injected 429 with no wait given asks for this one (seconds), as a provider's would.
INJECTED_WAIT_S = 1.0
# The budget an injected 429 reports as used up, when no rate limit is configured: a tier-1 key's.
INJECTED_LIMITS = (500, 200_000)


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


def injected_error(spec: ErrorSpec, model: str, headers: dict[str, str], ctx: RequestContext) -> ApiError:
    """The error `spec` asks for, as the provider would send it: a 429 carries the dialect's rate-limit
    headers (a used-up budget when no rate limit is configured) and its retry headers, as a real rate
    limit does (`spec`'s own retry hints win); a 404 is the provider's unknown-model answer; a 401 its
    wrong-key answer. `headers` are the configured rate limit's, if any."""
    dialect = ctx.dialect
    details: dict[str, Any] = {"model": model}
    code: str | None = None
    retry_after = spec.retry_after
    if retry_after is None and spec.retry_after_ms is not None:
        retry_after = spec.retry_after_ms / 1000.0
    sent = dict(headers)
    if spec.status == 429:
        code = "rate_limit_exceeded"
        wait = INJECTED_WAIT_S if retry_after is None else retry_after
        retry_after = wait
        requests, tokens = INJECTED_LIMITS
        details.update(limit_name="requests", limit=requests, used=requests, requested=1)
        if not sent:
            sent = dialect.rate_limit_headers(RateLimitStatus(requests, 0, wait, tokens, tokens, 0.0))
        sent.update(dialect.retry_headers(wait))  # the spec's own hints (below) go over these
    elif spec.status == 404:
        code = "model_not_found"
    elif spec.status == 401:
        key = dialect.api_key(ctx)
        code = "missing_api_key" if key is None else "invalid_api_key"
        details.update(key_hint="", key=key or "")
    return ApiError(
        spec.status,
        spec.message,
        code=spec.code if spec.code is not None else code,
        headers={**sent, **retry_headers(spec)},
        retry_after=retry_after,
        details=details,
        injected=True,
    )


def over_limit_error(over: RateLimited, headers: dict[str, str], model: str, ctx: RequestContext) -> ApiError:
    """The 429 for a request over its budget; `headers` are the dialect's rate-limit headers, to which
    the dialect's retry headers are added."""
    headers.update(ctx.dialect.retry_headers(over.retry_after))
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
