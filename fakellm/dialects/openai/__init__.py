"""OpenAI's chat-completions dialect: `/v1/chat/completions`, `/chat/completions`, `/v1/models`.

Chunks are written in OpenAI's own key order and framing (`data: {json}\\n\\n`,
then `data: [DONE]\\n\\n`). The envelope shared by every chunk of a completion
is serialised once; each chunk only adds its choice.
"""

from __future__ import annotations

import json
import time
from typing import Any, ClassVar

from fakellm.context import RequestContext
from fakellm.dialects.base import Dialect, ErrorResponse, RouteSpec
from fakellm.dialects.openai.request import parse_chat_body
from fakellm.errors import ApiError, ErrorKind
from fakellm.frames import Frame, StreamPlan
from fakellm.ids import HEX
from fakellm.model import ChatRequest, Reply, ToolCall, Usage
from fakellm.tokens import Piece, interleave, reply_pieces, reply_usage

SSE_MEDIA_TYPE = "text/event-stream; charset=utf-8"
JSON_MEDIA_TYPE = "application/json"
DONE = b"data: [DONE]\n\n"
FINGERPRINT = "fp_f4e1c0ffee"
NULL_TAIL = ',"logprobs":null,"finish_reason":null}'


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def dumps(value: Any) -> str:
    """Compact JSON, UTF-8 left as is. A string (every streamed token) goes straight to the C encoder."""
    return json.encoder.encode_basestring(value) if type(value) is str else _ENCODER.encode(value)


def compact_sorted(value: Any) -> str:
    """Compact JSON with every object's keys sorted, as Azure and Gemini's OpenAI route send it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def usage_json(usage: Usage) -> str:
    """OpenAI's usage object, written as a template (it is in every response)."""
    return (
        f'{{"prompt_tokens":{usage.prompt_tokens},"completion_tokens":{usage.completion_tokens},'
        f'"total_tokens":{usage.total_tokens},"prompt_tokens_details":{{"cached_tokens":0,"audio_tokens":0}},'
        f'"completion_tokens_details":{{"reasoning_tokens":{usage.reasoning_tokens},"audio_tokens":0,'
        '"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}'
    )


def tool_call_object(call: ToolCall) -> dict[str, Any]:
    return {"id": call.id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}


def try_again_in(seconds: float) -> str:
    if seconds < 1:
        return f"{max(1, round(seconds * 1000))}ms"
    return f"{seconds:.3f}".rstrip("0").rstrip(".") + "s"


