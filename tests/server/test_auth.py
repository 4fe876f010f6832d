"""API keys: --api-key and scenario keys, each dialect's refusal, and keys kept out of the journal."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from fakellm.context import RequestContext
from fakellm.dialects.openai import OpenAIDialect
from fakellm.server.auth import Auth, key_hint
from tests.support.faultkit import reset_faults, serve_faults

BODY = {"model": "m", "messages": [{"role": "user", "content": "hello"}]}
KEY = "sk-test-right-key-0123456789"


def context(authorization: str | None) -> RequestContext:
    headers = {"authorization": authorization} if authorization is not None else {}
    return RequestContext(OpenAIDialect(), "POST", "/v1/chat/completions", "chat", headers, {})


def test_without_keys_anything_passes() -> None:
    assert Auth().refusal(context(None)) is None
    assert Auth().refusal(context("Bearer ")) is None


def test_right_key_passes_and_any_of_several_keys_does() -> None:
    auth = Auth(["first-key-123", KEY])
    assert auth.refusal(context(f"Bearer {KEY}")) is None
    assert auth.refusal(context("Bearer first-key-123")) is None


def test_missing_and_wrong_keys_are_told_apart() -> None:
    auth = Auth([KEY])
    missing, wrong = auth.refusal(context(None)), auth.refusal(context("Bearer sk-wrong-key-9999"))
    assert missing is not None
    assert (missing.status, missing.code) == (401, "missing_api_key")
    assert wrong is not None
    assert (wrong.status, wrong.code) == (401, "invalid_api_key")
    assert wrong.details["key_hint"] == key_hint("sk-wrong-key-9999")


def test_a_prefix_of_the_key_is_not_the_key() -> None:
    assert Auth([KEY]).refusal(context(f"Bearer {KEY[:-1]}")) is not None


def test_scenario_keys_replace_the_server_keys() -> None:
    auth = Auth([KEY])
    assert auth.refusal(context("Bearer scenario-key-1"), ["scenario-key-1"]) is None
    assert auth.refusal(context(f"Bearer {KEY}"), ["scenario-key-1"]) is not None


def test_key_hint_masks_the_middle() -> None:
    assert key_hint("sk-abcdefgh1234") == "sk-********1234"
    assert key_hint("short") == "*****"


@pytest.fixture(scope="module")
def keyed_server() -> Any:
    with serve_faults({"private": {"api_keys": ["scenario-only-key"]}}, api_keys=[KEY]) as thread:
        yield thread


@pytest.fixture
def url(keyed_server: Any) -> str:
    reset_faults(keyed_server)
    return str(keyed_server.url)


def test_openai_wrong_key_gets_401_invalid_api_key_with_the_key_masked(url: str) -> None:
    response = httpx.post(url + "/v1/chat/completions", json=BODY, headers={"authorization": "Bearer sk-wrong-0000"})
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "invalid_api_key"
    assert error["type"] == "invalid_request_error"
    # OpenAI shows the first 8 characters and the last 4.
    assert error["message"].startswith("Incorrect API key provided: sk-wrong*0000.")


def test_openai_missing_key_gets_401(url: str) -> None:
    response = httpx.post(url + "/v1/chat/completions", json=BODY)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"
    assert "You didn't provide an API key" in response.json()["error"]["message"]


def test_bad_key_is_reported_before_a_bad_body(url: str) -> None:
    response = httpx.post(url + "/v1/chat/completions", content=b"{not json", headers={"authorization": "Bearer x"})
    assert response.status_code == 401


def test_right_key_gets_the_answer(url: str) -> None:
    response = httpx.post(url + "/v1/chat/completions", json=BODY, headers={"authorization": f"Bearer {KEY}"})
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "hello"


def test_models_route_is_guarded_too(url: str) -> None:
    assert httpx.get(url + "/v1/models").status_code == 401
    assert httpx.get(url + "/v1/models", headers={"authorization": f"Bearer {KEY}"}).status_code == 200


def test_scenario_with_its_own_keys_accepts_only_those(url: str) -> None:
    path = url + "/s/private/v1/chat/completions"
    assert httpx.post(path, json=BODY, headers={"authorization": "Bearer scenario-only-key"}).status_code == 200
    assert httpx.post(path, json=BODY, headers={"authorization": f"Bearer {KEY}"}).status_code == 401


def test_keys_never_reach_the_journal(url: str, keyed_server: Any) -> None:
    httpx.post(url + "/v1/chat/completions", json=BODY, headers={"authorization": f"Bearer {KEY}"})
    httpx.post(url + "/v1/chat/completions", json=BODY, headers={"authorization": "Bearer sk-wrong-secret-777"})
    dump = repr([entry.to_dict() for entry in keyed_server.app.journal.entries()])
    assert KEY not in dump
    assert "sk-wrong-secret-777" not in dump


def test_a_refused_request_does_not_move_a_scripted_scenario_on() -> None:
    from fakellm import FakeLLM

    script = {
        "name": "private-script",
        "defaults": {"api_keys": ["sk-script-key-123"]},
        "rules": [{"replies": ["first", "second"], "exhausted": "cycle"}],
    }
    with FakeLLM(scenarios=[script]) as llm:
        url = f"{llm.url}/s/private-script/v1/chat/completions"

        def ask(key: str) -> httpx.Response:
            return httpx.post(url, json=BODY, headers={"authorization": f"Bearer {key}"})

        assert ask("sk-script-key-123").json()["choices"][0]["message"]["content"] == "first"
        assert ask("sk-wrong-key-0000").status_code == 401
        assert ask("sk-script-key-123").json()["choices"][0]["message"]["content"] == "second"


def test_the_models_route_of_a_scenario_with_its_own_keys_wants_one_of_them() -> None:
    from fakellm import FakeLLM

    private = {"name": "private-models", "defaults": {"api_keys": ["sk-models-key-123"]}, "rules": [{"reply": "x"}]}
    with FakeLLM(scenarios=[private]) as llm:
        url = f"{llm.url}/s/private-models/v1/models"
        assert httpx.get(url, headers={"authorization": "Bearer sk-models-key-123"}).status_code == 200
        refused = httpx.get(url, headers={"authorization": "Bearer sk-wrong-key-0000"})
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "invalid_api_key"
