"""groq.Groq (and AzureOpenAI) against a real fakellm server: `reasoning_effort="none"` shows no reasoning
in any format, other efforts are accepted, logprobs are refused as Groq refuses them, models are readable."""

from __future__ import annotations

from typing import Any

import groq
import openai
import pytest

from fakellm.testing.server_thread import ServerThread
from tests.support.dialect_support import ANSWER, FixedScenario

MESSAGES: list[Any] = [{"role": "user", "content": "Hello"}]
MODEL = "qwen/qwen3-32b"


@pytest.fixture(scope="module")
def server(fixed_server: ServerThread) -> ServerThread:
    return fixed_server


def reasoning_client(server: ServerThread) -> groq.Groq:
    headers = {"X-FakeLLM-Scenario": "reasoning"}
    return groq.Groq(base_url=server.url, api_key="gsk_test", max_retries=0, default_headers=headers)


@pytest.mark.parametrize("fmt", [None, "raw", "parsed"])
def test_reasoning_effort_none_shows_no_reasoning(
    server: ServerThread, scenarios: dict[str, FixedScenario], fmt: str | None
) -> None:
    client = reasoning_client(server)
    extra: dict[str, Any] = {} if fmt is None else {"reasoning_format": fmt}
    completion = client.chat.completions.create(model=MODEL, messages=MESSAGES, reasoning_effort="none", **extra)
    message = completion.choices[0].message
    assert message.content == ANSWER
    assert message.reasoning is None
    assert scenarios["reasoning"].requests[-1].reasoning_effort == "none"
    chunks = list(
        client.chat.completions.create(model=MODEL, messages=MESSAGES, reasoning_effort="none", stream=True, **extra)
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == ANSWER
    assert all(c.choices[0].delta.reasoning is None for c in chunks)


@pytest.mark.parametrize("effort", ["default", "low", "medium", "high"])
def test_other_efforts_are_accepted_and_keep_the_reasoning(server: ServerThread, effort: str) -> None:
    effort_field: dict[str, Any] = {"reasoning_effort": effort}
    completion = reasoning_client(server).chat.completions.create(
        model=MODEL,
        messages=MESSAGES,
        reasoning_format="parsed",
        **effort_field,
    )
    assert completion.choices[0].message.reasoning
    assert completion.choices[0].message.content == ANSWER


def test_an_effort_groq_does_not_have_is_its_400(server: ServerThread) -> None:
    minimal: dict[str, Any] = {"reasoning_effort": "minimal"}  # OpenAI's, not Groq's
    with pytest.raises(groq.BadRequestError) as raised:
        reasoning_client(server).chat.completions.create(
            model=MODEL,
            messages=MESSAGES,
            **minimal,
        )
    assert isinstance(raised.value.body, dict)
    assert raised.value.body["error"]["param"] == "reasoning_effort"


def test_logprobs_are_refused_as_groq_refuses_them(server: ServerThread) -> None:
    with pytest.raises(groq.BadRequestError) as raised:
        reasoning_client(server).chat.completions.create(model=MODEL, messages=MESSAGES, logprobs=True)
    assert isinstance(raised.value.body, dict)
    assert raised.value.body["error"]["message"] == "`logprobs` is not supported with this model"


def test_groq_and_azure_read_a_model(server: ServerThread) -> None:
    client = groq.Groq(base_url=server.url, api_key="gsk_test", max_retries=0)
    assert client.models.retrieve(MODEL).id == MODEL
    azure = openai.AzureOpenAI(azure_endpoint=server.url, api_key="azure-key", api_version="2024-10-21", max_retries=0)
    assert azure.models.retrieve("gpt-4o").id == "gpt-4o"
