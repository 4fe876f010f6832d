"""Gemini's OpenAI-compatible route: `POST /v1beta/openai/chat/completions`.

OpenAI's request schema, answered with Google's quirks, set in its `Policy`: keys sorted, `role`
repeated on every delta, no role or finish chunks and no `finish_reason`/`logprobs` on
intermediate chunks (the last content chunk carries the finish reason), choices one after the
other, ids without `chatcmpl-`, tool calls whole in one delta and ending with `stop` when
streamed, thoughts marked with `extra_content.google.thought`, and errors as a one-element JSON array.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from fakellm.context import RequestContext
from fakellm.dialects.base import ErrorResponse, RouteSpec
from fakellm.dialects.gemini.errors import error_object, error_status, pretty
from fakellm.dialects.gemini.request import WITH_THOUGHTS, WITHOUT_THOUGHTS, GeminiOptions
from fakellm.dialects.gemini.signatures import check_compat, signature
from fakellm.dialects.openai.encoding import SORTED
from fakellm.dialects.openai.family import OpenAIFamilyDialect, model_path
from fakellm.dialects.openai.policy import HIDDEN, Policy, Reasoning
from fakellm.dialects.openai.request import parse_chat_body, require_object
from fakellm.dialects.openai.semantics import Rules
from fakellm.errors import ApiError
from fakellm.faults.ratelimit import RateLimitStatus
from fakellm.ids import DIGITS, IdSource
from fakellm.model import ChatRequest, Reply, Usage

# Thoughts, when asked for: marked deltas in a stream, `<thought>…</thought>` before the text otherwise.
STREAMED_THOUGHTS = Reasoning(mark={"google": {"thought": True}})
INLINE_THOUGHTS = Reasoning(inline=("<thought>", "</thought>"))
# Google maps `reasoning_effort` onto its thinking levels (`none` turns thinking off); up to five stop
# sequences, as natively; no OpenAI strict-schema or "json" word checks.
RULES = Rules(
    reasoning_efforts=("none", "minimal", "low", "medium", "high"),
    max_stop=5,
    strict_schemas=False,
    json_word=False,
    lenient_tools=True,
)


def thinking_config(body: dict[str, Any]) -> dict[str, Any]:
    """Google's `thinking_config`, sent as `extra_body={"extra_body": {"google": {"thinking_config": {…}}}}`
    (as Google documents) or one level up."""
    for outer in (body.get("extra_body"), body):
        google = outer.get("google") if isinstance(outer, dict) else None
        config = google.get("thinking_config") if isinstance(google, dict) else None
        if isinstance(config, dict):
            return config
    return {}


def compat_usage(usage: Usage) -> dict[str, int]:
    return {
        "completion_tokens": usage.completion_tokens,
        "prompt_tokens": usage.prompt_tokens,
        "total_tokens": usage.total_tokens,
    }


def compat_model(model_id: str) -> dict[str, str]:
    return {"id": f"models/{model_id}", "object": "model", "owned_by": "google"}


def _no_tail(ids: IdSource) -> dict[str, Any]:
    return {}


POLICY = Policy(
    encoder=SORTED,
    id_prefix="",
    id_length=23,
    stream_id_length=23,
    fingerprint=None,
    service_tier=None,
    null_fields=False,
    omit_null_content=True,  # a message of only tool calls has no `content` key
    message_tail=(),
    role_chunks=False,
    role_on_deltas=True,
    interleave=False,
    whole_tool_calls=True,
    finish_chunks=False,
    streamed_tool_calls_finish="stop",
    stream_usage="last_chunk",
    obfuscation=False,
    usage_object=compat_usage,
    body_tail=_no_tail,
    tool_call_index=False,  # streamed tool calls carry no `index` (openai-python's `.stream()` trips on it)
)
# Gemini 3's tool calls carry their thought signature.
SIGNED = replace(POLICY, tool_signature=signature, templates={})


def google_ids(replies: list[Reply], ctx: RequestContext) -> list[Reply]:
    """The replies with tool-call ids as Google writes them (`function-call-<digits>`)."""
    if not any(r.tool_calls for r in replies):
        return replies
    return [
        replace(r, tool_calls=[replace(c, id="function-call-" + ctx.ids.token(20, DIGITS)) for c in r.tool_calls])
        for r in replies
    ]


class GeminiOpenAIDialect(OpenAIFamilyDialect):
    name: ClassVar[str] = "gemini_openai"
    client_base_path: ClassVar[str] = "/v1beta/openai"
    routes: ClassVar[tuple[RouteSpec, ...]] = (
        RouteSpec("POST", "/v1beta/openai/chat/completions", "chat"),
        RouteSpec("GET", "/v1beta/openai/models", "models"),
        model_path("/v1beta/openai/models"),
    )
    error_prefixes: ClassVar[tuple[str, ...]] = ("/v1beta/openai/",)
    shares_upstream_with: ClassVar[str | None] = "gemini"  # the same host as the native API
    policy: ClassVar[Policy] = POLICY

    def parse(self, body: Any, ctx: RequestContext) -> ChatRequest:
        request = parse_chat_body(body, self.name, rules=RULES)
        config = thinking_config(require_object(body))
        request.options = WITH_THOUGHTS if config.get("include_thoughts") is True else WITHOUT_THOUGHTS
        if request.reasoning_effort is None and config.get("thinking_budget") == 0:
            request.reasoning_effort = "none"  # thinking turned off, as `reasoning_effort: "none"` does
        family = self.family(request.model)
        if family is not None and family.thought_signatures == "required":
            check_compat(body["messages"])
        return request

    def policy_for(self, request: ChatRequest) -> Policy:
        family = self.family(request.model)
        return SIGNED if family is not None and family.thought_signatures == "required" else POLICY

    def shown_replies(self, replies: list[Reply], ctx: RequestContext) -> list[Reply]:
        return google_ids(replies, ctx)

    def response_headers(self, ctx: RequestContext) -> dict[str, str]:
        return {"vary": "Origin, X-Origin, Referer", "x-content-type-options": "nosniff"}

    def rate_limit_headers(self, status: RateLimitStatus) -> dict[str, str]:
        return {}

    def reasoning(self, request: ChatRequest, reply: Reply, *, stream: bool) -> Reasoning:
        if not request.options_as(GeminiOptions).include_thoughts:
            return HIDDEN
        return STREAMED_THOUGHTS if stream else INLINE_THOUGHTS

    def render_models(self, model_ids: list[str], ctx: RequestContext) -> bytes:
        data = [compat_model(m) for m in model_ids]
        return SORTED.encode({"data": data, "object": "list"}).encode()

    def render_model(self, model_id: str, ctx: RequestContext) -> bytes:
        return SORTED.encode(compat_model(model_id.removeprefix("models/"))).encode()

    # --- errors --------------------------------------------------------------------------------

    def error_object(self, error: ApiError, ctx: RequestContext) -> dict[str, Any]:
        return error_object(error)

    def render_error(self, error: ApiError, ctx: RequestContext) -> ErrorResponse:
        body = "[" + pretty({"error": error_object(error)}) + "\n]"
        headers = {"content-type": "application/json; charset=UTF-8", **error.headers}
        return ErrorResponse(error_status(error), headers, body.encode())

    def render_stream_error(self, error: ApiError, request: ChatRequest, ctx: RequestContext) -> bytes:
        return f"data: {SORTED.encode({'error': error_object(error)})}\n\n".encode()
