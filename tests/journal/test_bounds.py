"""The journal's memory bounds: bytes in all, texts per entry, and nesting depth when published."""

from __future__ import annotations

import dataclasses
import json

import httpx
import pytest

from fakellm.config import ConfigError, ServerConfig
from fakellm.context import RequestContext
from fakellm.dialects.openai import OpenAIDialect
from fakellm.journal import (
    DEPTH_MARKER,
    ENTRY_OVERHEAD,
    MAX_DEPTH,
    Journal,
    JournalEntry,
    Trimmer,
    plain,
    request_to_dict,
    truncate,
)
from fakellm.model import ChatRequest, Message, TextPart, Tool
from fakellm.testing.harness import FakeLLM


def _ctx(path: str = "/v1/chat/completions") -> RequestContext:
    return RequestContext(OpenAIDialect(), "POST", path, "chat", {}, {})


def _request(text: str, **extras: object) -> ChatRequest:
    return ChatRequest("openai", "m", [Message("user", [TextPart(text)])], extras=dict(extras))


def _settled(journal: Journal, text: str, path: str = "/v1/chat/completions") -> JournalEntry:
    entry = journal.open(_ctx(path))
    entry.request, entry.body_bytes, entry.text = _request(text), len(text) + 60, text
    journal.settle(entry)
    return entry


def test_the_journal_drops_the_oldest_entries_when_over_its_bytes():
    journal = Journal(size=100, max_bytes=3 * (ENTRY_OVERHEAD + 2060), entry_max_bytes=10_000)
    for i in range(5):
        _settled(journal, "x" * 1000, f"/p{i}")
    assert [e.path for e in journal] == ["/p2", "/p3", "/p4"]
    assert journal.bytes == 3 * (ENTRY_OVERHEAD + 2060)


def test_the_newest_entry_stays_even_when_it_alone_is_over_the_bytes():
    journal = Journal(max_bytes=10, entry_max_bytes=1_000_000)
    _settled(journal, "a" * 5000, "/old")
    _settled(journal, "b" * 5000, "/new")
    assert [e.path for e in journal] == ["/new"]


def test_entries_dropped_by_count_or_cleared_give_their_bytes_back():
    journal = Journal(size=2)
    for _ in range(5):
        _settled(journal, "text")
    assert journal.bytes == sum(e.weight for e in journal)
    journal.clear()
    assert journal.bytes == 0
    entry = journal.open(_ctx())
    journal.clear()
    journal.settle(entry)  # settled after it was cleared away: not counted
    assert journal.bytes == 0


def test_a_large_entry_keeps_its_texts_cut_to_the_per_entry_bound_with_a_marker():
    journal = Journal(entry_max_bytes=1000)
    big = "y" * 1_000_000
    request = _request(big)
    entry = journal.open(_ctx())
    entry.request, entry.body_bytes, entry.text = request, len(big) + 60, big
    journal.settle(entry)
    assert entry.weight <= ENTRY_OVERHEAD + 1000
    assert entry.request is not None
    kept, marker = entry.request.last_user_text.split("...")
    assert set(kept) == {"y"}
    assert 900 < len(kept) <= 1000  # the model name and roles count too
    assert marker == f"[fakellm: {len(big) - len(kept)} more characters cut]"
    assert entry.text == "...[fakellm: 1000000 more characters cut]"  # the request took the budget
    assert request.last_user_text == big  # the client's request object itself is untouched


def test_a_small_entry_is_kept_whole():
    journal = Journal()
    entry = _settled(journal, "hello")
    assert entry.request is not None
    assert entry.request.last_user_text == "hello"
    assert entry.text == "hello"


def test_trimmer_cuts_nesting_and_shares_its_budget():
    trim = Trimmer(5)
    assert trim(["abc", "def", "gh"]) == ["abc", "de...[fakellm: 1 more characters cut]", truncate("gh", 0)]
    assert trim.cut
    deep: object = 1
    for _ in range(MAX_DEPTH + 5):
        deep = [deep]
    assert DEPTH_MARKER in json.dumps(Trimmer(10)(deep))


def test_publishing_cuts_nesting_at_the_bound():
    deep: object = "bottom"
    for _ in range(900):
        deep = {"a": deep}
    published = plain(deep)
    depth = 0
    while isinstance(published, dict):
        published, depth = published["a"], depth + 1
    assert (depth, published) == (MAX_DEPTH, DEPTH_MARKER)
    request = ChatRequest("openai", "m", [], tools=[Tool("t", parameters={"x": deep})])
    assert DEPTH_MARKER in json.dumps(request_to_dict(request))


def test_server_settings_reach_the_journal():
    server = FakeLLM()
    server.config = dataclasses.replace(server.config, journal_max_bytes=123_456, journal_entry_max_bytes=789)
    with server as llm:
        assert (llm.app.journal.max_bytes, llm.app.journal.entry_max_bytes) == (123_456, 789)
        url = f"{llm.base_urls()['openai']}/chat/completions"
        body = {"model": "m", "messages": [{"role": "user", "content": "z" * 5000}]}
        assert httpx.post(url, json=body).status_code == 200
        entry = llm.requests.last
        assert entry.request is not None
        assert "more characters cut" in entry.request.last_user_text
        assert len(entry.request.last_user_text) < 900


@pytest.mark.parametrize("setting", ["journal_max_bytes", "journal_entry_max_bytes", "server_errors_kept"])
@pytest.mark.parametrize("value", [0, -1, 1.5, True, "100"])
def test_memory_settings_must_be_positive_integers(setting, value):
    with pytest.raises(ConfigError) as error:
        ServerConfig(**{setting: value})
    assert error.value.setting == setting
