"""A recorded scenario (`unmatched: error`) refuses a request it has no answer for, naming the closest."""

from __future__ import annotations

import pytest

from fakellm.dialects.openai import OpenAIDialect
from fakellm.errors import ApiError
from fakellm.model import ChatRequest, Message, TextPart
from fakellm.scenarios.closest import NO_RULE_CODE
from fakellm.scenarios.file_scenario import FileScenario
from fakellm.scenarios.format import ScenarioFile
from tests.support.contexts import context_for

SPEC = ScenarioFile.model_validate(
    {
        "name": "rec",
        "unmatched": "error",
        "rules": [
            {
                "name": "1: a",
                "match": {"user": {"equals": "What is the capital of France?"}, "turn": 1},
                "replies": ["Paris."],
                "exhausted": "next_rule",
            },
            {
                "name": "2: b",
                "match": {"user": {"equals": "And of Italy?"}, "turn": 2},
                "replies": ["Rome."],
                "exhausted": "next_rule",
            },
        ],
    }
)


def _ask(scenario: FileScenario, *texts: str) -> str:
    messages = [Message("user", [TextPart(t)]) for t in texts]
    outcome = scenario.respond(ChatRequest("openai", "m", messages), context_for(OpenAIDialect()))
    return outcome.replies[0].text


def test_the_closest_recorded_request_is_named() -> None:
    scenario = FileScenario(SPEC)
    with pytest.raises(ApiError) as refused:
        _ask(scenario, "What is the capital of Spain?")
    assert refused.value.status == 400
    assert refused.value.code == NO_RULE_CODE
    assert "last user message 'What is the capital of Spain?'" in refused.value.message
    assert "closest recorded request is 1: a (last user message 'What is the capital of France?', turn 1)" in (
        refused.value.message
    )


def test_each_recording_answers_once_and_a_repeat_says_so() -> None:
    scenario = FileScenario(SPEC)
    assert _ask(scenario, "What is the capital of France?") == "Paris."
    with pytest.raises(ApiError, match="matches but has been answered already"):
        _ask(scenario, "What is the capital of France?")
    scenario.reset()
    assert _ask(scenario, "What is the capital of France?") == "Paris."


def test_echo_stays_the_default_for_unmatched_requests() -> None:
    scenario = FileScenario(SPEC.model_copy(update={"unmatched": "echo"}))
    assert _ask(scenario, "hello") == "hello"


def test_repeat_answers_a_used_up_recording_again_and_refuses_the_rest() -> None:
    scenario = FileScenario(SPEC.model_copy(update={"unmatched": "repeat"}))
    assert _ask(scenario, "What is the capital of France?") == "Paris."
    assert _ask(scenario, "What is the capital of France?") == "Paris."  # served again, as a demo is
    with pytest.raises(ApiError, match="no recorded answer"):
        _ask(scenario, "hello")
