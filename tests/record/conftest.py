"""The "real providers" of the recording tests, on 127.0.0.1: a fakellm with latency and a seeded
scenario, and a stand-in that sends captured provider bytes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from fakellm.record.upstreams import Upstreams
from fakellm.testing.harness import FakeLLM
from fakellm.testing.recorder import Recorder
from fakellm.testing.server_thread import ServerThread
from tests.support.standin import StandIn

KEY = "sk-proj-recordtest-5f3a9c1e7b"  # what the clients send; it must never reach a recording
TTFT_MS = 120
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
UPSTREAM_SCENARIO: dict[str, Any] = {
    "name": "upstream",
    "defaults": {"latency": {"ttft_ms": TTFT_MS, "tokens_per_second": 400}},
    "rules": [
        {
            "match": {"user": "weather", "after_tool": False},
            "reply": {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]},
        },
        {"match": {"tool_result_of": "get_weather"}, "reply": "It is sunny in Paris, 24 degrees."},
        {"match": {"user": "long"}, "reply": {"generate": {"sentences": 40}}, "latency": {"tokens_per_second": 40}},
        {"reply": {"template": "You said: {{ user }}. That is all I know about it."}},
    ],
}


@pytest.fixture
def upstream() -> Iterator[FakeLLM]:
    with FakeLLM([UPSTREAM_SCENARIO], default_scenario="upstream", seed=7, builtin=False) as llm:
        yield llm


@pytest.fixture
def standin() -> Iterator[tuple[StandIn, str]]:
    app = StandIn()
    thread = ServerThread(app, own_headers=False).start()
    yield app, thread.url
    thread.stop()


def recorder(out: Path, name: str = "rec", **urls: str) -> Recorder:
    return Recorder(Upstreams(urls), out, name)


def rules(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = data.get("rules") or []
    return found
