"""A request's schedule counts from when the server read its bytes (the protocol stamps the scope),
and the pacer releases waiting streams in time order, in batches, and lets a hang-up be seen first."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from types import SimpleNamespace

import httpx
import pytest

from fakellm.context import RequestContext
from fakellm.model import ChatRequest
from fakellm.scenarios import Outcome
from fakellm.server import arrival
from fakellm.server.arrival import ReadBatch
from fakellm.server.pacer import Pacer
from fakellm.testing.server_thread import ServerThread


class Recorder:
    """A scenario that notes when each request it answers started, by the request's own context."""

    name = "recorder"
    description = "notes ctx.started"

    def __init__(self) -> None:
        self.started: list[float] = []

    def respond(self, request: ChatRequest, ctx: RequestContext) -> Outcome:
        from fakellm.model import Reply

        self.started.append(ctx.started)
        return Outcome([Reply(text="ok")])

    def model_ids(self) -> list[str]:
        return []

    def reset(self) -> None:
        return None


def test_the_context_starts_when_the_protocol_read_the_request(
    make_server: Callable[..., ServerThread], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = make_server()
    recorder = Recorder()
    server.app.add_scenario(recorder)
    stamp = time.monotonic() - 5.0  # a clock only the protocol reads: the router's would differ
    monkeypatch.setattr(arrival, "time", SimpleNamespace(monotonic=lambda: stamp))
    body = {"model": "fakellm/recorder", "messages": [{"role": "user", "content": "hi"}]}
    assert httpx.post(server.url + "/v1/chat/completions", json=body).status_code == 200
    assert recorder.started == [stamp]


def test_reads_of_one_wake_up_share_the_stamp_of_the_first() -> None:
    """500 requests read in one wake-up were all in the kernel when the loop woke: the last one read
    is stamped when the first read began, not some milliseconds later; the next wake-up stamps anew."""

    async def run() -> tuple[list[float], float]:
        loop = asyncio.get_running_loop()
        batch = ReadBatch(loop)
        first = [batch.stamp()]
        time.sleep(0.002)  # reading takes time
        first.append(batch.stamp())
        await asyncio.sleep(0)  # the next turn
        await asyncio.sleep(0)
        return first, batch.stamp()

    (one, two), later = asyncio.run(run())
    assert one == two
    assert later > one + 0.001


def test_the_pacer_releases_in_time_order_and_together() -> None:
    async def run() -> list[str]:
        loop = asyncio.get_running_loop()
        clock = Pacer(loop)
        now = time.monotonic()
        order: list[str] = []
        waits = {name: clock.wait(now + delay) for name, delay in (("c", 0.06), ("a", 0.02), ("b", 0.02))}
        for name, waiter in waits.items():
            waiter.add_done_callback(lambda _, name=name: order.append(name))
        early = clock.wait(now + 10)
        early.set_result(None)  # a hang-up wakes a stream before its time; the pacer skips it
        await asyncio.wait_for(asyncio.gather(*waits.values()), 2)
        assert len(clock) == 1  # only the woken one is still on the heap, until its time
        return order

    assert asyncio.run(run()) == ["a", "b", "c"]


def test_a_released_stream_runs_after_a_hang_up_seen_in_the_same_turn() -> None:
    """A client that hangs up in the loop turn its stream's frame falls due: the server reports it to
    the stream's disconnect watcher in one or two `call_soon` hops, which must run before the stream
    the pacer releases, or a frame would be counted as sent to a client already gone."""

    async def run() -> list[str]:
        loop = asyncio.get_running_loop()
        order: list[str] = []

        class HangUpAfterFiring(Pacer):
            def _fire(self) -> None:
                super()._fire()
                loop.call_soon(loop.call_soon, order.append, "hang-up seen")  # the I/O after the timers

        waiter = HangUpAfterFiring(loop).wait(time.monotonic() + 0.01)
        waiter.add_done_callback(lambda _: order.append("stream"))
        await asyncio.wait_for(waiter, 2)
        await asyncio.sleep(0)
        return order

    assert asyncio.run(run()) == ["hang-up seen", "stream"]


def test_waits_abandoned_early_do_not_pile_up_on_the_heap() -> None:
    from fakellm.server.pacer import COMPACT_AT

    async def run() -> int:
        clock = Pacer(asyncio.get_running_loop())
        later = time.monotonic() + 900  # a stall
        for _ in range(COMPACT_AT * 3):
            clock.wait(later).set_result(None)  # the client hung up
            clock.abandoned()
        kept = clock.wait(later)
        assert not kept.done()
        return len(clock)

    assert asyncio.run(run()) < COMPACT_AT + 1
