"""The fault stage: what happens to a reply on its way out.

Once per request, `FaultStage.plan` lays the `X-FakeLLM-*` headers over the scenario's settings
(merged when the scenario was built), admits the request or refuses it (rate limits and injected
errors, raised as `ApiError`), and writes the `FaultPlan`: the stream script the dialect frames,
and the timing `FaultPlan.deliver` gives the frames. It never sees a scenario, only what one chose.
"""

from __future__ import annotations

import hashlib
import random

from fakellm.config import DEFAULT_RATE_LIMIT_MAX_CLIENTS
from fakellm.context import RequestContext
from fakellm.faults.injected import injected_error, over_limit_error
from fakellm.faults.latency import generation_delay, is_instant
from fakellm.faults.overrides import request_settings
from fakellm.faults.plan import NO_FAULTS, FaultPlan, stream_script
from fakellm.faults.ratelimit import RateLimited, RateLimiter
from fakellm.faults.spec import ErrorSpec, FaultSpec, RateLimitSpec
from fakellm.model import ChatRequest, Reply
from fakellm.tokens import reply_usage

__all__ = ["FaultPlan", "FaultStage"]


class FaultStage:
    """Plans each request's faults; keeps the per-scenario counters, random streams and rate-limit
    budgets. `defaults` (the server-wide settings) answer for a scenario that brings no settings;
    `rate_limit_max_clients` caps the budgets kept (see `RateLimiter`)."""

    def __init__(
        self,
        defaults: FaultSpec | None = None,
        seed: int | None = None,
        rate_limit_max_clients: int = DEFAULT_RATE_LIMIT_MAX_CLIENTS,
    ) -> None:
        self.defaults = defaults
        self.seed = seed
        self.limiter = RateLimiter(rate_limit_max_clients)
        self._counters: dict[str, int] = {}
        self._rngs: dict[tuple[str, str], random.Random] = {}

    def reset(self) -> None:
        """Forget counters and rate-limit windows (the test harness calls this between tests)."""
        self._counters.clear()
        self._rngs.clear()
        self.limiter.reset()

    def plan(
        self,
        ctx: RequestContext,
        request: ChatRequest,
        replies: list[Reply],
        model: str,
        spec: FaultSpec | None,
        scope: str,
    ) -> FaultPlan:
        """This request's faults. `spec` is its scenario's settings (None: the server defaults), `scope`
        the scenario's name (counters, random streams and budgets are per scenario). Raises
        `ApiError` when a rate limit or an injected error refuses the request."""
        settings = request_settings(ctx, spec if spec is not None else self.defaults)
        if settings is None:
            return NO_FAULTS
        headers: dict[str, str] = {}
        if settings.rate_limit is not None:
            headers = self._rate_limit(settings.rate_limit, ctx, request, replies, model, scope)
        if settings.error is not None and self._triggered(settings.error, scope):
            raise injected_error(settings.error, model, headers, ctx)
        latency = None if is_instant(settings.latency) else settings.latency
        rng = self._rng(scope, "latency", latency.seed) if latency is not None else None
        if not request.stream:
            if latency is None or rng is None:
                return FaultPlan(headers) if headers else NO_FAULTS
            tokens = reply_usage(request, replies).completion_tokens
            return FaultPlan(headers, delay=generation_delay(tokens, latency, rng))
        faults = settings.stream
        if faults is None:
            return FaultPlan(headers, latency=latency, rng=rng) if headers or latency else NO_FAULTS
        script, names = stream_script(faults)
        return FaultPlan(headers, script, latency, rng, 0.0, faults.malformed, faults.malformed_at, names)

    def _rng(self, scope: str, purpose: str, seed: int | None) -> random.Random:
        key = (scope, purpose)
        rng = self._rngs.get(key)
        if rng is None:
            base = seed if seed is not None else self.seed
            rng = random.Random(f"{base}:{scope}:{purpose}") if base is not None else random.Random()
            self._rngs[key] = rng
        return rng

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

    def _rate_limit(
        self,
        spec: RateLimitSpec,
        ctx: RequestContext,
        request: ChatRequest,
        replies: list[Reply],
        model: str,
        scope: str,
    ) -> dict[str, str]:
        dialect = ctx.dialect
        client = "*"
        if spec.per == "key":
            # Only a digest of the key is kept, so no key sits in memory longer than the request.
            client = hashlib.sha256((dialect.api_key(ctx) or "").encode()).hexdigest()
        tokens = reply_usage(request, replies).total_tokens
        try:
            status = self.limiter.acquire((scope, client), spec.requests_per_minute, spec.tokens_per_minute, tokens)
        except RateLimited as over:
            raise over_limit_error(over, dialect.rate_limit_headers(over.status), model, ctx) from None
        return dialect.rate_limit_headers(status)
