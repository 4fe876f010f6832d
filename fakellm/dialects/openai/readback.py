"""Reading OpenAI-style chat completions back into neutral replies (`fakellm record`).

Every OpenAI-style provider (OpenAI, Azure, Groq, Gemini's OpenAI route) answers with `choices`,
each a `message` (or, streamed, `delta`s to add up) with `content`, tool calls and a
`finish_reason`, and `usage`. Reasoning arrives as `reasoning_content` (DeepSeek-style, shown to
OpenAI clients) or `reasoning` (Groq's parsed format); Groq's streamed usage may sit in `x_groq`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fakellm.dialects.readback import ErrorText, ReadBack, SseEvent, event_json, json_body
from fakellm.model import FinishReason, Reply, ToolCall, Usage

FINISH: dict[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
}
MAX_CHOICES = 128  # choices kept from one response (n is far smaller in practice)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def read_usage(body: dict[str, Any]) -> Usage | None:
    """`usage` (or Groq's `x_groq.usage`) as neutral counts; None when the response has none."""
    usage = body.get("usage")
    if not isinstance(usage, dict):
        usage = _dict(body.get("x_groq")).get("usage")
    if not isinstance(usage, dict):
        return None
    details = _dict(usage.get("completion_tokens_details"))
    return Usage(
        _int(usage.get("prompt_tokens")), _int(usage.get("completion_tokens")), _int(details.get("reasoning_tokens"))
    )


def _finish(value: Any) -> FinishReason | None:
    return FINISH.get(value) if isinstance(value, str) else None


def _index(choice: dict[str, Any]) -> int:
    index = _int(choice.get("index"))
    return index if 0 <= index < MAX_CHOICES else -1


def parse_completion(body: bytes) -> ReadBack | None:
    """A `chat.completion` body."""
    data = json_body(body)
    if not isinstance(data, dict) or not isinstance(data.get("choices"), list):
        return None
    replies: dict[int, Reply] = {}
    for choice in _list(data.get("choices")):
        choice = _dict(choice)
        index = _index(choice)
        if index < 0:
            continue
        message = _dict(choice.get("message"))
        shown = isinstance(message.get("reasoning_content"), str)
        reply = Reply(
            text=_text(message.get("content")),
            reasoning=_text(message.get("reasoning_content")) or _text(message.get("reasoning")),
            finish_reason=_finish(choice.get("finish_reason")),
            reasoning_shown=shown,
        )
        for call in _list(message.get("tool_calls")):
            call = _dict(call)
            function = _dict(call.get("function"))
            reply.tool_calls.append(
                ToolCall(_text(call.get("id")), _text(function.get("name")), _text(function.get("arguments")))
            )
        replies[index] = reply
    ordered = [replies[i] for i in sorted(replies)] or [Reply()]
    usage = read_usage(data)
    if usage is not None:
        ordered[0].usage = usage
    return ReadBack(ordered, _text(data.get("model")))


@dataclass(slots=True)
class _Choice:
    text: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    shown: bool = False
    calls: dict[int, list[str]] = field(default_factory=dict)  # index -> [id, name, arguments...]
    finish: FinishReason | None = None


def _add_delta(choice: _Choice, delta: dict[str, Any]) -> bool:
    """Add one delta to a choice; True when it carried content."""
    content = False
    for key in ("content", "reasoning_content", "reasoning"):
        piece = delta.get(key)
        if isinstance(piece, str) and piece:
            (choice.text if key == "content" else choice.reasoning).append(piece)
            choice.shown = choice.shown or key == "reasoning_content"
            content = True
    for position, call in enumerate(_list(delta.get("tool_calls"))):
        call = _dict(call)
        index = call.get("index")
        slot = choice.calls.setdefault(index if isinstance(index, int) else position, ["", ""])
        function = _dict(call.get("function"))
        if isinstance(call.get("id"), str) and call["id"]:
            slot[0] = call["id"]
        if isinstance(function.get("name"), str) and function["name"]:
            slot[1] = function["name"]
        arguments = function.get("arguments")
        if isinstance(arguments, str):
            slot.append(arguments)
        content = True
    return content


def parse_chunks(events: list[SseEvent]) -> ReadBack:
    """A stream of `chat.completion.chunk` events, ending with `[DONE]`."""
    choices: dict[int, _Choice] = {}
    content_events: list[int] = []
    usage: Usage | None = None
    model = ""
    error: ErrorText | None = None
    done = False
    for position, event in enumerate(events):
        done = done or event.data.strip() == "[DONE]"
        chunk = event_json(event)
        if not isinstance(chunk, dict):
            continue
        if "error" in chunk and not chunk.get("choices"):
            error = error or read_error_object(chunk)
            continue
        model = model or _text(chunk.get("model"))
        usage = read_usage(chunk) or usage
        carried = False
        for raw in _list(chunk.get("choices")):
            raw = _dict(raw)
            index = _index(raw)
            if index < 0:
                continue
            choice = choices.setdefault(index, _Choice())
            carried = _add_delta(choice, _dict(raw.get("delta"))) or carried
            choice.finish = _finish(raw.get("finish_reason")) or choice.finish
        if carried:
            content_events.append(position)
    replies = [_reply(choices[i]) for i in sorted(choices)] or [Reply()]
    if usage is not None:
        replies[0].usage = usage
    finished = done or any(c.finish is not None for c in choices.values())
    return ReadBack(replies, model, content_events, error, complete=finished)


def _reply(choice: _Choice) -> Reply:
    calls = [
        ToolCall(slot[0], slot[1], "".join(slot[2:])) for _, slot in sorted(choice.calls.items(), key=lambda kv: kv[0])
    ]
    return Reply(
        text="".join(choice.text),
        reasoning="".join(choice.reasoning),
        tool_calls=calls,
        finish_reason=choice.finish,
        reasoning_shown=choice.shown,
    )


def read_error_object(data: Any) -> ErrorText | None:
    """`{"error": {"message", "code", …}}`, also inside a one-element list (Gemini's OpenAI route)."""
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    error = _dict(data).get("error")
    if isinstance(error, str):
        return ErrorText(error)
    if not isinstance(error, dict):
        return None
    code = error.get("code")
    if code is None and isinstance(error.get("type"), str):
        code = error["type"]
    return ErrorText(_text(error.get("message")), None if code is None else str(code))


def parse_error_body(body: bytes) -> ErrorText | None:
    return read_error_object(json_body(body))
