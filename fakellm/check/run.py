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
from fakellm.check.json_checks import judge_json, judge_wrong_key
from fakellm.check.probe import StreamCapture, capture_stream, headers_for, send_json, smoke_body
from fakellm.check.report import (
    Report,
    choices_of,
    delta_of,
)
from fakellm.check.sse import SseEvent
from fakellm.check.stream_checks import judge_stream

DEFAULT_MODEL = "gpt-3.5-turbo"  # what Play.ai's documented probe names
DEFAULT_KEY = "sk-fakellm-check"
CLOSE_GRACE_S = 2.0  # how long the body may stay open after `data: [DONE]`


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
