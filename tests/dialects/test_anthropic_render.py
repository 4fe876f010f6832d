"""The Anthropic dialect's rendering and reading back on their own: stop reasons, thinking, ids,
signatures, rate-limit headers, model pages, and answers read back for `fakellm record`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fakellm.dialects.anthropic import AnthropicDialect
from fakellm.dialects.anthropic.headers import rate_limit_headers, rfc3339, tool_use_id
from fakellm.dialects.anthropic.message import answer, message_object
from fakellm.dialects.anthropic.models import display_name, model_page
from fakellm.dialects.anthropic.request import parse_request
from fakellm.dialects.readback import SseSplitter
from fakellm.errors import ApiError
from fakellm.faults.ratelimit import RateLimitStatus
from fakellm.model import Reply, ToolCall
from tests.support.contexts import context_for

V = {"anthropic-version": "2023-06-01"}
HI: list[dict[str, Any]] = [{"role": "user", "content": "Repeat with me: a b"}]


def body(**fields: Any) -> dict[str, Any]:
    return {"model": "claude-x", "max_tokens": 100, "messages": HI, **fields}


# --- rendering -------------------------------------------------------------------------------------


def test_stop_reasons_follow_the_reply() -> None:
    request = parse_request(body(), V)

    def stop_of(reply: Reply) -> tuple[str, str | None]:
        ans = answer(request, [reply], "m")
        return ans.stop_reason, ans.stop_sequence

    assert stop_of(Reply(text="a")) == ("end_turn", None)
    assert stop_of(Reply(text="a", finish_reason="length")) == ("max_tokens", None)
    assert stop_of(Reply(text="a", stop_sequence="END")) == ("stop_sequence", "END")
    assert stop_of(Reply(tool_calls=[ToolCall("call_1", "f", "{}")])) == ("tool_use", None)
    assert stop_of(Reply(text="no", finish_reason="content_filter")) == ("refusal", None)
    shown = message_object(answer(request, [Reply(text="a", stop_sequence="END")], "m"), "m", "msg_01x")
    assert (shown["stop_reason"], shown["stop_sequence"]) == ("stop_sequence", "END")


def test_thinking_counts_as_output_and_only_shows_when_asked() -> None:
    plain = parse_request(body(), V)
    thinking = parse_request(body(max_tokens=2000, thinking={"type": "enabled", "budget_tokens": 1024}), V)
    reply = Reply(text="yes", reasoning="one two three")
    hidden, shown = answer(plain, [reply], "m"), answer(thinking, [reply], "m")
    assert hidden.thinking is None
    assert hidden.usage.completion_tokens == 1
    assert shown.thinking == "one two three"
    assert shown.usage.completion_tokens == 4
    assert answer(thinking, [Reply(text="yes")], "m").thinking  # manual thinking always thinks


def test_ids_signatures_and_tool_ids_are_stable() -> None:
    assert tool_use_id("call_abc") == tool_use_id("call_abc") != tool_use_id("call_abd")
    assert tool_use_id("toolu_01keep") == "toolu_01keep"
    assert len(tool_use_id("call_abc")) == len("toolu_01") + 22
    request = parse_request(body(max_tokens=2000, thinking={"type": "enabled", "budget_tokens": 1024}), V)
    one = answer(request, [Reply(reasoning="x y")], "m").signature
    assert one == answer(request, [Reply(reasoning="x y")], "m").signature
    assert one != answer(request, [Reply(reasoning="x z")], "m").signature


def test_rate_limit_headers_are_rfc3339_instants() -> None:
    status = RateLimitStatus(50, 49, 1.2, 1000, 990, 0.0)
    headers = rate_limit_headers(status, now=1_800_000_000.0)
    assert headers["anthropic-ratelimit-requests-reset"] == "2027-01-15T08:00:02Z"
    assert headers["anthropic-ratelimit-tokens-reset"] == "2027-01-15T08:00:00Z"
    assert headers["anthropic-ratelimit-input-tokens-remaining"] == "990"
    assert headers["anthropic-ratelimit-output-tokens-limit"] == "1000"
    assert rfc3339(0.1, now=0.0) == "1970-01-01T00:00:01Z"


def test_model_pages_and_names() -> None:
    ids = ["a", "b", "c", "d", "e"]
    first = json.loads(model_page(ids, {"limit": "2"}))
    assert ([m["id"] for m in first["data"]], first["has_more"], first["last_id"]) == (["a", "b"], True, "b")
    rest = json.loads(model_page(ids, {"limit": "2", "after_id": "d"}))
    assert ([m["id"] for m in rest["data"]], rest["has_more"]) == (["e"], False)
    before = json.loads(model_page(ids, {"before_id": "c"}))
    assert [m["id"] for m in before["data"]] == ["a", "b"]
    with pytest.raises(ApiError):
        model_page(ids, {"limit": "0"})
    assert display_name("claude-sonnet-4-5-20250929") == "Claude Sonnet 4.5"
    assert display_name("claude-3-7-sonnet-latest") == "Claude 3.7 Sonnet Latest"
    assert display_name("my-model") == "my-model"


# --- reading back (`fakellm record`) -----------------------------------------------------------------


def test_answers_read_back_with_thinking_stop_sequences_and_stream_errors() -> None:
    dialect = AnthropicDialect()
    ctx = context_for(dialect)
    request = parse_request(body(max_tokens=2000, thinking={"type": "enabled", "budget_tokens": 1024}), V)
    reply = Reply(text="It is", reasoning="Let me see.", stop_sequence=" blue")
    whole = dialect.parse_response(dialect.render_reply(request, [reply], "claude-sonnet-4-0", ctx))
    assert whole is not None
    assert whole.model == "claude-sonnet-4-20250514"
    read = whole.replies[0]
    assert (read.text, read.reasoning, read.finish_reason, read.stop_sequence) == (
        "It is",
        "Let me see.",
        "stop",
        " blue",
    )
    request.stream = True
    plan = dialect.render_stream(request, [reply], "m", ctx)
    plan.end_after(2, dialect.render_stream_error(ApiError(529), request, ctx))
    events = SseSplitter().feed(b"".join(f.data for f in plan.frames))
    cut = dialect.parse_stream(events)
    assert cut is not None
    assert not cut.complete
    assert cut.stream_error is not None
    assert (cut.stream_error.message, cut.stream_error.code) == ("Overloaded", "overloaded_error")
    assert cut.replies[0].reasoning == "Let me"  # the two content pieces sent before the error
    error = dialect.parse_error(dialect.render_error(ApiError(400, "max_tokens: Field required"), ctx).body)
    assert error is not None
    assert (error.message, error.code) == ("max_tokens: Field required", "invalid_request_error")
