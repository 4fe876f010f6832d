"""The Connect panel's facts: the public base URL behind proxies, and rows derived from the registry."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from fakellm.context import RequestContext
from fakellm.dialects import DIALECTS
from fakellm.dialects.base import RouteSpec
from fakellm.dialects.openai import OpenAIDialect
from fakellm.observe.agents import agent_of
from fakellm.observe.connect import PLACEHOLDER, SNIPPETS, dialect_rows, public_root
from fakellm.observe.platforms import platform_rows
from fakellm.server.hosts import HostPolicy
from fakellm.testing.server_thread import ServerThread


def allow_all(name: str) -> bool:
    return True


def root(headers: dict[str, str], scheme: str = "http", allows: Any = allow_all) -> str:
    return public_root(headers, scheme, allows).url


def test_without_forwarding_headers_it_is_the_request_s_own():
    assert root({"host": "127.0.0.1:8000"}) == "http://127.0.0.1:8000"
    assert root({}) == "http://localhost"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-forwarded-proto": "https", "x-forwarded-host": "my-fake.replit.dev"}, "https://my-fake.replit.dev"),
        ({"x-forwarded-proto": "https"}, "https://127.0.0.1:8000"),
        ({"x-forwarded-host": "a.example.com, b.internal"}, "http://a.example.com"),
        ({"forwarded": 'for=1.2.3.4;proto=https;host="tunnel.example.com"'}, "https://tunnel.example.com"),
        (
            {"forwarded": "proto=https;host=x.example.com, proto=http;host=y", "x-forwarded-host": "z.com"},
            "https://x.example.com",
        ),
        ({"x-forwarded-proto": "https", "x-forwarded-host": "fake.example.com:443"}, "https://fake.example.com"),
        ({"x-forwarded-proto": "gopher"}, "http://127.0.0.1:8000"),  # only http or https
        ({"x-forwarded-host": "evil.com/path?x"}, "http://127.0.0.1:8000"),  # a host, never a path
        ({"x-forwarded-host": "a b"}, "http://127.0.0.1:8000"),
        ({"x-forwarded-host": "[::1]:9000"}, "http://[::1]:9000"),
    ],
)
def test_forwarding_headers_may_change_the_scheme_and_host_only(headers: dict[str, str], expected: str):
    assert root({"host": "127.0.0.1:8000", **headers}) == expected


def test_a_forwarded_host_the_server_does_not_answer_for_is_not_shown():
    policy = HostPolicy((), "127.0.0.1")  # loopback names only

    def allows(name: str) -> bool:
        return policy.allows_host(name, "")

    found = public_root({"host": "127.0.0.1:8000", "x-forwarded-host": "rebound.evil.example"}, "http", allows)
    assert found.url == "http://127.0.0.1:8000"
    assert "--allowed-host rebound.evil.example" in found.note
    pinned = HostPolicy(("my-fake.example.com",), "127.0.0.1")
    headers = {"host": "127.0.0.1:8000", "x-forwarded-host": "my-fake.example.com", "x-forwarded-proto": "https"}
    assert public_root(headers, "http", lambda n: pinned.allows_host(n, "")).url == "https://my-fake.example.com"


class NewDialect(OpenAIDialect):
    """A dialect added later: it shows up with its routes and base URL, no edit to the dashboard."""

    name: ClassVar[str] = "brand_new"
    client_base_path: ClassVar[str] = "/brand/v9"
    routes: ClassVar[tuple[RouteSpec, ...]] = (
        RouteSpec("POST", "/brand/v9/chat/completions", "chat"),
        RouteSpec("POST", r"/brand/v9/things/(?P<thing>(?!.*:(?:a|b)\Z)[^/]+):say", "chat", regex=True),
    )

    def parse(self, body: Any, ctx: RequestContext) -> Any:
        raise NotImplementedError


def test_every_dialect_of_the_registry_is_listed_with_its_routes():
    rows = {row["name"]: row for row in dialect_rows([*DIALECTS, NewDialect])}
    assert set(rows) == {d.name for d in DIALECTS} | {"brand_new"}
    new = rows["brand_new"]
    assert new["base_url"] == PLACEHOLDER + "/brand/v9"
    assert new["routes"] == ["POST /brand/v9/chat/completions", "POST /brand/v9/things/{thing}:say"]
    assert new["chat_base"] == PLACEHOLDER + "/brand/v9"
    assert new["try"] is True  # it inherits the OpenAI family's sample request
    assert rows["openai"]["base_url"] == PLACEHOLDER + "/v1"
    assert 'base_url="{base}/v1"'.replace("{base}", PLACEHOLDER) in rows["openai"]["snippet"]
    assert f'azure_endpoint="{PLACEHOLDER}"' in rows["azure"]["snippet"]
    assert rows["groq"]["chat_base"] == PLACEHOLDER + "/openai/v1"
    # A provider's embeddings share its name: one row, with the routes of both.
    assert {"POST /v1/chat/completions", "POST /v1/embeddings"} <= set(rows["openai"]["routes"])
    assert rows["openai"]["chat_base"] == PLACEHOLDER + "/v1"


def test_the_platforms_paths_come_from_the_dialects_routes():
    platforms = {p["name"]: {f["field"]: f["value"] for f in p["fields"]} for p in platform_rows(DIALECTS)}
    assert set(platforms) == {
        "Play.ai",
        "AssemblyAI",
        "LiveAvatar",
        "Beyond Presence",
        "Anam (OpenAI spec)",
        "Anam (Azure OpenAI spec)",
        "Anam (Gemini spec)",
        "Anam (Groq OpenAI spec)",
    }
    assert platforms["Play.ai"]["llm.baseURL"] == "{base}"
    assert platforms["AssemblyAI"]["llm[0].base_url"] == "{base}/v1"
    assert platforms["Anam (Groq OpenAI spec)"]["endpoint (base URL)"] == "{base}/openai/v1"
    assert platforms["Anam (Azure OpenAI spec)"]["endpoint"] == "{base}"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"user-agent": "OpenAI/Python 2.3.0"}, "openai SDK (Python)"),
        ({"user-agent": "AsyncOpenAI/Python 2.3.0"}, "openai SDK (Python)"),
        (
            {"user-agent": "OpenAI/Python 2.3.0", "api-key": "k", "x-stainless-lang": "python"},
            "openai SDK (AzureOpenAI, Python)",
        ),
        ({"user-agent": "Groq/Python 0.9.0"}, "groq SDK (Python)"),
        ({"user-agent": "x", "x-goog-api-client": "google-genai-sdk/1.2.0 gl-python/3.12"}, "google-genai SDK"),
        ({"user-agent": "curl/8.5.0"}, "curl"),
        ({"user-agent": "fakellm-check/0.2.0"}, "fakellm check"),
        ({}, "unknown (no user agent)"),
        ({"user-agent": "PlayAI-LLM-Client/7"}, "PlayAI-LLM-Client/7"),
    ],
)
def test_the_client_is_told_from_its_user_agent(headers: dict[str, str], expected: str):
    assert agent_of(headers) == expected


def _say(name: str, client: Any) -> str:
    """One request through the client a snippet made, as that SDK's users write it."""
    message = "Repeat with me: the snippet works"
    if name == "gemini":
        return str(client.models.generate_content(model="gemini-2.5-flash", contents=message).text)
    if name == "anthropic":
        reply = client.messages.create(
            model="claude-sonnet-4-5", max_tokens=64, messages=[{"role": "user", "content": message}]
        )
        return str(reply.content[0].text)
    if name in ("responses", "azure_responses"):
        return str(client.responses.create(model="gpt-4o-mini", input=message).output_text)
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": message}])
    return str(reply.choices[0].message.content)


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_every_snippet_works_as_pasted(server: ServerThread, name: str):
    row = next(r for r in dialect_rows(DIALECTS) if r["name"] == name)
    code = row["snippet"].replace(PLACEHOLDER, server.url).replace("{key}", "sk-fake")
    scope: dict[str, Any] = {}
    exec(compile(code, f"snippet:{name}", "exec"), scope)
    assert _say(name, scope["client"]) == "the snippet works"
    assert server.app.journal.entries()[-1].dialect == name
