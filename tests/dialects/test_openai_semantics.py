"""What an OpenAI-style body asks of the answer reaches the neutral request, and bad values get OpenAI's 400s."""

from __future__ import annotations

from typing import Any

import pytest

from fakellm.dialects.azure import AzureDialect
from fakellm.dialects.base import Dialect
from fakellm.dialects.gemini.openai_compat import GeminiOpenAIDialect
from fakellm.dialects.groq import GroqDialect
from fakellm.dialects.openai import OpenAIDialect
from fakellm.errors import ApiError
from fakellm.model import ChatRequest, OutputFormat, ToolChoice
from tests.support.contexts import context_for

MESSAGES = [{"role": "user", "content": "What's the weather? Answer in JSON."}]
TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}},
    {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}},
]
STRICT_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "array", "items": {"type": "integer"}}},
    "required": ["city", "days"],
    "additionalProperties": False,
}


def allowed(mode: str, name: str) -> dict[str, Any]:
    tools = [{"type": "function", "function": {"name": name}}]
    return {"type": "allowed_tools", "allowed_tools": {"mode": mode, "tools": tools}}


OPENAI_FAMILY = [OpenAIDialect(), AzureDialect(), GroqDialect(), GeminiOpenAIDialect()]


def parse(fields: dict[str, Any], dialect: Dialect | None = None) -> ChatRequest:
    dialect = dialect or OpenAIDialect()
    return dialect.parse({"model": "m", "messages": MESSAGES, **fields}, context_for(dialect))


def refusal(fields: dict[str, Any], dialect: Dialect | None = None) -> ApiError:
    with pytest.raises(ApiError) as raised:
        parse(fields, dialect)
    assert raised.value.status == 400
    return raised.value


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (None, ToolChoice("auto")),
        ("auto", ToolChoice("auto")),
        ("none", ToolChoice("none")),
        ("required", ToolChoice("required")),
        ({"type": "function", "function": {"name": "get_time"}}, ToolChoice("named", ("get_time",))),
        (allowed("required", "get_time"), ToolChoice("required", ("get_time",))),
        (allowed("auto", "get_weather"), ToolChoice("auto", ("get_weather",))),
    ],
)
@pytest.mark.parametrize("dialect", OPENAI_FAMILY, ids=lambda d: d.name)
def test_tool_choice_reaches_the_neutral_request(choice: Any, expected: ToolChoice, dialect: Dialect) -> None:
    fields: dict[str, Any] = {"tools": TOOLS, "parallel_tool_calls": False}
    if choice is not None:
        fields["tool_choice"] = choice
    request = parse(fields, dialect)
    assert request.tool_choice == expected
    assert request.parallel_tool_calls is False
    assert "tool_choice" not in request.extras


def test_a_named_tool_that_was_not_offered_is_refused_in_openais_words() -> None:
    error = refusal({"tools": TOOLS, "tool_choice": {"type": "function", "function": {"name": "get_news"}}})
    assert error.message == (
        "Invalid value for 'tool_choice': no function named 'get_news' was specified in the 'tools' parameter."
    )
    assert error.param == "tool_choice"


