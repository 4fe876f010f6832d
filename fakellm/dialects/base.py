"""What every dialect provides: its routes, a parser to the neutral request, and framing back.

A dialect is the only place that knows a provider's field names, error shapes,
headers and stream framing. Adding a provider means adding one subclass.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from fakellm.context import RequestContext
from fakellm.dialects.catalogue import catalogue
from fakellm.errors import ApiError
from fakellm.faults.ratelimit import RateLimitStatus, format_reset
from fakellm.frames import Frame, StreamPlan, StreamScript, content_cut
from fakellm.model import ChatRequest, Reply

if TYPE_CHECKING:
    from fakellm.dialects.readback import ErrorText, ReadBack, SseEvent

# A model named `fakellm/<scenario>` picks that scenario: always served.
MODEL_PREFIX = "fakellm/"


@dataclass(frozen=True, slots=True)
class RouteSpec:
    """`pattern` is an exact path, or a regex (with named groups) when `regex` is set."""

    method: str
    pattern: str
    operation: str  # "chat", or another operation the dialect's `operate` answers ("models", …)
    regex: bool = False

    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.pattern + r"\Z")


@dataclass(frozen=True, slots=True)
class ErrorResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def any_model(model_id: str) -> bool:
    """Every model exists: fakellm answers to any model name unless a catalogue says otherwise."""
    return True


@dataclass(frozen=True, slots=True)
class OperationCall:
    """A request on a route that is not a chat (listing or reading models, counting tokens, reading
    a stored response…): what the dialect's `operate` gets."""

    ctx: RequestContext
    body: Any  # the decoded JSON body; None when the method carries none (GET, DELETE)
    model_ids: list[str]  # the model names the scenarios declare
    # Whether a model exists (reading one, counting tokens with it): any, unless a catalogue is plugged in.
    knows_model: Callable[[str], bool] = any_model


