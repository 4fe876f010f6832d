"""The checks that tell one provider from another: the headers its answers carry, its model list, its
answer to a model it does not serve, and Gemini's own stream and body."""

from __future__ import annotations

import json
from typing import Any

from fakellm.check.probe import Answer, StreamCapture
from fakellm.check.report import (
    NOT_JSON,
    Check,
    cut,
    decoded,
    fail,
    json_body,
    ok,
    snippet,
    sse_opening,
    warn,
)
from fakellm.check.targets import UNKNOWN_MODEL, Target


def judge_headers(target: Target, answer: Answer) -> Check:
    if answer.status != 200:
        return warn("headers", f"not judged: the answer was {answer.status or 'missing'}")
    missing = [name for name in target.headers_on_200 if name not in answer.headers]
    if missing:
        return warn("headers", f"{target.name} answers carry {', '.join(missing)}; this one does not")
    if target.name == "azure" and answer.headers.get("apim-request-id") == answer.headers.get("x-request-id"):
        return warn("headers", "apim-request-id and x-request-id are the same; Azure sends two different ids")
    return ok("headers", ", ".join(target.headers_on_200) or "nothing expected")


def _error_of(answer: Answer) -> dict[str, Any]:
    body = json_body(answer)
    if body is NOT_JSON:
        return {}
    if isinstance(body, list) and body:  # Google's one-element array
        body = body[0]
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def judge_unknown_model(target: Target, answer: Answer) -> Check:
    name = "models.unknown"
    if answer.failure:
        return warn(name, f"no answer for an unknown model: {answer.failure}")
    if 200 <= answer.status < 300:
        return warn(
            name,
            f"model {UNKNOWN_MODEL!r} was accepted; {target.name} answers 404 {target.not_found} "
            "(fakellm: --strict-models, or the /s/strict/ base URL)",
        )
    error = _error_of(answer)
    said = error.get("status") if not target.openai_shaped else error.get("code")
    if answer.status == 404 and said == target.not_found:
        return ok(name, f"404 {said}: {cut(str(error.get('message', '')), 60)}")
    return fail(name, f"expected 404 {target.not_found}, got {answer.status}: {snippet(answer.body, 60)}")


def judge_models(target: Target, answer: Answer) -> Check:
    if answer.failure or answer.status != 200:
        return warn("models.list", f"GET models: {answer.failure or answer.status}")
    body = json_body(answer)
    if body is NOT_JSON:
        return fail("models.list", f"expected JSON, got {snippet(answer.body, 60)!r}")
    listed = body.get("data" if target.openai_shaped else "models") if isinstance(body, dict) else None
    if not isinstance(listed, list):
        return fail("models.list", f"expected a list of models, got {snippet(answer.body, 60)!r}")
    return ok("models.list", f"{len(listed)} models")


# --- Gemini's own answers --------------------------------------------------------------------------------


def gemini_text(chunk: Any) -> str:
    """The text (not thoughts) of a Gemini response's first candidate."""
    candidates = chunk.get("candidates") if isinstance(chunk, dict) else None
    if not isinstance(candidates, list) or not candidates or not isinstance(candidates[0], dict):
        return ""
    parts = (candidates[0].get("content") or {}).get("parts") or []
    return "".join(p.get("text", "") for p in parts if isinstance(p, dict) and not p.get("thought"))


def judge_gemini_stream(capture: StreamCapture) -> list[Check]:
    checks, going_on = sse_opening(capture)
    if not going_on:
        return checks
    chunks: list[Any] = []
    for event in capture.events:
        try:
            chunks.append(json.loads(event.data or ""))
        except ValueError:
            checks.append(fail("stream.chunks", f"google-genai cannot parse {cut(event.data or '', 60)!r}"))
            return checks
    if not chunks:
        return [*checks, fail("stream.chunks", "no events")]
    checks.append(ok("stream.chunks", f"{len(chunks)} JSON events"))
    last = chunks[-1].get("candidates", [{}])[0] if isinstance(chunks[-1], dict) else {}
    if isinstance(last, dict) and last.get("finishReason"):
        checks.append(ok("stream.finish", f"finishReason {last['finishReason']!r} on the last event"))
    else:
        checks.append(fail("stream.finish", "the last event carries no finishReason"))
    text = "".join(gemini_text(c) for c in chunks)
    checks.append(ok("stream.text", cut(text, 60)) if text else warn("stream.text", "no text"))
    return checks


def judge_gemini_json(answer: Answer) -> list[Check]:
    checks, body = decoded(answer, "json.content")
    if body is NOT_JSON:
        return checks
    text = gemini_text(body)
    found = ok("json.content", f"candidates[0] {cut(text, 60)!r}") if text else fail("json.content", "no text")
    return [*checks, found]
