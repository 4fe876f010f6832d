"""Fault settings as written in scenario files: latency, injected errors, stream faults, rate limits.

These pydantic models are the contract between the scenario format (which
embeds them at scenario and rule level) and the fault stage (which acts on
them). A rule's settings override its scenario's defaults field by field.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, NonNegativeInt

from fakellm.faults.malformed import Breakage


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def merged(self, override: Self | None) -> Self:
        """These settings with every field the override sets explicitly replaced (nested specs merge)."""
        if override is None:
            return self
        values = self.model_dump(exclude_unset=True)
        for name in override.model_fields_set:
            mine, theirs = getattr(self, name), getattr(override, name)
            if isinstance(mine, _Spec) and isinstance(theirs, _Spec):
                values[name] = mine.merged(theirs)
            else:
                values[name] = theirs
        merged = type(self).model_validate(
            {k: (v.model_dump(exclude_unset=True) if isinstance(v, _Spec) else v) for k, v in values.items()}
        )
        return merged


class LatencySpec(_Spec):
    """Time to first token, then a steady token rate; jitter is drawn per chunk."""

    ttft_ms: float = Field(0, ge=0, description="time to first token, in milliseconds")
    tokens_per_second: float | None = Field(None, gt=0, description="streaming rate; unset sends all chunks at once")
    jitter_ms: float = Field(0, ge=0, description="spread added to each delay (see distribution)")
    distribution: Literal["fixed", "uniform", "normal"] = Field(
        "fixed", description="fixed: no jitter; uniform: ±jitter_ms; normal: standard deviation jitter_ms"
    )
    seed: int | None = Field(None, description="seed for the jitter, for reproducible timing")


class ErrorSpec(_Spec):
    """An error returned instead of the response. Without a trigger it applies to every request."""

    status: int = Field(..., ge=400, le=599, description="HTTP status, e.g. 429, 500, 503, 529")
    message: str | None = Field(None, description="overrides the provider's stock wording")
    probability: float | None = Field(None, ge=0, le=1, description="fail this share of requests (seeded)")
    every: int | None = Field(None, ge=1, description="fail every Nth request (2 = the 2nd, 4th, ...)")
    first: int | None = Field(None, ge=1, description="fail the first N requests, then succeed")
    seed: int | None = Field(None, description="seed for `probability`")
    retry_after: float | None = Field(None, ge=0, description="`retry-after` header, seconds")
    retry_after_ms: float | None = Field(None, ge=0, description="`retry-after-ms` header, milliseconds")
    should_retry: bool | None = Field(None, description="`x-should-retry` header")
    code: str | None = Field(None, description="the error code the body names (default: the provider's stock one)")


class PauseSpec(_Spec):
    at: int = Field(..., ge=0, description="pause before this content chunk (0-based)")
    ms: float = Field(..., ge=0, description="pause length in milliseconds")


class StreamFaultSpec(_Spec):
    """Faults inside a stream that has started (status 200 already sent)."""

    error_after: NonNegativeInt | Literal["end"] | None = Field(
        None, description="send an error frame after N content chunks (`end`: after all of them, instead of the ending)"
    )
    error_status: int = Field(500, ge=400, le=599, description="status named inside the error frame")
    error_message: str | None = None
    disconnect_after: int | None = Field(None, ge=0, description="drop the connection after N content chunks")
    stall_after: int | None = Field(None, ge=0, description="go silent after N content chunks (headers first)")
    stall_max_s: float = Field(300, gt=0, description="close a stalled stream after this long")
    pause: PauseSpec | None = None
    malformed: Breakage | None = Field(None, description="break the framing on purpose")
    malformed_at: int = Field(1, ge=0, description="which content chunk to break")


class RateLimitSpec(_Spec):
    requests_per_minute: int | None = Field(None, ge=1)
    tokens_per_minute: int | None = Field(None, ge=1)
    per: Literal["key", "global"] = Field("key", description="count per API key, or for everyone together")


class TimingSpec(_Spec):
    """A recorded response's own timing (written by `fakellm record`), replayed instead of `latency`
    and scaled by `--replay-speed`. Offsets are in milliseconds after the request arrived."""

    ttft_ms: float = Field(..., ge=0, description="when the first content arrived (a whole reply: when it arrived)")
    chunk_offsets_ms: list[NonNegativeFloat] | None = Field(
        None, max_length=100_000, description="when each content chunk arrived, in order (a stream)"
    )
    hung_up_ms: float | None = Field(
        None, ge=0, description="the client hung up then (barge-in): the reply holds only what came before"
    )


class FaultSpec(_Spec):
    latency: LatencySpec | None = None
    timing: TimingSpec | None = None
    error: ErrorSpec | None = None
    stream: StreamFaultSpec | None = None
    rate_limit: RateLimitSpec | None = None
