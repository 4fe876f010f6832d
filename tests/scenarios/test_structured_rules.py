"""Scenario files and the request's demands: matching on tool_choice, response_format and schema_name,
`json:` replies, and what `fakellm validate` says about them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from fakellm.context import RequestContext
from fakellm.dialects.openai import OpenAIDialect
from fakellm.model import ChatRequest, Message, OutputFormat, TextPart, Tool, ToolChoice
from fakellm.scenarios.file_scenario import FileScenario
from fakellm.scenarios.format import ScenarioFile, json_schema
from fakellm.scenarios.obey import obey
from fakellm.scenarios.validate import check_paths

RULES: list[dict[str, Any]] = [
    {"name": "forced", "match": {"tool_choice": "get_time"}, "reply": {"tool_calls": [{"arguments": {"tz": "UTC"}}]}},
    {"name": "no-tools", "match": {"tool_choice": "none"}, "reply": "No tools today."},
    {"name": "must", "match": {"tool_choice": "required"}, "reply": "text, made into a call"},
    {"name": "event", "match": {"schema_name": "Event"}, "reply": {"json": {"name": "{{ user }}", "n": 2}}},
    {"name": "object", "match": {"response_format": "json_object"}, "reply": {"json": {"ok": True}}},
    {"name": "rest", "reply": {"tool_calls": [{}]}},
]
TOOLS = [Tool("get_weather"), Tool("get_time", parameters={"type": "object", "properties": {"tz": {"type": "string"}}})]


def answer(**fields: Any) -> tuple[str | None, Any]:
    scenario = FileScenario(ScenarioFile.model_validate({"name": "t", "rules": RULES}), seed=3)
    request = ChatRequest("openai", "m", [Message("user", [TextPart("Fair")])], tools=list(TOOLS), **fields)
    ctx = RequestContext(OpenAIDialect(), "POST", "/v1/chat/completions", "chat", {}, {})
    outcome = scenario.respond(request, ctx)
    return outcome.rule, obey(request, outcome.replies, ctx, 3)[0]


def test_a_rule_matches_the_tool_the_request_demands_and_its_unnamed_call_goes_to_it() -> None:
    rule, reply = answer(tool_choice=ToolChoice("named", ("get_time",)))
    assert rule == "forced"
    assert [(c.name, c.arguments) for c in reply.tool_calls] == [("get_time", '{"tz":"UTC"}')]


def test_a_rule_matches_tool_choice_none_and_required() -> None:
    assert answer(tool_choice=ToolChoice("none"))[0] == "no-tools"
    rule, reply = answer(tool_choice=ToolChoice("required"))
    assert rule == "must"
    assert [c.name for c in reply.tool_calls] == ["get_weather"]


def test_a_rule_matches_the_schema_name_and_its_json_reply_is_templated_and_compact() -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "n": {"type": "integer"}}}
    rule, reply = answer(output=OutputFormat("json_schema", schema, "Event"))
    assert rule == "event"
    assert reply.text == '{"name":"Fair","n":2}'
    assert reply.adjustments == []


def test_a_json_reply_that_breaks_the_schema_is_replaced_by_a_generated_value() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "string"}}, "required": ["n"]}
    schema["additionalProperties"] = False
    _, reply = answer(output=OutputFormat("json_schema", schema, "Event"))
    assert set(json.loads(reply.text)) == {"n"}
    assert reply.adjustments


def test_a_rule_matches_the_response_format() -> None:
    rule, reply = answer(output=OutputFormat("json_object"))
    assert (rule, reply.text) == ("object", '{"ok":true}')


def test_without_demands_the_unnamed_call_goes_to_the_first_tool() -> None:
    rule, reply = answer()
    assert rule == "rest"
    assert [c.name for c in reply.tool_calls] == ["get_weather"]


@pytest.mark.parametrize(
    "reply",
    [{"json": {"a": 1}, "text": "x"}, {"json": {"a": "{{ nope }}"}}, {"json": "a string"}],
)
def test_a_bad_json_reply_is_refused(reply: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ScenarioFile.model_validate({"rules": [{"reply": reply}]})


def test_validate_points_at_the_line_of_a_bad_match_value(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("rules:\n  - match:\n      response_format: xml\n    reply: x\n")
    [error] = check_paths([path]).errors
    assert str(error).startswith(f"{path}:3: rule 1: match.response_format: must be one of")


def test_validate_warns_about_contradictions(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "rules:\n"
        "  - match: {response_format: json_object, schema_name: Event}\n"
        "    reply: x\n"
        "  - match:\n"
        "      tool_choice: none\n"
        "    reply: {tool_calls: [{}]}\n"
    )
    warnings = [str(d) for d in check_paths([path]).warnings]
    assert any(w.startswith(f"{path}:2: rule 1: match.schema_name: warning:") for w in warnings), warnings
    assert any(w.startswith(f"{path}:5: rule 2: match.tool_choice: warning:") for w in warnings), warnings


def test_the_json_schema_of_the_format_knows_the_new_fields() -> None:
    schema = json_schema()
    match = schema["$defs"]["Match"]["properties"]
    assert {"tool_choice", "response_format", "schema_name"} <= set(match)
    assert "json" in schema["$defs"]["ReplySpec"]["properties"]
    assert "json_object" in json.dumps(match["response_format"])
