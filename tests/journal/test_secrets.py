"""Credentials never reach the journal or a reply: which headers are masked, the journal's guard when
only a scenario has keys, and `{{ header.* }}` in reply templates."""

from __future__ import annotations

import httpx
import pytest

from fakellm.dialects.credentials import is_credential_header
from fakellm.journal.masking import masked_headers
from fakellm.testing.harness import FakeLLM

SECRET = "sk-live-abcdefghijklmnopqrstuvwxyz"
BODY = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


@pytest.mark.parametrize(
    "name",
    [
        "ocp-apim-subscription-key",
        "x-api-key",
        "api-key",
        "x-goog-api-key",
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-auth-token",
        "x-amz-security-token",
        "x-client-secret",
        "x-my-apikey",
        "x-session_token",
        "x-db-password",
    ],
)
def test_credential_headers_are_masked(name):
    assert is_credential_header(name)
    assert masked_headers({name: SECRET})[name] == "sk-l***yz"


@pytest.mark.parametrize(
    "name",
    [
        "idempotency-key",
        "sec-websocket-key",
        "keep-alive",
        "x-fakellm-scenario",
        "x-fakellm-ttft-ms",
        "x-ratelimit-remaining-tokens",
        "x-goog-api-client",
        "x-stainless-retry-count",
        "content-type",
        "openai-organization",
    ],
)
def test_headers_that_only_look_like_credentials_are_kept(name):
    assert not is_credential_header(name)
    assert masked_headers({name: SECRET})[name] == SECRET


def test_an_apim_key_sent_to_azure_is_journaled_masked():
    with FakeLLM() as llm:
        url = f"{llm.url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"
        httpx.post(url, json=BODY, headers={"ocp-apim-subscription-key": SECRET, "api-key": SECRET})
        listing = httpx.get(f"{llm.url}/_fakellm/requests").text
        assert SECRET not in listing
        assert llm.requests.last.headers["ocp-apim-subscription-key"] == "sk-l***yz"


def test_the_journal_is_guarded_when_only_a_scenario_has_keys():
    private = {"name": "private", "defaults": {"api_keys": ["sk-scenario-key-123"]}, "rules": [{"reply": "x"}]}
    with FakeLLM(scenarios=[private]) as llm:
        url = f"{llm.url}/_fakellm/requests"
        assert httpx.get(url).status_code == 401
        assert httpx.delete(url).status_code == 401
        assert httpx.get(f"{url}/1").status_code == 401
        assert httpx.get(url, headers={"authorization": "Bearer sk-wrong-key-000"}).status_code == 401
        assert httpx.get(url, headers={"authorization": "Bearer sk-scenario-key-123"}).status_code == 200
        assert httpx.get(url, headers={"x-goog-api-key": "sk-scenario-key-123"}).status_code == 200
        assert httpx.get(f"{llm.url}/_fakellm/health").status_code == 200  # health stays open


def test_with_server_and_scenario_keys_either_opens_the_journal():
    private = {"name": "private", "defaults": {"api_keys": ["sk-scenario-key-123"]}, "rules": [{"reply": "x"}]}
    with FakeLLM(scenarios=[private], api_key="sk-server-key-456") as llm:
        url = f"{llm.url}/_fakellm/requests"
        assert httpx.get(url).status_code == 401
        for key in ("sk-scenario-key-123", "sk-server-key-456"):
            assert httpx.get(url, headers={"authorization": f"Bearer {key}"}).status_code == 200


def test_a_template_never_echoes_a_credential_header():
    template = "auth={{ header.authorization }} apim={{ header.Ocp-Apim-Subscription-Key }} user={{ header.x-user }}"
    echo_key = {"name": "echo-key", "rules": [{"reply": {"template": template}}]}
    with FakeLLM(scenarios=[echo_key]) as llm:
        url = f"{llm.url}/s/echo-key/v1/chat/completions"
        headers = {"authorization": f"Bearer {SECRET}", "ocp-apim-subscription-key": SECRET, "x-user": "ann"}
        reply = httpx.post(url, json=BODY, headers=headers)
        text = reply.json()["choices"][0]["message"]["content"]
        assert text == "auth=Bearer sk-l***yz apim=sk-l***yz user=ann"
        assert SECRET not in httpx.get(f"{llm.url}/_fakellm/requests").text
