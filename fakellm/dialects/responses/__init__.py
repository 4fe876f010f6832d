"""OpenAI's Responses API: `POST /v1/responses` (and bare `/responses`), the routes on a stored
response, and Azure's `/openai/v1/responses` and `/openai/responses?api-version=…`.

A request is parsed (`request`) into the neutral request, with the history of
`previous_response_id` joined in from this dialect's own store (`store`); the scenario's replies
become a response object (`objects`) or its event stream (`events`), and the result is stored
unless `store: false`. Retrieve, delete, cancel and input_items are `operations`. Errors are
OpenAI's (`{"error": {"message", "type", "param", "code"}}`); on Azure's routes, Azure's.
Facts and sources: docs/wire/responses.md.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from fakellm.context import RequestContext
from fakellm.dialects.azure import AzureDialect
from fakellm.dialects.base import Dialect, ErrorResponse, OperationCall, OperationResult, RouteSpec, SampleCall
from fakellm.dialects.catalogue import catalogue
from fakellm.dialects.openai import OpenAIDialect
from fakellm.dialects.openai.encoding import NATIVE
from fakellm.dialects.openai.family import bearer_key
from fakellm.dialects.openai.readback import parse_error_body
from fakellm.dialects.readback import ErrorText, ReadBack, SseEvent
from fakellm.dialects.responses import operations
from fakellm.dialects.responses.events import SSE_MEDIA_TYPE, failure_event, stream_frames
from fakellm.dialects.responses.ids import ResponseIds
from fakellm.dialects.responses.objects import (
    final_output,
    final_status,
    incomplete_reason,
    plan_output,
    response_ids,
    response_json,
    whole_body,
)
from fakellm.dialects.responses.readback import parse_events, parse_response_body
from fakellm.dialects.responses.request import ResponsesOptions, parse_responses_body
from fakellm.dialects.responses.store import ResponseStore, StoredResponse
from fakellm.errors import ApiError
from fakellm.faults.ratelimit import RateLimitStatus
from fakellm.frames import StreamPlan
from fakellm.model import ChatRequest, Message, Reply, TextPart, ToolCall
from fakellm.tokens import reply_usage

_ID = r"(?P<response_id>[^/]+)"


def stored_routes(base: str) -> tuple[RouteSpec, ...]:
    """Create at `base`, and the routes on a stored response under it."""
    return (
        RouteSpec("POST", base, "chat"),
        RouteSpec("GET", f"{base}/{_ID}", "retrieve", regex=True),
        RouteSpec("DELETE", f"{base}/{_ID}", "delete", regex=True),
        RouteSpec("POST", f"{base}/{_ID}/cancel", "cancel", regex=True),
        RouteSpec("GET", f"{base}/{_ID}/input_items", "input_items", regex=True),
    )


def output_messages(replies: list[Reply]) -> list[Message]:
    """What a response adds to the conversation, for the next `previous_response_id`."""
    return [
        Message(
            role="assistant",
            parts=[TextPart(r.text)] if r.text else [],
            tool_calls=[ToolCall(c.id, c.name, c.arguments) for c in r.tool_calls],
        )
        for r in replies
    ]


class ResponsesDialect(Dialect):
    name: ClassVar[str] = "responses"
    client_base_path: ClassVar[str] = "/v1"
    routes: ClassVar[tuple[RouteSpec, ...]] = stored_routes("/v1/responses") + stored_routes("/responses")
    stream_cache_control: ClassVar[str | None] = None  # OpenAI's streams carry none
    shares_upstream_with: ClassVar[str | None] = "openai"  # recorded through OpenAI's host

    @classmethod
    def sample_call(cls, text: str, model: str, key: str, *, stream: bool) -> SampleCall | None:
        path = cls.routes[0].pattern
        return SampleCall(path, cls.sample_headers(key), {"model": model, "input": text, "stream": stream})

    @classmethod
    def sample_headers(cls, key: str) -> dict[str, str]:
        return {"authorization": f"Bearer {key}"}

    def __init__(self) -> None:
        self.store = ResponseStore()
        self._openai = OpenAIDialect()

    def reset(self) -> None:
        self.store.clear()

    def api_key(self, ctx: RequestContext) -> str | None:
        return bearer_key(ctx)

    def response_headers(self, ctx: RequestContext) -> dict[str, str]:
        return self._openai.response_headers(ctx)  # the same API host as chat completions

    def model_name(self, model: str) -> str:
        """The model as the response names it: the catalogue's dated snapshot (OpenAI's for this
        dialect, Azure's deployments for Azure's), or the name as given."""
        return catalogue().reported(self.name, model)

    # --- reading answers back (`fakellm record`) ------------------------------------------------

    def parse_response(self, body: bytes) -> ReadBack | None:
        return parse_response_body(body)

    def parse_stream(self, events: list[SseEvent]) -> ReadBack | None:
        return parse_events(events)

    def parse_error(self, body: bytes) -> ErrorText | None:
        return parse_error_body(body)

    # --- requests --------------------------------------------------------------------------------

    def parse(self, body: Any, ctx: RequestContext) -> ChatRequest:
        request = parse_responses_body(body, self.name, ResponseIds(ctx.ids, int(ctx.wall_time)))
        options = request.options_as(ResponsesOptions)
        history = options.history
        if options.previous_response_id is not None:
            previous = self.store.get(options.previous_response_id)
            if previous is None:
                raise ApiError(
                    400,
                    f"Previous response with id '{options.previous_response_id}' not found.",
                    param="previous_response_id",
                    code="previous_response_not_found",
                )
            history = previous.history + history
            request.options = replace(options, history=history)
        system = [Message(role="system", parts=[TextPart(options.instructions)])] if options.instructions else []
        request.messages = system + list(history)
        return request

    def _remember(self, request: ChatRequest, replies: list[Reply], body: dict[str, Any], size: int) -> None:
        options = request.options_as(ResponsesOptions)
        if not options.store:
            return
        history = options.history + tuple(output_messages(replies))
        size += sum(len(m.text) for m in history) + 256 * len(options.input_items)
        self.store.put(body["id"], StoredResponse(body, options.input_items, history, size))

    # --- responses -------------------------------------------------------------------------------

    def render_reply(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> bytes:
        ids = response_ids(request, ctx)
        planned = plan_output(request, replies, ids)
        status = final_status(replies)
        usage = reply_usage(request, replies)
        output = final_output(planned, status)
        name = self.model_name(model)
        reason = incomplete_reason(replies)
        created = int(ctx.wall_time)
        body = response_json(request, name, ids, created, status=status, output=output, usage=usage, reason=reason)
        encoded = whole_body(body)
        self._remember(request, replies, body, len(encoded))
        return encoded

    def render_stream(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> StreamPlan:
        ids = response_ids(request, ctx)
        planned = plan_output(request, replies, ids)
        frames, final = stream_frames(request, replies, planned, self.model_name(model), ids, int(ctx.wall_time))
        self._remember(request, replies, final, len(frames[-1].data))
        return StreamPlan(SSE_MEDIA_TYPE, frames)

    def stream_error_frame(
        self, error: ApiError, request: ChatRequest, model: str, ctx: RequestContext, position: int
    ) -> bytes:
        """`response.failed` or an `error` event, numbered after the `position` events sent."""
        ids = response_ids(request, ctx)
        return failure_event(error, position, request, self.model_name(model), ids, int(ctx.wall_time))

    async def operate(self, operation: str, call: OperationCall) -> OperationResult:
        return operations.operate(self.store, operation, call)

    def render_models(self, model_ids: list[str], ctx: RequestContext) -> bytes:
        data = [{"id": m, "object": "model", "created": 1700000000, "owned_by": "fakellm"} for m in model_ids]
        return NATIVE.encode({"object": "list", "data": data}).encode()

    # --- errors ----------------------------------------------------------------------------------

    def render_error(self, error: ApiError, ctx: RequestContext) -> ErrorResponse:
        return self._openai.render_error(error, ctx)

    def render_stream_error(self, error: ApiError, request: ChatRequest, ctx: RequestContext) -> bytes:
        ids = response_ids(request, ctx)
        return failure_event(error, 0, request, self.model_name(request.model), ids, int(ctx.wall_time))


class AzureResponsesDialect(ResponsesDialect):
    """Azure OpenAI's Responses routes: the v1 route, and the older one that needs `api-version`.
    The key comes in `api-key` or as a Bearer token; errors and headers are Azure's; a deployment
    of a known model family reports its versioned name. Its store is its own, as Azure's is."""

    name: ClassVar[str] = "azure_responses"
    client_base_path: ClassVar[str] = ""
    shares_upstream_with: ClassVar[str | None] = "azure"
    routes: ClassVar[tuple[RouteSpec, ...]] = stored_routes("/openai/v1/responses") + stored_routes("/openai/responses")
    error_prefixes: ClassVar[tuple[str, ...]] = ("/openai/v1/responses", "/openai/responses")
    key_headers: ClassVar[tuple[str, ...]] = ("api-key", "authorization")
    stream_cache_control: ClassVar[str | None] = AzureDialect.stream_cache_control

    @classmethod
    def sample_headers(cls, key: str) -> dict[str, str]:
        return {"api-key": key}

    def __init__(self) -> None:
        super().__init__()
        self._azure = AzureDialect()

    def api_key(self, ctx: RequestContext) -> str | None:
        return self._azure.api_key(ctx)

    def response_headers(self, ctx: RequestContext) -> dict[str, str]:
        return self._azure.response_headers(ctx)

    def rate_limit_headers(self, status: RateLimitStatus) -> dict[str, str]:
        return self._azure.rate_limit_headers(status)

    def parse(self, body: Any, ctx: RequestContext) -> ChatRequest:
        if not ctx.route_path.startswith("/openai/v1/") and not ctx.query.get("api-version"):
            raise ApiError(404, code="missing_api_version")
        return super().parse(body, ctx)

    async def operate(self, operation: str, call: OperationCall) -> OperationResult:
        if not call.ctx.route_path.startswith("/openai/v1/") and not call.ctx.query.get("api-version"):
            raise ApiError(404, code="missing_api_version")
        return await super().operate(operation, call)

    def render_error(self, error: ApiError, ctx: RequestContext) -> ErrorResponse:
        return self._azure.render_error(error, ctx)
