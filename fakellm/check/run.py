"""`fakellm check URL`: would someone's OpenAI-compatible endpoint pass a platform's compatibility probe?

It sends the probe a voice platform sends (Play.ai's `Repeat with me: the smoke
test has passed.`, streamed), reads the raw SSE bytes and judges them check by
check against what the official SDKs' parsers accept (wire-formats.md §0, §1, §5).
"""

from __future__ import annotations

import asyncio
import json

import httpx

from fakellm import __version__
from fakellm.check.probe import Answer, StreamCapture, capture_stream, headers_for, send_json, smoke_body
from fakellm.check.report import (
    Check,
    Report,
    choices_of,
    cut,
    delta_of,
    fail,
    media_type,
    ok,
    snippet,
    status_check,
    warn,
)
from fakellm.check.sse import SseEvent
from fakellm.check.stream_checks import judge_stream

DEFAULT_MODEL = "gpt-3.5-turbo"  # what Play.ai's documented probe names
DEFAULT_KEY = "sk-fakellm-check"
CLOSE_GRACE_S = 2.0  # how long the body may stay open after `data: [DONE]`


# --- the non-streaming request and the key --------------------------------------------------------


def judge_json(answer: Answer) -> list[Check]:
    status = status_check("json.status", answer)
    if status.status == "FAIL":
        return [status]
    checks = [status]
    if "json" in media_type(answer.content_type):
        checks.append(ok("json.content_type", answer.content_type))
    else:
        checks.append(
            fail(
                "json.content_type",
                f"expected application/json, got {answer.content_type!r} (openai-node returns text)",
            )
        )
    try:
        body = json.loads(answer.body)
    except ValueError:
        return [*checks, fail("json.content", f"expected a JSON object, got {snippet(answer.body, 60)!r}")]
    choices = choices_of(body) if isinstance(body, dict) else []
    if not choices:
        return [*checks, fail("json.content", f"expected choices[0], got {snippet(answer.body, 60)!r}")]
    message = choices[0].get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, str):
        checks.append(ok("json.content", f"choices[0].message.content {cut(content.strip(), 60)!r}"))
    else:
        checks.append(fail("json.content", f"expected choices[0].message.content a string, got {content!r}"))
    reason = choices[0].get("finish_reason")
    if reason:
        checks.append(ok("json.finish", f"finish_reason {reason!r}"))
    else:
        checks.append(fail("json.finish", f"expected choices[0].finish_reason, got {reason!r}"))
    return checks


def judge_wrong_key(answer: Answer) -> Check:
    if answer.failure:
        return warn("auth.wrong_key", f"expected 401 for a wrong key, got no response: {answer.failure}")
    if answer.status == 401:
        try:
            error = json.loads(answer.body).get("error")
        except (ValueError, AttributeError):
            error = None
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return ok("auth.wrong_key", f"401: {cut(error['message'], 60)}")
        return warn("auth.wrong_key", "401, but the body has no error.message for the SDKs to show")
    if 200 <= answer.status < 300:
        return warn("auth.wrong_key", f"expected 401 for a wrong key, got {answer.status}: any key is accepted")
    return warn("auth.wrong_key", f"expected 401 for a wrong key, got {answer.status}: {snippet(answer.body, 60)}")


# --- running it -------------------------------------------------------------------------------------


def endpoint_for(url: str) -> str:
    return url.rstrip("/") + "/chat/completions"


def _figures(capture: StreamCapture) -> dict[str, float | int | None]:
    def ms(at: float | None) -> float | None:
        return None if at is None else round(at * 1000, 1)

    first_token = next(
        (e.at for e in capture.events if _has_content(e)),
        None,
    )
    return {
        "first_byte_ms": ms(capture.first_byte_at),
        "first_token_ms": ms(first_token),
        "stream_ms": ms(capture.ended_at),
        "events": len(capture.events),
    }


def _has_content(event: SseEvent) -> bool:
    try:
        chunk = json.loads(event.data or "")
    except ValueError:
        return False
    return isinstance(chunk, dict) and any(delta_of(c).get("content") for c in choices_of(chunk))


async def _run(url: str, api_key: str | None, model: str, timeout: float, grace: float) -> Report:
    endpoint = endpoint_for(url)
    key = api_key or DEFAULT_KEY
    report = Report(endpoint=endpoint, model=model)
    limits = httpx.Timeout(timeout)
    async with httpx.AsyncClient(timeout=limits, headers={"user-agent": f"fakellm-check/{__version__}"}) as client:
        capture = await capture_stream(
            client, endpoint, headers_for(key), smoke_body(model, stream=True), timeout, grace
        )
        report.checks += judge_stream(capture)
        report.figures = _figures(capture)
        plain = await send_json(client, endpoint, headers_for(key), smoke_body(model, stream=False), timeout)
        report.checks += judge_json(plain)
        if api_key:
            wrong = await send_json(
                client, endpoint, headers_for(api_key + "-wrong"), smoke_body(model, stream=False), timeout
            )
            report.checks.append(judge_wrong_key(wrong))
    return report


def run_check(
    url: str,
    *,
    api_key: str | None = None,
    model: str = DEFAULT_MODEL,
    timeout: float = 30.0,
    close_grace: float = CLOSE_GRACE_S,
) -> Report:
    """Probe `{url}/chat/completions` as a voice platform would, and judge every answer."""
    return asyncio.run(_run(url, api_key, model, timeout, min(close_grace, timeout)))
