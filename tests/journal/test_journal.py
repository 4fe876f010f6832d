"""The journal: masking, the bound, filters, serialisation, settling, and barge-in records."""

from __future__ import annotations

import dataclasses
import json
import threading
from typing import Any

import httpx
import openai

from fakellm.context import RequestContext
from fakellm.dialects.openai import OpenAIDialect
from fakellm.journal import Journal, JournalFilter, request_to_dict
from fakellm.journal.masking import mask_header, masked_headers, masked_query
from fakellm.model import ChatRequest, Message, TextPart
from fakellm.testing.harness import FakeLLM
from tests.support.doubles import LONG_REPLY

SECRET = "sk-live-abcdefghijklmnopqrstuvwxyz"


def _ctx(path: str = "/v1/chat/completions", **headers: str) -> RequestContext:
    return RequestContext(OpenAIDialect(), "POST", path, "chat", dict(headers), {})


def test_bearer_token_is_masked_but_scheme_kept():
    assert mask_header("authorization", f"Bearer {SECRET}") == "Bearer sk-l***yz"


def test_every_secret_header_is_masked_and_others_are_kept():
    headers = masked_headers({"api-key": SECRET, "x-goog-api-key": SECRET, "cookie": SECRET, "user-agent": "ua"})
    assert SECRET not in json.dumps(headers)
    assert headers["user-agent"] == "ua"


def test_short_secrets_are_fully_masked():
    assert mask_header("api-key", "abc") == "***"


def test_keys_in_the_query_are_masked():
    assert masked_query({"key": SECRET, "alt": "sse"}) == {"key": "sk-l***yz", "alt": "sse"}


def test_a_real_gemini_key_in_the_query_is_not_journaled():
    with FakeLLM() as llm:
        body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
        url = f"{llm.url}/v1beta/models/gemini-2.5-flash:generateContent"
        assert httpx.post(url, params={"key": SECRET}, json=body).status_code == 200
        assert SECRET not in json.dumps(llm.requests.last.to_dict())


def _request() -> ChatRequest:
    return ChatRequest(dialect="openai", model="m", messages=[Message("user", [TextPart("hi")])])


def test_request_dump_is_every_field_of_the_neutral_request_with_message_text():
    dumped = request_to_dict(_request())
    names = {f.name for f in dataclasses.fields(ChatRequest)} - {"options"}
    assert set(dumped) == names
    assert dumped["messages"][0]["text"] == "hi"
    assert dumped["messages"][0]["parts"] == [{"text": "hi", "kind": "text"}]


@dataclasses.dataclass
class _Options:
    secret_setting: str = "internal"


def test_request_dump_leaves_out_the_dialect_options():
    # A dialect's typed options are internal: they never reach the journal's JSON, whether or not
    # the neutral request has such a field yet (a subclass adds one here).
    fields: list[Any] = [("options", _Options, dataclasses.field(default_factory=_Options))]
    if "options" in {f.name for f in dataclasses.fields(ChatRequest)}:
        fields = []
    with_options = dataclasses.make_dataclass("WithOptions", fields, bases=(ChatRequest,))
    request = with_options(dialect="openai", model="m", messages=_request().messages)
    assert "options" in {f.name for f in dataclasses.fields(request)}
    dumped = request_to_dict(request)
    assert "options" not in dumped
    assert "internal" not in json.dumps(dumped, default=str)
    assert dumped["model"] == "m"


def test_bound_drops_the_oldest_entries():
    journal = Journal(size=3)
    for i in range(5):
        journal.open(_ctx(f"/p{i}"))
    assert [e.path for e in journal] == ["/p2", "/p3", "/p4"]
    assert [e.id for e in journal] == [3, 4, 5]


def test_filter_matches_only_the_fields_it_sets():
    journal = Journal()
    a, b = journal.open(_ctx("/a")), journal.open(_ctx("/b"))
    a.scenario, b.scenario, b.status = "slow", "echo", 429
    assert journal.entries(JournalFilter(scenario="echo", status=429)) == [b]
    assert journal.entries(JournalFilter(scenario="echo", status=200)) == []
    assert len(journal.entries(JournalFilter())) == 2


def test_wait_settled_waits_for_open_requests():
    journal = Journal()
    entry = journal.open(_ctx())
    assert journal.wait_settled(0.01) is False
    threading.Timer(0.02, journal.settle, [entry]).start()
    assert journal.wait_settled(5) is True


def test_clear_reports_how_many_entries_it_dropped():
    journal = Journal()
    journal.settle(journal.open(_ctx()))
    assert journal.clear() == 1
    assert len(journal) == 0


def test_real_request_is_recorded_with_masked_key_and_parsed_request():
    with FakeLLM() as llm:
        client = openai.OpenAI(base_url=llm.openai_base_url, api_key=SECRET, max_retries=0)
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hello there"}])
        entry = llm.requests.last
        dumped = json.dumps(entry.to_dict())
    assert SECRET not in dumped
    assert entry.headers["authorization"].startswith("Bearer sk-l")
    assert (entry.dialect, entry.scenario, entry.rule, entry.status) == ("openai", "echo", "echo", 200)
    assert entry.ended == "completed"
    assert entry.text == "hello there"
    assert entry.to_dict()["request"]["messages"][0]["text"] == "hello there"
    assert entry.total_ms is not None
    assert entry.total_ms >= 0


def test_real_bound_keeps_only_the_newest_requests():
    with FakeLLM(journal_size=2) as llm:
        for word in ("one", "two", "three"):
            httpx.post(
                f"{llm.openai_base_url}/chat/completions",
                json={"model": "m", "messages": [{"role": "user", "content": word}]},
            )
        assert llm.requests.user_texts == ["two", "three"]


def test_client_disconnect_mid_stream_records_chunks_and_time():
    with FakeLLM() as llm:
        llm.add_rule(reply=LONG_REPLY, latency={"tokens_per_second": 50})  # a chunk every 20 ms
        client = openai.OpenAI(base_url=llm.openai_base_url, api_key="k", max_retries=0)
        stream = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "talk"}], stream=True)
        for received, _chunk in enumerate(stream, start=1):
            if received == 3:
                break
        stream.close()  # barge-in: the user spoke, the agent hangs up on the LLM
        entry = llm.requests.last
    assert entry.ended == "disconnected"
    assert entry.disconnected
    total_frames = len(LONG_REPLY.split()) + 2
    assert 3 <= entry.chunks < total_frames
    assert entry.disconnected_at_ms is not None
    assert 2 * 20 * 0.5 <= entry.disconnected_at_ms < total_frames * 20  # loose: after 3 frames, before the end
    assert "client disconnected at" in entry.summary()
    assert f"after {entry.chunks} chunks" in entry.summary()


def test_a_waiting_reader_is_woken_by_the_settle_it_waits_for():
    journal = Journal()
    entry = journal.open(_ctx())
    woke: list[bool] = []
    reader = threading.Thread(target=lambda: woke.append(journal.wait_settled(5)))
    reader.start()
    while not journal._waiting:  # the reader is inside wait_for
        threading.Event().wait(0.001)
    journal.settle(entry)
    reader.join(5)
    assert woke == [True]
    assert journal._waiting == 0
