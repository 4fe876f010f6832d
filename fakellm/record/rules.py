"""A recorded exchange as a rule of the ordinary scenario format.

**What a rule matches on**, chosen by what replays reliably: the last user message (exactly) and
the turn number, and for a request answering a tool call, the tool it answers (`tool_result_of`).
Not the dialect or the model, so a recording plays to every SDK (the model names differ from
provider to provider); not the system prompt, tool results' text, ids or sampling settings, which
often hold dates, random ids or live data that change from one run to the next. A request that
offers tools and is not after a tool result says so (`after_tool: false`), so the first request of
a tool round trip never answers the second.

**Order**: each rule answers once (`replies` of one, `exhausted: next_rule`), so the same request
made twice (a retry after a recorded 429, a question asked again) gets the recorded answers in
the order they came. **Replies** are neutral (text, reasoning, tool calls with their arguments as
JSON text, finish reason, usage), with the observed `timing`. An upstream error becomes a rule
whose `error` has its status, message, code and retry headers; an error event that ended a stream
after its content, a `stream: {error_after: end}` fault with its message.
"""

from __future__ import annotations

import json
from typing import Any

from fakellm.dialects.readback import ErrorText
from fakellm.model import ChatRequest, Reply
from fakellm.scenarios.matching import last_tool_result, tool_result_name

FINISH_REASONS = ("stop", "length", "tool_calls", "content_filter")
_OPEN = "{{"


def literal(text: str) -> str:
    """`text` as a reply template that renders to itself (`reasoning` is a template; `{{` is written
    `{{ "{{" }}`)."""
    return text.replace(_OPEN, '{{ "{{" }}') if _OPEN in text else text


def request_match(request: ChatRequest) -> dict[str, Any]:
    match: dict[str, Any] = {"user": {"equals": request.last_user_text}}
    if request.turn >= 1:
        match["turn"] = request.turn
    result = last_tool_result(request)
    if result is not None:
        name = tool_result_name(request, result)
        if name:
            match["tool_result_of"] = name
        else:
            match["after_tool"] = True
    elif request.tools:
        match["after_tool"] = False
    return match


def _arguments(text: str) -> str:
    """Arguments as recorded when they are a JSON object; `{}` when they are not (a cut-off stream)."""
    try:
        parsed = json.loads(text) if text else {}
    except ValueError:
        return "{}"
    return text if isinstance(parsed, dict) and text else "{}"


def reply_spec(reply: Reply) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if reply.text or not (reply.reasoning or reply.tool_calls):
        spec["text"] = reply.text
    if reply.reasoning:
        spec["reasoning"] = literal(reply.reasoning)
        if reply.reasoning_shown:
            spec["reasoning_content"] = True
    if reply.tool_calls:
        calls = []
        for call in reply.tool_calls:
            entry: dict[str, Any] = {"name": call.name, "arguments": _arguments(call.arguments)}
            if call.id:
                entry["id"] = call.id
            calls.append(entry)
        spec["tool_calls"] = calls
    derived = "tool_calls" if reply.tool_calls else "stop"
    if reply.finish_reason in FINISH_REASONS and reply.finish_reason != derived:
        spec["finish_reason"] = reply.finish_reason
    if reply.usage is not None:
        usage = {"prompt_tokens": reply.usage.prompt_tokens, "completion_tokens": reply.usage.completion_tokens}
        if reply.usage.reasoning_tokens:
            usage["reasoning_tokens"] = reply.usage.reasoning_tokens
        spec["usage"] = usage
    return spec


def reply_rule(
    name: str,
    request: ChatRequest,
    reply: Reply,
    timing: dict[str, Any] | None,
    stream_error: ErrorText | None = None,
) -> dict[str, Any]:
    """A recorded answer; `stream_error`: the error event that ended the stream after its content."""
    rule: dict[str, Any] = {
        "name": name,
        "match": request_match(request),
        "replies": [reply_spec(reply)],
        "exhausted": "next_rule",
    }
    if timing:
        rule["timing"] = timing
    if stream_error is not None:
        stream: dict[str, Any] = {"error_after": "end"}
        if stream_error.message:
            stream["error_message"] = stream_error.message
        rule["stream"] = stream
    return rule


def _seconds(value: str | None) -> float | None:
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: not kept
    return number if number is not None and 0 <= number < 86_400 * 365 else None


def error_rule(
    name: str, request: ChatRequest, status: int, error: ErrorText | None, headers: dict[str, str]
) -> dict[str, Any]:
    """An upstream's error (status 400-599) as a rule answering with it; `headers` lower-cased."""
    spec: dict[str, Any] = {"status": status}
    if error is not None and error.message:
        spec["message"] = error.message
    if error is not None and error.code:
        spec["code"] = error.code
    retry_after = _seconds(headers.get("retry-after"))
    if retry_after is not None:
        spec["retry_after"] = retry_after
    retry_after_ms = _seconds(headers.get("retry-after-ms"))
    if retry_after_ms is not None:
        spec["retry_after_ms"] = retry_after_ms
    should_retry = headers.get("x-should-retry")
    if should_retry in ("true", "false"):
        spec["should_retry"] = should_retry == "true"
    return {
        "name": name,
        "match": request_match(request),
        "replies": [{"text": ""}],  # never sent: the error answers instead
        "exhausted": "next_rule",
        "error": spec,
    }
