"""The journal over HTTP: listing with filters and paging, one entry, clearing, and the key guard."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from fakellm.testing.harness import FakeLLM


def _chat(llm: FakeLLM, text: str, scenario: str | None = None, key: str = "k") -> httpx.Response:
    url = f"{llm.base_urls(scenario)['openai']}/chat/completions"
    body = {"model": "m", "messages": [{"role": "user", "content": text}]}
    return httpx.post(url, json=body, headers={"authorization": f"Bearer {key}"})


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeLLM]:
    with FakeLLM() as server:
        yield server


@pytest.fixture
def journal_url(llm: FakeLLM) -> str:
    llm.reset()
    return f"{llm.url}/_fakellm/requests"


def test_list_returns_entries_oldest_first_with_the_parsed_request(llm, journal_url):
    _chat(llm, "first")
    _chat(llm, "second")
    page = httpx.get(journal_url).json()
    assert page["total"] == 2
    assert [e["request"]["messages"][-1]["text"] for e in page["data"]] == ["first", "second"]
    assert page["data"][0]["ended"] == "completed"


def test_list_filters_by_status_and_scenario(llm, journal_url):
    _chat(llm, "ok")
    _chat(llm, "missing", scenario="nope")
    assert [e["status"] for e in httpx.get(journal_url, params={"status": 404}).json()["data"]] == [404]
    assert httpx.get(journal_url, params={"scenario": "echo"}).json()["total"] == 1
    assert httpx.get(journal_url, params={"dialect": "gemini"}).json()["total"] == 0


def test_list_pages_with_offset_and_limit(llm, journal_url):
    for i in range(5):
        _chat(llm, f"m{i}")
    page = httpx.get(journal_url, params={"offset": 1, "limit": 2}).json()
    assert [e["text"] for e in page["data"]] == ["m1", "m2"]
    assert page["has_more"] is True
    newest = httpx.get(journal_url, params={"order": "desc", "limit": 1}).json()
    assert newest["data"][0]["text"] == "m4"


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"limit": "zero"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"status": "x"}, "status"),
        ({"ended": "later"}, "ended"),
    ],
)
def test_bad_query_is_a_400_that_names_the_parameter(journal_url, params, named):
    response = httpx.get(journal_url, params=params)
    assert response.status_code == 400
    assert f"'{named}'" in response.json()["error"]["message"]


def test_one_entry_by_id_and_a_404_for_unknown_ids(llm, journal_url):
    _chat(llm, "hello")
    entry_id = llm.requests.last.id
    assert httpx.get(f"{journal_url}/{entry_id}").json()["text"] == "hello"
    assert httpx.get(f"{journal_url}/999999").status_code == 404


def test_delete_empties_the_journal(llm, journal_url):
    _chat(llm, "x")
    assert httpx.delete(journal_url).json() == {"deleted": 1}
    assert httpx.get(journal_url).json()["total"] == 0


def test_journal_needs_the_key_when_the_server_has_one():
    with FakeLLM(api_key="sk-secret-key-123") as llm:
        url = f"{llm.url}/_fakellm/requests"
        _chat(llm, "hi", key="sk-secret-key-123")
        assert httpx.get(url).status_code == 401
        assert httpx.get(url, headers={"authorization": "Bearer wrong"}).status_code == 401
        assert httpx.delete(url).status_code == 401
        allowed = httpx.get(url, headers={"authorization": "Bearer sk-secret-key-123"})
        assert allowed.status_code == 200
        assert allowed.json()["total"] == 1
        assert "sk-secret-key-123" not in allowed.text


@pytest.mark.parametrize(
    ("headers", "params"),
    [
        ({"authorization": "Bearer sk-secret-key-123"}, {}),
        ({"api-key": "sk-secret-key-123"}, {}),
        ({"x-goog-api-key": "sk-secret-key-123"}, {}),
        ({}, {"key": "sk-secret-key-123"}),
    ],
    ids=["bearer", "azure-header", "gemini-header", "gemini-query"],
)
def test_journal_takes_the_key_the_way_any_provider_sends_it(headers, params):
    with FakeLLM(api_key="sk-secret-key-123") as llm:
        url = f"{llm.url}/_fakellm/requests"
        assert httpx.get(url, headers=headers, params=params).status_code == 200
        wrong = {k: v.replace("123", "999") for k, v in headers.items()}
        assert httpx.get(url, headers=wrong, params={k: "wrong" for k in params}).status_code == 401


def test_journal_follows_keys_changed_while_running():
    with FakeLLM() as llm:
        url = f"{llm.url}/_fakellm/requests"
        assert httpx.get(url).status_code == 200
        llm.set_api_keys("sk-later-key-456")
        assert httpx.get(url).status_code == 401
        assert httpx.get(url, headers={"authorization": "Bearer sk-later-key-456"}).status_code == 200


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "42"}, "Query parameter 'status' must be between 100 and 599, got 42."),
        ({"stream": "yes"}, "Query parameter 'stream' must be true or false, got 'yes'."),
        ({"offset": "-1"}, "Query parameter 'offset' must be at least 0, got -1."),
    ],
)
def test_bad_query_messages(journal_url, params, message):
    response = httpx.get(journal_url, params=params)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == message


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"limit": "\u00b2"}, "limit"),
        ({"offset": "--1"}, "offset"),
        ({"offset": "-"}, "offset"),
        ({"status": "4" * 5000}, "status"),
        ({"limit": "1_0"}, "limit"),
        ({"status": "\u0664\u0662\u0669"}, "status"),  # Arabic-Indic digits: `int()` takes them, the API does not
    ],
)
def test_odd_numbers_are_a_400_not_a_500(journal_url, params, named):
    response = httpx.get(journal_url, params=params)
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert f"'{named}'" in message
    assert len(message) < 200  # 5,000 digits are not quoted back


@pytest.mark.parametrize("raw", ["%C2%B2", "-1", "1_0", "\u0663"])
def test_an_entry_id_that_is_not_a_whole_number_is_a_400(journal_url, raw):
    response = httpx.get(f"{journal_url}/{raw}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_id"


def test_a_huge_entry_id_is_a_404(journal_url):
    assert httpx.get(f"{journal_url}/{'9' * 5000}").status_code == 404


def test_one_deeply_nested_request_does_not_break_the_listing(llm, journal_url):
    deep = '{"a": [' * 300 + '"bottom"' + "]}" * 300  # 600 levels: JSON text, as a client would send it
    url = f"{llm.base_urls()['openai']}/chat/completions"
    body = '{"model": "m", "messages": [{"role": "user", "content": "deep"}], "metadata_x": ' + deep + "}"
    headers = {"authorization": "Bearer k", "content-type": "application/json"}
    assert httpx.post(url, content=body, headers=headers).status_code == 200
    _chat(llm, "after")
    listing = httpx.get(journal_url)
    assert listing.status_code == 200
    data = listing.json()["data"]
    assert [e["text"] for e in data] == ["deep", "after"]
    assert "nested deeper than" in json.dumps(data[0]["request"]["extras"])
    assert httpx.get(f"{journal_url}/{data[0]['id']}").status_code == 200
