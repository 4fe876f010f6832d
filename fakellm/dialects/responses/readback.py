"""Reading Responses API answers back into neutral replies (`fakellm record`).

A response object's `output` holds `reasoning` items (their `summary` texts are the reasoning),
`message` items (`output_text` parts are the text) and `function_call` items (the tool calls);
`status: incomplete` is a finish by `max_output_tokens` or `content_filter`; `usage` counts
`input_tokens`, `output_tokens` and their reasoning tokens. A stream is read from its terminal
event's response (`response.completed`, `.incomplete`, `.failed`), or from its deltas when it
never got there; an `error` event (flat or nested) or `response.failed` is the stream's error.
"""

from __future__ import annotations

from typing import Any

from fakellm.dialects.openai.readback import read_error_object
from fakellm.dialects.readback import ErrorText, ReadBack, SseEvent, event_json, json_body
from fakellm.model import FinishReason, Reply, ToolCall, Usage

TERMINAL = ("response.completed", "response.incomplete", "response.failed")
DELTAS = (
    "response.output_text.delta",
    "response.function_call_arguments.delta",
    "response.reasoning_summary_text.delta",
)
MAX_ITEMS = 10_000  # output items read from one response


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value[:MAX_ITEMS] if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def read_usage(usage: Any) -> Usage | None:
    if not isinstance(usage, dict):
        return None
    details = _dict(usage.get("output_tokens_details"))
    return Usage(
        _int(usage.get("input_tokens")), _int(usage.get("output_tokens")), _int(details.get("reasoning_tokens"))
    )


def read_response(data: dict[str, Any]) -> Reply:
    """One reply from a response object."""
    reply = Reply()
    text: list[str] = []
    reasoning: list[str] = []
    for item in map(_dict, _list(data.get("output"))):
        kind = item.get("type")
        if kind == "reasoning":
            reasoning += [_text(_dict(s).get("text")) for s in _list(item.get("summary"))]
        elif kind == "message":
            text += [
                _text(p.get("text")) for p in map(_dict, _list(item.get("content"))) if p.get("type") == "output_text"
            ]
        elif kind == "function_call":
            call = ToolCall(_text(item.get("call_id")), _text(item.get("name")), _text(item.get("arguments")))
            reply.tool_calls.append(call)
    reply.text, reply.reasoning = "".join(text), "\n\n".join(r for r in reasoning if r)
    reason = _dict(data.get("incomplete_details")).get("reason")
    finish: FinishReason | None = None
    if data.get("status") == "incomplete":
        finish = "content_filter" if reason == "content_filter" else "length"
    elif data.get("status") == "completed":
        finish = "tool_calls" if reply.tool_calls else "stop"
    reply.finish_reason = finish
    reply.usage = read_usage(data.get("usage"))
    return reply


def parse_response_body(body: bytes) -> ReadBack | None:
    data = json_body(body)
    if not isinstance(data, dict) or data.get("object") != "response":
        return None
    return ReadBack([read_response(data)], _text(data.get("model")))


def _stream_error(event: dict[str, Any]) -> ErrorText:
    nested = event.get("error")
    if isinstance(nested, dict):
        return read_error_object(event) or ErrorText("")
    code = event.get("code")
    return ErrorText(_text(event.get("message")), None if code is None else str(code))


def parse_events(events: list[SseEvent]) -> ReadBack:
    content_events: list[int] = []
    final: dict[str, Any] | None = None
    error: ErrorText | None = None
    text: list[str] = []
    model = ""
    for position, event in enumerate(events):
        data = event_json(event)
        if not isinstance(data, dict):
            continue
        kind = data.get("type") or event.event
        model = model or _text(_dict(data.get("response")).get("model"))
        if kind in DELTAS:
            content_events.append(position)
            if kind == "response.output_text.delta":
                text.append(_text(data.get("delta")))
        elif kind == "error":
            error = error or _stream_error(data)
        elif kind in TERMINAL:
            final = _dict(data.get("response"))
            if kind == "response.failed":
                failure = _dict(final.get("error"))
                code = failure.get("code")
                error = error or ErrorText(_text(failure.get("message")), None if code is None else str(code))
    if final is not None and final.get("status") != "failed":
        return ReadBack([read_response(final)], model, content_events, error, complete=True)
    return ReadBack([Reply(text="".join(text))], model, content_events, error, complete=False)
