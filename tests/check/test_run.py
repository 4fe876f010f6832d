"""`fakellm check URL` against real servers: fakellm itself, its broken scenarios, and tiny bare apps."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from fakellm.check.run import Report, run_check
from fakellm.testing.server_thread import ServerThread

STREAM_NAMES = ["stream.status", "stream.content_type", "stream.framing", "stream.sse_fields", "stream.done"]


def statuses(report: Report) -> dict[str, str]:
    return {check.name: check.status for check in report.checks}


def failed(report: Report) -> set[str]:
    return {check.name for check in report.checks if check.status == "FAIL"}


def reason(report: Report, name: str) -> str:
    return next(check.reason for check in report.checks if check.name == name)


# --- fakellm itself ----------------------------------------------------------------------------------


@pytest.mark.parametrize("base", ["", "/v1"])
def test_fakellm_strict_passes_every_check(server: ServerThread, base: str) -> None:
    # The strict scenario: an unknown model is refused as OpenAI refuses it.
    report = run_check(server.url + "/s/strict" + base, timeout=10)
    assert report.passed, report.render()
    assert set(statuses(report).values()) == {"PASS"}
    assert {*STREAM_NAMES, "stream.text", "stream.close", "json.content", "json.finish"} <= set(statuses(report))
    assert report.endpoint == f"{server.url}/s/strict{base}/chat/completions"


DIALECT_BASES = {"openai": "/v1", "azure": "/azure/openai/v1", "groq": "/openai/v1", "gemini": "/v1beta"}


@pytest.mark.parametrize("dialect", sorted(DIALECT_BASES))
def test_every_dialect_is_probed_in_its_own_words(server: ServerThread, dialect: str) -> None:
    report = run_check(server.url + "/s/strict" + DIALECT_BASES[dialect], timeout=10, dialect=dialect)
    assert set(statuses(report).values()) == {"PASS"}, report.render()
    assert {"headers", "models.unknown", "models.list"} <= set(statuses(report))


@pytest.mark.parametrize("dialect", sorted(DIALECT_BASES))
def test_accepting_any_model_is_reported(server: ServerThread, dialect: str) -> None:
    report = run_check(server.url + DIALECT_BASES[dialect], timeout=10, dialect=dialect)
    assert report.passed
    assert statuses(report)["models.unknown"] == "WARN"
    assert "--strict-models" in reason(report, "models.unknown")


def test_a_dialect_answering_as_another_is_caught(server: ServerThread) -> None:
    # OpenAI's route probed as Groq: no x-groq-region among the headers.
    report = run_check(server.url + "/s/strict/v1", timeout=10, dialect="groq", model="gpt-4o-mini")
    assert statuses(report)["headers"] == "WARN"
    assert "x-groq-region" in reason(report, "headers")


def test_fakellm_echo_reports_timings_as_figures(server: ServerThread) -> None:
    figures = run_check(server.url, timeout=10).figures
    assert figures["first_byte_ms"] is not None
    assert figures["first_token_ms"] is not None
    assert figures["stream_ms"] is not None
    assert 0 < figures["first_byte_ms"] <= figures["stream_ms"] < 10_000
    assert figures["events"] == 8  # role, five words, finish, [DONE]


def test_malformed_scenario_fails_the_framing_check(server: ServerThread) -> None:
    report = run_check(server.url + "/s/malformed", timeout=10)
    assert not report.passed
    assert failed(report) == {"stream.framing"}
    assert "data is not JSON" in reason(report, "stream.framing")


def test_disconnect_scenario_fails_for_the_missing_terminator(server: ServerThread) -> None:
    report = run_check(server.url + "/s/disconnect/v1", timeout=10)
    assert "stream.done" in failed(report)
    assert "dropped" in reason(report, "stream.done")


def test_midstream_error_scenario_fails_the_error_event_check(server: ServerThread) -> None:
    report = run_check(server.url + "/s/midstream-error", timeout=10)
    assert "stream.error_event" in failed(report)
    assert "APIError" in reason(report, "stream.error_event")


def test_stall_scenario_fails_within_the_timeout(server: ServerThread) -> None:
    started = time.monotonic()
    report = run_check(server.url + "/s/stall", timeout=0.5)
    assert "stalled" in reason(report, "stream.done")
    assert time.monotonic() - started < 8  # loose: the stall itself lasts two minutes


def test_unknown_scenario_fails_the_status_check_and_stops_there(server: ServerThread) -> None:
    report = run_check(server.url + "/s/no-such-scenario", timeout=10)
    assert statuses(report) == {"stream.status": "FAIL", "json.status": "FAIL"}
    assert "got 404" in reason(report, "stream.status")


def test_nothing_listening_fails_without_a_traceback() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    report = run_check(f"http://127.0.0.1:{port}", timeout=2)
    assert "could not connect" in reason(report, "stream.status")


# --- keys ----------------------------------------------------------------------------------------------


def test_right_key_passes_and_wrong_key_gets_401(make_server: Callable[..., ServerThread]) -> None:
    server = make_server(api_keys=["sk-right"])
    report = run_check(server.url, api_key="sk-right", timeout=10)
    assert report.passed, report.render()
    assert statuses(report)["auth.wrong_key"] == "PASS"


def test_missing_key_against_a_keyed_server_fails_with_a_hint(make_server: Callable[..., ServerThread]) -> None:
    server = make_server(api_keys=["sk-right"])
    report = run_check(server.url, timeout=10)
    assert "401" in reason(report, "stream.status")
    assert "--api-key" in reason(report, "stream.status")


def test_endpoint_that_accepts_any_key_warns(server: ServerThread) -> None:
    report = run_check(server.url, api_key="sk-anything", timeout=10)
    assert report.passed
    assert statuses(report)["auth.wrong_key"] == "WARN"


# --- bare apps that get one thing wrong -------------------------------------------------------------


def chunk(delta: dict[str, object], finish: str | None = None, chunk_id: str = "chatcmpl-bare") -> bytes:
    body = {
        "id": chunk_id,
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "bare",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(body).encode() + b"\n\n"


GOOD = [
    chunk({"role": "assistant", "content": ""}),
    chunk({"content": "the smoke test"}),
    chunk({"content": " has passed."}),
    chunk({}, "stop"),
]
DONE = b"data: [DONE]\n\n"


def bare_app(parts: list[bytes], media_type: str = "text/event-stream", linger_s: float = 0.0) -> Starlette:
    async def chat(request: Request) -> StreamingResponse:
        async def body() -> AsyncIterator[bytes]:
            for part in parts:
                yield part
            await asyncio.sleep(linger_s)

        return StreamingResponse(body(), media_type=media_type)

    return Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])


@pytest.fixture
def serve_app() -> Iterator[Callable[[Starlette], str]]:
    started: list[ServerThread] = []

    def start(app: Starlette) -> str:
        thread = ServerThread(app).start()  # type: ignore[arg-type]
        started.append(thread)
        return thread.url + "/v1"

    yield start
    for thread in started:
        thread.stop()


def test_bare_app_with_good_framing_passes_the_stream_checks(serve_app: Callable[[Starlette], str]) -> None:
    report = run_check(serve_app(bare_app([*GOOD, DONE])), timeout=5)
    assert all(status == "PASS" for name, status in statuses(report).items() if name.startswith("stream."))


def test_event_lines_fail_the_sse_fields_check(serve_app: Callable[[Starlette], str]) -> None:
    parts = [b"event: message\n" + GOOD[0], *GOOD[1:], DONE]
    report = run_check(serve_app(bare_app(parts)), timeout=5)
    assert "stream.sse_fields" in failed(report)
    assert "event: message" in reason(report, "stream.sse_fields")


def test_event_only_ping_fails_the_sse_fields_check(serve_app: Callable[[Starlette], str]) -> None:
    report = run_check(serve_app(bare_app([b"event: ping\n\n", *GOOD, DONE])), timeout=5)
    assert "stream.sse_fields" in failed(report)
    assert "crashes" in reason(report, "stream.sse_fields")


def test_comment_keepalives_are_harmless(serve_app: Callable[[Starlette], str]) -> None:
    report = run_check(serve_app(bare_app([b": ping\n\n", *GOOD, DONE])), timeout=5)
    assert statuses(report)["stream.framing"] == "PASS"
    assert statuses(report)["stream.sse_fields"] == "PASS"


def test_missing_done_fails_the_done_check(serve_app: Callable[[Starlette], str]) -> None:
    report = run_check(serve_app(bare_app(GOOD)), timeout=5)
    assert failed(report) >= {"stream.done"}
    assert "body ended after 4 events" in reason(report, "stream.done")


def test_wrong_content_type_fails_the_content_type_check(serve_app: Callable[[Starlette], str]) -> None:
    report = run_check(serve_app(bare_app([*GOOD, DONE], media_type="text/plain")), timeout=5)
    assert "stream.content_type" in failed(report)
    assert "text/plain" in reason(report, "stream.content_type")


def test_body_left_open_after_done_fails_the_close_check(serve_app: Callable[[Starlette], str]) -> None:
    report = run_check(serve_app(bare_app([*GOOD, DONE], linger_s=5)), timeout=5, close_grace=0.2)
    assert statuses(report)["stream.done"] == "PASS"
    assert "stream.close" in failed(report)


def test_missing_blank_line_between_events_fails_the_framing_check(serve_app: Callable[[Starlette], str]) -> None:
    parts = [GOOD[0], GOOD[1][:-1], *GOOD[2:], DONE]
    report = run_check(serve_app(bare_app(parts)), timeout=5)
    assert "run together" in reason(report, "stream.framing")


def test_changing_ids_fail_the_id_check(serve_app: Callable[[Starlette], str]) -> None:
    parts = [GOOD[0], chunk({"content": "the smoke test has passed."}, chunk_id="chatcmpl-other"), GOOD[3], DONE]
    report = run_check(serve_app(bare_app(parts)), timeout=5)
    assert failed(report) >= {"stream.id"}


def test_no_role_chunk_only_warns(serve_app: Callable[[Starlette], str]) -> None:
    report = run_check(serve_app(bare_app([*GOOD[1:], DONE])), timeout=5)
    assert statuses(report)["stream.role"] == "WARN"
    assert "stream.role" not in failed(report)


def test_paraphrase_only_warns_but_empty_text_fails(serve_app: Callable[[Starlette], str]) -> None:
    paraphrase = run_check(
        serve_app(bare_app([GOOD[0], chunk({"content": "Smoke test: OK"}), GOOD[3], DONE])), timeout=5
    )
    assert statuses(paraphrase)["stream.text"] == "WARN"
    empty = run_check(serve_app(bare_app([GOOD[0], GOOD[3], DONE])), timeout=5)
    assert statuses(empty)["stream.text"] == "FAIL"


def test_wrong_object_fails_the_chunks_check(serve_app: Callable[[Starlette], str]) -> None:
    bad = GOOD[1].replace(b'"chat.completion.chunk"', b'"chat.completion"')
    report = run_check(serve_app(bare_app([GOOD[0], bad, *GOOD[2:], DONE])), timeout=5)
    assert "expected 'chat.completion.chunk'" in reason(report, "stream.chunks")


# --- the command line ----------------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fakellm", "check", *args], capture_output=True, text=True, timeout=60, env=os.environ
    )


def test_cli_exits_0_and_prints_a_verdict_for_a_passing_endpoint(server: ServerThread) -> None:
    result = run_cli(server.url + "/v1", "--timeout", "10")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS  stream.done" in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("verdict: PASS")


def test_cli_exits_1_and_names_the_failed_check(server: ServerThread) -> None:
    result = run_cli(server.url + "/s/midstream-error", "--timeout", "10")
    assert result.returncode == 1
    assert "verdict: FAIL" in result.stdout
    assert "stream.error_event" in result.stdout.strip().splitlines()[-1]


def test_cli_json_report_is_machine_readable(server: ServerThread) -> None:
    result = run_cli(server.url + "/s/disconnect", "--json", "--timeout", "10", "--model", "gpt-4o-mini")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["passed"] is False
    assert report["model"] == "gpt-4o-mini"
    assert {"name": "stream.status", "status": "PASS", "reason": "200"} in report["checks"]
    assert any(c["name"] == "stream.done" and c["status"] == "FAIL" for c in report["checks"])
    assert set(report["figures"]) == {"first_byte_ms", "first_token_ms", "stream_ms", "events"}


def test_cli_rejects_a_url_without_a_scheme() -> None:
    result = run_cli("localhost:8000")
    assert result.returncode == 2
    assert "http://" in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_cli_checks_the_key_of_fakellm_serve_api_key() -> None:
    port = free_port()
    serve = subprocess.Popen(
        [sys.executable, "-m", "fakellm", "serve", "--port", str(port), "--api-key", "sk-right"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(url + "/_fakellm/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "fakellm serve did not start"
                time.sleep(0.1)
        result = run_cli(url, "--api-key", "sk-right", "--json", "--timeout", "10")
        assert result.returncode == 0, result.stdout
        checks = {c["name"]: c["status"] for c in json.loads(result.stdout)["checks"]}
        assert checks["auth.wrong_key"] == "PASS"
        assert run_cli(url, "--api-key", "sk-wrong", "--timeout", "10").returncode == 1
    finally:
        serve.kill()
        serve.wait()


def test_gemini_timings_count_its_text_as_content(server: ServerThread) -> None:
    figures = run_check(server.url + "/v1beta", timeout=10, dialect="gemini").figures
    assert figures["first_token_ms"] is not None
