"""Reading Anthropic's answers back into neutral replies (`fakellm record`).

A message has `content` blocks (`text`, `thinking`, `tool_use` with an `input` object), a
`stop_reason` and `usage` (`input_tokens`, `output_tokens`). A stream is named events:
`message_start` (the message, no content yet), per block `content_block_start` and its deltas
(`text_delta`, `thinking_delta`, `input_json_delta` pieces of the tool input), `message_delta` (stop
reason, cumulative usage), `message_stop`; an `error` event ends a broken one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fakellm.dialects.readback import ErrorText, ReadBack, SseEvent, event_json, json_body
from fakellm.model import FinishReason, Reply, ToolCall, Usage

# `end_turn` and `tool_use` are what the content implies; the others say more.
STOP_REASONS: dict[str, FinishReason] = {"max_tokens": "length", "refusal": "content_filter"}
MAX_BLOCKS = 1024  # content blocks kept from one message


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


@dataclass(slots=True)
class _Block:
    kind: str
    text: list[str] = field(default_factory=list)
    call_id: str = ""
    name: str = ""
    whole_input: Any = None  # a non-streamed block's `input`


@dataclass(slots=True)
class _Message:
    blocks: dict[int, _Block] = field(default_factory=dict)
    stop_reason: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    model: str = ""
    usage_seen: bool = False

    def usage(self, usage: dict[str, Any]) -> None:
        if not usage:
            return
        self.usage_seen = True
        prompt = _int(usage.get("input_tokens")) + _int(usage.get("cache_read_input_tokens"))
        prompt += _int(usage.get("cache_creation_input_tokens"))
        self.input_tokens = prompt or self.input_tokens
        self.output_tokens = _int(usage.get("output_tokens")) or self.output_tokens

    def reply(self) -> Reply:
        reply = Reply(finish_reason=STOP_REASONS.get(self.stop_reason))
        text: list[str] = []
        thinking: list[str] = []
        for _, block in sorted(self.blocks.items()):
            if block.kind == "text":
                text += block.text
            elif block.kind == "thinking":
                thinking += block.text
            elif block.kind == "tool_use":
                if block.whole_input is not None:
                    arguments = json.dumps(block.whole_input, ensure_ascii=False, separators=(",", ":"))
                else:
                    arguments = "".join(block.text) or "{}"
                reply.tool_calls.append(ToolCall(block.call_id, block.name, arguments))
        reply.text, reply.reasoning = "".join(text), "".join(thinking)
        if self.usage_seen:
            reply.usage = Usage(self.input_tokens, self.output_tokens)
        return reply


def _block(raw: dict[str, Any]) -> _Block:
    block = _Block(_str(raw.get("type")), call_id=_str(raw.get("id")), name=_str(raw.get("name")))
    if block.kind == "text" and _str(raw.get("text")):
        block.text.append(raw["text"])
    elif block.kind == "thinking" and _str(raw.get("thinking")):
        block.text.append(raw["thinking"])
    elif block.kind == "tool_use" and isinstance(raw.get("input"), dict) and raw["input"]:
        block.whole_input = raw["input"]
    return block


def parse_message(body: bytes) -> ReadBack | None:
    """A `message` body."""
    data = json_body(body)
    if not isinstance(data, dict) or data.get("type") != "message":
        return None
    message = _Message(stop_reason=_str(data.get("stop_reason")), model=_str(data.get("model")))
    for index, raw in enumerate(data.get("content") or []):
        if index < MAX_BLOCKS and isinstance(raw, dict):
            message.blocks[index] = _block(raw)
    message.usage(_dict(data.get("usage")))
    return ReadBack([message.reply()], message.model)


_DELTA_FIELDS = {"text_delta": "text", "thinking_delta": "thinking", "input_json_delta": "partial_json"}


def parse_events(events: list[SseEvent]) -> ReadBack:
    """A message stream."""
    message = _Message()
    content_events: list[int] = []
    error: ErrorText | None = None
    stopped = False
    for position, event in enumerate(events):
        data = event_json(event)
        if not isinstance(data, dict):
            continue
        kind = _str(data.get("type")) or event.event
        if kind == "message_start":
            start = _dict(data.get("message"))
            message.model = _str(start.get("model"))
            message.usage(_dict(start.get("usage")))
        elif kind == "content_block_start":
            index = _int(data.get("index"))
            if index < MAX_BLOCKS:
                message.blocks[index] = _block(_dict(data.get("content_block")))
        elif kind == "content_block_delta":
            block = message.blocks.get(_int(data.get("index")))
            delta = _dict(data.get("delta"))
            piece = _str(delta.get(_DELTA_FIELDS.get(_str(delta.get("type")), "")))
            if block is not None and piece:
                block.text.append(piece)
                content_events.append(position)
        elif kind == "message_delta":
            message.stop_reason = _str(_dict(data.get("delta")).get("stop_reason")) or message.stop_reason
            message.usage(_dict(data.get("usage")))
        elif kind == "message_stop":
            stopped = True
        elif kind == "error":
            error = error or read_error_object(data)
    return ReadBack([message.reply()], message.model, content_events, error, complete=stopped)


def read_error_object(data: Any) -> ErrorText | None:
    """`{"type": "error", "error": {"type": "rate_limit_error", "message": …}}`."""
    error = _dict(data).get("error")
    if not isinstance(error, dict):
        return None
    kind = error.get("type")
    return ErrorText(_str(error.get("message")), kind if isinstance(kind, str) else None)


def parse_error_body(body: bytes) -> ErrorText | None:
    return read_error_object(json_body(body))
