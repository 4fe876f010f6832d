"""Reading Anthropic's answers back into neutral replies (`fakellm record`).

A message's `content` blocks give the text (`text`), the reasoning (`thinking`) and the tool calls
(`tool_use`, whose `input` object becomes compact JSON arguments); `stop_reason` the finish
(`stop_sequence` keeps the sequence); `usage` the counts. A stream is added up as the SDK's
`MessageStream` does: blocks by index from `content_block_start`, their deltas, the stop reason and
cumulative usage from `message_delta`, complete at `message_stop`; an `error` event is kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fakellm.dialects.readback import ErrorText, ReadBack, SseEvent, event_json, json_body
from fakellm.model import FinishReason, Reply, ToolCall, Usage

FINISH: dict[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}
MAX_BLOCKS = 4096  # content blocks kept from one message


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _arguments(value: Any) -> str:
    return json.dumps(value if isinstance(value, dict) else {}, separators=(",", ":"), ensure_ascii=False)


def _finish(reply: Reply, stop_reason: Any, stop_sequence: Any) -> None:
    reply.finish_reason = FINISH.get(stop_reason) if isinstance(stop_reason, str) else None
    if stop_reason == "stop_sequence" and isinstance(stop_sequence, str):
        reply.stop_sequence = stop_sequence


def parse_message(body: bytes) -> ReadBack | None:
    """A whole `message` body."""
    data = json_body(body)
    if not isinstance(data, dict) or data.get("type") != "message":
        return None
    reply = Reply()
    texts: list[str] = []
    thoughts: list[str] = []
    content = data.get("content")
    for block in (content if isinstance(content, list) else [])[:MAX_BLOCKS]:
        block = _dict(block)
        kind = block.get("type")
        if kind == "text":
            texts.append(_text(block.get("text")))
        elif kind == "thinking":
            thoughts.append(_text(block.get("thinking")))
        elif kind == "tool_use":
            name, arguments = _text(block.get("name")), _arguments(block.get("input"))
            reply.tool_calls.append(ToolCall(_text(block.get("id")), name, arguments))
    reply.text, reply.reasoning = "".join(texts), "".join(thoughts)
    _finish(reply, data.get("stop_reason"), data.get("stop_sequence"))
    usage = _dict(data.get("usage"))
    if usage:
        reply.usage = Usage(_int(usage.get("input_tokens")), _int(usage.get("output_tokens")))
    return ReadBack([reply], _text(data.get("model")))


@dataclass(slots=True)
class _Block:
    kind: str
    pieces: list[str] = field(default_factory=list)
    id: str = ""
    name: str = ""


def parse_events(events: list[SseEvent]) -> ReadBack | None:
    """A stream of named events, added up."""
    blocks: dict[int, _Block] = {}
    reply = Reply()
    model = ""
    prompt = output = 0
    read = ReadBack([reply], complete=False)
    for position, event in enumerate(events):
        data = _dict(event_json(event))
        kind = data.get("type") or event.event
        index = data.get("index")
        if kind == "message_start":
            message = _dict(data.get("message"))
            model = _text(message.get("model"))
            prompt = _int(_dict(message.get("usage")).get("input_tokens"))
        elif kind == "content_block_start" and isinstance(index, int) and len(blocks) < MAX_BLOCKS:
            start = _dict(data.get("content_block"))
            blocks[index] = _Block(_text(start.get("type")), [], _text(start.get("id")), _text(start.get("name")))
        elif kind == "content_block_delta" and index in blocks:
            delta = _dict(data.get("delta"))
            piece = _text(delta.get("text") or delta.get("thinking") or delta.get("partial_json"))
            if piece:
                blocks[index].pieces.append(piece)
                read.content_events.append(position)
        elif kind == "message_delta":
            delta = _dict(data.get("delta"))
            _finish(reply, delta.get("stop_reason"), delta.get("stop_sequence"))
            usage = _dict(data.get("usage"))
            output = _int(usage.get("output_tokens"))
            prompt = _int(usage.get("input_tokens")) or prompt
        elif kind == "message_stop":
            read.complete = True
        elif kind == "error":
            error = _dict(data.get("error"))
            read.stream_error = ErrorText(_text(error.get("message")), _text(error.get("type")) or None)
    if not model and not blocks:
        return None
    for index in sorted(blocks):
        block = blocks[index]
        joined = "".join(block.pieces)
        if block.kind == "text":
            reply.text += joined
        elif block.kind == "thinking":
            reply.reasoning += joined
        elif block.kind == "tool_use":
            reply.tool_calls.append(ToolCall(block.id, block.name, _arguments(_loads(joined))))
    reply.usage = Usage(prompt, output)
    read.model = model
    return read


def _loads(text: str) -> Any:
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return {}


def parse_error_body(body: bytes) -> ErrorText | None:
    """`{"type":"error","error":{"type","message"}}`."""
    error = _dict(_dict(json_body(body)).get("error"))
    message = error.get("message")
    if not isinstance(message, str):
        return None
    return ErrorText(message, _text(error.get("type")) or None)
