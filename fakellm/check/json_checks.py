"""The checks on the non-streaming answer and on the answer to a wrong key."""

from __future__ import annotations

import json

from fakellm.check.probe import Answer
from fakellm.check.report import (
    NOT_JSON,
    Check,
    choices_of,
    cut,
    fail,
    json_body,
    media_type,
    ok,
    snippet,
    status_check,
    warn,
)


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
    body = json_body(answer)
    if body is NOT_JSON:
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
