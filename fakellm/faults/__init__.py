"""The fault stage: what happens to a reply on its way out.

Before the response: rate limits and injected errors (raised as `ApiError`).
After framing: the delivery plan (when each frame goes out, how the stream
ends, what is broken on purpose). Settings come from the server defaults, the
scenario and its rule (`Outcome.faults`), then the per-request headers.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from fakellm.context import RequestContext
from fakellm.errors import ApiError
from fakellm.faults.latency import add_pause, generation_delay, is_instant, stream_offsets
from fakellm.faults.malformed import break_framing
from fakellm.faults.ratelimit import RateLimited, RateLimiter
from fakellm.faults.spec import ErrorSpec, FaultSpec, LatencySpec, RateLimitSpec, StreamFaultSpec
from fakellm.frames import Frame, StreamPlan
from fakellm.model import ChatRequest
from fakellm.tokens import reply_usage

if TYPE_CHECKING:
    from fakellm.scenarios import Outcome

StreamEnd = Literal["complete", "drop", "stall"]

TTFT_HEADER = "X-FakeLLM-TTFT-Ms"
TOKENS_PER_SECOND_HEADER = "X-FakeLLM-Tokens-Per-Second"
ERROR_STATUS_HEADER = "X-FakeLLM-Error-Status"
_TTFT, _RATE, _STATUS = (h.lower() for h in (TTFT_HEADER, TOKENS_PER_SECOND_HEADER, ERROR_STATUS_HEADER))
# However long a scenario asks a stall to last, the server lets go of the connection after this.
MAX_STALL_S = 900.0


@dataclass(slots=True)
class Delivery:
    """How a response is sent. `offsets[i]` is when frame i goes out, in seconds after the request
    arrived; None sends everything at once. A non-streaming response waits `delay` seconds."""

    headers: dict[str, str] = field(default_factory=dict)
    offsets: list[float] | None = None
    delay: float = 0.0
    end: StreamEnd = "complete"
    stall_cap: float = 300.0
    fault: str | None = None  # what was injected, for the journal


def _header_number(ctx: RequestContext, name: str, low: float, high: float, *, integer: bool = False) -> float | None:
    raw = ctx.header(name)
    if raw is None or not raw.strip():
        return None
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        value = math.nan
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


_NO_FAULTS = FaultSpec.model_validate({})


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


def _content_cut(frames: list[Frame], count: int) -> int:
    """How many leading frames to keep so that `count` content frames go out: up to and including
    the count-th content frame (all of them if there are fewer); for 0, the frames before the first."""
    keep = min(1, len(frames))
    seen = 0
    for index, frame in enumerate(frames):
        if frame.tokens > 0:
            if seen == count:
                return index
            seen += 1
            keep = index + 1
    return keep


class FaultStage:
    """Applies fault settings; keeps the per-scenario counters, random streams and rate-limit budgets."""

    def __init__(self, defaults: FaultSpec | None = None, seed: int | None = None) -> None:
        self.defaults = defaults
        self.seed = seed
        self.limiter = RateLimiter()
        self._counters: dict[str, int] = {}
        self._rngs: dict[tuple[str, str], random.Random] = {}
        self._merged: dict[int, tuple[FaultSpec | None, FaultSpec | None, FaultSpec]] = {}

    def reset(self) -> None:
        """Forget counters and rate-limit windows (the test harness calls this between tests)."""
        self._counters.clear()
        self._rngs.clear()
        self._merged.clear()
        self.limiter.reset()

    # --- settings ------------------------------------------------------------------------------

    def settings(self, ctx: RequestContext, outcome: Outcome) -> FaultSpec:
        """The defaults, overridden by the scenario and rule, overridden by the request's headers."""
        spec = self._scenario_settings(outcome)
        latency, error = request_overrides(ctx)
        if latency is not None:
            spec = spec.merged(FaultSpec.model_validate({"latency": latency.model_dump(exclude_unset=True)}))
        if error is not None:  # the header replaces the scenario's trigger: this request fails
            spec = spec.model_copy(update={"error": error})
        return spec

    def _scenario_settings(self, outcome: Outcome) -> FaultSpec:
        """The defaults merged with the scenario's and rule's settings, cached: these are long-lived
        objects, and merging pydantic models on every request was a large share of its cost."""
        override = outcome.faults
        cached = self._merged.get(id(override))
        if cached is None or cached[0] is not override or cached[1] is not self.defaults:
            cached = (override, self.defaults, (self.defaults or _NO_FAULTS).merged(override))
            self._merged[id(override)] = cached
        return cached[2]

    def _rng(self, scope: str, purpose: str, seed: int | None) -> random.Random:
        key = (scope, purpose)
        rng = self._rngs.get(key)
        if rng is None:
            base = seed if seed is not None else self.seed
            rng = random.Random(f"{base}:{scope}:{purpose}") if base is not None else random.Random()
            self._rngs[key] = rng
        return rng

    # --- before the response -------------------------------------------------------------------

    def admit(self, spec: FaultSpec, request: ChatRequest, ctx: RequestContext, outcome: Outcome) -> dict[str, str]:
        """Raise `ApiError` to refuse the request; return headers every response should carry.
        `spec` is this request's `settings()`, worked out once for `admit` and `deliver`."""
        headers: dict[str, str] = {}
        if spec.rate_limit is not None:
            headers = self._rate_limit(spec.rate_limit, request, ctx, outcome)
        if spec.error is not None and self._triggered(spec.error, ctx.scenario):
            raise self._injected(spec.error, request, outcome, headers)
        return headers

    def _triggered(self, spec: ErrorSpec, scope: str) -> bool:
        count = self._counters.get(scope, 0) + 1
        self._counters[scope] = count
        triggers = [spec.every, spec.first, spec.probability]
        if all(t is None for t in triggers):
            return True
        if spec.every is not None and count % spec.every == 0:
            return True
        if spec.first is not None and count <= spec.first:
            return True
        return spec.probability is not None and self._rng(scope, "error", spec.seed).random() < spec.probability

    def _injected(self, spec: ErrorSpec, request: ChatRequest, outcome: Outcome, headers: dict[str, str]) -> ApiError:
        details: dict[str, Any] = {"model": outcome.model or request.model}
        if spec.status == 429:
            details["limit_name"] = "requests"
        retry_after = spec.retry_after
        if retry_after is None and spec.retry_after_ms is not None:
            retry_after = spec.retry_after_ms / 1000.0
        return ApiError(
            spec.status,
            spec.message,
            code="rate_limit_exceeded" if spec.status == 429 else None,
            headers={**headers, **retry_headers(spec)},
            retry_after=retry_after,
            details=details,
            injected=True,
        )

    def _rate_limit(
        self, spec: RateLimitSpec, request: ChatRequest, ctx: RequestContext, outcome: Outcome
    ) -> dict[str, str]:
        dialect = ctx.dialect
        client = "*"
        if spec.per == "key":
            # Only a digest of the key is kept, so no key sits in memory longer than the request.
            client = hashlib.sha256((dialect.api_key(ctx) or "").encode()).hexdigest()
        tokens = reply_usage(request, outcome.replies).total_tokens
        try:
            status = self.limiter.acquire(
                (ctx.scenario, client), spec.requests_per_minute, spec.tokens_per_minute, tokens
            )
        except RateLimited as over:
            headers = dialect.rate_limit_headers(over.status)
            headers["retry-after"] = str(max(1, math.ceil(over.retry_after)))
            raise ApiError(
                429,
                code="rate_limit_exceeded",
                headers=headers,
                retry_after=over.retry_after,
                details={
                    "limit_name": over.limit_name,
                    "limit": over.limit,
                    "used": over.used,
                    "requested": over.requested,
                    "model": outcome.model or request.model,
                },
                injected=True,
            ) from None
        return dialect.rate_limit_headers(status)

    # --- the response --------------------------------------------------------------------------

    def deliver(
        self, spec: FaultSpec, plan: StreamPlan | None, request: ChatRequest, ctx: RequestContext, outcome: Outcome
    ) -> Delivery:
        """Shape the stream (`plan` is changed in place) and schedule it; `plan` is None when not streaming."""
        latency = spec.latency
        instant = latency is None or is_instant(latency)
        if plan is None:
            if instant:
                return Delivery()
            tokens = reply_usage(request, outcome.replies).completion_tokens
            rng = self._rng(ctx.scenario, "latency", latency.seed if latency else None)
            return Delivery(delay=generation_delay(tokens, latency, rng))
        delivery = Delivery()
        if latency is not None and not instant:
            rng = self._rng(ctx.scenario, "latency", latency.seed)
            delivery.offsets = stream_offsets(plan.frames, latency, rng)
        if spec.stream is not None:
            self._stream_faults(spec.stream, plan, request, ctx, delivery)
        return delivery

    def _stream_faults(
        self, spec: StreamFaultSpec, plan: StreamPlan, request: ChatRequest, ctx: RequestContext, delivery: Delivery
    ) -> None:
        faults: list[str] = []
        frames = plan.frames
        if spec.pause is not None:
            if delivery.offsets is None:
                delivery.offsets = [0.0] * len(frames)
            add_pause(delivery.offsets, frames, spec.pause.at, spec.pause.ms / 1000.0)
            faults.append("pause")
        if spec.malformed is not None:
            delivery.headers.update(break_framing(plan, spec.malformed, spec.malformed_at))
            faults.append(f"malformed:{spec.malformed}")
        cut_after, ending = None, ""
        for after, name in (
            (spec.error_after, "midstream_error"),
            (spec.disconnect_after, "disconnect"),
            (spec.stall_after, "stall"),
        ):
            if after is not None:
                cut_after, ending = after, name
                break
        if cut_after is not None:
            keep = _content_cut(frames, cut_after)
            offsets = delivery.offsets
            next_due = None
            if offsets is not None and offsets:
                next_due = offsets[keep] if keep < len(offsets) else offsets[-1]
                delivery.offsets = offsets[:keep]
            del frames[keep:]
            if ending == "midstream_error":
                error = ApiError(spec.error_status, spec.error_message, injected=True)
                frames.append(Frame(ctx.dialect.render_stream_error(error, request, ctx)))
                if delivery.offsets is not None and next_due is not None:
                    delivery.offsets.append(next_due)
            elif ending == "disconnect":
                delivery.end = "drop"
            else:
                delivery.end = "stall"
                delivery.stall_cap = min(spec.stall_max_s, MAX_STALL_S)
            faults.append(ending)
        delivery.fault = ",".join(faults) or None
