"""Reading Gemini's answers back into neutral replies (`fakellm record`).

A `generateContent` body, each element of a streamed array and each SSE event are all one
`GenerateContentResponse`: `candidates` whose `content.parts` hold text (`thought: true` for
reasoning) and whole `functionCall`s, a `finishReason`, and cumulative `usageMetadata` (the last is
the call's total). A stream is read by adding up the parts of every element or event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fakellm.dialects.readback import ErrorText, ReadBack, SseEvent, event_json, json_body
from fakellm.model import FinishReason, Reply, ToolCall, Usage

# Gemini's finish reasons in neutral terms; STOP is left to be derived (a reply with calls is `tool_calls`).
FINISH: dict[str, FinishReason | None] = {
    "STOP": None,
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter",
}
MAX_CANDIDATES = 128


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


@dataclass(slots=True)
class _Candidate:
    text: list[str] = field(default_factory=list)
    thoughts: list[str] = field(default_factory=list)
    calls: list[ToolCall] = field(default_factory=list)
    finish: FinishReason | None = None
    finished: bool = False


@dataclass(slots=True)
class _Reader:
    candidates: dict[int, _Candidate] = field(default_factory=dict)
    usage: Usage | None = None
    model: str = ""

    def add(self, response: dict[str, Any]) -> bool:
        """Add one response (element or event); True when it carried content."""
        carried = False
        for raw in _list(response.get("candidates")):
            raw = _dict(raw)
            index = _int(raw.get("index"))
            if not 0 <= index < MAX_CANDIDATES:
                continue
            candidate = self.candidates.setdefault(index, _Candidate())
            for part in _list(_dict(raw.get("content")).get("parts")):
                carried = _add_part(candidate, _dict(part)) or carried
            reason = raw.get("finishReason")
            if isinstance(reason, str) and reason:
                candidate.finished = True
                candidate.finish = FINISH.get(reason, "stop") if reason != "STOP" else None
        metadata = response.get("usageMetadata")
        if isinstance(metadata, dict):
            thoughts = _int(metadata.get("thoughtsTokenCount"))
            self.usage = Usage(
                _int(metadata.get("promptTokenCount")), _int(metadata.get("candidatesTokenCount")) + thoughts, thoughts
            )
        version = response.get("modelVersion")
        if isinstance(version, str) and version:
            self.model = version
        return carried

    def result(self, content_events: list[int] | None = None, error: ErrorText | None = None) -> ReadBack:
        replies = [
            Reply(text="".join(c.text), reasoning="".join(c.thoughts), tool_calls=c.calls, finish_reason=c.finish)
            for _, c in sorted(self.candidates.items())
        ] or [Reply()]
        if self.usage is not None:
            replies[0].usage = self.usage
        complete = any(c.finished for c in self.candidates.values())
        return ReadBack(replies, self.model, content_events or [], error, complete=complete)


def _add_part(candidate: _Candidate, part: dict[str, Any]) -> bool:
    text = part.get("text")
    if isinstance(text, str) and text:
        (candidate.thoughts if part.get("thought") is True else candidate.text).append(text)
        return True
    call = part.get("functionCall")
    if isinstance(call, dict):
        name, call_id = _str(call.get("name")), _str(call.get("id"))
        args = call.get("args") if isinstance(call.get("args"), dict) else {}
        arguments = json.dumps(args, ensure_ascii=False, separators=(",", ":"))
        candidate.calls.append(ToolCall(call_id, name, arguments))
        return True
    return False


def parse_generate(body: bytes) -> ReadBack | None:
    """A `generateContent` body, or a whole streamed array of them."""
    data = json_body(body)
    elements = data if isinstance(data, list) else [data]
    reader = _Reader()
    error: ErrorText | None = None
    read = False
    for element in elements:
        if not isinstance(element, dict):
            continue
        if "error" in element:
            error = error or read_error_object(element)
            continue
        if "candidates" in element or "promptFeedback" in element:  # a generateContent answer, nothing else
            reader.add(element)
            read = True
    return reader.result(error=error) if read else None


def parse_events(events: list[SseEvent]) -> ReadBack:
    """A `streamGenerateContent?alt=sse` stream."""
    reader = _Reader()
    content_events: list[int] = []
    error: ErrorText | None = None
    for position, event in enumerate(events):
        response = event_json(event)
        if not isinstance(response, dict):
            continue
        if "error" in response:
            error = error or read_error_object(response)
            continue
        if reader.add(response):
            content_events.append(position)
    return reader.result(content_events, error)


def read_error_object(data: Any) -> ErrorText | None:
    """`{"error": {"code": 429, "message", "status": "RESOURCE_EXHAUSTED"}}`, also as a one-element array."""
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    error = _dict(data).get("error")
    if not isinstance(error, dict):
        return None
    message = _str(error.get("message"))
    status = error.get("status")
    return ErrorText(message, status if isinstance(status, str) else None)


def parse_error_body(body: bytes) -> ErrorText | None:
    return read_error_object(json_body(body))
