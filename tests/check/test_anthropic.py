"""`fakellm check URL --dialect anthropic` against fakellm (which passes) and against streams the anthropic
SDK would misread (which fail, naming why)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from fakellm.check.anthropic import run_anthropic_check
from fakellm.check.report import Report
from fakellm.cli import main
from fakellm.testing.harness import FakeLLM
from fakellm.testing.server_thread import ServerThread


def failed(report: Report) -> set[str]:
    return {check.name for check in report.checks if check.status == "FAIL"}


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeLLM]:
    with FakeLLM(api_key="sk-ant-check-123456") as server:
        yield server


def test_fakellm_passes_every_check(llm: FakeLLM) -> None:
    report = run_anthropic_check(llm.anthropic_base_url, api_key=llm.api_key, timeout=10)
    assert report.passed, report.render()
    assert {c.status for c in report.checks} == {"PASS"}
    assert {"stream.events", "stream.order", "stream.text", "json.usage", "auth.wrong_key"} <= {
        c.name for c in report.checks
    }
    assert report.figures["first_token_ms"] is not None


def test_a_base_url_ending_in_v1_fails(llm: FakeLLM) -> None:
    report = run_anthropic_check(llm.url + "/v1", api_key=llm.api_key, timeout=10)
    assert failed(report) == {"stream.status", "json.status"}


def test_a_midstream_error_fails_the_order_check(llm: FakeLLM) -> None:
    report = run_anthropic_check(llm.base_urls("midstream-error")["anthropic"], api_key=llm.api_key, timeout=10)
    assert "stream.order" in failed(report)


def test_data_only_events_are_named_as_dropped_by_the_sdk() -> None:
    async def events() -> AsyncIterator[bytes]:
        yield b'data: {"type":"message_start","message":{}}\n\n'
        yield b'data: {"type":"message_stop"}\n\n'

    async def messages(request: Request) -> StreamingResponse:
        return StreamingResponse(events(), media_type="text/event-stream")

    app = Starlette(routes=[Route("/v1/messages", messages, methods=["POST"])])
    server = ServerThread(app).start()  # type: ignore[arg-type]
    try:
        report = run_anthropic_check(server.url, timeout=5)
    finally:
        server.stop()
    assert "stream.events" in failed(report)
    assert "no `event:` line" in next(c.reason for c in report.checks if c.name == "stream.events")


def test_the_cli_switch(llm: FakeLLM, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["check", llm.anthropic_base_url, "--dialect", "anthropic", "--api-key", llm.api_key, "--timeout", "10"]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"POST {llm.url}/v1/messages (model claude-sonnet-4-5)" in out