class OpenAIDialect(Dialect):
    name: ClassVar[str] = "openai"
    client_base_path: ClassVar[str] = "/v1"
    routes: ClassVar[tuple[RouteSpec, ...]] = (
        RouteSpec("POST", "/v1/chat/completions", "chat"),
        RouteSpec("POST", "/chat/completions", "chat"),
        RouteSpec("GET", "/v1/models", "models"),
        RouteSpec("GET", "/models", "models"),
    )
    # The catch-all: registered last, OpenAI's shape answers any path no other dialect owns.
    error_prefixes: ClassVar[tuple[str, ...]] = ("/",)
    error_type_by_kind: ClassVar[dict[ErrorKind, str]] = {
        ErrorKind.PERMISSION: "permission_error",
        ErrorKind.CONFLICT: "conflict_error",
        ErrorKind.TIMEOUT: "timeout_error",
        ErrorKind.SERVER: "server_error",
        ErrorKind.BAD_GATEWAY: "server_error",
        ErrorKind.UNAVAILABLE: "server_error",
        ErrorKind.GATEWAY_TIMEOUT: "server_error",
        ErrorKind.OVERLOADED: "server_error",
    }

    # --- request -------------------------------------------------------------------------------

    def parse(self, body: Any, ctx: RequestContext) -> ChatRequest:
        return parse_chat_body(body, self.name)

    def api_key(self, ctx: RequestContext) -> str | None:
        auth = ctx.header("authorization")
        if auth is None:
            return None
        scheme, _, token = auth.partition(" ")
        return token.strip() if scheme.lower() == "bearer" else None

    def response_headers(self, ctx: RequestContext) -> dict[str, str]:
        return {"x-request-id": "req_" + ctx.ids.token(32, HEX), "openai-version": "2020-10-01"}

    # --- non-streaming -------------------------------------------------------------------------

    def message_object(self, reply: Reply) -> dict[str, Any]:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": reply.text if reply.text or not reply.tool_calls else None,
        }
        if reply.reasoning and reply.reasoning_as_content_field:
            message["reasoning_content"] = reply.reasoning
        if reply.tool_calls:
            message["tool_calls"] = [tool_call_object(c) for c in reply.tool_calls]
        message["refusal"] = None
        message["annotations"] = []
        return message

    def message_json(self, reply: Reply) -> str:
        if reply.tool_calls or (reply.reasoning and reply.reasoning_as_content_field):
            return dumps(self.message_object(reply))
        # The usual plain-text message, as a template: `message_object` would give the same JSON.
        return f'{{"role":"assistant","content":{dumps(reply.text)},"refusal":null,"annotations":[]}}'

    def render_reply(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> bytes:
        # Written as a template rather than one `dumps` of a dict: it is the hot path of a
        # non-streaming request, and only the message and usage need JSON encoding.
        choices = ",".join(
            f'{{"index":{i},"message":{self.message_json(reply)},"logprobs":null,'
            f'"finish_reason":"{reply.resolved_finish_reason}"}}'
            for i, reply in enumerate(replies)
        )
        return (
            f'{{"id":"{ctx.ids.new("chatcmpl-")}","object":"chat.completion","created":{int(time.time())},'
            f'"model":{dumps(model)},"choices":[{choices}],"usage":{usage_json(reply_usage(request, replies))},'
            f'"service_tier":"default","system_fingerprint":"{FINGERPRINT}"}}'
        ).encode()

    # --- streaming -----------------------------------------------------------------------------

    def chunk_envelope(self, model: str, ctx: RequestContext) -> str:
        """Everything of a chunk before its choices, shared by all chunks of one completion."""
        return (
            f'data: {{"id":"{ctx.ids.new("chatcmpl-")}","object":"chat.completion.chunk",'
            f'"created":{int(time.time())},"model":{dumps(model)},"service_tier":"default",'
            f'"system_fingerprint":"{FINGERPRINT}","choices":['
        )

    def render_stream(self, request: ChatRequest, replies: list[Reply], model: str, ctx: RequestContext) -> StreamPlan:
        head = self.chunk_envelope(model, ctx)
        usage_null = ',"usage":null' if request.include_usage else ""
        options = request.extras.get("stream_options")
        obfuscate = not (isinstance(options, dict) and options.get("include_obfuscation") is False)
        frames: list[Frame] = []

        def chunk(choices: str, tokens: int = 0) -> None:
            extra = f',"obfuscation":"{ctx.ids.token(len(frames) % 11 + 1)}"' if obfuscate else ""
            frames.append(Frame(f"{head}{choices}]{usage_null}{extra}}}\n\n".encode(), tokens))

        for i, reply in enumerate(replies):
            content = '""' if reply.text or reply.reasoning or not reply.tool_calls else "null"
            chunk(f'{{"index":{i},"delta":{{"role":"assistant","content":{content},"refusal":null}}{NULL_TAIL}')
        per_choice = [reply_pieces(r, i) for i, r in enumerate(replies)]
        for piece in interleave(per_choice):
            delta = self.piece_delta(piece, replies[piece.choice])
            if delta is None:
                continue
            if piece.kind == "tool" and piece.first_of_tool:
                call = replies[piece.choice].tool_calls[piece.tool_index]
                opening = (
                    f'{{"tool_calls":[{{"index":{piece.tool_index},"id":{dumps(call.id)},"type":"function",'
                    f'"function":{{"name":{dumps(call.name)},"arguments":""}}}}]}}'
                )
                chunk(f'{{"index":{piece.choice},"delta":{opening}{NULL_TAIL}')
            chunk(f'{{"index":{piece.choice},"delta":{delta}{NULL_TAIL}', 1)
        for i, reply in enumerate(replies):
            chunk(f'{{"index":{i},"delta":{{}},"logprobs":null,"finish_reason":"{reply.resolved_finish_reason}"}}')
        if request.include_usage:
            usage = usage_json(reply_usage(request, replies))
            extra = f',"obfuscation":"{ctx.ids.token(4)}"' if obfuscate else ""
            frames.append(Frame(f'{head}],"usage":{usage}{extra}}}\n\n'.encode()))
        return StreamPlan(SSE_MEDIA_TYPE, frames, DONE)

    def piece_delta(self, piece: Piece, reply: Reply) -> str | None:
        """The JSON `delta` for one piece, or None when this dialect does not show it."""
        if piece.kind == "text":
            return f'{{"content":{dumps(piece.text)}}}'
        if piece.kind == "reasoning":
            return f'{{"reasoning_content":{dumps(piece.text)}}}' if reply.reasoning_as_content_field else None
        return f'{{"tool_calls":[{{"index":{piece.tool_index},"function":{{"arguments":{dumps(piece.text)}}}}}]}}'

    # --- errors and models ---------------------------------------------------------------------

    def error_message(self, error: ApiError) -> str:
        if error.message:
            return error.message
        details = error.details
        if error.code == "invalid_api_key":
            hint = details.get("key_hint", "")
            return (
                f"Incorrect API key provided: {hint}. You can find your API key at "
                "https://platform.openai.com/account/api-keys."
            )
        if error.code == "missing_api_key":
            return (
                "You didn't provide an API key. You need to provide your API key in an Authorization "
                "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key "
                "from https://platform.openai.com/account/api-keys."
            )
        if error.kind is ErrorKind.RATE_LIMIT:
            return self.rate_limit_message(error)
        if error.kind is ErrorKind.UNAVAILABLE:
            return "The engine is currently overloaded, please try again later."
        if error.status >= 500:
            return "The server had an error while processing your request. Sorry about that!"
        return f"Request failed with status {error.status}."

    def rate_limit_message(self, error: ApiError) -> str:
        d = error.details
        name = d.get("limit_name", "requests")
        unit = "requests per min (RPM)" if name == "requests" else "tokens per min (TPM)"
        wait = try_again_in(error.retry_after or 1.0)
        return (
            f"Rate limit reached for {d.get('model', 'fakellm')} in organization org-fakellm on {unit}: "
            f"Limit {d.get('limit', 0)}, Used {d.get('used', 0)}, Requested {d.get('requested', 1)}. "
            f"Please try again in {wait}. Visit https://platform.openai.com/account/rate-limits to learn more."
        )

    def error_type(self, error: ApiError) -> str:
        if error.kind is ErrorKind.RATE_LIMIT:
            return str(error.details.get("limit_name", "requests"))
        return self.error_type_by_kind.get(error.kind, "invalid_request_error")

    def error_code(self, error: ApiError) -> str | None:
        if error.code == "missing_api_key":
            return "invalid_api_key"
        if error.kind is ErrorKind.RATE_LIMIT:
            return error.code or "rate_limit_exceeded"
        return error.code

    def error_object(self, error: ApiError) -> dict[str, Any]:
        return {
            "message": self.error_message(error),
            "type": self.error_type(error),
            "param": error.param,
            "code": self.error_code(error),
        }

    def render_error(self, error: ApiError, ctx: RequestContext) -> ErrorResponse:
        body = dumps({"error": self.error_object(error)}).encode()
        return ErrorResponse(error.status, {"content-type": JSON_MEDIA_TYPE, **error.headers}, body)

    def render_stream_error(self, error: ApiError, request: ChatRequest, ctx: RequestContext) -> bytes:
        return f"data: {dumps({'error': self.error_object(error)})}\n\n".encode()

    def render_models(self, model_ids: list[str], ctx: RequestContext) -> bytes:
        data = [{"id": m, "object": "model", "created": 1700000000, "owned_by": "fakellm"} for m in model_ids]
        return dumps({"object": "list", "data": data}).encode()
