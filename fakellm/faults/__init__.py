"""The fault stage: what happens to a reply on its way out.

Once per request, `FaultStage.plan` (a coroutine: with a shared state store, the counters and budgets
are a round trip away) lays the `X-FakeLLM-*` headers over the scenario's settings
(merged when the scenario was built), admits the request or refuses it (rate limits and injected
errors, raised as `ApiError`), and writes the `FaultPlan`: the stream script the dialect frames,
and the timing `FaultPlan.deliver` gives the frames. It never sees a scenario, only what one chose.
"""

from __future__ import annotations

import hashlib
import random
from typing import TYPE_CHECKING

from fakellm.config import DEFAULT_RATE_LIMIT_MAX_CLIENTS
from fakellm.context import RequestContext
from fakellm.faults.injected import injected_error, over_limit_error
from fakellm.faults.latency import generation_delay, is_instant
from fakellm.faults.overrides import request_settings
from fakellm.faults.plan import ALL_CONTENT, NO_FAULTS, FaultPlan, stream_script
from fakellm.faults.ratelimit import RateLimited, RateLimiter
from fakellm.faults.spec import ErrorSpec, FaultSpec, RateLimitSpec, TimingSpec
from fakellm.frames import StreamScript
from fakellm.model import ChatRequest, Reply
from fakellm.tokens import reply_usage

if TYPE_CHECKING:
    from fakellm.state import StateStore

__all__ = ["FaultPlan", "FaultStage"]
HUNG_UP_STALL_S = 30.0  # how long a replayed cut-off recording stays silent before the connection drops


class FaultStage:
    """Plans each request's faults; keeps the per-scenario counters, random streams and rate-limit
    budgets. `defaults` (the server-wide settings) answer for a scenario that brings no settings;
    `rate_limit_max_clients` caps the budgets kept (see `RateLimiter`); recorded timings play
    `replay_speed` times as fast (0: at once). With a shared `state` store, the error counters and
    budgets live there instead (random streams stay per process)."""

    def __init__(
        self,
        defaults: FaultSpec | None = None,
        seed: int | None = None,
        rate_limit_max_clients: int = DEFAULT_RATE_LIMIT_MAX_CLIENTS,
        replay_speed: float = 1.0,
        state: StateStore | None = None,
    ) -> None:
        self.defaults = defaults
        self.replay_speed = replay_speed
        self.state = state
        self.seed = seed
        self.limiter = RateLimiter(rate_limit_max_clients)
        self._counters: dict[str, int] = {}
        self._rngs: dict[tuple[str, str], random.Random] = {}

    def reset(self) -> None:
        """Forget counters and rate-limit windows (the test harness calls this between tests)."""
        self._counters.clear()
        self._rngs.clear()
        self.limiter.reset()

    async def plan(
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
            headers = await self._rate_limit(settings.rate_limit, ctx, request, replies, model, scope)
        if settings.error is not None and await self._triggered(settings.error, scope):
            raise injected_error(settings.error, model, headers, ctx)
        timing = settings.timing if self.replay_speed > 0 else None
        if settings.timing is not None:  # a recording plays its own timing, never the latency settings
            return self._replay(request, headers, timing, settings)
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

    def _replay(
        self, request: ChatRequest, headers: dict[str, str], timing: TimingSpec | None, settings: FaultSpec
    ) -> FaultPlan:
        """The plan of a recorded reply: its own timing (None: at once), and any stream faults."""
        speed = self.replay_speed
        if not request.stream:
            delay = timing.ttft_ms / 1000.0 / speed if timing is not None else 0.0
            return FaultPlan(headers, delay=delay) if headers or delay else NO_FAULTS
        recorded = settings.timing
        if settings.stream is None and recorded is not None and recorded.hung_up_ms is not None:
            # The client hung up while this was recorded: what came after is unknown, so the replay sends
            # what was recorded and then nothing more (a client that waits sees a stall, then a drop).
            script = StreamScript(cut_after=ALL_CONTENT, ending="stall", stall_cap=HUNG_UP_STALL_S)
            return FaultPlan(headers, script, timing=timing, speed=speed, fault="recording_ends")
        if settings.stream is None:
            return FaultPlan(headers, timing=timing, speed=speed) if headers or timing else NO_FAULTS
        faults = settings.stream
        script, names = stream_script(faults)
        return FaultPlan(
            headers, script, None, None, 0.0, faults.malformed, faults.malformed_at, names, timing=timing, speed=speed
        )

    def _rng(self, scope: str, purpose: str, seed: int | None) -> random.Random:
        key = (scope, purpose)
        rng = self._rngs.get(key)
        if rng is None:
            base = seed if seed is not None else self.seed
            rng = random.Random(f"{base}:{scope}:{purpose}") if base is not None else random.Random()
            self._rngs[key] = rng
        return rng

    async def _triggered(self, spec: ErrorSpec, scope: str) -> bool:
        if self.state is not None:
            count = await self.state.incr("errors:" + scope)
        else:
            count = self._counters[scope] = self._counters.get(scope, 0) + 1
        triggers = [spec.every, spec.first, spec.probability]
        if all(t is None for t in triggers):
            return True
        if spec.every is not None and count % spec.every == 0:
            return True
        if spec.first is not None and count <= spec.first:
            return True
        return spec.probability is not None and self._rng(scope, "error", spec.seed).random() < spec.probability

    async def _rate_limit(
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
        slot, rpm, tpm = (scope, client), spec.requests_per_minute, spec.tokens_per_minute
        try:
            if self.state is not None:
                status = await self.state.take(slot, rpm, tpm, tokens)
            else:
                status = self.limiter.acquire(slot, rpm, tpm, tokens)
        except RateLimited as over:
            raise over_limit_error(over, dialect.rate_limit_headers(over.status), model, ctx) from None
        return dialect.rate_limit_headers(status)
