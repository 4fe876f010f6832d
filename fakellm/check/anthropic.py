"""`fakellm check URL --dialect anthropic`: would the anthropic SDK accept this Messages endpoint?

URL is what the SDK takes as its base URL (the server root); the probe goes to `URL/v1/messages`,
streamed and whole, with `anthropic-version` and the key as `x-api-key`. The stream is judged as
the SDK reads it (`anthropic/_streaming.py`, `lib/streaming/_messages.py`): an event without an
`event:` name is dropped unseen, `ping` is skipped, `error` raises, and the message is built from
`message_start`, the content block events in index order and `message_delta` (docs/wire/anthropic.md).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from fakellm import __version__
from fakellm.check.dialects import DEFAULT_MODELS
from fakellm.check.json_checks import judge_wrong_key
from fakellm.check.probe import SMOKE_PROMPT, Answer, StreamCapture, capture_stream, send_json
from fakellm.check.report import (
    NOT_JSON,
    Check,
    Report,
    cut,
    decoded,
    fail,
    ok,
    snippet,
    sse_opening,
    warn,
)

DEFAULT_MODEL = DEFAULT_MODELS["anthropic"]
VERSION = "2023-06-01"
STOP_REASONS = ("end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal")


def endpoint_for(url: str) -> str:
    return url.rstrip("/") + "/v1/messages"


def headers_for(api_key: str) -> dict[str, str]:
    return {"x-api-key": api_key, "anthropic-version": VERSION, "content-type": "application/json"}


def probe_body(model: str, *, stream: bool) -> dict[str, Any]:
    return {
        "model": model,
        "max_tokens": 256,
        "messages": [{"role": "user", "content": SMOKE_PROMPT}],
        "stream": stream,
    }


def _named_events(capture: StreamCapture) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    """(name, data) of each event the SDK would see, and what is wrong with the others."""
    seen: list[tuple[str, dict[str, Any]]] = []
    problems: list[str] = []
    for event in capture.events:
        names = [value for name, value in event.fields if name == "event"]
        if event.data is None:
            continue
        if not names:
            problems.append(f"event {event.number} has no `event:` line: the SDK drops it ({cut(event.data, 40)!r})")
            continue
        try:
            data = json.loads(event.data)
        except ValueError:
            problems.append(f"event {event.number} ({names[-1]}) is not JSON: {cut(event.data, 40)!r}")
            continue
        if not isinstance(data, dict) or data.get("type") != names[-1]:
            problems.append(f"event {event.number} is named {names[-1]!r} but its data says {data!r:.60}")
            continue
        seen.append((names[-1], data))
    return seen, problems


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def judge_stream(capture: StreamCapture) -> list[Check]:
    checks, going_on = sse_opening(capture)
    if not going_on:
        return checks
    seen, problems = _named_events(capture)
    checks.append(fail("stream.events", problems[0]) if problems else ok("stream.events", f"{len(seen)} named events"))
    names = [name for name, _ in seen if name != "ping"]
    if "error" in names:
        return [*checks, fail("stream.order", f"the stream carries an error event: {seen[names.index('error')][1]}")]
    if not names or names[0] != "message_start" or names[-1] != "message_stop":
        checks.append(fail("stream.order", f"expected message_start … message_stop, got {names[:1]} … {names[-1:]}"))
    else:
        checks.append(ok("stream.order", "message_start … message_stop"))
    open_blocks: set[int] = set()
    text = ""
    stop_reason = None
    for name, data in seen:
        index = data.get("index")
        if name == "content_block_start" and isinstance(index, int):
            open_blocks.add(index)
        elif name == "content_block_delta":
            if index not in open_blocks:
                checks.append(fail("stream.blocks", f"a delta for block {index!r}, which was not started"))
                break
            delta = _object(data.get("delta"))
            if delta.get("type") == "text_delta" and isinstance(delta.get("text"), str):
                text += delta["text"]
        elif name == "content_block_stop":
            open_blocks.discard(index if isinstance(index, int) else -1)
        elif name == "message_delta":
            stop_reason = _object(data.get("delta")).get("stop_reason")
    else:
        checks.append(ok("stream.blocks", "every delta belongs to a started block"))
    checks.append(ok("stream.text", repr(cut(text.strip(), 60))) if text else fail("stream.text", "no text_delta"))
    if stop_reason in STOP_REASONS:
        checks.append(ok("stream.stop_reason", repr(stop_reason)))
    else:
        checks.append(fail("stream.stop_reason", f"message_delta gave stop_reason {stop_reason!r}"))
    if capture.ending == "eof":
        checks.append(ok("stream.close", "the body ended after message_stop"))
    else:
        checks.append(warn("stream.close", f"the body ended {capture.ending}"))
    return checks


def judge_message(answer: Answer) -> list[Check]:
    checks, body = decoded(answer, "json.message")
    if body is NOT_JSON:
        return checks
    if not isinstance(body, dict) or body.get("type") != "message" or not isinstance(body.get("content"), list):
        return [*checks, fail("json.message", f"expected a message with content, got {snippet(answer.body, 60)!r}")]
    checks.append(ok("json.message", f"id {body.get('id')!r}"))
    texts = [b.get("text") for b in body["content"] if isinstance(b, dict) and b.get("type") == "text"]
    checks.append(ok("json.text", repr(cut(str(texts[0]), 60))) if texts else fail("json.text", "no text block"))
    usage = body.get("usage")
    counts = isinstance(usage, dict) and all(isinstance(usage.get(k), int) for k in ("input_tokens", "output_tokens"))
    checks.append(ok("json.usage", "input and output tokens") if counts else fail("json.usage", f"usage {usage!r}"))
    if body.get("stop_reason") in STOP_REASONS:
        checks.append(ok("json.stop_reason", repr(body["stop_reason"])))
    else:
        checks.append(fail("json.stop_reason", f"stop_reason {body.get('stop_reason')!r}"))
    return checks


def _figures(capture: StreamCapture) -> dict[str, float | int | None]:
    def ms(at: float | None) -> float | None:
        return None if at is None else round(at * 1000, 1)

    first_text = next((e.at for e in capture.events if '"text_delta"' in (e.data or "")), None)
    return {
        "first_byte_ms": ms(capture.first_byte_at),
        "first_token_ms": ms(first_text),
        "stream_ms": ms(capture.ended_at),
        "events": len(capture.events),
    }


async def _run(url: str, api_key: str | None, model: str, timeout: float) -> Report:
    endpoint = endpoint_for(url)
    key = api_key or "sk-ant-fakellm-check"
    report = Report(endpoint=endpoint, model=model)
    async with httpx.AsyncClient(
        timeout=httpx.Timeout(timeout), headers={"user-agent": f"fakellm-check/{__version__}"}
    ) as client:
        capture = await capture_stream(client, endpoint, headers_for(key), probe_body(model, stream=True), timeout, 0.0)
        report.checks += judge_stream(capture)
        report.figures = _figures(capture)
        plain = await send_json(client, endpoint, headers_for(key), probe_body(model, stream=False), timeout)
        report.checks += judge_message(plain)
        if api_key:
            wrong = await send_json(
                client, endpoint, headers_for(api_key + "-wrong"), probe_body(model, stream=False), timeout
            )
            report.checks.append(judge_wrong_key(wrong))
    return report


def run_anthropic_check(
    url: str, *, api_key: str | None = None, model: str = DEFAULT_MODEL, timeout: float = 30.0
) -> Report:
    """Probe `{url}/v1/messages` as the anthropic SDK would talk to it, and judge every answer."""
    return asyncio.run(_run(url, api_key, model, timeout))
