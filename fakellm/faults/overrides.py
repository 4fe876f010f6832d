"""A request's own fault settings: the `X-FakeLLM-*` headers, laid over its scenario's settings.

Everything else about a request's fault settings is worked out when its scenario is built (server
defaults, then the scenario's defaults, then the rule's); only these headers vary per request.
"""

from __future__ import annotations

import math
import re

from fakellm.context import RequestContext
from fakellm.errors import ApiError
from fakellm.faults.spec import ErrorSpec, FaultSpec, LatencySpec

TTFT_HEADER = "X-FakeLLM-TTFT-Ms"
TOKENS_PER_SECOND_HEADER = "X-FakeLLM-Tokens-Per-Second"
ERROR_STATUS_HEADER = "X-FakeLLM-Error-Status"
_TTFT, _RATE, _STATUS = (h.lower() for h in (TTFT_HEADER, TOKENS_PER_SECOND_HEADER, ERROR_STATUS_HEADER))
_NO_FAULTS = FaultSpec.model_validate({})
# Plain ASCII decimals only: Python's `int`/`float` also take `1_000`, `inf`, `nan` and other
# scripts' digits, which no provider's client sends and which would hide a typo.
_INTEGER = re.compile(r"[+-]?[0-9]{1,16}", re.ASCII)
_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,16}(?:\.[0-9]{0,16})?|\.[0-9]{1,16})(?:[eE][+-]?[0-9]{1,3})?", re.ASCII)


def _header_number(ctx: RequestContext, name: str, low: float, high: float, *, integer: bool = False) -> float | None:
    raw = ctx.header(name)
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    plain = (_INTEGER if integer else _NUMBER).fullmatch(text)
    value = math.nan if plain is None else int(text) if integer else float(text)
    if not low <= value <= high:  # NaN fails this too
        kind = "an integer" if integer else "a number"
        raise ApiError(400, f"Invalid header {name}: expected {kind} from {low:g} to {high:g}, got {raw!r}.")
    return value


def request_overrides(ctx: RequestContext) -> tuple[LatencySpec | None, ErrorSpec | None]:
    """The `X-FakeLLM-*` fault headers of one request; a bad value is a 400 naming the header."""
    headers = ctx.headers
    if _TTFT not in headers and _RATE not in headers and _STATUS not in headers:  # the usual case
        return None, None
    ttft = _header_number(ctx, TTFT_HEADER, 0, 3_600_000)
    rate = _header_number(ctx, TOKENS_PER_SECOND_HEADER, 0.001, 1_000_000)
    status = _header_number(ctx, ERROR_STATUS_HEADER, 400, 599, integer=True)
    latency = None
    if ttft is not None or rate is not None:
        values: dict[str, float] = {}
        if ttft is not None:
            values["ttft_ms"] = ttft
        if rate is not None:
            values["tokens_per_second"] = rate
        latency = LatencySpec.model_validate(values)
    error = ErrorSpec.model_validate({"status": int(status)}) if status is not None else None
    return latency, error


def request_settings(ctx: RequestContext, spec: FaultSpec | None) -> FaultSpec | None:
    """`spec` with the request's headers laid over it: latency field by field, and an error status
    that replaces the scenario's trigger (this request fails). `spec` itself when there are none."""
    latency, error = request_overrides(ctx)
    if latency is None and error is None:
        return spec
    settings = spec or _NO_FAULTS
    if latency is not None:
        settings = settings.merged(FaultSpec.model_validate({"latency": latency.model_dump(exclude_unset=True)}))
    if error is not None:
        settings = settings.model_copy(update={"error": error})
    return settings
