"""Rule regexes: `re` semantics on the `regex` engine, a time budget on every search, and the
nested-repeat check behind `fakellm validate`'s warning; a timed-out rule answers an error naming it."""

from __future__ import annotations

import time

import httpx
import pytest

from fakellm.context import RequestContext
from fakellm.dialects.openai import OpenAIDialect
from fakellm.errors import ApiError
from fakellm.model import ChatRequest, Message, TextPart
from fakellm.scenarios import regexes
from fakellm.scenarios.file_scenario import FileScenario
from fakellm.scenarios.format import ScenarioFile, TextMatch
from fakellm.scenarios.matching import text_matcher
from fakellm.scenarios.regexes import RegexTimeout, nested_repeat

# Backtracks exponentially in `re` and in `regex` alike (the alternatives overlap): 2**40 steps.
CATASTROPHIC = "^(a|a)+$"
HOSTILE_TEXT = "a" * 40 + "!"


@pytest.mark.parametrize(
    ("pattern", "nested"),
    [
        (r"^(a+)+$", True),
        (r"(a*)*", True),
        (r"(\w+\s?)*$", True),
        (r"(?=(a+)+)", True),
        (r"x|(y+)*", True),
        (r"(a)(?(1)(b+)+|c)", True),
        (r"(a{2})+", False),  # a fixed count inside: one way to split
        (r"(?>a+)+", False),  # atomic: never backtracks into the group
        (r"(a++)+", False),
        (r"[a-z]+\d*", False),
        (r"(?s)^\s*repeat with me\s*:\s*(.*\S)?\s*$", False),  # the built-in echo rule
        (r"(unclosed", False),
    ],
)
def test_nested_repeats_are_found(pattern, nested):
    assert nested_repeat(pattern) is nested


def test_re_semantics_hold_on_the_regex_engine():
    found = text_matcher(TextMatch.model_validate({"regex": r"(?P<verb>SAY) (\w+)(?=!)", "ignore_case": True}))
    assert found("please say Hello!") == {"0": "say Hello", "1": "say", "2": "Hello", "verb": "say"}
    backreference = text_matcher(TextMatch.model_validate({"regex": r"^(\w)\w*\1$"}))
    assert backreference("abca") is not None
    assert backreference("abcd") is None


def test_a_regex_outside_re_syntax_is_still_refused():
    # `regex` would accept the \p{...} class; the documented syntax is Python's `re`.
    with pytest.raises(ValueError, match="invalid regex"):
        TextMatch.model_validate({"regex": r"\p{L}+"})


def test_a_search_past_its_budget_raises_instead_of_hanging():
    matcher = text_matcher(TextMatch.model_validate({"regex": CATASTROPHIC}), "match.user", budget=0.05)
    started = time.perf_counter()
    with pytest.raises(RegexTimeout) as caught:
        matcher(HOSTILE_TEXT)
    assert time.perf_counter() - started < 1
    assert (caught.value.pattern, caught.value.where) == (CATASTROPHIC, "match.user")
    assert matcher("aaaa") is not None  # the same rule still matches ordinary texts


def ask(scenario, text):
    request = ChatRequest("openai", "gpt-4o", [Message("user", [TextPart(text)])])
    ctx = RequestContext(OpenAIDialect(), "POST", "/v1/chat/completions", "chat", {}, {})
    return scenario.respond(request, ctx)


def test_a_timed_out_rule_answers_an_error_naming_it(monkeypatch):
    monkeypatch.setattr(regexes, "MATCH_BUDGET_S", 0.05)
    spec = {
        "rules": [
            {"match": {"user": "x"}, "reply": "x"},
            {"name": "greedy", "match": {"user": {"regex": CATASTROPHIC}}, "reply": "y"},
        ]
    }
    scenario = FileScenario(ScenarioFile.model_validate(spec), name="t")
    with pytest.raises(ApiError) as caught:
        ask(scenario, HOSTILE_TEXT)
    error = caught.value
    assert (error.status, error.code) == (500, "scenario_regex_timeout")
    assert "Scenario 't' greedy: the match.user regex" in str(error.message)
    assert "0.05 s time budget" in str(error.message)
    assert CATASTROPHIC in str(error.message)
    assert ask(scenario, "aaa").rule == "greedy"


def test_the_server_answers_a_timed_out_match_in_the_dialect_shape(tmp_path, make_server):
    (tmp_path / "slow-regex.yaml").write_text(
        f"rules:\n  - match: {{user: {{regex: '{CATASTROPHIC}'}}}}\n    reply: y\n"
    )
    server = make_server(scenario_paths=(tmp_path,))
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": HOSTILE_TEXT}]}
    started = time.perf_counter()
    response = httpx.post(f"{server.url}/s/slow-regex/v1/chat/completions", json=body, timeout=10)
    assert time.perf_counter() - started < 5
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "scenario_regex_timeout"
    assert "rule 1" in error["message"]
    assert "ran past" in error["message"]