@dataclass(frozen=True, slots=True)
class SampleCall:
    """A request this provider's client would send to say one thing (the dashboard's "Try it"):
    the path after the server root (with its query), headers, and the JSON body."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass(slots=True)
class OperationResult:
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


class Dialect(ABC):
    name: ClassVar[str]
    routes: ClassVar[tuple[RouteSpec, ...]]
    # Path prefixes that make an unknown route answer in this dialect's error shape.
    error_prefixes: ClassVar[tuple[str, ...]] = ()
    # Where this provider's clients put their key; the journal masks these.
    key_headers: ClassVar[tuple[str, ...]] = ("authorization",)
    key_query_params: ClassVar[tuple[str, ...]] = ()
    # What the provider's SDK wants as its base URL, after the server root (`/v1` for openai).
    client_base_path: ClassVar[str] = ""
    # More base URLs this dialect answers on, by name (Azure's unambiguous v1 route).
    other_base_paths: ClassVar[dict[str, str]] = {}
    # Whether the dialect has streamed responses at all (embeddings have none).
    streams: ClassVar[bool] = True
    # The Content-Type of non-streaming JSON bodies (Gemini adds a charset).
    json_media_type: ClassVar[str] = "application/json"
    # `fakellm record`: another dialect whose `--upstream` serves this one too when it has none of its
    # own (a provider's second API on the same host, such as Gemini's OpenAI-compatible route).
    shares_upstream_with: ClassVar[str | None] = None

    # The `cache-control` header on streams; None where the provider sends none (OpenAI, Gemini).
    stream_cache_control: ClassVar[str | None] = "no-cache"

    @classmethod
    def sample_call(cls, text: str, model: str, key: str, *, stream: bool) -> SampleCall | None:
        """What this provider's client sends to say `text` to `model` with `key`; None when the
        dialect offers no sample (the dashboard then only lists its routes)."""
        return None

    def claims(self, ctx: RequestContext) -> bool:
        """Whether this dialect answers a path it shares with another dialect."""
        return True

    def claims_miss(self, ctx: RequestContext) -> bool:
        """Whether a wrong method on a path this dialect shares with others is refused in its shape;
        only a request that is unmistakably from this provider's client says so (otherwise the
        path's error prefix decides, see `error_prefixes`)."""
        return False

    @abstractmethod
    def parse(self, body: Any, ctx: RequestContext) -> ChatRequest:
        """Turn the decoded JSON body into the neutral request; raise `ApiError` (400) on bad input."""

    @abstractmethod
    def render_reply(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> bytes:
        """The complete non-streaming response body."""

    @abstractmethod
    def render_stream(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> StreamPlan:
        """The streaming response, framed, with its terminator."""

    def frame_reply(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> StreamPlan:
        """The non-streaming response as a plan of one whole frame, sent like a stream of one."""
        return StreamPlan(self.json_media_type, [Frame(self.render_reply(request, replies, model, ctx))], whole=True)

    def frame_stream(
        self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext, script: StreamScript
    ) -> StreamPlan:
        """The stream as `script` has it: rendered, ended after `script.cut_after` content pieces, and
        closed by this dialect's error event when the script ends in an error."""
        plan = self.render_stream(request, replies, model, ctx)
        if self.stream_cache_control is not None:
            plan.headers.setdefault("cache-control", self.stream_cache_control)
        if script.cut_after is not None:
            error = script.error if script.ending == "error" else None
            kept = content_cut(plan.frames, script.cut_after)
            event = None if error is None else self.stream_error_frame(error, request, model, ctx, kept)
            plan.end_after(script.cut_after, event)
        return plan

    def stream_error_frame(
        self, error: ApiError, request: ChatRequest, model: str, ctx: RequestContext, position: int
    ) -> bytes:
        """The error event that ends a stream after its first `position` frames: `render_stream_error`,
        for dialects whose events do not say where they stand (the Responses API numbers them)."""
        return self.render_stream_error(error, request, ctx)

    @abstractmethod
    def render_error(self, error: ApiError, ctx: RequestContext) -> ErrorResponse:
        """An error before the response started, in the provider's shape (it may change the status)."""

    @abstractmethod
    def render_stream_error(self, error: ApiError, request: ChatRequest, ctx: RequestContext) -> bytes:
        """An error frame inside an already started stream."""

    @abstractmethod
    def render_models(self, model_ids: list[str], ctx: RequestContext) -> bytes:
        """The body of the provider's list-models route."""

    def render_model(self, model_id: str, ctx: RequestContext) -> bytes:
        """The body of the provider's read-one-model route (`model_id` as the path names it)."""
        raise ApiError(404, code="unknown_url")

    def unknown_model(self, model_id: str, ctx: RequestContext) -> ApiError:
        """The provider's 404 for a model it does not have."""
        return ApiError(404, code="model_not_found", details={"model": model_id})

    async def operate(self, operation: str, call: OperationCall) -> OperationResult:
        """Answer a route whose operation is not `chat`; raise `ApiError` to refuse it. `models` lists the
        models, `model` reads the one the path names (`path_params["model"]`)."""
        if operation == "models":
            return OperationResult(self.render_models(self.model_ids(call.model_ids), call.ctx))
        if operation == "model":
            model_id = call.ctx.path_params.get("model", "")
            if not call.knows_model(model_id):
                raise self.unknown_model(model_id, call.ctx)
            return OperationResult(self.render_model(model_id, call.ctx))
        raise ApiError(404, f"Invalid URL ({call.ctx.method} {call.ctx.path})", code="unknown_url")

    def reset(self) -> None:
        """Forget per-run state the dialect keeps (stored responses); the app's `reset()` calls it."""
        return None

    # --- reading a provider's answer back (`fakellm record`); None: this dialect cannot yet ----------

    def parse_response(self, body: bytes) -> ReadBack | None:
        """A whole response body (a non-streaming reply, or a stream that is not SSE) in neutral form."""
        return None

    def parse_stream(self, events: list[SseEvent]) -> ReadBack | None:
        """A streamed response's Server-Sent Events in neutral form."""
        return None

    def parse_error(self, body: bytes) -> ErrorText | None:
        """What an error body says (its message and code)."""
        return None

    def model_ids(self, declared: Collection[str]) -> list[str]:
        """The models this dialect lists: the scenarios' (`declared`), then the catalogue's."""
        listed = list(declared)
        seen = set(listed)
        return listed + [m for m in catalogue().model_ids(self.name) if m not in seen]

    def knows_model(self, model: str, declared: Collection[str]) -> bool:
        """Whether `model` is served: a catalogue model, a scenario's, or `fakellm/<scenario>`."""
        name = model.removeprefix("models/")
        return catalogue().knows(self.name, name) or name in declared or name.startswith(MODEL_PREFIX)

    def check_model(self, model: str, declared: Collection[str]) -> None:
        """Strict models: a name the provider does not serve is its 404 (each dialect words it)."""
        if not self.knows_model(model, declared):
            raise ApiError(404, code="model_not_found", details={"model": model})

    @abstractmethod
    def api_key(self, ctx: RequestContext) -> str | None:
        """The key the client sent, where this provider expects it; None when absent."""

    def response_headers(self, ctx: RequestContext) -> dict[str, str]:
        """Headers every response of this dialect carries (request ids and the like)."""
        return {}

    def retry_headers(self, seconds: float) -> dict[str, str]:
        """The headers a 429 carries to say when to retry: `retry-after` in whole seconds by default."""
        return {"retry-after": str(max(1, math.ceil(seconds)))}

    def rate_limit_headers(self, status: RateLimitStatus) -> dict[str, str]:
        """The provider's rate-limit headers; OpenAI's names by default."""
        return {
            "x-ratelimit-limit-requests": str(status.limit_requests),
            "x-ratelimit-limit-tokens": str(status.limit_tokens),
            "x-ratelimit-remaining-requests": str(status.remaining_requests),
            "x-ratelimit-remaining-tokens": str(status.remaining_tokens),
            "x-ratelimit-reset-requests": format_reset(status.reset_requests_s),
            "x-ratelimit-reset-tokens": format_reset(status.reset_tokens_s),
        }
