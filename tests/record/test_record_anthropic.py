"""Recording Anthropic Messages through the proxy with the anthropic SDK, then replaying it offline."""

from __future__ import annotations

from pathlib import Path

import anthropic

from fakellm import cli
from fakellm.testing.harness import FakeLLM
from tests.record.conftest import KEY, recorder, rules

MODEL = "claude-sonnet-4-5"


def test_anthropic_messages_recorded_then_replayed_offline(tmp_path: Path, upstream: FakeLLM) -> None:
    out = tmp_path / "claude.yaml"
    with recorder(out, "claude", anthropic=upstream.url) as proxy:
        client = anthropic.Anthropic(base_url=proxy.url, api_key=KEY, max_retries=0)
        plain = client.messages.create(
            model=MODEL, max_tokens=100, messages=[{"role": "user", "content": "Tell me something"}]
        )
        with client.messages.stream(
            model=MODEL, max_tokens=100, messages=[{"role": "user", "content": "And?"}]
        ) as stream:
            streamed = stream.get_final_message()
    assert plain.content[0].type == "text"
    assert plain.content[0].text == "You said: Tell me something. That is all I know about it."
    assert cli.main(["validate", str(out)]) == 0
    assert KEY not in out.read_text(encoding="utf-8")
    assert [r["match"]["user"]["equals"] for r in rules(out)] == ["Tell me something", "And?"]
    upstream.stop()  # replay is offline

    with FakeLLM([out], default_scenario="claude", builtin=False) as replay:
        client = anthropic.Anthropic(base_url=replay.url, api_key="anything", max_retries=0)
        again = client.messages.create(
            model=MODEL, max_tokens=100, messages=[{"role": "user", "content": "Tell me something"}]
        )
        with client.messages.stream(
            model=MODEL, max_tokens=100, messages=[{"role": "user", "content": "And?"}]
        ) as stream:
            streamed_again = stream.get_final_message()
    assert again.content == plain.content
    assert streamed_again.content == streamed.content
    assert (again.usage.input_tokens, again.usage.output_tokens) == (
        plain.usage.input_tokens,
        plain.usage.output_tokens,
    )
