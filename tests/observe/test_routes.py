"""The dashboard over HTTP: the page for browsers, the banner for everyone else, the guarded data
endpoints, the live feed, the request detail, Try it's sample and the bounded check."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Callable

import httpx
import openai
import pytest

from fakellm.config import ServerConfig
from fakellm.dialects.openai import OpenAIDialect
from fakellm.journal import Journal
from fakellm.journal.events import JournalEvent
from fakellm.observe.feed import Watcher
from fakellm.server.app import FakeLLMApp
from fakellm.server.urls import banner
from fakellm.testing.server_thread import ServerThread
from tests.support.contexts import context_for

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Repeat with me: red green blue"}]}
DATA_ENDPOINTS = [
    ("GET", "/_fakellm/dashboard/info"),
    ("GET", "/_fakellm/dashboard/sample?dialect=openai"),
    ("GET", "/_fakellm/dashboard/requests/1"),
    ("POST", "/_fakellm/dashboard/check"),
    ("GET", "/_fakellm/events"),
    ("GET", "/metrics"),
]


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "text/plain"])
def test_curl_and_other_clients_keep_the_plain_text_banner(server: ServerThread, accept: str | None):
    headers = {"accept": accept} if accept else {}
    response = httpx.get(server.url + "/", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.content == (banner(server.url, server.app.scenario_names) + "\n").encode()


def test_a_browser_gets_the_page_which_holds_no_data(make_server: Callable[..., ServerThread]):
    server = make_server(api_keys=("sk-very-secret",))
    response = httpx.get(server.url + "/", headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "sk-very-secret" not in response.text
    assert '<script src="/_fakellm/dashboard/static/app.js"' in response.text
    links = re.findall(r'(?:src|href)="([^"]*)"', response.text)
    assert links
    assert all(link.startswith(("/", "#", "data:")) for link in links), links  # nothing from another origin
    for asset in ("app.js", "app.css"):
        got = httpx.get(server.url + "/_fakellm/dashboard/static/" + asset)
        assert got.status_code == 200
        assert "sk-very-secret" not in got.text
    assert httpx.get(server.url + "/_fakellm/dashboard/static/../routes.py").status_code == 404
    assert httpx.get(server.url + "/_fakellm/dashboard/static/index.py").status_code == 404


@pytest.mark.parametrize(("method", "path"), DATA_ENDPOINTS)
def test_with_a_key_the_data_endpoints_want_it(make_server: Callable[..., ServerThread], method: str, path: str):
    server = make_server(api_keys=("sk-right",))
    refused = httpx.request(method, server.url + path, json={})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_api_key"
    wrong = httpx.request(method, server.url + path, json={}, headers={"authorization": "Bearer sk-wrong"})
    assert wrong.status_code == 401
    if path != "/_fakellm/events":
        right = httpx.request(method, server.url + path, json={}, headers={"authorization": "Bearer sk-right"})
        assert right.status_code != 401


def test_info_lists_platforms_dialects_and_scenarios(server: ServerThread):
    info = httpx.get(server.url + "/_fakellm/dashboard/info").json()
    assert info["root"] == server.url
    assert info["key_required"] is False
    assert {d["name"] for d in info["dialects"]} >= {"openai", "azure", "gemini", "gemini_openai", "groq"}
    assert len(info["platforms"]) == 8
    slow = next(s for s in info["scenarios"] if s["name"] == "slow")
    assert "1.5 s" in slow["description"]
    assert slow["defaults"]["latency"]["ttft_ms"] == 1500
    forwarded = {"x-forwarded-proto": "https", "x-forwarded-host": "localhost:9999"}
    assert (
        httpx.get(server.url + "/_fakellm/dashboard/info", headers=forwarded).json()["root"] == "https://localhost:9999"
    )


def test_a_scenario_s_own_keys_are_not_shown(make_server: Callable[..., ServerThread], tmp_path):
    (tmp_path / "keyed.yaml").write_text("name: keyed\ndefaults:\n  api_keys: [sk-scenario-secret]\nrules: []\n")
    server = make_server(scenario_paths=(tmp_path,))
    response = httpx.get(
        server.url + "/_fakellm/dashboard/info", headers={"authorization": "Bearer sk-scenario-secret"}
    )
    assert response.status_code == 200
    assert "sk-scenario-secret" not in response.text


def test_try_it_s_sample_goes_through_the_real_route_in_every_dialect_that_has_one(server: ServerThread):
    info = httpx.get(server.url + "/_fakellm/dashboard/info").json()
    dialects = [d["name"] for d in info["dialects"] if d["try"]]
    assert {"openai", "azure", "gemini", "gemini_openai", "groq", "responses", "anthropic"} <= set(dialects)
    for dialect in dialects:
        for stream in ("0", "1"):
            query = {"dialect": dialect, "scenario": "echo", "text": "Repeat with me: sample works", "stream": stream}
            sample = httpx.get(server.url + "/_fakellm/dashboard/sample", params=query).json()
            assert sample["path"].startswith("/s/echo/")
            headers = {k: v.replace("{key}", "sk-x") for k, v in sample["headers"].items()}
            response = httpx.post(server.url + sample["path"], json=sample["body"], headers=headers)
            assert response.status_code == 200, (dialect, response.text)
            entry = server.app.journal.entries()[-1]
            assert (entry.dialect, entry.stream, entry.text) == (dialect, stream == "1", "sample works")
    unknown = httpx.get(server.url + "/_fakellm/dashboard/sample", params={"dialect": "nope"})
    assert unknown.status_code == 400
    assert "openai" in unknown.json()["error"]["message"]


def test_the_feed_sends_hello_then_each_request_as_it_goes(server: ServerThread):
    received: list[tuple[str, dict[str, object]]] = []
    ready = threading.Event()

    def listen() -> None:
        with httpx.stream("GET", server.url + "/_fakellm/events", timeout=10) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            kind = ""
            for line in response.iter_lines():
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    received.append((kind, json.loads(line[6:])))
                    ready.set()
                    if kind == "settle" and received[-1][1].get("user") == "Repeat with me: red green blue":
                        return

    worker = threading.Thread(target=listen)
    worker.start()
    assert ready.wait(5)
    client = openai.OpenAI(base_url=server.url + "/v1", api_key="sk-x")
    text = "".join(c.choices[0].delta.content or "" for c in client.chat.completions.create(**CHAT, stream=True))
    worker.join(5)
    assert not worker.is_alive()
    kinds = [k for k, _ in received]
    assert kinds[0] == "hello"
    mine = [(k, d) for k, d in received[1:] if d.get("id") == received[-1][1]["id"]]
    assert [k for k, _ in mine][:2] == ["open", "answer"]
    assert mine[-1][0] == "settle"
    assert "".join(str(d["text"]) for k, d in mine if k == "chunk") == text == "red green blue"
    settled = mine[-1][1]
    assert settled["agent"] == "openai SDK (Python)"
    assert settled["ended"] == "completed"
    assert settled["model"] == "gpt-4o-mini"


def test_the_detail_has_the_timeline_against_the_schedule(server: ServerThread):
    headers = {"x-fakellm-ttft-ms": "50", "x-fakellm-tokens-per-second": "100", "authorization": "Bearer sk-live-123"}
    httpx.post(server.url + "/v1/chat/completions", json={**CHAT, "stream": True}, headers=headers)
    entry = server.app.journal.entries()[-1]
    detail = httpx.get(f"{server.url}/_fakellm/dashboard/requests/{entry.id}").json()
    timeline = detail["timeline"]
    assert len(timeline["sent_ms"]) == detail["chunks"] == len(timeline["schedule_ms"])
    assert timeline["schedule_ms"][0] == pytest.approx(50, abs=1)
    assert all(sent >= due - 5 for sent, due in zip(timeline["sent_ms"], timeline["schedule_ms"], strict=True))
    assert detail["headers"]["authorization"] != "Bearer sk-live-123"
    assert "sk-live-123" not in json.dumps(detail)
    assert detail["request"]["messages"][0]["text"] == "Repeat with me: red green blue"
    assert httpx.get(server.url + "/_fakellm/dashboard/requests/999999").status_code == 404


def test_check_runs_fakellm_check_bounded(server: ServerThread):
    url = server.url + "/_fakellm/dashboard/check"
    passed = httpx.post(url, json={"url": server.url + "/v1"}, timeout=30).json()
    assert passed["passed"] is True
    assert "verdict: PASS" in passed["text"]
    started = time.monotonic()
    stalled = httpx.post(url, json={"url": server.url + "/s/stall/v1", "timeout": 1}, timeout=30).json()
    assert stalled["passed"] is False
    assert time.monotonic() - started < 10
    for bad in ({"url": "ftp://x"}, {"url": server.url, "timeout": 600}, {"url": 3}, [1]):
        assert httpx.post(url, json=bad).status_code == 400
    assert httpx.post(url, json={"url": "http://169.254.169.254/latest"}).json()["error"]["code"] == "target_refused"


def test_a_public_server_without_a_key_checks_no_private_address():
    app = FakeLLMApp(ServerConfig(host="0.0.0.0"))
    server = ServerThread(app, "127.0.0.1").start()
    try:
        response = httpx.post(server.url + "/_fakellm/dashboard/check", json={"url": server.url + "/v1"})
        assert response.status_code == 400
        assert "--api-key" in response.json()["error"]["message"]
    finally:
        server.stop()


def test_a_closed_feed_stops_listening(make_server: Callable[..., ServerThread]):
    server = make_server()
    events = server.app.journal.events
    before = events.listeners  # the metrics
    with httpx.stream("GET", server.url + "/_fakellm/events") as response:
        lines = response.iter_lines()  # kept: a dropped generator closes the response
        next(lines)
        assert events.listeners == before + 1
        assert events.watching_chunks
    deadline = time.monotonic() + 5
    while events.listeners != before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert events.listeners == before
    assert not events.watching_chunks


def test_a_feed_that_falls_behind_is_told_and_let_go(monkeypatch):
    monkeypatch.setattr("fakellm.observe.feed.QUEUE_SIZE", 3)
    journal = Journal()
    entry = journal.open(context_for(OpenAIDialect(), path="/v1/chat/completions"))

    async def run() -> list[bytes]:
        watcher = Watcher(journal)
        for _ in range(5):  # nobody reads meanwhile
            watcher(JournalEvent("chunk", entry, {"sent": 1, "text": "x", "at_ms": 1.0}))
        return [message async for message in watcher.messages()]

    messages = asyncio.run(run())
    assert messages[0].startswith(b"event: hello\n")
    assert messages[-1].startswith(b"event: lag\n")
    assert len(messages) == 2
