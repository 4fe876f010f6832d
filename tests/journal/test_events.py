"""The journal's live events: who listens gets open, answer, chunk and settle, in that order."""

from __future__ import annotations

import itertools

import httpx

from fakellm.config import ServerConfig
from fakellm.journal import Journal
from fakellm.journal.events import EventHub, JournalEvent
from fakellm.server.app import FakeLLMApp
from fakellm.testing.server_thread import ServerThread

CHAT = {"model": "m", "messages": [{"role": "user", "content": "Repeat with me: alpha beta gamma"}], "stream": True}


def test_nobody_listening_costs_a_flag():
    hub = EventHub()
    assert not hub.watched
    assert not hub.watching_chunks
    seen: list[str] = []

    def listener(event: JournalEvent) -> None:
        seen.append(event.kind)

    hub.subscribe(listener)
    assert hub.watched
    assert not hub.watching_chunks
    hub.subscribe(listener, chunks=True)
    assert hub.watching_chunks
    hub.unsubscribe(listener)
    assert not hub.watched
    assert not hub.watching_chunks
    assert hub.listeners == 0


def test_a_failing_listener_is_dropped_and_others_still_hear():
    journal = Journal()
    heard: list[str] = []

    def broken(event: JournalEvent) -> None:
        raise RuntimeError("boom")

    journal.subscribe(broken)
    journal.subscribe(lambda event: heard.append(event.kind))
    journal.events.publish(JournalEvent("open", object()))  # type: ignore[arg-type]
    journal.events.publish(JournalEvent("settle", object()))  # type: ignore[arg-type]
    assert heard == ["open", "settle"]
    assert journal.events.listeners == 1


def _events(chunks: bool, body: dict[str, object], path: str = "/v1/chat/completions") -> list[JournalEvent]:
    app = FakeLLMApp(ServerConfig(metrics=False))
    events: list[JournalEvent] = []
    app.journal.subscribe(events.append, chunks=chunks)
    server = ServerThread(app).start()
    try:
        httpx.post(server.url + path, json=body, headers={"x-fakellm-tokens-per-second": "20"})
        app.journal.wait_settled(5)
    finally:
        server.stop()
    return events


def test_one_request_in_order_with_the_text_each_chunk_added():
    events = _events(True, CHAT)
    kinds = [e.kind for e in events]
    assert kinds[0] == "open"
    assert kinds[1] == "answer"
    assert kinds[-1] == "settle"
    chunks = [e for e in events if e.kind == "chunk"]
    sent = [c.data["sent"] for c in chunks]
    assert sent == sorted(set(sent))  # one event a write; frames due together go in one write
    assert "".join(c.data["text"] for c in chunks) == "alpha beta gamma"
    assert [c.data["text"] for c in chunks if c.data["text"]] == ["alpha", " beta", " gamma"]  # 50 ms apart
    assert all(a.data["at_ms"] <= b.data["at_ms"] for a, b in itertools.pairwise(chunks))
    settled = events[-1].entry
    assert settled.ended == "completed"
    assert settled.chunks == sent[-1]
    assert len(settled.sent_s) == settled.chunks == len(settled.schedule_s)


def test_without_chunks_only_the_four_moments():
    events = _events(False, CHAT)
    assert [e.kind for e in events] == ["open", "answer", "settle"]
    assert events[1].data["replies"][0].text == "alpha beta gamma"
