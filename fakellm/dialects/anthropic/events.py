"""The stream of a message as Anthropic sends it: named SSE events, no `[DONE]`.

`message_start` (the message with no content yet), then per content block `content_block_start`,
its deltas (`thinking_delta`s and one `signature_delta`; `text_delta`s; `input_json_delta`s, the
first of them empty) and `content_block_stop`, one `ping` after the first block starts,
`message_delta` (stop reason, stop sequence, cumulative usage) and `message_stop`. Each delta that
carries generated text is a content frame (one token), so stream faults cut the stream where they
would cut any other dialect's.
"""

from __future__ import annotations

from typing import Any

from fakellm.dialects.anthropic.message import Answer, compact, final_usage, message_object, tool_use_block
from fakellm.frames import Frame, StreamPlan
from fakellm.tokens import split_arguments, split_tokens

SSE_MEDIA_TYPE = "text/event-stream; charset=utf-8"
PING = b'event: ping\ndata: {"type": "ping"}\n\n'


def event(kind: str, data: dict[str, Any], tokens: int = 0) -> Frame:
    return Frame(f"event: {kind}\ndata: {compact({'type': kind, **data})}\n\n".encode(), tokens)


def delta(index: int, body: dict[str, Any], tokens: int = 1) -> Frame:
    return event("content_block_delta", {"index": index, "delta": body}, tokens)


class _Blocks:
    """Numbers the content blocks and sends the single `ping` after the first one starts."""

    def __init__(self, frames: list[Frame]) -> None:
        self.frames = frames
        self.count = 0

    def start(self, block: dict[str, Any]) -> int:
        index = self.count
        self.count += 1
        self.frames.append(event("content_block_start", {"index": index, "content_block": block}))
        if index == 0:
            self.frames.append(Frame(PING))
        return index

    def stop(self, index: int) -> None:
        self.frames.append(event("content_block_stop", {"index": index}))


def stream_frames(ans: Answer, model: str, message_id: str) -> StreamPlan:
    frames = [event("message_start", {"message": message_object(ans, model, message_id, started=True)})]
    blocks = _Blocks(frames)
    if ans.thinking is not None:
        index = blocks.start({"type": "thinking", "thinking": "", "signature": ""})
        frames += [delta(index, {"type": "thinking_delta", "thinking": t}) for t in split_tokens(ans.thinking)]
        frames.append(delta(index, {"type": "signature_delta", "signature": ans.signature}, 0))
        blocks.stop(index)
    if ans.text:
        index = blocks.start({"type": "text", "text": ""})
        frames += [delta(index, {"type": "text_delta", "text": t}) for t in split_tokens(ans.text)]
        blocks.stop(index)
    for use in ans.tool_uses:
        index = blocks.start(tool_use_block(use, {}))
        frames.append(delta(index, {"type": "input_json_delta", "partial_json": ""}, 0))
        if use.arguments:
            fragments = split_arguments(use.arguments)
            frames += [delta(index, {"type": "input_json_delta", "partial_json": f}) for f in fragments]
        blocks.stop(index)
    if not blocks.count:
        frames.append(Frame(PING))
    stop = {"stop_reason": ans.stop_reason, "stop_sequence": ans.stop_sequence}
    frames.append(event("message_delta", {"delta": stop, "usage": final_usage(ans.usage)}))
    frames.append(event("message_stop", {}))
    return StreamPlan(SSE_MEDIA_TYPE, frames)
