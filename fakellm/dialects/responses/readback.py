"""Reading Responses API answers back into neutral replies (`fakellm record`).

A response's `output` holds items: `message` (its `output_text` parts), `reasoning` (its summary
texts), `function_call` (`call_id`, `name`, `arguments`); `status` `incomplete` with reason
`max_output_tokens` is a cut-off answer; `usage` counts `input_tokens`, `output_tokens` and
reasoning tokens. A stream is named events ending with `response.completed` (or `.incomplete`,
`.failed`), which carries the whole response: that is read when it came; the deltas are added up
when it did not (the client hung up) and mark which events carried content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fakellm.dialects.readback import ErrorText, ReadBack, SseEvent, event_json, json_body
from fakellm.model import Reply, ToolCall, Usage

FINAL_EVENTS = ("response.completed", "response.incomplete", "response.failed")
CONTENT_DELTAS = {
    "response.output_text.delta": "text",
    "response.reasoning_summary_text.delta": "reasoning",
    "response.reasoning_text.delta": "reasoning",
    "response.function_call_arguments.delta": "arguments",
}
MAX_ITEMS = 1024


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def read_response_object(data: dict[str, Any]) -> Reply:
    reply = Reply()
    text: list[str] = []
    reasoning: list[str] = []
    for item in _list(data.get("output"))[:MAX_ITEMS]:
        item = _dict(item)
        kind = item.get("type")
        if kind == "message":
            text += [
                _str(p.get("text")) for p in map(_dict, _list(item.get("content"))) if p.get("type") == "output_text"
            ]
        elif kind == "reasoning":
            reasoning += [_str(p.get("text")) for p in map(_dict, _list(item.get("summary")))]
            reasoning += [_str(p.get("text")) for p in map(_dict, _list(item.get("content")))]
        elif kind == "function_call":
            call = ToolCall(_str(item.get("call_id")), _str(item.get("name")), _str(item.get("arguments")))
            reply.tool_calls.append(call)
    reply.text, reply.reasoning = "".join(text), "".join(reasoning)
    if (
        data.get("status") == "incomplete"
        and _dict(data.get("incomplete_details")).get("reason") == "max_output_tokens"
    ):
        reply.finish_reason = "length"
    usage = data.get("usage")
    if isinstance(usage, dict):
        details = _dict(usage.get("output_tokens_details"))
        reply.usage = Usage(
            _int(usage.get("input_tokens")), _int(usage.get("output_tokens")), _int(details.get("reasoning_tokens"))
        )
    return reply


def parse_response_body(body: bytes) -> ReadBack | None:
    data = json_body(body)
    if not isinstance(data, dict) or data.get("object") != "response":
        return None
    return ReadBack([read_response_object(data)], _str(data.get("model")), response_id=_str(data.get("id")))


@dataclass(slots=True)
class _Partial:
    """The deltas of a stream that never reached its final event."""

    text: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    calls: dict[str, list[str]] = field(default_factory=dict)  # item id -> [call id, name, arguments...]

    def reply(self) -> Reply:
        calls = [ToolCall(c[0], c[1], "".join(c[2:])) for c in self.calls.values()]
        return Reply(text="".join(self.text), reasoning="".join(self.reasoning), tool_calls=calls)


def parse_events(events: list[SseEvent]) -> ReadBack:
    partial = _Partial()
    content_events: list[int] = []
    error: ErrorText | None = None
    model = ""
    for position, event in enumerate(events):
        data = event_json(event)
        if not isinstance(data, dict):
            continue
        kind = _str(data.get("type")) or event.event
        response = _dict(data.get("response"))
        model = _str(response.get("model")) or model
        if kind in FINAL_EVENTS and response:
            if kind == "response.failed":
                failure = _dict(response.get("error"))
                error = ErrorText(_str(failure.get("message")), _str(failure.get("code")) or None)
            reply = read_response_object(response)
            return ReadBack([reply], model, content_events, error, response_id=_str(response.get("id")))
        if kind == "response.output_item.added":
            item = _dict(data.get("item"))
            if item.get("type") == "function_call" and len(partial.calls) < MAX_ITEMS:
                partial.calls[_str(item.get("id"))] = [_str(item.get("call_id")), _str(item.get("name"))]
        part = CONTENT_DELTAS.get(kind)
        piece = _str(data.get("delta"))
        if part is not None and piece:
            content_events.append(position)
            if part == "arguments":
                partial.calls.get(_str(data.get("item_id")), []).append(piece)
            else:
                (partial.text if part == "text" else partial.reasoning).append(piece)
        if kind == "error":
            error = error or read_error_object(data)
    return ReadBack([partial.reply()], model, content_events, error, complete=False)


def read_error_object(data: Any) -> ErrorText | None:
    """OpenAI's `{"error": {"message", "code", …}}`, or a stream's `error` event (the same, or flat)."""
    error = _dict(data).get("error", data)
    if not isinstance(error, dict) or not isinstance(error.get("message"), str):
        return None
    code = error.get("code") if error.get("code") is not None else error.get("type")
    return ErrorText(error["message"], None if code is None else str(code))


def parse_error_body(body: bytes) -> ErrorText | None:
    return read_error_object(json_body(body))
