"""The pieces that keep timing honest under load: the held head (one write for a response's head
and its first bytes), the admission (one preparation per loop turn in a burst), the garbage
collection policy of a served process, and a stream leaving no reference cycles behind."""

from __future__ import annotations

import asyncio
import gc
import socket
from collections.abc import Callable
from typing import Any

import pytest

from fakellm.server import collector as collector_module
from fakellm.server.admission import Admission
from fakellm.server.collector import Collector
from fakellm.server.heads import HeldHead
from fakellm.testing.server_thread import ServerThread
from tests.support.raw_http import json_post


class Wire:
    """A transport that records each write (each would be one system call)."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str) -> str:
        return f"extra:{name}"


def held(wire: Wire, loop: asyncio.AbstractEventLoop) -> HeldHead:
    return HeldHead(wire, loop)  # type: ignore[arg-type]  # the transport's interface, as used


def test_a_head_and_the_body_that_follows_it_in_the_same_turn_are_one_write() -> None:
    async def run() -> list[bytes]:
        wire = Wire()
        transport = held(wire, asyncio.get_running_loop())
        transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        assert wire.writes == []  # held
        transport.write(b"5\r\nhello\r\n")
        transport.write(b"0\r\n\r\n")
        await asyncio.sleep(0)
        return wire.writes

    assert asyncio.run(run()) == [b"HTTP/1.1 200 OK\r\n\r\n5\r\nhello\r\n", b"0\r\n\r\n"]


def test_a_head_whose_body_waits_goes_out_alone_on_the_next_turn() -> None:
    async def run() -> list[list[bytes]]:
        wire = Wire()
        transport = held(wire, asyncio.get_running_loop())
        transport.write(b"head")
        seen = [list(wire.writes)]
        await asyncio.sleep(0)
        seen.append(list(wire.writes))
        transport.write(b"body")
        seen.append(list(wire.writes))
        return seen

    assert asyncio.run(run()) == [[], [b"head"], [b"head", b"body"]]


def test_closing_sends_a_held_head_first_and_the_rest_passes_through() -> None:
    async def run() -> Wire:
        wire = Wire()
        transport = held(wire, asyncio.get_running_loop())
        transport.write(b"head")
        assert not transport.is_closing()
        assert transport.get_extra_info("peername") == "extra:peername"
        transport.close()
        assert transport.is_closing()
        await asyncio.sleep(0)  # the flush scheduled for this turn finds nothing left to send
        return wire

    wire = asyncio.run(run())
    assert (wire.writes, wire.closed) == ([b"head"], True)


def test_through_the_server_the_head_comes_with_the_body(make_server: Callable[..., ServerThread]) -> None:
    """A whole (non-streamed) reply: status line, headers and body in one segment of the wire."""
    server = make_server()
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(json_post(server, "/v1/chat/completions", body))
        first = sock.recv(65536)  # one write on loopback arrives as one read
    status, _, rest = first.partition(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 200")
    assert b'"chat.completion"' in rest


# --- admission ------------------------------------------------------------------------------------


def test_in_a_burst_one_request_starts_per_turn_in_order_of_arrival() -> None:
    async def run() -> list[tuple[int, str]]:
        loop = asyncio.get_running_loop()
        gate = Admission(loop)
        turn = 0
        log: list[tuple[int, str]] = []

        async def request(name: str) -> None:
            ticket = gate.ticket()
            if ticket is not None:
                await ticket
            log.append((turn, name))

        tasks = [loop.create_task(request(name)) for name in "abcde"]
        for turn in range(1, 12):  # noqa: B007  # read by the requests
            await asyncio.sleep(0)
        await asyncio.gather(*tasks)
        return log

    log = asyncio.run(run())
    assert [name for _, name in log] == list("abcde")  # first come, first prepared
    turns = [turn for turn, _ in log]
    assert len(set(turns)) == len(turns)  # never two in one turn


def test_a_request_alone_is_not_held_and_a_cancelled_waiter_is_skipped() -> None:
    async def run() -> list[str]:
        loop = asyncio.get_running_loop()
        gate = Admission(loop)
        assert gate.ticket() is None  # nothing else this turn: straight on
        second, third = gate.ticket(), gate.ticket()
        assert second is not None
        assert third is not None
        assert len(gate) == 2
        second.cancel()  # the server shutting down
        await asyncio.wait_for(third, 1)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert len(gate) == 0
        return ["alone" if gate.ticket() is None else "held"]

    assert asyncio.run(run()) == ["alone"]


# --- the collector --------------------------------------------------------------------------------


class FakeGC:
    """What the collector asks of `gc`, recorded; `piled_up` is what `get_count` reports."""

    def __init__(self, piled_up: int) -> None:
        self.piled_up = piled_up
        self.calls: list[str] = []

    found = 0  # what a collection frees

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name == "get_count":
            return lambda: (self.piled_up, 0, 0)
        if name == "collect":
            return lambda *args: self.calls.append(name) or self.found
        return lambda *args: self.calls.append(name)


def check_once(monkeypatch: pytest.MonkeyPatch, piled_up: int, waiting: int, in_flight: int = 0) -> list[str]:
    fake = FakeGC(piled_up)
    monkeypatch.setattr(collector_module, "gc", fake)

    async def run() -> list[str]:
        loop = asyncio.get_running_loop()
        collector = Collector(loop, lambda: in_flight, check_s=3600, idle_at=100, busy_at=10_000)
        collector.pacer = [None] * waiting  # type: ignore[assignment]  # as many frames waiting
        collector.start()
        fake.calls.clear()
        collector.check()
        collector.stop()
        return fake.calls

    return asyncio.run(run())


def test_the_collector_collects_when_nothing_waits_and_enough_has_piled_up(monkeypatch: pytest.MonkeyPatch) -> None:
    assert check_once(monkeypatch, piled_up=500, waiting=0) == ["collect", "enable"]
    assert check_once(monkeypatch, piled_up=50, waiting=0) == ["enable"]  # too little to be worth it


def test_the_collector_waits_while_frames_wait_unless_memory_matters_more(monkeypatch: pytest.MonkeyPatch) -> None:
    assert check_once(monkeypatch, piled_up=5_000, waiting=3) == ["enable"]
    assert check_once(monkeypatch, piled_up=20_000, waiting=3) == ["collect", "enable"]


def test_the_collector_waits_while_requests_are_in_flight(monkeypatch: pytest.MonkeyPatch) -> None:
    """Streams ticking together all leave the pacer's heap for a moment at each tick: an empty heap
    does not mean nothing is in flight."""
    assert check_once(monkeypatch, piled_up=5_000, waiting=0, in_flight=500) == ["enable"]
    assert check_once(monkeypatch, piled_up=20_000, waiting=0, in_flight=500) == ["collect", "enable"]


def test_collections_that_free_nothing_wait_for_more_to_pile_up(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeGC(150)
    monkeypatch.setattr(collector_module, "gc", fake)

    async def run() -> list[int]:
        collector = Collector(asyncio.get_running_loop(), check_s=3600, idle_at=100, busy_at=1_000)
        collector.start()
        seen = []
        for piled_up, found in ((150, 0), (150, 0), (250, 0), (350, 0), (450, 5), (150, 0)):
            fake.piled_up, fake.found = piled_up, found
            collector.check()
            seen.append(collector.collections)
        collector.stop()
        return seen

    # 100 → 200 after the first finds nothing (150 is then too little), 400 after 250, back to 100 once
    # a collection frees something.
    assert asyncio.run(run()) == [1, 1, 2, 2, 3, 4]


def test_starting_freezes_what_exists_and_turns_the_automatic_collector_off(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeGC(0)
    monkeypatch.setattr(collector_module, "gc", fake)

    async def run() -> None:
        Collector(asyncio.get_running_loop()).start()

    asyncio.run(run())
    assert fake.calls == ["collect", "freeze", "disable"]


def test_a_stream_leaves_no_reference_cycles_behind(make_server: Callable[..., ServerThread]) -> None:
    """Every delayed stream has a disconnect watcher; were it cancelled at the end, its task, its
    frame and itself would be garbage only a collection frees, and a served process under load would
    pile them up (the collector counts on their being none)."""
    import httpx

    from fakellm.server import transport

    server = make_server()
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Repeat with me: a b c"}], "stream": True}
    headers = {"x-fakellm-ttft-ms": "5", "x-fakellm-tokens-per-second": "500"}
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        with httpx.Client(base_url=server.url) as client:
            for _ in range(5):
                assert b"[DONE]" in client.post("/v1/chat/completions", json=body, headers=headers).content
        assert server.app.journal.wait_settled(5)
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = [o for o in gc.garbage if isinstance(o, transport._DisconnectWatcher)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()
    assert left == []


def http_chunks(raw: bytes) -> list[bytes]:
    """The chunks of a chunked HTTP/1.1 body (as the server wrote them), after the head."""
    _, _, rest = raw.partition(b"\r\n\r\n")
    chunks = []
    while rest:
        size, _, rest = rest.partition(b"\r\n")
        length = int(size, 16)
        if length == 0:
            break
        chunks.append(rest[:length])
        rest = rest[length + 2 :]
    return chunks


def test_the_terminator_goes_with_the_last_frames(make_server: Callable[..., ServerThread]) -> None:
    """`[DONE]` is not a write of its own after the last chunk: with hundreds of streams ending in
    the same instant, that write came late for many of them."""
    server = make_server()
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Repeat with me: a b c"}], "stream": True}
    headers = {"Connection": "close", "X-FakeLLM-TTFT-Ms": "5", "X-FakeLLM-Tokens-Per-Second": "200"}
    raw = bytearray()
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(json_post(server, "/v1/chat/completions", body, headers))
        while data := sock.recv(65536):
            raw.extend(data)
    chunks = http_chunks(bytes(raw))
    assert len(chunks) >= 3  # the frames went out on their schedule, not all at once
    assert chunks[-1].endswith(b"data: [DONE]\n\n")
    assert b'"finish_reason":"stop"' in chunks[-1]


def test_a_served_process_runs_the_collector_while_it_serves(monkeypatch: pytest.MonkeyPatch) -> None:
    """`fakellm serve` (and each `--workers` worker) starts the collector once its loop runs, and hands
    collection back when it shuts down; the test harness's servers leave the collector alone."""
    import uvicorn

    from fakellm.config import ServerConfig
    from fakellm.server.app import FakeLLMApp
    from fakellm.server.serve import Server

    fake = FakeGC(0)
    monkeypatch.setattr(collector_module, "gc", fake)
    settings = uvicorn.Config(FakeLLMApp(ServerConfig(include_builtin=False)), host="127.0.0.1", port=0)

    async def run() -> tuple[list[str], list[str]]:
        server = Server(settings)
        serving = asyncio.create_task(server.serve())
        for _ in range(1000):  # 10 s at most
            if server.started or serving.done():
                break
            await asyncio.sleep(0.01)
        assert server.started
        started = list(fake.calls)
        server.should_exit = True
        await asyncio.wait_for(serving, 10)
        return started, fake.calls

    started, after = asyncio.run(run())
    assert started == ["collect", "freeze", "disable"]
    assert after[-1] == "enable"
