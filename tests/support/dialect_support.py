"""Test-only scenarios for the dialect tests: fixed replies, and a recorder of what arrived."""

from __future__ import annotations

from fakellm.config import ServerConfig
from fakellm.context import RequestContext
from fakellm.model import ChatRequest, Reply, ToolCall
from fakellm.scenarios import EchoScenario, Outcome
from fakellm.scenarios.library import ScenarioLibrary
from fakellm.server.app import FakeLLMApp
from fakellm.testing.server_thread import ServerThread

REASONING = "The user greets me. I should greet back."
ANSWER = "Hello to you too!"
TOOL_CALL = ToolCall("call_w1", "get_weather", '{"city": "Paris", "unit": "celsius"}')


class FixedScenario:
    """Answers every request with the same reply, and remembers the last request it saw."""

    def __init__(self, name: str, reply: Reply) -> None:
        self.name = name
        self.description = f"test scenario {name}"
        self.reply = reply
        self.requests: list[ChatRequest] = []

    def respond(self, request: ChatRequest, ctx: RequestContext) -> Outcome:
        self.requests.append(request)
        return Outcome([self.reply] * request.n, rule=self.name)

    def model_ids(self) -> list[str]:
        return []

    def reset(self) -> None:
        self.requests.clear()


def fixed_scenarios() -> dict[str, FixedScenario]:
    return {
        "reasoning": FixedScenario("reasoning", Reply(text=ANSWER, reasoning=REASONING)),
        "tool": FixedScenario("tool", Reply(tool_calls=[TOOL_CALL])),
        "text": FixedScenario("text", Reply(text=ANSWER)),
    }


def start_server(scenarios: dict[str, FixedScenario], **config: object) -> ServerThread:
    library = ScenarioLibrary([EchoScenario(), *scenarios.values()])
    return ServerThread(FakeLLMApp(ServerConfig(**config), library=library)).start()  # type: ignore[arg-type]


SMALL_BODY_LIMIT = 4096

# Bad chat bodies every OpenAI-schema dialect must refuse with a 4xx in its own shape.
BAD_CHAT_BODIES: dict[str, tuple[bytes, int]] = {
    "malformed_json": (b'{"model": "m", "messages": [', 400),
    "empty_body": (b"", 400),
    "json_array_body": (b'[{"role": "user", "content": "hi"}]', 400),
    "missing_messages": (b'{"model": "m"}', 400),
    "mistyped_messages": (b'{"model": "m", "messages": "hi"}', 400),
    "message_without_content": (b'{"model": "m", "messages": [{"role": "user"}]}', 400),
    "non_utf8_body": (b'{"model": "m", "messages": [{"role": "user", "content": "\xff\xfe"}]}', 400),
    "too_large": (
        b'{"model": "m", "messages": [{"role": "user", "content": "' + b"x" * SMALL_BODY_LIMIT + b'"}]}',
        413,
    ),
}


def sse_payloads(body: bytes) -> list[bytes]:
    """The data of each event of an OpenAI-style SSE body, checking that every event is one `data: ` line."""
    assert body.endswith(b"\n\n")
    parts = body[:-2].split(b"\n\n")
    for part in parts:
        assert b"\n" not in part, f"an event spans several lines: {part!r}"
        assert part.startswith(b"data: "), f"an event is not a single data line: {part!r}"
    return [part[len(b"data: ") :] for part in parts]
