"""A loaded scenario answering: first match wins, sequences and their exhaustion, fallback, faults, seeds."""

from __future__ import annotations

import threading

import pytest

from fakellm.context import RequestContext
from fakellm.dialects.openai import OpenAIDialect
from fakellm.errors import ApiError
from fakellm.faults.spec import FaultSpec
from fakellm.model import ChatRequest, Message, TextPart
from fakellm.scenarios.file_scenario import FileScenario
from fakellm.scenarios.format import ScenarioFile


def scenario(rules, seed=None, **top):
    return FileScenario(ScenarioFile.model_validate({"name": "t", "rules": rules, **top}), seed=seed)


def ask(s, text="hi", n=1, **headers):
    request = ChatRequest("openai", "gpt-4o", [Message("user", [TextPart(text)])], n=n)
    ctx = RequestContext(OpenAIDialect(), "POST", "/v1/chat/completions", "chat", headers, {})
    return s.respond(request, ctx)


def texts(s, count, text="hi"):
    return [ask(s, text).replies[0].text for _ in range(count)]


def test_the_first_matching_rule_answers_and_is_named():
    s = scenario([{"match": {"user": "weather"}, "reply": "sunny"}, {"name": "rest", "reply": "other"}])
    assert ask(s, "weather?").replies[0].text == "sunny"
    assert ask(s, "weather?").rule == "rule 1"
    assert ask(s, "hello").rule == "rest"


def test_no_matching_rule_echoes_with_rule_none():
    outcome = ask(scenario([{"match": {"user": "x"}, "reply": "y"}]), "hello")
    assert outcome.replies[0].text == "hello"
    assert outcome.rule is None


def test_a_sequence_serves_replies_in_order_then_repeats_the_last():
    s = scenario([{"replies": ["one", "two"]}])
    assert texts(s, 4) == ["one", "two", "two", "two"]


def test_a_cycling_sequence_starts_again():
    s = scenario([{"replies": ["one", "two"], "exhausted": "cycle"}])
    assert texts(s, 5) == ["one", "two", "one", "two", "one"]


def test_an_erroring_sequence_fails_with_a_400_once_used_up():
    s = scenario([{"replies": ["one"], "exhausted": "error"}])
    assert texts(s, 1) == ["one"]
    with pytest.raises(ApiError) as caught:
        ask(s)
    assert caught.value.status == 400
    assert "used up" in (caught.value.message or "")


def test_a_next_rule_sequence_hands_over_to_the_rules_below():
    s = scenario([{"replies": ["one", "two"], "exhausted": "next_rule"}, {"reply": "after"}])
    assert texts(s, 4) == ["one", "two", "after", "after"]


def test_sequences_advance_only_on_their_own_matches():
    s = scenario([{"match": {"user": "a"}, "replies": ["a1", "a2"]}, {"replies": ["b1", "b2"]}])
    assert [ask(s, t).replies[0].text for t in ["a", "b", "a", "b"]] == ["a1", "b1", "a2", "b2"]


def test_reset_starts_every_sequence_again():
    s = scenario([{"replies": ["one", "two"]}])
    texts(s, 2)
    s.reset()
    assert texts(s, 1) == ["one"]


def test_a_reset_from_another_thread_is_safe():
    s = scenario([{"replies": [str(i) for i in range(50)], "exhausted": "cycle"}])
    stop = threading.Event()

    def resetter():
        while not stop.is_set():
            s.reset()

    thread = threading.Thread(target=resetter)
    thread.start()
    try:
        seen = texts(s, 300)
    finally:
        stop.set()
        thread.join()
    assert all(t.isdigit() and 0 <= int(t) < 50 for t in seen)


def test_every_choice_gets_a_reply():
    outcome = ask(scenario([{"reply": {"generate": {"words": 5}}}], seed=1), n=3)
    assert len(outcome.replies) == 3
    assert len({r.text for r in outcome.replies}) == 3  # each choice its own text


def test_the_reported_model_and_model_ids_come_from_defaults():
    s = scenario([{"reply": "x"}], defaults={"model": "my-model"})
    assert ask(s).model == "my-model"
    assert s.model_ids() == ["my-model"]


def test_rule_faults_override_the_defaults_field_by_field():
    s = scenario(
        [{"match": {"user": "slow"}, "latency": {"ttft_ms": 900}, "reply": "x"}, {"reply": "y"}],
        defaults={"latency": {"ttft_ms": 100, "tokens_per_second": 20}, "error": {"status": 503, "every": 2}},
    )
    slow, other = ask(s, "slow").faults, ask(s, "other").faults
    assert isinstance(slow, FaultSpec)
    assert isinstance(other, FaultSpec)
    assert slow.latency.ttft_ms == 900
    assert slow.latency.tokens_per_second == 20
    assert slow.error.status == 503
    assert other.latency.ttft_ms == 100


def test_the_seed_header_wins_over_the_configured_seed():
    s = scenario([{"reply": {"generate": {"sentences": 2}}}], seed=1)
    configured = ask(s).replies[0].text
    assert ask(s).replies[0].text == configured
    by_header = ask(s, **{"x-fakellm-seed": "2"}).replies[0].text
    assert by_header != configured
    assert ask(s, **{"x-fakellm-seed": "2"}).replies[0].text == by_header


def test_a_non_numeric_seed_header_is_a_400():
    with pytest.raises(ApiError) as caught:
        ask(scenario([{"reply": "x"}]), **{"x-fakellm-seed": "abc"})
    assert caught.value.status == 400
