"""Each app has its own id source: seeded apps in one process do not disturb each other's ids."""

from __future__ import annotations

import asyncio

import httpx

from fakellm.config import ServerConfig
from fakellm.ids import IdSource
from fakellm.server.app import FakeLLMApp

BODY = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


def completion_ids(app: FakeLLMApp, count: int) -> list[str]:
    async def go() -> list[str]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://fake") as client:
            return [(await client.post("/v1/chat/completions", json=BODY)).json()["id"] for _ in range(count)]

    return asyncio.run(go())


def test_a_seeded_app_gives_the_same_ids_whatever_another_app_does():
    alone = completion_ids(FakeLLMApp(ServerConfig(seed=7)), 3)
    first, second = FakeLLMApp(ServerConfig(seed=7)), FakeLLMApp(ServerConfig(seed=7))
    interleaved = []
    for _ in range(3):
        interleaved += completion_ids(first, 1)
        completion_ids(second, 2)  # draws from its own source, not from `first`'s
    assert interleaved == alone
    assert len(set(alone)) == 3


def test_an_unseeded_app_does_not_reset_a_seeded_one():
    alone = completion_ids(FakeLLMApp(ServerConfig(seed=3)), 2)
    seeded = FakeLLMApp(ServerConfig(seed=3))
    got = completion_ids(seeded, 1)
    FakeLLMApp(ServerConfig())
    FakeLLMApp(ServerConfig(seed=99))
    got += completion_ids(seeded, 1)
    assert got == alone


def test_id_source_shapes():
    ids = IdSource(1)
    assert ids.new("chatcmpl-").startswith("chatcmpl-")
    assert len(ids.new("chatcmpl-")) == 38
    assert ids.lower("req_", 10)[4:].islower()
    uuid = ids.uuid()
    assert [len(p) for p in uuid.split("-")] == [8, 4, 4, 4, 12]
    assert IdSource(5).token(20) == IdSource(5).token(20)
