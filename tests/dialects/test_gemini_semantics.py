"""What a Gemini body asks of the answer reaches the neutral request, and bad values get Google's 400s."""

from __future__ import annotations

from typing import Any

import pytest

from fakellm.dialects.gemini import GeminiDialect
from fakellm.dialects.gemini.schema import to_json_schema
from fakellm.errors import ApiError
from fakellm.model import ChatRequest, OutputFormat, ToolChoice
from tests.support.contexts import context_for

CONTENTS = [{"role": "user", "parts": [{"text": "hi"}]}]
TOOLS = [
    {
        "functionDeclarations": [
            {"name": "get_weather", "parameters": {"type": "OBJECT"}},
            {"name": "get_time", "parameters": {"type": "OBJECT"}},
        ]
    }
]
# What google-genai sends for a pydantic model (snake_case `property_ordering` included).
CITY_SCHEMA = {
    "properties": {
        "name": {"title": "Name", "type": "STRING"},
        "population": {"title": "Population", "type": "INTEGER", "minimum": 0},
        "tags": {"items": {"type": "STRING"}, "title": "Tags", "type": "ARRAY", "max_items": 3},
        "mayor": {"nullable": True, "title": "Mayor", "type": "STRING"},
    },
    "property_ordering": ["name", "population", "tags", "mayor"],
    "required": ["name", "population", "tags"],
    "title": "City",
    "type": "OBJECT",
}


def parse(body: dict[str, Any]) -> ChatRequest:
    dialect = GeminiDialect()
    ctx = context_for(dialect, path_params={"model": "gemini-2.5-flash", "method": "generateContent"})
    return dialect.parse({"contents": CONTENTS, **body}, ctx)


def refusal(body: dict[str, Any]) -> ApiError:
    with pytest.raises(ApiError) as raised:
        parse(body)
    assert raised.value.status == 400
    return raised.value


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (None, ToolChoice("auto")),
        ({"mode": "AUTO"}, ToolChoice("auto")),
        ({"mode": "NONE"}, ToolChoice("none")),
        ({"mode": "ANY"}, ToolChoice("required")),
        ({"mode": "ANY", "allowedFunctionNames": ["get_time"]}, ToolChoice("required", ("get_time",))),
        ({"mode": "VALIDATED", "allowed_function_names": ["get_weather"]}, ToolChoice("auto", ("get_weather",))),
    ],
)
def test_function_calling_modes_reach_the_neutral_request(config: Any, expected: ToolChoice) -> None:
    body: dict[str, Any] = {"tools": TOOLS}
    if config is not None:
        body["toolConfig"] = {"functionCallingConfig": config}
    assert parse(body).tool_choice == expected


