"""`GET /metrics`: parsed as Prometheus parses it, every figure moves by exactly what the test sent."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable

import httpx
import openai
from prometheus_client.parser import text_string_to_metric_families

from fakellm.observe.metrics import BUCKETS
from fakellm.testing.server_thread import ServerThread

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Repeat with me: one two three"}]}


def scrape(server: ServerThread, **headers: str) -> Samples:
    response = httpx.get(server.url + "/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[sample.name, frozenset(sample.labels.items())] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def moved(before: Samples, after: Samples) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample that changed, by how much (sums of histograms left out: they are timings)."""
    return {
        key: after[key] - before.get(key, 0.0)
        for key in after
        if after[key] != before.get(key, 0.0) and not key[0].endswith("_sum")
    }


def requests_total(**labels: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return "fakellm_requests_total", frozenset(labels.items())


def test_buckets_are_at_most_50_ms_apart_where_voice_ttfts_live():
    inside = [b for b in BUCKETS if 0.2 <= b <= 1.5]
    assert inside[0] == 0.2
    assert inside[-1] == 1.5
    assert max(b - a for a, b in itertools.pairwise(inside)) <= 0.05 + 1e-9
    assert list(BUCKETS) == sorted(set(BUCKETS))


def test_a_non_streamed_reply_counts_one_request_and_its_tokens(make_server: Callable[..., ServerThread]):
    server = make_server()
    before = scrape(server)
    client = openai.OpenAI(base_url=server.url + "/v1", api_key="sk-test")
    reply = client.chat.completions.create(**CHAT)
    after = scrape(server)
    assert reply.usage is not None
    assert moved(before, after) == {
        requests_total(dialect="openai", scenario="echo", status="200", ended="completed"): 1,
        ("fakellm_tokens_total", frozenset({("kind", "prompt")})): reply.usage.prompt_tokens,
        ("fakellm_tokens_total", frozenset({("kind", "completion")})): reply.usage.completion_tokens,
        **{k: 1 for k in after if k[0] in ("fakellm_request_duration_seconds_count", "fakellm_ttft_seconds_count")},
        **{
            k: 1
            for k in after
            if k[0] in ("fakellm_request_duration_seconds_bucket", "fakellm_ttft_seconds_bucket")
            and after[k] != before.get(k, 0.0)
        },
    }
    assert value(after, "fakellm_ttft_seconds_bucket", le="+Inf") == 1


def test_a_stream_counts_its_chunks_as_sent(make_server: Callable[..., ServerThread]):
    server = make_server()
    before = scrape(server)
    with httpx.stream("POST", server.url + "/v1/chat/completions", json={**CHAT, "stream": True}) as response:
        events = [line for line in response.iter_lines() if line.startswith("data: ")]
    after = scrape(server)
    frames = [e for e in events if e != "data: [DONE]"]
    assert len(frames) >= 4
    assert value(after, "fakellm_stream_chunks_total") - value(before, "fakellm_stream_chunks_total") == len(frames)
    assert moved(before, after)[requests_total(dialect="openai", scenario="echo", status="200", ended="completed")] == 1
    assert value(after, "fakellm_active_streams") == 0


def test_ttft_lands_in_its_50_ms_bucket(make_server: Callable[..., ServerThread]):
    server = make_server()
    before = scrape(server)
    body = {**CHAT, "stream": True}
    response = httpx.post(server.url + "/v1/chat/completions", json=body, headers={"x-fakellm-ttft-ms": "320"})
    assert response.status_code == 200
    after = scrape(server)
    ttft = server.app.journal.entries()[-1].ttft_ms / 1000
    assert ttft >= 0.32

    def bucket(le: float) -> float:
        label = "+Inf" if le == float("inf") else repr(le)
        return value(after, "fakellm_ttft_seconds_bucket", le=label) - value(
            before, "fakellm_ttft_seconds_bucket", le=label
        )

    assert bucket(0.3) == 0
    assert all(bucket(le) == (1 if le >= ttft else 0) for le in (*BUCKETS, float("inf")))
    assert next(le for le in BUCKETS if le >= ttft) - max(le for le in BUCKETS if le < ttft) <= 0.05 + 1e-9


def test_a_fault_a_429_and_a_disconnect(make_server: Callable[..., ServerThread]):
    server = make_server()
    before = scrape(server)
    url = server.url + "/v1/chat/completions"
    assert httpx.post(url, json=CHAT, headers={"x-fakellm-error-status": "503"}).status_code == 503
    assert httpx.post(url, json=CHAT, headers={"x-fakellm-error-status": "429"}).status_code == 429
    broken = httpx.post(server.url + "/s/midstream-error/v1/chat/completions", json={**CHAT, "stream": True})
    assert b'"error"' in broken.content
    slow = {"x-fakellm-ttft-ms": "0", "x-fakellm-tokens-per-second": "20"}
    with httpx.stream("POST", url, json={**CHAT, "stream": True}, headers=slow) as response:
        for line in response.iter_lines():
            if '"content"' in line:
                break  # hang up mid-stream
    deadline = time.monotonic() + 5
    while value(scrape(server), "fakellm_disconnects_total") < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    after = scrape(server)
    changes = moved(before, after)
    assert changes[requests_total(dialect="openai", scenario="echo", status="503", ended="fault")] == 1
    assert changes[requests_total(dialect="openai", scenario="echo", status="429", ended="fault")] == 1
    assert changes[requests_total(dialect="openai", scenario="midstream-error", status="200", ended="fault")] == 1
    assert changes[requests_total(dialect="openai", scenario="echo", status="200", ended="disconnected")] == 1
    assert changes[("fakellm_faults_injected_total", frozenset({("kind", "error")}))] == 1
    assert changes[("fakellm_faults_injected_total", frozenset({("kind", "rate_limit")}))] == 1
    assert changes[("fakellm_faults_injected_total", frozenset({("kind", "midstream_error")}))] == 1
    assert changes[("fakellm_rate_limited_total", frozenset())] == 1
    assert changes[("fakellm_disconnects_total", frozenset())] == 1
    assert changes[("fakellm_request_duration_seconds_count", frozenset())] == 4


def test_active_streams_counts_a_stream_while_it_is_sent(make_server: Callable[..., ServerThread]):
    server = make_server()
    started = threading.Event()

    def slow_stream() -> None:
        headers = {"x-fakellm-ttft-ms": "0", "x-fakellm-tokens-per-second": "10"}
        with httpx.stream(
            "POST", server.url + "/v1/chat/completions", json={**CHAT, "stream": True}, headers=headers
        ) as r:
            for _ in r.iter_lines():
                started.set()

    worker = threading.Thread(target=slow_stream)
    worker.start()
    assert started.wait(5)
    assert value(scrape(server), "fakellm_active_streams") == 1
    worker.join(10)
    assert value(scrape(server), "fakellm_active_streams") == 0


def test_the_key_guards_metrics_and_no_metrics_turns_them_off(make_server: Callable[..., ServerThread]):
    guarded = make_server(api_keys=("sk-right",))
    assert httpx.get(guarded.url + "/metrics").status_code == 401
    assert httpx.get(guarded.url + "/metrics", headers={"authorization": "Bearer sk-wrong"}).status_code == 401
    assert "fakellm_requests_total" not in httpx.get(guarded.url + "/metrics").text
    scrape(guarded, authorization="Bearer sk-right")
    off = make_server(metrics=False)
    response = httpx.get(off.url + "/metrics")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_two_apps_in_one_process_keep_their_own_figures(make_server: Callable[..., ServerThread]):
    one, two = make_server(), make_server()
    httpx.post(one.url + "/v1/chat/completions", json=CHAT)
    total = "fakellm_request_duration_seconds_count"
    assert value(scrape(one), total) == 1
    assert value(scrape(two), total) == 0
