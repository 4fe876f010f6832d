"""`fakellm check URL --dialect responses` against fakellm itself and its broken scenarios."""

from __future__ import annotations

from fakellm import FakeLLM
from fakellm.check.responses_checks import run_responses_check
from fakellm.cli import main


def test_fakellm_passes_its_own_responses_probe() -> None:
    with FakeLLM() as llm:
        report = run_responses_check(llm.openai_base_url, model="gpt-4.1", timeout=10)
    assert report.passed, report.render()
    assert {c.name for c in report.checks} >= {"stream.sequence_number", "stream.lifecycle", "json.usage"}
    assert report.count("WARN") == 0


def test_broken_streams_fail_the_probe() -> None:
    with FakeLLM() as llm:
        cut = run_responses_check(f"{llm.url}/s/midstream-error/v1", model="gpt-4.1", timeout=10)
        malformed = run_responses_check(f"{llm.url}/s/malformed/v1", model="gpt-4.1", timeout=10)
        chat_only = run_responses_check(f"{llm.url}/v1/chat", model="gpt-4.1", timeout=10)
    assert {c.name for c in cut.checks if c.status == "FAIL"} == {"stream.lifecycle"}
    assert "stream.framing" in {c.name for c in malformed.checks if c.status == "FAIL"}
    assert not chat_only.passed


def test_the_command_line_switch() -> None:
    with FakeLLM() as llm:
        assert main(["check", llm.openai_base_url, "--dialect", "responses", "--timeout", "10"]) == 0

