"""What a dialect parses for itself goes in its typed `options`; `extras` keeps only the client fields
no parser modelled. And a reply that shows its reasoning says so in neutral terms (`reasoning_shown`)."""

from __future__ import annotations

from typing import Any

import pytest

from fakellm.dialects.azure import AzureDialect
from fakellm.dialects.gemini import GeminiDialect
from fakellm.dialects.gemini.openai_compat import GeminiOpenAIDialect
from fakellm.dialects.gemini.request import GeminiOptions
from fakellm.dialects.groq import GroqDialect, GroqOptions
from fakellm.dialects.openai import OpenAIDialect
from fakellm.dialects.openai.request import OpenAIOptions
from fakellm.errors import ApiError
from fakellm.journal import request_to_dict
from fakellm.model import ChatRequest, DialectOptions, Message, Reply, TextPart, ToolChoice
from fakellm.testing.layers import scenario_from_dict
from fakellm.tokens import truncate_reply
from tests.support.contexts import context_for

MESSAGES = [{"role": "user", "content": "hi"}]


def test_openai_reads_its_stream_options_and_keeps_only_unknown_fields() -> None:
    body = {
        "model": "m",
        "messages": MESSAGES,
        "stream": True,
        "stream_options": {"include_usage": True, "include_obfuscation": False},
        "temperature": 0.2,
        "metadata": {"k": "v"},
    }
    request = OpenAIDialect().parse(body, context_for(OpenAIDialect()))
    assert request.extras == {"temperature": 0.2, "metadata": {"k": "v"}}
    assert request.options == OpenAIOptions(include_obfuscation=False)
    assert request.include_usage is True


def test_openai_pads_by_default() -> None:
    request = OpenAIDialect().parse({"model": "m", "messages": MESSAGES}, context_for(OpenAIDialect()))
    assert request.options == OpenAIOptions(include_obfuscation=True)
    assert request.extras == {}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, GroqOptions("raw")),
        ({"reasoning_format": "parsed", "reasoning_effort": "low"}, GroqOptions("parsed")),
        ({"reasoning_format": "hidden"}, GroqOptions("hidden")),
        ({"include_reasoning": True}, GroqOptions("parsed")),
        ({"include_reasoning": False}, GroqOptions("hidden")),
    ],
)
def test_groq_resolves_its_reasoning_fields_into_options(fields: dict[str, Any], expected: GroqOptions) -> None:
    body = {"model": "m", "messages": MESSAGES, "seed": 3, "user": "u", **fields}
    request = GroqDialect().parse(body, context_for(GroqDialect()))
    assert request.options == expected
    assert request.extras == {"user": "u"}
    assert request.seed == 3
    assert request.reasoning_effort == fields.get("reasoning_effort")


@pytest.mark.parametrize(
    "fields",
    [
        {"reasoning_format": "loud"},
        {"reasoning_effort": "max"},
        {"include_reasoning": "yes"},
        {"include_reasoning": True, "reasoning_format": "raw"},
    ],
)
def test_groq_refuses_bad_reasoning_fields(fields: dict[str, Any]) -> None:
    with pytest.raises(ApiError) as raised:
        GroqDialect().parse({"model": "m", "messages": MESSAGES, **fields}, context_for(GroqDialect()))
    assert raised.value.status == 400


def test_azure_reads_the_api_version_from_the_query_not_the_request() -> None:
    dialect = AzureDialect()
    ctx = context_for(dialect, path_params={"deployment": "gpt-4o"}, query={"api-version": "2024-10-21"})
    request = dialect.parse({"messages": MESSAGES, "user": "u1"}, ctx)
    assert request.model == "gpt-4o"
    assert request.extras == {"user": "u1"}
    assert request.options == DialectOptions()


def test_gemini_reads_include_thoughts_into_options_and_alt_from_the_query() -> None:
    dialect = GeminiDialect()
    body = {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "systemInstruction": {"parts": [{"text": "be brief"}]},
        "toolConfig": {"functionCallingConfig": {"mode": "AUTO"}},
        "generationConfig": {"thinkingConfig": {"includeThoughts": True}, "temperature": 0.5},
        "safetySettings": [],
    }
    ctx = context_for(
        dialect, path_params={"model": "g", "method": "streamGenerateContent"}, query={"alt": "sse", "key": "k"}
    )
    request = dialect.parse(body, ctx)
    assert request.options == GeminiOptions(include_thoughts=True)
    assert request.extras == {"generationConfig": body["generationConfig"], "safetySettings": []}
    assert request.tool_choice == ToolChoice("auto")


def test_gemini_openai_reads_googles_thinking_config_into_options() -> None:
    dialect = GeminiOpenAIDialect()
    extra = {"extra_body": {"google": {"thinking_config": {"include_thoughts": True}}}}
    request = dialect.parse({"model": "m", "messages": MESSAGES, **extra}, context_for(dialect))
    assert request.options == GeminiOptions(include_thoughts=True)
    assert request.extras == extra  # the client's own field, as sent
    plain = dialect.parse({"model": "m", "messages": MESSAGES}, context_for(dialect))
    assert plain.options == GeminiOptions(include_thoughts=False)


def test_options_of_another_kind_read_as_that_kinds_defaults() -> None:
    request = ChatRequest("x", "m", [Message("user", [TextPart("hi")])], options=GroqOptions("parsed"))
    assert request.options_as(GroqOptions).reasoning_format == "parsed"
    assert request.options_as(OpenAIOptions) == OpenAIOptions()
    assert ChatRequest("x", "m", []).options == DialectOptions()


def test_the_journal_does_not_publish_options() -> None:
    request = ChatRequest("groq", "m", [Message("user", [TextPart("hi")])], options=GroqOptions("parsed"))
    published = request_to_dict(request)
    assert "options" not in published
    assert published["extras"] == {}


def test_a_scenarios_reasoning_content_keyword_makes_the_reply_show_its_reasoning() -> None:
    scenario = scenario_from_dict(
        {"name": "shown", "rules": [{"reply": {"text": "a b c", "reasoning": "why", "reasoning_content": True}}]},
        1,
        "test",
    )
    request = ChatRequest("openai", "m", [Message("user", [TextPart("hi")])])
    (reply,) = scenario.respond(request, context_for(OpenAIDialect())).replies
    assert reply.reasoning_shown is True
    assert truncate_reply(reply, 1).reasoning_shown is True
    assert truncate_reply(Reply(text="a b c", reasoning="why"), 1).reasoning_shown is False
