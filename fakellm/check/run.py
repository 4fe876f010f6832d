"""`fakellm check URL`: would someone's endpoint pass a platform's compatibility probe, and does it answer
as the provider it stands for?

It sends the probe a voice platform sends (Play.ai's `Repeat with me: the smoke
test has passed.`, streamed), reads the raw SSE bytes and judges them check by
check against what the official SDKs' parsers accept (wire-formats.md §0, §1, §5).
With `--dialect` (openai, azure, groq, gemini) it speaks that provider's routes and
key header, and adds the checks real traffic shows (§6): the provider's headers,
its model list, and its 404 for a model it does not serve.
"""

from __future__ import annotations

import asyncio
import json

import httpx

from fakellm import __version__
from fakellm.check.json_checks import judge_json, judge_wrong_key
from fakellm.check.probe import Answer, StreamCapture, capture_stream, send_json
from fakellm.check.provider_checks import (
    gemini_text,
    judge_gemini_json,
    judge_gemini_stream,
    judge_headers,
    judge_models,
    judge_unknown_model,
)
from fakellm.check.report import (
    Report,
    choices_of,
    delta_of,
)
from fakellm.check.sse import SseEvent
from fakellm.check.stream_checks import judge_stream
from fakellm.check.targets import TARGETS, UNKNOWN_MODEL, Target

DEFAULT_MODEL = TARGETS["openai"].default_model
DEFAULT_KEY = "sk-fakellm-check"
CLOSE_GRACE_S = 2.0  # how long the body may stay open after `data: [DONE]`


# --- running it -------------------------------------------------------------------------------------


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
    if not isinstance(chunk, dict):
        return False
    return any(delta_of(c).get("content") for c in choices_of(chunk)) or bool(gemini_text(chunk))


async def _run(url: str, api_key: str | None, model: str, timeout: float, grace: float, target: Target) -> Report:
    key = api_key or DEFAULT_KEY
    report = Report(endpoint=target.endpoint(url, model, True), model=model)
    limits = httpx.Timeout(timeout)
    async with httpx.AsyncClient(timeout=limits, headers={"user-agent": f"fakellm-check/{__version__}"}) as client:
        capture = await capture_stream(
            client, target.endpoint(url, model, True), target.headers(key), target.body(model, True), timeout, grace
        )
        report.checks += judge_stream(capture) if target.openai_shaped else judge_gemini_stream(capture)
        report.figures = _figures(capture)
        endpoint = target.endpoint(url, model, False)
        plain = await send_json(client, endpoint, target.headers(key), target.body(model, False), timeout)
        report.checks += judge_json(plain) if target.openai_shaped else judge_gemini_json(plain)
        if plain.status == 200:  # the provider checks mean nothing when the chat itself failed
            await _provider_checks(client, report, url, key, target, plain, timeout)
        if api_key:
            wrong = await send_json(
                client, endpoint, target.headers(api_key + "-wrong"), target.body(model, False), timeout
            )
            report.checks.append(judge_wrong_key(wrong))
    return report


async def _provider_checks(
    client: httpx.AsyncClient, report: Report, url: str, key: str, target: Target, plain: Answer, timeout: float
) -> None:
    """What tells this provider from another: its headers, its 404 for an unknown model, its model list."""
    report.checks.append(judge_headers(target, plain))
    unknown = await send_json(
        client,
        target.endpoint(url, UNKNOWN_MODEL, False),
        target.headers(key),
        target.body(UNKNOWN_MODEL, False),
        timeout,
    )
    report.checks.append(judge_unknown_model(target, unknown))
    listed = await send_json(client, target.models_url(url), target.headers(key), None, timeout)
    report.checks.append(judge_models(target, listed))


def run_check(
    url: str,
    *,
    api_key: str | None = None,
    model: str | None = None,
    timeout: float = 30.0,
    close_grace: float = CLOSE_GRACE_S,
    dialect: str = "openai",
) -> Report:
    """Probe `url` as a voice platform would, speaking `dialect` (`{url}/chat/completions`, or Gemini's
    `{url}/models/{model}:…`), and judge every answer."""
    target = TARGETS[dialect]
    chosen = model or target.default_model
    return asyncio.run(_run(url, api_key, chosen, timeout, min(close_grace, timeout), target))