@pytest.mark.parametrize(
    ("fields", "param", "text"),
    [
        ({"tool_choice": "auto"}, "tool_choice", "'tool_choice' is only allowed when 'tools' are specified."),
        ({"parallel_tool_calls": True}, "parallel_tool_calls", "only allowed when 'tools' are specified"),
        ({"tools": TOOLS, "tool_choice": "always"}, "tool_choice", "Supported values are: 'none', 'auto', and"),
        ({"tools": TOOLS, "tool_choice": {"type": "function"}}, "tool_choice.function", "Missing required"),
        ({"tools": TOOLS, "tool_choice": 3}, "tool_choice", "expected one of a string or object"),
        ({"tools": []}, "tools", "empty array"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop", "Expected an array with maximum length 4, but got an array"),
        ({"stop": 7}, "stop", "one of a string or array of strings"),
        ({"top_logprobs": 3}, "top_logprobs", "'logprobs' must be set to true"),
        ({"logprobs": True, "top_logprobs": 21}, "top_logprobs", "Expected a value <= 20, but got 21"),
        ({"logprobs": "yes"}, "logprobs", "expected a boolean"),
        ({"reasoning_effort": "extreme"}, "reasoning_effort", "'none', 'minimal', 'low', 'medium', 'high', 'xhigh'"),
        ({"seed": "42"}, "seed", "expected an integer"),
        ({"response_format": {"type": "xml"}}, "response_format.type", "Invalid value: 'xml'"),
        ({"response_format": {"type": "json_schema"}}, "response_format.json_schema", "Missing required"),
        (
            {"response_format": {"type": "json_schema", "json_schema": {"schema": STRICT_SCHEMA}}},
            "response_format.json_schema.name",
            "Missing required",
        ),
        (
            {"response_format": {"type": "json_schema", "json_schema": {"name": "a b"}}},
            "response_format.json_schema.name",
            "does not match pattern",
        ),
    ],
)
def test_bad_values_get_openais_400(fields: dict[str, Any], param: str, text: str) -> None:
    error = refusal(fields)
    assert error.param == param
    assert text in str(error.message)


def test_response_formats_reach_the_neutral_request() -> None:
    assert parse({}).output == OutputFormat()
    assert parse({"response_format": {"type": "text"}}).output == OutputFormat()
    assert parse({"response_format": {"type": "json_object"}}).output == OutputFormat("json_object")
    spec = {"name": "weather", "schema": STRICT_SCHEMA, "strict": True}
    output = parse({"response_format": {"type": "json_schema", "json_schema": spec}}).output
    assert output == OutputFormat("json_schema", STRICT_SCHEMA, "weather", True)
    loose_spec = {"name": "w", "schema": {"type": "object"}}
    loose = parse({"response_format": {"type": "json_schema", "json_schema": loose_spec}})
    assert loose.output == OutputFormat("json_schema", {"type": "object"}, "w", False)


def test_json_mode_needs_the_word_json_in_the_messages_at_openai_not_at_groq() -> None:
    body = {"messages": [{"role": "user", "content": "Give me an object."}], "response_format": {"type": "json_object"}}
    with pytest.raises(ApiError) as raised:
        OpenAIDialect().parse({"model": "m", **body}, context_for(OpenAIDialect()))
    assert raised.value.message == (
        "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'."
    )
    assert raised.value.param == "messages"
    groq = GroqDialect().parse({"model": "m", **body}, context_for(GroqDialect()))
    assert groq.output == OutputFormat("json_object")


@pytest.mark.parametrize(
    ("schema", "text"),
    [
        ({"type": "array", "items": {}}, "schema must be a JSON Schema of 'type: \"object\"', got 'type: \"array\"'."),
        (
            {**STRICT_SCHEMA, "additionalProperties": True},
            "In context=(), 'additionalProperties' is required to be supplied and to be false.",
        ),
        ({**STRICT_SCHEMA, "required": ["city"]}, "In context=(), 'required' is required to be supplied"),
        ({**STRICT_SCHEMA, "required": ["city", "days", "x"]}, "Extra required key 'x' supplied."),
        (
            {
                **STRICT_SCHEMA,
                "properties": {"home": {"type": "object", "properties": {"street": {"type": "string"}}}},
                "required": ["home"],
            },
            "In context=('properties', 'home'), 'additionalProperties' is required",
        ),
    ],
)
def test_a_strict_schema_must_keep_openais_strict_rules(schema: dict[str, Any], text: str) -> None:
    spec = {"name": "weather", "schema": schema, "strict": True}
    error = refusal({"response_format": {"type": "json_schema", "json_schema": spec}})
    assert error.code == "invalid_json_schema"
    assert str(error.message).startswith("Invalid schema for response_format 'weather': ")
    assert text in str(error.message)
    # Not strict, the same schema is accepted.
    assert parse({"response_format": {"type": "json_schema", "json_schema": {**spec, "strict": False}}}).output.schema


def test_stop_logprobs_effort_seed_and_completion_tokens_reach_the_neutral_request() -> None:
    request = parse(
        {
            "stop": "END",
            "logprobs": True,
            "top_logprobs": 3,
            "reasoning_effort": "low",
            "seed": 7,
            "max_completion_tokens": 50,
            "max_tokens": 99,
        }
    )
    assert (request.stop, request.logprobs, request.top_logprobs) == (("END",), True, 3)
    assert (request.reasoning_effort, request.seed, request.max_tokens) == ("low", 7, 50)
    assert parse({"stop": ["a", "b"]}).stop == ("a", "b")
    assert request.extras == {}


def test_groq_refuses_logprobs_and_takes_its_own_efforts() -> None:
    error = refusal({"logprobs": True}, GroqDialect())
    assert error.message == "`logprobs` is not supported with this model"
    assert parse({"reasoning_effort": "none"}, GroqDialect()).reasoning_effort == "none"
    assert parse({"reasoning_effort": "default"}, GroqDialect()).reasoning_effort == "default"
    assert refusal({"reasoning_effort": "minimal"}, GroqDialect()).param == "reasoning_effort"


def test_geminis_openai_route_takes_five_stop_sequences() -> None:
    assert len(parse({"stop": list("abcde")}, GeminiOpenAIDialect()).stop) == 5
    assert refusal({"stop": list("abcdef")}, GeminiOpenAIDialect()).code == "array_above_max_length"


def test_geminis_openai_route_reads_a_zero_thinking_budget_as_effort_none() -> None:
    google = {"extra_body": {"google": {"thinking_config": {"thinking_budget": 0}}}}
    assert parse(google, GeminiOpenAIDialect()).reasoning_effort == "none"
    assert parse({**google, "reasoning_effort": "low"}, GeminiOpenAIDialect()).reasoning_effort == "low"
    assert parse({}, GeminiOpenAIDialect()).reasoning_effort is None


def test_groq_and_geminis_route_do_not_refuse_a_tool_choice_without_tools() -> None:
    for dialect in (GroqDialect(), GeminiOpenAIDialect()):
        request = parse({"tools": [], "tool_choice": "none", "parallel_tool_calls": False}, dialect)
        assert request.tool_choice == ToolChoice("none")
    assert refusal({"tool_choice": "none"}, AzureDialect()).param == "tool_choice"
