"""Two `fakellm serve` processes sharing one Redis behave as one fakellm: budgets, counters, sequences
and the journal are the fleet's, and a Redis that goes away is a 503 in the dialect's shape."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.state.redis_fleet import RedisServer, Replica, chat


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def pair(redis: RedisServer) -> Iterator[tuple[Replica, Replica]]:
    replicas = (Replica(redis.url), Replica(redis.url))
    try:
        for replica in replicas:
            replica.wait_up()
        yield replicas
    finally:
        for replica in replicas:
            replica.stop()


@pytest.fixture
def fleet(pair: tuple[Replica, Replica]) -> tuple[Replica, Replica]:
    """The pair, with the shared state reset (from one of them: it is the fleet's)."""
    assert httpx.post(pair[0].url + "/_fakellm/reset", timeout=5).status_code == 200
    return pair


def post(replica: Replica, body: dict[str, object], **headers: str) -> httpx.Response:
    return httpx.post(replica.url + "/v1/chat/completions", json=body, headers=headers, timeout=10)


def test_both_replicas_answer_from_their_own_process(fleet: tuple[Replica, Replica]) -> None:
    pids = {httpx.get(r.url + "/_fakellm/health").json()["pid"] for r in fleet}
    assert len(pids) == 2
    assert all(httpx.get(r.url + "/_fakellm/health").json()["state"].startswith("redis://") for r in fleet)


def test_a_budget_of_five_a_minute_is_exact_across_replicas_under_fifty_concurrent_requests(
    fleet: tuple[Replica, Replica],
) -> None:
    async def burst() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(timeout=20, limits=limits) as client:
            sends = [
                client.post(
                    fleet[i % 2].url + "/v1/chat/completions",
                    json=chat("rate-limited"),
                    headers={"authorization": "Bearer sk-one-key"},
                )
                for i in range(50)
            ]
            return list(await asyncio.gather(*sends))

    started = time.monotonic()
    responses = asyncio.run(burst())
    elapsed = time.monotonic() - started
    statuses = [r.status_code for r in responses]
    assert statuses.count(200) == 5, statuses
    assert statuses.count(429) == 45, statuses
    assert {r.request.url.port for r in responses if r.status_code == 429} == {fleet[0].port, fleet[1].port}
    for refused in (r for r in responses if r.status_code == 429):
        # 5 a minute: the next request is back 12 s after the budget's first one was taken.
        retry_after = int(refused.headers["retry-after"])
        assert 12 - elapsed - 1 <= retry_after <= 12, retry_after
        assert refused.headers["x-ratelimit-remaining-requests"] == "0"
        assert refused.json()["error"]["code"] == "rate_limit_exceeded"
    # Another key has its own budget, on either replica.
    assert post(fleet[1], chat("rate-limited"), authorization="Bearer sk-other-key").status_code == 200


def test_every_second_request_fails_across_replicas(fleet: tuple[Replica, Replica]) -> None:
    statuses = [post(fleet[i % 2], chat("flaky")).status_code for i in range(6)]
    assert statuses == [200, 503, 200, 503, 200, 503]  # each replica alone would see only its own first


def test_a_scripted_sequence_advances_across_replicas(fleet: tuple[Replica, Replica]) -> None:
    texts = [post(fleet[i % 2], chat("script", "Ada")).json()["choices"][0]["message"]["content"] for i in range(5)]
    assert texts[0].startswith("Hello! I'm a scripted assistant")
    assert texts[1] == "Nice to meet you, Ada. What would you like to order today?"
    assert texts[2] == "Good choice. Shall I confirm the order?"
    assert texts[3] == "Done! Your order is confirmed. Anything else?"
    assert texts[4] == texts[0]  # exhausted: cycle


def barge_in(replica: Replica) -> None:
    """A streamed request whose client hangs up after the first chunk (a voice user talking over it)."""
    body = chat("echo", "Repeat with me: " + " ".join(f"w{i}" for i in range(40)), stream=True)
    headers = {"x-fakellm-ttft-ms": "50", "x-fakellm-tokens-per-second": "20"}
    with (
        httpx.Client(timeout=10) as client,
        client.stream("POST", replica.url + "/v1/chat/completions", json=body, headers=headers) as response,
    ):
        for line in response.iter_lines():
            if line.startswith("data:"):
                break  # hang up mid-stream


def journal(replica: Replica) -> list[dict[str, object]]:
    page = httpx.get(replica.url + "/_fakellm/requests", timeout=5).json()
    data: list[dict[str, object]] = page["data"]
    return data


def test_the_journal_read_from_either_replica_shows_both_and_the_barge_in(fleet: tuple[Replica, Replica]) -> None:
    assert post(fleet[0], chat("echo", "from the first")).status_code == 200
    assert post(fleet[1], chat("echo", "from the second")).status_code == 200
    barge_in(fleet[1])
    deadline = time.monotonic() + 10
    while len(journal(fleet[0])) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    for replica in fleet:
        entries = journal(replica)
        assert len(entries) == 3
        assert len({e["replica"] for e in entries}) == 2
        assert [e["ended"] for e in entries] == ["completed", "completed", "disconnected"]
        gone = entries[2]
        assert isinstance(gone["disconnected_at_ms"], float)
        assert gone["disconnected_at_ms"] >= 50
        assert gone["chunks"] >= 1
        one = httpx.get(f"{replica.url}/_fakellm/requests/{gone['id']}").json()
        assert one["ended"] == "disconnected"
    filtered = httpx.get(fleet[0].url + "/_fakellm/requests", params={"ended": "disconnected"}).json()
    assert filtered["total"] == 1
    assert httpx.delete(fleet[1].url + "/_fakellm/requests").json()["deleted"] == 3
    assert journal(fleet[0]) == []


def test_a_stopped_redis_is_a_503_in_the_dialects_shape_until_it_is_back() -> None:
    redis = RedisServer().start()
    replica = Replica(redis.url).wait_up()
    try:
        assert post(replica, chat("echo")).status_code == 200
        redis.stop()
        started = time.monotonic()
        down = post(replica, chat("echo"))
        assert time.monotonic() - started < 3  # refused at once, not a hang
        assert down.status_code == 503
        error = down.json()["error"]
        assert error["code"] == "state_store_unreachable"
        assert "state store" in error["message"]
        assert redis.url in error["message"]
        assert "Traceback" not in down.text
        gemini = httpx.post(
            replica.url + "/v1beta/models/gemini-2.0-flash:generateContent",
            json={"contents": [{"role": "user", "parts": [{"text": "hi"}]}]},
            headers={"x-goog-api-key": "k"},
            timeout=10,
        )
        assert gemini.status_code == 503
        assert gemini.json()["error"]["status"] == "UNAVAILABLE"  # Google's shape
        assert httpx.get(replica.url + "/_fakellm/health").status_code == 503
        redis.start()
        assert post(replica, chat("echo")).status_code == 200
        assert httpx.get(replica.url + "/_fakellm/health").status_code == 200
    finally:
        replica.stop()
        redis.stop()


def test_the_workers_of_one_server_share_the_state_too(redis: RedisServer) -> None:
    from tests.server.test_workers import fleet

    with fleet("--workers", "2", "--state", redis.url) as (_, url, _workers):
        assert httpx.post(url + "/_fakellm/reset").status_code == 200
        statuses = []
        for _ in range(4):
            with httpx.Client() as client:  # a new connection each time: either worker may take it
                statuses.append(client.post(url + "/v1/chat/completions", json=chat("flaky")).status_code)
        assert statuses == [200, 503, 200, 503]


def test_a_redis_that_never_answers_is_a_503_within_the_timeout() -> None:
    """A Redis that accepts connections but never replies (hung, or a black hole): refused in ~1 s."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        replica = Replica(f"redis://127.0.0.1:{silent.getsockname()[1]}/0").wait_up()
        try:
            started = time.monotonic()
            response = post(replica, chat("echo"))
            assert response.status_code == 503
            assert time.monotonic() - started < 5
        finally:
            replica.stop()
