"""Azure's v1 route under its own prefix: a plain OpenAI client with a Bearer key (as pipecat builds for
`…/openai/v1`) is answered as Azure, not as Groq, whose path `/openai/v1` is too."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from fakellm import FakeLLM

HELLO: Any = [{"role": "user", "content": "Repeat with me: hi"}]


def test_a_plain_openai_client_on_the_alias_is_served_as_azure(llm: FakeLLM) -> None:
    client = openai.OpenAI(base_url=llm.base_urls()["azure_v1"], api_key="entra-or-key", max_retries=0)
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=HELLO)
    completion = raw.parse()
    assert completion.choices[0].message.content == "hi"
    assert completion.model == "gpt-4o-2024-11-20"  # Azure's deployment reports its model version
    assert completion.prompt_filter_results  # type: ignore[attr-defined]
    assert raw.headers["apim-request-id"] != raw.headers["x-request-id"]
    # The same client on the shared path, without an `api-key` header, is Groq's.
    groq_path = openai.OpenAI(base_url=llm.url + "/openai/v1", api_key="entra-or-key", max_retries=0)
    assert groq_path.chat.completions.create(model="gpt-4o", messages=HELLO).x_groq  # type: ignore[attr-defined]


def test_strict_models_on_the_alias_is_deployment_not_found(llm: FakeLLM) -> None:
    client = openai.OpenAI(base_url=llm.url + "/s/strict/azure/openai/v1", api_key="k", max_retries=0)
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="my-deployment", messages=HELLO)
    assert caught.value.code == "DeploymentNotFound"


def test_the_banner_names_the_alias(llm: FakeLLM) -> None:
    from fakellm.server.urls import banner

    assert f"base_url={llm.url}/azure/openai/v1" in banner(llm.url, ["echo"])
