"""The Responses API's stream: named SSE events (`event: <type>` then `data: {json}`), numbered
by `sequence_number` from 0, and no `[DONE]` (the connection closes after the last event).

`response.created`, `response.in_progress`; for each output item `response.output_item.added`,
its own events (a message: `content_part.added`, `output_text.delta`…, `output_text.done`,
`content_part.done`; a function call: `function_call_arguments.delta`…, `.done`; a summarized
reasoning item: `reasoning_summary_part.added`, `reasoning_summary_text.delta`…, `.done`,
`reasoning_summary_part.done`), `response.output_item.done`; then `response.completed` (or
`response.incomplete` when `max_output_tokens` cut the text). Each event's JSON starts with
`type` and has the rest of its keys in alphabetical order, as 2026 traffic has them; deltas carry
an `obfuscation` pad unless `stream_options.include_obfuscation` is false.

A stream fault ends the stream early: a 5xx server error as `response.failed` (status `failed`,
`error.code: server_error`), any other error as an `error` event with OpenAI's nested error
object, numbered after the last event sent.
"""

from __future__ import annotations

from typing import Any

from fakellm.dialects.openai.encoding import NATIVE
from fakellm.dialects.openai.errors import error_object
from fakellm.dialects.responses.ids import ResponseIds
from fakellm.dialects.responses.objects import (
    Planned,
    final_output,
    final_status,
    incomplete_reason,
    item_json,
    output_text_part,
    response_json,
    summary_part,
)
from fakellm.dialects.responses.request import ResponsesOptions
from fakellm.errors import ApiError
from fakellm.frames import Frame
from fakellm.model import ChatRequest, Reply
from fakellm.tokens import reply_usage, split_arguments, split_tokens

SSE_MEDIA_TYPE = "text/event-stream; charset=utf-8"
PAD = 16  # a delta and its obfuscation pad come to 16 characters (shorter deltas, in captures)


def event_bytes(kind: str, sequence: int, fields: dict[str, Any]) -> bytes:
    """One event: `type` first, then its fields and `sequence_number` in alphabetical order."""
    ordered = {"type": kind, **dict(sorted({**fields, "sequence_number": sequence}.items()))}
    return f"event: {kind}\ndata: {NATIVE.encode(ordered)}\n\n".encode()


class EventWriter:
    """Numbers events as they are written, and pads deltas."""

    def __init__(self, ids: ResponseIds, obfuscation: bool) -> None:
        self.frames: list[Frame] = []
        self.ids = ids
        self.obfuscation = obfuscation

    def add(self, kind: str, *, tokens: int = 0, **fields: Any) -> None:
        self.frames.append(Frame(event_bytes(kind, len(self.frames), fields), tokens))

    def delta(self, kind: str, delta: str, **fields: Any) -> None:
        if self.obfuscation:
            fields["obfuscation"] = self.ids.token((PAD - len(delta)) % PAD)
        self.add(kind, tokens=1, delta=delta, **fields)


def _reasoning(w: EventWriter, item: Planned, index: int) -> None:
    if not item.summarized:
        return
    where: dict[str, Any] = {"item_id": item.id, "output_index": index, "summary_index": 0}
    w.add("response.reasoning_summary_part.added", part=summary_part(""), **where)
    for piece in split_tokens(item.text):
        w.delta("response.reasoning_summary_text.delta", piece, **where)
    w.add("response.reasoning_summary_text.done", text=item.text, **where)
    w.add("response.reasoning_summary_part.done", part=summary_part(item.text), **where)


def _message(w: EventWriter, item: Planned, index: int) -> None:
    where: dict[str, Any] = {"content_index": 0, "item_id": item.id, "output_index": index}
    w.add("response.content_part.added", part=output_text_part(""), **where)
    for piece in split_tokens(item.text):
        w.delta("response.output_text.delta", piece, logprobs=[], **where)
    w.add("response.output_text.done", logprobs=[], text=item.text, **where)
    w.add("response.content_part.done", part=output_text_part(item.text), **where)


def _function_call(w: EventWriter, item: Planned, index: int) -> None:
    where: dict[str, Any] = {"item_id": item.id, "output_index": index}
    for piece in split_arguments(item.text):
        w.delta("response.function_call_arguments.delta", piece, **where)
    w.add("response.function_call_arguments.done", arguments=item.text, **where)


_ITEM_EVENTS = {"reasoning": _reasoning, "message": _message, "function_call": _function_call}


def stream_frames(
    request: ChatRequest, replies: list[Reply], planned: list[Planned], model: str, ids: ResponseIds, created: int
) -> tuple[list[Frame], dict[str, Any]]:
    """The stream's frames, and the final response object (what `response.completed` carries)."""
    options = request.options_as(ResponsesOptions)
    w = EventWriter(ids, options.obfuscation)
    opening = response_json(request, model, ids, created, status="in_progress", output=[])
    w.add("response.created", response=opening)
    w.add("response.in_progress", response=opening)
    status = final_status(replies)
    for index, item in enumerate(planned):
        w.add("response.output_item.added", item=item_json(item, "in_progress", done=False), output_index=index)
        _ITEM_EVENTS[item.kind](w, item, index)
        item_status = status if item.kind == "message" else "completed"
        w.add("response.output_item.done", item=item_json(item, item_status), output_index=index)
    usage = reply_usage(request, replies)
    output = final_output(planned, status)
    reason = incomplete_reason(replies)
    final = response_json(request, model, ids, created, status=status, output=output, usage=usage, reason=reason)
    w.add("response.completed" if status == "completed" else "response.incomplete", response=final)
    return w.frames, final


def failure_event(
    error: ApiError, sequence: int, request: ChatRequest, model: str, ids: ResponseIds, created: int
) -> bytes:
    """What ends a stream that fails after `sequence` events: `response.failed` for a server error,
    else an `error` event."""
    inner = error_object(error)
    if error.status >= 500 and error.status != 503:
        failure = {"code": "server_error", "message": inner["message"]}
        failed = response_json(request, model, ids, created, status="failed", output=[], error=failure)
        return event_bytes("response.failed", sequence, {"response": failed})
    nested = {"type": inner["type"], "code": inner["code"], "message": inner["message"], "param": inner["param"]}
    data = NATIVE.encode({"type": "error", "error": nested, "sequence_number": sequence})
    return f"event: error\ndata: {data}\n\n".encode()
