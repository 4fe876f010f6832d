"""Each official SDK against `FakeLLM`, used as a sync and as an async context manager; the journal
records what each sent."""

from __future__ import annotations

import asyncio

import groq
import httpx
import openai
import pytest
from google import genai
from google.genai import types

from fakellm.dialects import all_dialects
from fakellm.testing.harness import FakeLLM

LOADED = {d.name for d in all_dialects()}
MESSAGES: list[dict[str, str]] = [{"role": "user", "content": "Repeat with me: blue sky"}]


def needs(dialect: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(dialect not in LOADED, reason=f"the {dialect} dialect is not on this branch yet")


def test_openai_sync():
    with FakeLLM() as llm:
        client = openai.OpenAI(base_url=llm.openai_base_url, api_key=llm.api_key, max_retries=0)
        reply = client.chat.completions.create(model="gpt-4o", messages=MESSAGES)  # type: ignore[arg-type]
        assert reply.choices[0].message.content == "blue sky"
        assert (llm.requests.last.dialect, llm.requests.last.model) == ("openai", "gpt-4o")


def test_openai_async_streaming():
    async def main() -> tuple[str, int, bool]:
        async with FakeLLM() as llm:
            client = openai.AsyncOpenAI(base_url=llm.openai_base_url, api_key=llm.api_key, max_retries=0)
            stream = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)  # type: ignore[arg-type]
            text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
            entry = llm.requests.last
            return text, entry.chunks, entry.stream

    text, chunks, streamed = asyncio.run(main())
    assert text == "blue sky"
    assert streamed
    assert chunks >= 2


@needs("azure")
def test_azure_sync():
    with FakeLLM() as llm:
        client = openai.AzureOpenAI(
            azure_endpoint=llm.azure_endpoint, api_key=llm.api_key, api_version="2024-10-21", max_retries=0
        )
        reply = client.chat.completions.create(model="my-deployment", messages=MESSAGES)  # type: ignore[arg-type]
        assert reply.choices[0].message.content == "blue sky"
        assert llm.requests.last.dialect == "azure"
        assert llm.api_key not in llm.requests.last.headers["api-key"]


@needs("azure")
def test_azure_async():
    async def main() -> str:
        async with FakeLLM() as llm:
            client = openai.AsyncAzureOpenAI(
                azure_endpoint=llm.azure_endpoint, api_key=llm.api_key, api_version="2024-10-21", max_retries=0
            )
            reply = await client.chat.completions.create(model="dep", messages=MESSAGES)  # type: ignore[arg-type]
            assert llm.requests.last.dialect == "azure"
            return reply.choices[0].message.content or ""

    assert asyncio.run(main()) == "blue sky"


@needs("groq")
def test_groq_sync():
    with FakeLLM() as llm:
        client = groq.Groq(base_url=llm.groq_base_url, api_key=llm.api_key, max_retries=0)
        reply = client.chat.completions.create(model="llama-3.3-70b-versatile", messages=MESSAGES)  # type: ignore[arg-type]
        assert reply.choices[0].message.content == "blue sky"
        assert llm.requests.last.dialect == "groq"


@needs("groq")
def test_groq_async_streaming():
    async def main() -> str:
        async with FakeLLM() as llm:
            client = groq.AsyncGroq(base_url=llm.groq_base_url, api_key=llm.api_key, max_retries=0)
            stream = await client.chat.completions.create(
                model="llama-3.3-70b-versatile",
                messages=MESSAGES,  # type: ignore[arg-type]
                stream=True,
            )
            text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
            assert llm.requests.last.dialect == "groq"
            return text

    assert asyncio.run(main()) == "blue sky"


def _gemini(llm: FakeLLM) -> genai.Client:
    return genai.Client(api_key=llm.api_key, http_options=types.HttpOptions(base_url=llm.gemini_base_url))


@needs("gemini")
def test_gemini_sync():
    with FakeLLM() as llm:
        client = _gemini(llm)  # keep a reference: a collected genai.Client closes its HTTP client
        reply = client.models.generate_content(model="gemini-2.5-flash", contents="Repeat with me: blue sky")
        assert reply.text == "blue sky"
        assert llm.requests.last.dialect == "gemini"


@needs("gemini")
def test_gemini_async_streaming():
    async def main() -> str:
        async with FakeLLM() as llm:
            client = _gemini(llm)
            stream = await client.aio.models.generate_content_stream(
                model="gemini-2.5-flash", contents="Repeat with me: blue sky"
            )
            text = "".join([c.text or "" async for c in stream])
            assert llm.requests.last.dialect == "gemini"
            assert llm.requests.last.stream
            return text

    assert asyncio.run(main()) == "blue sky"


def test_litellm_bases_reach_the_groq_and_gemini_dialects():
    # LiteLLM's groq/ provider posts {api_base}/chat/completions; its gemini/ one {api_base}/models/…
    with FakeLLM() as llm:
        assert llm.litellm_groq_base_url == llm.url + "/openai/v1"
        assert llm.litellm_gemini_base_url == llm.url + "/v1beta"
        client = openai.OpenAI(base_url=llm.litellm_groq_base_url, api_key="gsk-test", max_retries=0)
        reply = client.chat.completions.create(model="llama-3.3-70b-versatile", messages=MESSAGES)  # type: ignore[arg-type]
        assert reply.choices[0].message.content == "blue sky"
        assert llm.requests.last.dialect == "groq"
        body = {"contents": [{"role": "user", "parts": [{"text": "Repeat with me: blue sky"}]}]}
        url = f"{llm.litellm_gemini_base_url}/models/gemini-2.5-flash:generateContent"
        response = httpx.post(url, json=body, headers={"x-goog-api-key": "AIza-test"})
        assert response.json()["candidates"][0]["content"]["parts"][0]["text"] == "blue sky"
        assert llm.requests.last.dialect == "gemini"
