"""The stages' shared paths against the in-process `MemoryStore`: what a Redis store must do too."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from fakellm.context import RequestContext
from fakellm.dialects.openai import OpenAIDialect
from fakellm.errors import ApiError
from fakellm.faults import FaultStage
from fakellm.faults.ratelimit import RateLimited
from fakellm.faults.spec import FaultSpec
from fakellm.model import ChatRequest, Message, Reply, TextPart
from fakellm.scenarios.file_scenario import FileScenario
from fakellm.scenarios.format import ScenarioFile
from fakellm.state import StateUnavailable, open_store
from fakellm.state.memory import MemoryStore

DIALECT = OpenAIDialect()


def ctx() -> RequestContext:
    return RequestContext(DIALECT, "POST", "/v1/chat/completions", "chat", {}, {})


def request(text: str = "hi") -> ChatRequest:
    return ChatRequest("openai", "gpt-test", [Message("user", [TextPart(text)])])


def plan(stage: FaultStage, faults: dict[str, Any]) -> int:
    """The status a request gets: 200 when admitted, else the refusal's."""
    try:
        asyncio.run(stage.plan(ctx(), request(), [Reply(text="ok")], "m", FaultSpec.model_validate(faults), "s"))
    except ApiError as error:
        return error.status
    return 200


def test_two_fault_stages_on_one_store_share_the_error_counter() -> None:
    store = MemoryStore()
    first, second = FaultStage(state=store), FaultStage(state=store)
    every_second = {"error": {"status": 503, "every": 2}}
    statuses = [plan(stage, every_second) for stage in (first, second, first, second)]
    assert statuses == [200, 503, 200, 503]  # alone, each stage would never see its own second request


def test_two_fault_stages_on_one_store_share_a_budget() -> None:
    store = MemoryStore()
    stages = [FaultStage(state=store), FaultStage(state=store)]
    budget = {"rate_limit": {"requests_per_minute": 3, "per": "global"}}
    statuses = [plan(stages[i % 2], budget) for i in range(6)]
    assert statuses == [200, 200, 200, 429, 429, 429]


def test_the_store_refuses_as_the_limiter_does() -> None:
    store = MemoryStore()
    for _ in range(2):
        asyncio.run(store.take(("s", "*"), 2, None, 10))
    with pytest.raises(RateLimited) as refused:
        asyncio.run(store.take(("s", "*"), 2, None, 10))
    assert refused.value.limit_name == "requests"
    assert 29 < refused.value.retry_after <= 30  # one request back in 60 s / 2


def scripted() -> FileScenario:
    spec = {"name": "script", "rules": [{"name": "talk", "replies": ["one", "two", "three"], "exhausted": "cycle"}]}
    return FileScenario(ScenarioFile.model_validate(spec))


def test_two_scenario_copies_on_one_store_share_the_sequence() -> None:
    store = MemoryStore()
    replicas = [scripted(), scripted()]

    async def texts() -> list[str]:
        found = []
        for i in range(4):
            outcome = await replicas[i % 2].respond_shared(request(), ctx(), store)
            found.append(outcome.replies[0].text)
        return found

    assert asyncio.run(texts()) == ["one", "two", "three", "one"]
    # The local positions are untouched: the process's own sequence is another one.
    assert replicas[0].respond(request(), ctx()).replies[0].text == "one"


def test_a_reset_store_starts_sequences_counters_and_budgets_again() -> None:
    store = MemoryStore()
    scenario = scripted()

    async def run() -> tuple[str, str]:
        await scenario.respond_shared(request(), ctx(), store)
        await store.incr("errors:s")
        await store.publish(await store.reserve(), {"path": "/x"})
        await store.reset()
        outcome = await scenario.respond_shared(request(), ctx(), store)
        return outcome.replies[0].text, str(await store.incr("errors:s"))

    assert asyncio.run(run()) == ("one", "1")
    assert asyncio.run(store.entries()) == []


def test_the_shared_journal_is_bounded_by_count_and_bytes_and_names_the_replica() -> None:
    store = MemoryStore(journal_size=3, journal_max_bytes=10_000)

    async def run() -> list[dict[str, Any]]:
        for i in range(5):
            await store.publish(await store.reserve(), {"path": f"/{i}"})
        return await store.entries()

    entries = asyncio.run(run())
    assert [e["path"] for e in entries] == ["/2", "/3", "/4"]
    assert [e["id"] for e in entries] == [3, 4, 5]
    assert all(":" in e["replica"] for e in entries)
    small = MemoryStore(journal_size=100, journal_max_bytes=200)
    asyncio.run(small.publish(1, {"text": "x" * 150}))
    asyncio.run(small.publish(2, {"text": "y" * 150}))  # over the bytes: the oldest goes, the newest stays
    assert [e["text"][0] for e in asyncio.run(small.entries())] == ["y"]


def test_memory_makes_no_store_and_a_dead_redis_is_a_503() -> None:
    assert open_store("memory", journal_size=10, journal_max_bytes=1000) is None
    store = open_store("redis://127.0.0.1:1/0", journal_size=10, journal_max_bytes=1000)
    assert store is not None

    async def run() -> None:
        try:
            await store.incr("x")
        finally:
            await store.close()

    with pytest.raises(StateUnavailable) as down:
        asyncio.run(run())
    assert down.value.status == 503
    assert "redis://127.0.0.1:1/0" in (down.value.message or "")
    assert down.value.code == "state_store_unreachable"