def test_function_calling_errors_are_googles() -> None:
    bad_mode = refusal({"tools": TOOLS, "toolConfig": {"functionCallingConfig": {"mode": "SOMETIMES"}}})
    assert str(bad_mode.message).startswith(
        "Invalid JSON payload received. Invalid value at 'tool_config.function_calling_config.mode'"
    )
    unknown = refusal(
        {"tools": TOOLS, "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["nope"]}}}
    )
    assert "'nope'" in str(unknown.message)
    assert unknown.code == "invalid_argument"
    no_tools = refusal({"toolConfig": {"functionCallingConfig": {"mode": "ANY"}}})
    assert no_tools.message == "Function calling config is set without function_declarations."


def test_the_response_schema_becomes_json_schema() -> None:
    request = parse({"generationConfig": {"responseMimeType": "application/json", "responseSchema": CITY_SCHEMA}})
    assert request.output.kind == "json_schema"
    assert request.output.name == "City"
    assert request.output.schema == {
        "properties": {
            "name": {"title": "Name", "type": "string"},
            "population": {"title": "Population", "type": "integer", "minimum": 0},
            "tags": {"items": {"type": "string"}, "title": "Tags", "type": "array", "maxItems": 3},
            "mayor": {"title": "Mayor", "type": ["string", "null"]},
        },
        "required": ["name", "population", "tags"],
        "title": "City",
        "type": "object",
    }


def test_a_json_schema_is_taken_as_it_is_and_json_alone_is_a_json_object() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": False}
    config = {"responseMimeType": "application/json", "responseJsonSchema": schema}
    assert parse({"generationConfig": config}).output == OutputFormat("json_schema", schema, "")
    only_json = parse({"generationConfig": {"responseMimeType": "application/json"}})
    assert only_json.output == OutputFormat("json_object")
    assert parse({"generationConfig": {"responseMimeType": "text/plain"}}).output == OutputFormat()


def test_schema_errors_are_googles() -> None:
    unknown = refusal(
        {"generationConfig": {"responseMimeType": "application/json", "responseSchema": {"$schema": "x"}}}
    )
    assert unknown.message == (
        "Invalid JSON payload received. Unknown name \"$schema\" at 'generation_config.response_schema': "
        "Cannot find field."
    )
    nested = {"type": "OBJECT", "properties": {"a": {"type": "STRING"}, "b": {"type": "STRING", "const": "x"}}}
    deep = refusal({"generationConfig": {"responseMimeType": "application/json", "responseSchema": nested}})
    assert "Unknown name \"const\" at 'generation_config.response_schema.properties[1].value'" in str(deep.message)
    without_json = refusal({"generationConfig": {"responseSchema": {"type": "OBJECT"}}})
    assert "response_mime_type" in str(without_json.message)
    bad_mime = refusal({"generationConfig": {"responseMimeType": "text/csv"}})
    assert "allowed mimetypes are" in str(bad_mime.message)


def test_stop_logprobs_seed_and_thinking_reach_the_neutral_request() -> None:
    config = {
        "stopSequences": ["END", "STOP"],
        "responseLogprobs": True,
        "logprobs": 3,
        "seed": 4,
        "maxOutputTokens": 64,
        "thinkingConfig": {"thinking_budget": 0},
    }
    request = parse({"generationConfig": config})
    assert (request.stop, request.logprobs, request.top_logprobs) == (("END", "STOP"), True, 3)
    assert (request.seed, request.max_tokens, request.reasoning_effort) == (4, 64, "none")
    level = parse({"generationConfig": {"thinkingConfig": {"thinkingLevel": "LOW"}}})
    assert level.reasoning_effort == "low"
    assert parse({"generationConfig": {"thinkingConfig": {"thinkingBudget": 1024}}}).reasoning_effort is None
    assert parse({"generationConfig": {"logprobs": 3}}).logprobs is False


@pytest.mark.parametrize(
    "config",
    [
        {"stopSequences": list("abcdef")},
        {"stopSequences": "END"},
        {"responseLogprobs": True, "logprobs": 21},
        {"seed": "4"},
        {"thinkingConfig": {"thinkingLevel": "LOUD"}},
    ],
)
def test_bad_generation_config_values_are_refused(config: dict[str, Any]) -> None:
    assert refusal({"generationConfig": config}).code == "invalid_argument"


def test_schema_conversion_is_bounded_and_leaves_non_objects_alone() -> None:
    deep: dict[str, Any] = {"type": "STRING"}
    for _ in range(200):
        deep = {"type": "ARRAY", "items": deep}
    converted = to_json_schema(deep, "x")
    assert converted["type"] == "array"
    assert to_json_schema(True, "x") is True
    with_refs = {"$defs": {"P": {"type": "OBJECT"}}, "properties": {"p": {"$ref": "#/$defs/P"}}, "type": "OBJECT"}
    assert to_json_schema(with_refs, "x") == {
        "$defs": {"P": {"type": "object"}},
        "properties": {"p": {"$ref": "#/$defs/P"}},
        "type": "object",
    }
    assert to_json_schema({"anyOf": [{"type": "STRING"}], "nullable": True}, "x") == {
        "anyOf": [{"type": "string"}, {"type": "null"}]
    }
