"""`fakellm check URL --dialect responses`: would an endpoint's `POST {URL}/responses` satisfy the
openai SDK's `client.responses` (docs/wire/responses.md)?

The smoke prompt goes out streamed and whole. The stream must be named events whose `event:`
matches the data's `type`, numbered by `sequence_number` from 0 with no gaps, opened by
`response.created`, ended by `response.completed` (with usage) and no `[DONE]`, with one response id
throughout and deltas that add up to the `output_text.done` text; the whole reply must be a
`response` object with a completed message and usage.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from fakellm import __version__
from fakellm.check.probe import SMOKE_PROMPT, Answer, StreamCapture, capture_stream, headers_for, send_json
from fakellm.check.report import (
    NOT_JSON,
    Check,
    Report,
    decoded,
    fail,
    ok,
    snippet,
    sse_opening,
    warn,
)

EXPECTED_REPLY = "the smoke test has passed."


def responses_body(model: str, *, stream: bool) -> dict[str, Any]:
    return {"model": model, "input": SMOKE_PROMPT, "stream": stream}


def _decoded(capture: StreamCapture) -> tuple[list[tuple[str | None, dict[str, Any]]], list[str]]:
    """Each event's `event:` name and JSON data, and what could not be read."""
    found: list[tuple[str | None, dict[str, Any]]] = []
    problems: list[str] = []
    for event in capture.events:
        names = [value for name, value in event.fields if name == "event"]
        try:
            data = json.loads(event.data or "")
        except ValueError:
            problems.append(f"event {event.number}: data is not JSON: {snippet((event.data or '').encode(), 60)}")
            continue
        if not isinstance(data, dict):
            problems.append(f"event {event.number}: data is not an object")
            continue
        found.append((names[-1] if names else None, data))
    return found, problems


def judge_responses_stream(capture: StreamCapture) -> list[Check]:
    checks, going_on = sse_opening(capture)
    if not going_on:
        return checks
    found, problems = _decoded(capture)
    if any((e.data or "").startswith("[DONE]") for e in capture.events):
        problems.append("a `data: [DONE]` event (the Responses API sends none)")
    unnamed = [str(i) for i, (name, data) in enumerate(found) if name is None or name != data.get("type")]
    if unnamed:
        problems.append(f"events whose `event:` line is missing or differs from `type`: {', '.join(unnamed[:5])}")
    checks.append(fail("stream.framing", "; ".join(problems)) if problems else ok("stream.framing", "named events"))
    numbers = [data.get("sequence_number") for _, data in found]
    checks.append(
        ok("stream.sequence_number", f"0..{len(numbers) - 1}")
        if numbers == list(range(len(numbers)))
        else fail("stream.sequence_number", f"expected 0, 1, 2… got {numbers[:8]}")
    )
    checks += _judge_lifecycle([data for _, data in found])
    return checks


def _judge_lifecycle(events: list[dict[str, Any]]) -> list[Check]:
    kinds = [e.get("type") for e in events]
    if not kinds or kinds[0] != "response.created" or kinds[-1] != "response.completed":
        first, last = (kinds[0], kinds[-1]) if kinds else (None, None)
        return [fail("stream.lifecycle", f"expected response.created … response.completed, got {first} … {last}")]
    ids = {e["response"].get("id") for e in events if isinstance(e.get("response"), dict)}
    final = events[-1].get("response") or {}
    text = "".join(str(e.get("delta", "")) for e in events if e.get("type") == "response.output_text.delta")
    done = [e.get("text") for e in events if e.get("type") == "response.output_text.done"]
    checks = [
        ok("stream.lifecycle", "response.created … response.completed")
        if len(ids) == 1
        else fail("stream.lifecycle", f"the response id changed: {sorted(map(str, ids))}"),
        ok("stream.text", repr(text))
        if done and done[-1] == text
        else fail("stream.text", f"the deltas ({text!r}) differ from output_text.done ({done[-1:]})"),
        ok("stream.usage", "in response.completed")
        if isinstance(final.get("usage"), dict) and "output_tokens" in final["usage"]
        else fail("stream.usage", "response.completed carries no usage"),
    ]
    if EXPECTED_REPLY not in text.lower():
        checks.append(warn("stream.reply", f"the reply does not repeat {EXPECTED_REPLY!r}: {text[:60]!r}"))
    return checks


def judge_responses_json(answer: Answer) -> list[Check]:
    checks, body = decoded(answer, "json.body")
    if body is NOT_JSON:
        return checks
    if not isinstance(body, dict) or body.get("object") != "response":
        return [*checks, fail("json.body", f"not a response object: {snippet(answer.body)}")]
    messages = [o for o in body.get("output") or [] if isinstance(o, dict) and o.get("type") == "message"]
    parts = [p for m in messages for p in m.get("content") or [] if isinstance(p, dict)]
    texts = [p.get("text") for p in parts if p.get("type") == "output_text"]
    usage = body.get("usage")
    return [
        *checks,
        ok("json.body", f"status {body.get('status')}")
        if body.get("status") == "completed" and texts
        else fail("json.body", f"expected a completed response with output_text, got {snippet(answer.body)}"),
        ok("json.usage", "input_tokens, output_tokens, total_tokens")
        if isinstance(usage, dict) and {"input_tokens", "output_tokens", "total_tokens"} <= set(usage)
        else fail("json.usage", f"usage is missing or incomplete: {usage!r}"),
    ]


async def _run(url: str, api_key: str | None, model: str, timeout: float, grace: float) -> Report:
    endpoint = url.rstrip("/") + "/responses"
    headers = headers_for(api_key or "sk-fakellm-check")
    report = Report(endpoint=endpoint, model=model)
    agent = {"user-agent": f"fakellm-check/{__version__}"}
    async with httpx.AsyncClient(timeout=httpx.Timeout(timeout), headers=agent) as client:
        capture = await capture_stream(client, endpoint, headers, responses_body(model, stream=True), timeout, grace)
        report.checks += judge_responses_stream(capture)
        report.figures = {"events": len(capture.events), "stream_ms": _ms(capture.ended_at)}
        plain = await send_json(client, endpoint, headers, responses_body(model, stream=False), timeout)
        report.checks += judge_responses_json(plain)
    return report


def _ms(at: float | None) -> float | None:
    return None if at is None else round(at * 1000, 1)


def run_responses_check(url: str, *, api_key: str | None = None, model: str, timeout: float = 30.0) -> Report:
    """Probe `{url}/responses` as the openai SDK's `client.responses` would use it."""
    return asyncio.run(_run(url, api_key, model, timeout, min(2.0, timeout)))
