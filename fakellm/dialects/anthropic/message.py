"""A scenario's reply as an Anthropic message: its content blocks, stop reason and usage.

Both the whole body and the stream are built from one `Answer`, so they always agree. Thinking
shows only when the request turned it on (`thinking: enabled` always starts with a thinking block,
a stock one when the scenario gave no reasoning; `adaptive` shows the scenario's reasoning when it
has some); `display: omitted` keeps the block and its signature but empties its text. Output tokens
count the thinking, as Anthropic's do.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from fakellm.dialects.anthropic.headers import tool_use_id
from fakellm.dialects.anthropic.request import AnthropicOptions
from fakellm.model import ChatRequest, Reply, Usage
from fakellm.tokens import reply_usage

STOCK_THOUGHT = "Let me think about what is being asked and answer it directly."
STOP_REASONS = {"length": "max_tokens", "tool_calls": "tool_use", "content_filter": "refusal"}
CALLER = {"type": "direct"}


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def signature(model: str, thought: str) -> str:
    """An opaque, deterministic signature in the shape of Anthropic's (base64 of a length-prefixed blob)."""
    seed = hashlib.sha512(f"fakellm-thinking\0{model}\0{thought}".encode()).digest()
    size = min(1024, 96 + len(thought.encode()) // 4)
    blob = b""
    counter = 0
    while len(blob) < size:
        blob += hashlib.sha512(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    blob = blob[:size]
    length = bytearray()
    n = size
    while True:  # a protobuf varint, as the real blobs carry
        byte, n = n & 0x7F, n >> 7
        length.append(byte | (0x80 if n else 0))
        if not n:
            break
    return base64.b64encode(b"\x12" + bytes(length) + blob).decode("ascii")


@dataclass(slots=True)
class ToolUse:
    id: str
    name: str
    arguments: str  # the JSON text, as the scenario gave it (streamed in fragments)

    @property
    def input(self) -> dict[str, Any]:
        try:
            value = json.loads(self.arguments) if self.arguments else {}
        except json.JSONDecodeError:
            return {}
        return value if isinstance(value, dict) else {}


@dataclass(slots=True)
class Answer:
    """What one response says, in Anthropic's terms."""

    thinking: str | None  # None: no thinking block; "" with a signature when the display is omitted
    signature: str
    text: str
    tool_uses: list[ToolUse]
    stop_reason: str
    stop_sequence: str | None
    usage: Usage


def answer(request: ChatRequest, replies: list[Reply], model: str) -> Answer:
    reply = replies[0] if replies else Reply()
    options = request.options_as(AnthropicOptions)
    thought = ""
    if options.thinking in ("enabled", "adaptive"):
        thought = reply.reasoning or (STOCK_THOUGHT if options.thinking == "enabled" else "")
    counted = Reply(text=reply.text, reasoning=thought, tool_calls=reply.tool_calls, usage=reply.usage)
    usage = reply_usage(request, [counted])
    if reply.stop_sequence is not None:
        stop_reason = "stop_sequence"
    else:
        stop_reason = STOP_REASONS.get(reply.resolved_finish_reason, "end_turn")
    return Answer(
        thinking=(None if not thought else "" if options.display == "omitted" else thought),
        signature=signature(model, thought) if thought else "",
        text=reply.text,
        tool_uses=[ToolUse(tool_use_id(c.id), c.name, c.arguments) for c in reply.tool_calls],
        stop_reason=stop_reason,
        stop_sequence=reply.stop_sequence,
        usage=usage,
    )


def usage_body(usage: Usage, *, output_tokens: int | None = None) -> dict[str, Any]:
    return {
        "input_tokens": usage.prompt_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
        "output_tokens": usage.completion_tokens if output_tokens is None else output_tokens,
        "service_tier": "standard",
        "inference_geo": "not_available",
    }


def final_usage(usage: Usage) -> dict[str, Any]:
    """The cumulative counts a stream's `message_delta` carries."""
    return {
        "input_tokens": usage.prompt_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": usage.completion_tokens,
    }


def tool_use_block(use: ToolUse, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"type": "tool_use", "id": use.id, "name": use.name, "input": arguments, "caller": CALLER}


def content_blocks(ans: Answer) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if ans.thinking is not None:
        blocks.append({"type": "thinking", "thinking": ans.thinking, "signature": ans.signature})
    if ans.text:
        blocks.append({"type": "text", "text": ans.text})
    blocks += [tool_use_block(use, use.input) for use in ans.tool_uses]
    return blocks


def message_object(ans: Answer, model: str, message_id: str, *, started: bool = False) -> dict[str, Any]:
    """The message; `started`: as `message_start` shows it, before any content or stop reason."""
    return {
        "model": model,
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "content": [] if started else content_blocks(ans),
        "stop_reason": None if started else ans.stop_reason,
        "stop_sequence": None if started else ans.stop_sequence,
        "usage": usage_body(ans.usage, output_tokens=1 if started else None),
    }
