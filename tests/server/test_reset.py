"""`POST /_fakellm/reset`: per-run state back to the start over HTTP (what a fleet's tests call
between tests), guarded by the key like the journal."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from fakellm.testing.server_thread import ServerThread


def ask(server: ServerThread, scenario: str, **headers: str) -> httpx.Response:
    body = {"model": f"fakellm/{scenario}", "messages": [{"role": "user", "content": "Ada"}]}
    return httpx.post(server.url + "/v1/chat/completions", json=body, headers=headers, timeout=10)


def test_reset_starts_sequences_and_counters_again_and_empties_the_journal(
    make_server: Callable[..., ServerThread],
) -> None:
    server = make_server()
    first = ask(server, "script").json()["choices"][0]["message"]["content"]
    assert ask(server, "script").json()["choices"][0]["message"]["content"] != first
    assert [ask(server, "flaky").status_code for _ in range(2)] == [200, 503]
    assert httpx.post(server.url + "/_fakellm/reset").json() == {"reset": True}
    assert ask(server, "script").json()["choices"][0]["message"]["content"] == first
    assert ask(server, "flaky").status_code == 200  # the counter started again: this is its first
    assert [e.rule for e in server.app.journal.entries()] == ["conversation", "echo"]


def test_reset_wants_the_key_when_one_is_set(make_server: Callable[..., ServerThread]) -> None:
    server = make_server(api_keys=("sk-right",))
    refused = httpx.post(server.url + "/_fakellm/reset")
    assert refused.status_code == 401
    assert "key" in refused.json()["error"]["message"]
    allowed = httpx.post(server.url + "/_fakellm/reset", headers={"authorization": "Bearer sk-right"})
    assert allowed.status_code == 200
    assert httpx.get(server.url + "/_fakellm/reset").status_code == 405
