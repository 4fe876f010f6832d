"""The scenario file models: shorthands, exclusive fields, and the published JSON Schema."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from fakellm.dialects import DIALECTS
from fakellm.faults.spec import FaultSpec
from fakellm.scenarios.format import Match, ReplySpec, Rule, ScenarioFile, TextMatch, TurnMatch, fault_part, json_schema
from fakellm.scenarios.validate import check_file
from fakellm.testing.harness import FakeLLM


def test_a_plain_string_reply_is_fixed_text():
    assert ReplySpec.model_validate("hello").text == "hello"


def test_a_plain_string_text_match_means_contains():
    spec = TextMatch.model_validate("weather")
    assert spec.contains == "weather"
    assert spec.equals is None


def test_a_turn_number_means_exactly_that_turn():
    turn = TurnMatch.model_validate(3)
    assert (turn.min, turn.max) == (3, 3)


def test_a_turn_range_must_be_ordered():
    with pytest.raises(ValidationError, match="min \\(4\\) is above max \\(2\\)"):
        TurnMatch.model_validate({"min": 4, "max": 2})


def test_one_dialect_name_becomes_a_list():
    assert Match.model_validate({"dialect": "groq"}).dialect == ["groq"]


def test_every_registered_dialect_can_be_matched_by_name():
    names = sorted({dialect.name for dialect in DIALECTS})
    assert Match.model_validate({"dialect": names}).dialect == names
    schema = json_schema()["$defs"]["Match"]["properties"]["dialect"]["anyOf"][0]["items"]
    assert schema["enum"] == names


def test_an_unknown_dialect_name_is_refused_with_the_known_ones():
    with pytest.raises(ValidationError, match="'gemini_openai'"):
        Match.model_validate({"dialect": "gemini-openai"})


def test_gemini_openai_validates_and_matches_requests_on_its_route(tmp_path):
    # Requests on /v1beta/openai/ report the dialect `gemini_openai`; a rule could not name it.
    path = tmp_path / "by-dialect.yaml"
    path.write_text(
        "name: by-dialect\n"
        "rules:\n"
        "  - match: {dialect: gemini_openai}\n"
        "    reply: from the gemini openai route\n"
        "  - reply: elsewhere\n"
    )
    loaded, diagnostics = check_file(path)
    assert loaded is not None, diagnostics
    assert diagnostics == []
    body = {"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "hi"}]}
    with FakeLLM([path], builtin=False, default_scenario="by-dialect") as llm:
        there = httpx.post(f"{llm.url}/v1beta/openai/chat/completions", json=body)
        here = httpx.post(f"{llm.url}/v1/chat/completions", json=body)
        assert llm.requests.first.dialect == "gemini_openai"
    assert there.json()["choices"][0]["message"]["content"] == "from the gemini openai route"
    assert here.json()["choices"][0]["message"]["content"] == "elsewhere"


def test_header_names_are_lower_cased():
    match = Match.model_validate({"header": {"X-Test": "a"}})
    assert list(match.header or {}) == ["x-test"]


def test_not_is_spelled_not_in_files():
    match = Match.model_validate({"not": {"user": "x"}})
    assert match.not_ is not None


def test_unknown_fields_are_rejected():
    with pytest.raises(ValidationError, match="Extra inputs"):
        ScenarioFile.model_validate({"rules": [{"reply": "x", "mathc": {}}]})


def test_a_text_match_needs_exactly_one_way_to_compare():
    with pytest.raises(ValidationError, match="only one of equals, contains"):
        TextMatch.model_validate({"equals": "a", "contains": "b"})
    with pytest.raises(ValidationError, match="give one of equals"):
        TextMatch.model_validate({"ignore_case": True})


def test_an_invalid_regex_is_rejected_with_the_reason():
    with pytest.raises(ValidationError, match="invalid regex '\\(a': missing \\)"):
        TextMatch.model_validate({"regex": "(a"})


def test_a_reply_takes_one_text_source():
    with pytest.raises(ValidationError, match="only one of text, echo"):
        ReplySpec.model_validate({"text": "a", "echo": True})


def test_an_empty_reply_is_rejected():
    with pytest.raises(ValidationError, match="a reply needs"):
        ReplySpec.model_validate({})


def test_tool_call_arguments_text_must_be_a_json_object():
    with pytest.raises(ValidationError, match="must be a JSON object"):
        ReplySpec.model_validate({"tool_calls": [{"name": "f", "arguments": "[1]"}]})


def test_a_rule_needs_exactly_one_of_reply_and_replies():
    with pytest.raises(ValidationError, match="needs `reply` or `replies`"):
        Rule.model_validate({"match": {"user": "x"}})
    with pytest.raises(ValidationError, match="not both"):
        Rule.model_validate({"reply": "a", "replies": ["b"]})


def test_exhausted_applies_only_to_sequences():
    with pytest.raises(ValidationError, match="only to a sequence"):
        Rule.model_validate({"reply": "a", "exhausted": "cycle"})


def test_rule_fault_settings_are_the_faultspec_fields():
    rule = Rule.model_validate({"reply": "a", "latency": {"ttft_ms": 5}, "error": {"status": 503}})
    faults = fault_part(rule)
    assert type(faults) is FaultSpec
    assert faults.latency is not None
    assert faults.latency.ttft_ms == 5
    assert faults.error is not None
    assert faults.error.status == 503


def test_a_catch_all_rule_is_recognised():
    assert Rule.model_validate({"reply": "a"}).catches_all
    assert not Rule.model_validate({"reply": "a", "match": {"user": "x"}}).catches_all
    assert not Rule.model_validate({"replies": ["a"], "exhausted": "next_rule"}).catches_all


def test_scenario_names_must_be_usable_in_a_url():
    with pytest.raises(ValidationError, match="should match pattern"):
        ScenarioFile.model_validate({"name": "my scenario", "rules": []})


def test_the_json_schema_describes_rules_and_defaults():
    schema = json_schema()
    assert schema["title"] == "fakellm scenario"
    assert {"name", "defaults", "rules", "$schema"} <= set(schema["properties"])
    assert "not" in schema["$defs"]["Match"]["properties"]
    assert "latency" in schema["$defs"]["Rule"]["properties"]
