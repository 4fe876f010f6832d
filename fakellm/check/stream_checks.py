"""The checks on the streamed reply: framing, SSE fields, chunk shape, text, finish, `[DONE]` and close.

What counts as broken is what breaks the official SDKs' stream parsers
(wire-formats.md §0.1, §0.2), not what merely differs from OpenAI's bytes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from fakellm.check.probe import StreamCapture
from fakellm.check.report import Check, choices_of, cut, delta_of, fail, ok, sse_opening, warn
from fakellm.check.sse import SseEvent

ECHO_WORDS = "the smoke test has passed"
FINISH_REASONS = {"stop", "length", "tool_calls", "content_filter", "function_call"}


@dataclass
class _Parsed:
    """The stream as the SDKs would see it: JSON chunks, the error events, and where it went wrong."""

    chunks: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    errors: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    framing: list[str] = field(default_factory=list)
    framing_warnings: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    field_warnings: list[str] = field(default_factory=list)
    done: SseEvent | None = None
    after_done: int = 0


def _parse_events(events: list[SseEvent]) -> _Parsed:
    parsed = _Parsed()
    for event in events:
        names = event.field_names()
        if not names:
            continue  # comments only (`: ping`): the SDKs skip them
        n = event.number
        strays = [line for line in event.lines if not line.startswith(":") and line.partition(":")[0] not in _KNOWN]
        if strays:
            parsed.framing.append(f"event {n}: a line without `data: ` ({cut(strays[0])}); the SDKs ignore it")
        if event.data is None:
            if names & {"event", "id", "retry"}:
                parsed.fields.append(
                    f"event {n} has only {_field_list(names)} and no data: openai-python parses '' as JSON and crashes"
                )
            continue
        if "event" in names:
            parsed.fields.append(
                f"event {n} carries `{cut(_line_of(event, 'event'))}`: openai-node v4 and openai-python "
                "< 1.97.2 hand back {event, data} instead of the chunk"
            )
        elif names & {"id", "retry"}:
            parsed.field_warnings.append(
                f"event {n} carries {_field_list(names & {'id', 'retry'})} (OpenAI sends none)"
            )
        if any(line.startswith("data:") and not line.startswith("data: ") for line in event.lines):
            parsed.framing_warnings.append(f"event {n}: `data:` without the space (the SDKs accept it)")
        if not event.terminated:
            parsed.framing.append(f"event {n}: the body ended before its blank line, so no SDK dispatches it")
        if parsed.done is not None:
            parsed.after_done += 1
            continue
        if event.data.startswith("[DONE]"):
            parsed.done = event
            continue
        data_lines = sum(1 for name, _ in event.fields if name == "data")
        try:
            value = json.loads(event.data)
        except json.JSONDecodeError as exc:
            joined = f"{data_lines} data: lines run together (a missing blank line?); " if data_lines > 1 else ""
            ending = event.data[-30:]
            parsed.framing.append(f"event {n}: {joined}data is not JSON ({exc.msg}), it ends {ending!r}")
            continue
        if not isinstance(value, dict):
            parsed.framing.append(f"event {n}: data is JSON {type(value).__name__}, expected an object")
        elif value.get("error"):
            parsed.errors.append((n, value))
        else:
            parsed.chunks.append((n, value))
    return parsed


_KNOWN = {"data", "event", "id", "retry"}


def _field_list(names: set[str]) -> str:
    return "/".join(f"`{name}:`" for name in sorted(names))


def _line_of(event: SseEvent, name: str) -> str:
    return next(line for line in event.lines if line.partition(":")[0] == name)


def _shape_problems(number: int, chunk: dict[str, Any]) -> list[str]:
    if "prompt_filter_results" in chunk:
        return []  # Azure's content-filter preamble: blank id and object by design
    problems = []
    if chunk.get("object") != "chat.completion.chunk":
        problems.append(f"event {number}: object is {chunk.get('object')!r}, expected 'chat.completion.chunk'")
    if not isinstance(chunk.get("id"), str) or not chunk["id"]:
        problems.append(f"event {number}: no id")
    choices = chunk.get("choices")
    if not isinstance(choices, list):
        problems.append(f"event {number}: choices is {type(choices).__name__}, expected a list")
        return problems
    for choice in choices:
        if not isinstance(choice, dict) or not isinstance(choice.get("index"), int):
            problems.append(f"event {number}: a choice without an integer index")
        elif not isinstance(choice.get("delta"), dict):
            problems.append(f"event {number}: choice {choice['index']} has no delta object")
    return problems


def _first_problem(problems: list[str]) -> str:
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return problems[0] + more


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def judge_stream(capture: StreamCapture) -> list[Check]:
    checks, going_on = sse_opening(capture)
    if not going_on:
        return checks
    events = capture.events + ([capture.tail] if capture.tail else [])
    parsed = _parse_events(events)
    checks.append(_judge_framing(parsed, capture))
    if parsed.fields:
        checks.append(fail("stream.sse_fields", _first_problem(parsed.fields)))
    elif parsed.field_warnings:
        checks.append(warn("stream.sse_fields", _first_problem(parsed.field_warnings)))
    else:
        checks.append(ok("stream.sse_fields", "no `event:`, `id:` or `retry:` lines"))
    checks += _judge_chunks(parsed)
    checks += _judge_ending(parsed, capture)
    return checks


def _judge_framing(parsed: _Parsed, capture: StreamCapture) -> Check:
    if parsed.framing:
        return fail("stream.framing", _first_problem(parsed.framing))
    if parsed.framing_warnings:
        return warn("stream.framing", _first_problem(parsed.framing_warnings))
    endings = "CR/CRLF line endings (accepted)" if capture.crlf else "LF"
    return ok("stream.framing", f"every event is `data: ` + one JSON object and a blank line ({endings})")


def _judge_chunks(parsed: _Parsed) -> list[Check]:
    checks = []
    if parsed.errors:
        number, value = parsed.errors[0]
        error = value["error"]
        message = error.get("message") if isinstance(error, dict) else error
        checks.append(fail("stream.error_event", f"event {number} is an error ({message}): the SDKs raise APIError"))
    else:
        checks.append(ok("stream.error_event", "no error event"))
    chunks = parsed.chunks
    if not chunks:
        return [*checks, fail("stream.chunks", "expected chat.completion.chunk objects, got none")]
    problems = [problem for number, chunk in chunks for problem in _shape_problems(number, chunk)]
    if problems:
        checks.append(fail("stream.chunks", _first_problem(problems)))
    else:
        checks.append(ok("stream.chunks", f"{len(chunks)} chunks with object, id, choices[].index and delta"))
    ids = list(dict.fromkeys(c.get("id") for _, c in chunks if "prompt_filter_results" not in c))
    if len(ids) == 1:
        checks.append(ok("stream.id", f"one id for the whole stream ({ids[0]})"))
    else:
        checks.append(fail("stream.id", f"expected one id for the whole stream, got {len(ids)}: {ids[:3]}"))
    checks.append(_judge_role(chunks))
    checks.append(_judge_text(chunks))
    reasons = [c.get("finish_reason") for _, chunk in chunks for c in choices_of(chunk) if c.get("finish_reason")]
    if not reasons:
        checks.append(fail("stream.finish", "expected a chunk with a finish_reason, got none"))
    elif reasons[-1] not in FINISH_REASONS:
        checks.append(warn("stream.finish", f"finish_reason {reasons[-1]!r} is not one OpenAI sends"))
    else:
        checks.append(ok("stream.finish", f"finish_reason {reasons[-1]!r}"))
    return checks


def _judge_role(chunks: list[tuple[int, dict[str, Any]]]) -> Check:
    for number, chunk in chunks:
        for choice in choices_of(chunk):
            delta = delta_of(choice)
            role = delta.get("role")
            if role == "assistant":
                return ok("stream.role", f"delta.role 'assistant' in event {number}")
            if role is not None:
                return warn("stream.role", f"delta.role is {role!r}, expected 'assistant'")
            if delta.get("content"):
                return warn("stream.role", f"content came in event {number} before any delta.role 'assistant'")
    return warn("stream.role", "no delta.role 'assistant' in any chunk")


def _judge_text(chunks: list[tuple[int, dict[str, Any]]]) -> Check:
    pieces = [delta_of(c).get("content") for _, chunk in chunks for c in choices_of(chunk) if c.get("index", 0) == 0]
    text = "".join(piece for piece in pieces if isinstance(piece, str))
    if not text.strip():
        return fail("stream.text", "expected text in delta.content, got none")
    if ECHO_WORDS in _words(text):
        return ok("stream.text", f"echoes the smoke test: {cut(text.strip(), 60)!r}")
    return warn("stream.text", f"non-empty but does not echo {ECHO_WORDS!r}: {cut(text.strip(), 60)!r}")


def _judge_ending(parsed: _Parsed, capture: StreamCapture) -> list[Check]:
    count = len(capture.events)
    if parsed.done is None:
        why = {
            "dropped": f"the connection dropped after {count} events ({cut(capture.detail, 80)})",
            "stalled": f"nothing more came after event {count} (stalled until the timeout)",
            "eof": f"the body ended after {count} events",
        }.get(capture.ending, "the stream was not read")
        return [fail("stream.done", f"expected `data: [DONE]` to end the stream; {why}")]
    done = parsed.done
    if not done.terminated:
        return [fail("stream.done", "`data: [DONE]` has no blank line after it, so no SDK sees it")]
    checks = []
    if done.data != "[DONE]":
        checks.append(warn("stream.done", f"terminator is {done.data!r}; openai-node v7 wants exactly '[DONE]'"))
    elif parsed.after_done:
        checks.append(
            fail("stream.done", f"{parsed.after_done} events after `data: [DONE]` (openai-node v4-v6 reads them)")
        )
    else:
        checks.append(ok("stream.done", f"`data: [DONE]` after {count - 1} events"))
    if capture.ending == "eof":
        closed_ms = ((capture.ended_at or 0.0) - (capture.done_at or 0.0)) * 1000
        checks.append(ok("stream.close", f"body closed {closed_ms:.0f} ms after [DONE]"))
    elif capture.ending == "open-after-done":
        checks.append(
            fail(
                "stream.close",
                "the body stayed open after `data: [DONE]`: openai-python <= 2.6 and openai-node v4-v6 "
                "keep reading until it closes",
            )
        )
    else:
        checks.append(warn("stream.close", f"the connection dropped after [DONE] ({cut(capture.detail, 60)})"))
    return checks
