"""Test-only scenarios that carry fault settings, and a server that serves them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpcore2
import httpx2
import openai

from fakellm.config import ServerConfig
from fakellm.context import RequestContext
from fakellm.faults.spec import FaultSpec
from fakellm.model import ChatRequest, Reply
from fakellm.scenarios import EchoScenario, Outcome, echo_text
from fakellm.scenarios.library import ScenarioLibrary
from fakellm.server.app import FakeLLMApp
from fakellm.testing.server_thread import ServerThread

# A read timeout mid-stream reaches the caller from any layer of the openai SDK's HTTP stack.
STREAM_TIMEOUTS = (openai.APITimeoutError, httpx2.TimeoutException, httpcore2.TimeoutException)


class FaultScenario:
    """Echoes the last user message (or a fixed text) with the given fault settings."""

    def __init__(self, name: str, faults: dict[str, Any], text: str | None = None) -> None:
        self.name = name
        self.description = f"test scenario {name}"
        settings = dict(faults)
        self.api_keys: list[str] | None = settings.pop("api_keys", None)  # a scenario's, as in `defaults`
        self.faults = FaultSpec.model_validate(settings)
        self.text = text

    def respond(self, request: ChatRequest, ctx: RequestContext) -> Outcome:
        reply = Reply(text=self.text if self.text is not None else echo_text(request))
        return Outcome([reply] * request.n, rule="default", faults=self.faults)

    def model_ids(self) -> list[str]:
        return []

    def reset(self) -> None:
        return None


@contextmanager
def serve_faults(scenarios: dict[str, dict[str, Any]], **config: Any) -> Iterator[ServerThread]:
    """A real server on a free port with `echo` plus one FaultScenario per entry."""
    library = ScenarioLibrary([EchoScenario(), *(FaultScenario(n, f) for n, f in scenarios.items())])
    thread = ServerThread(FakeLLMApp(ServerConfig(**config), library=library)).start()
    try:
        yield thread
    finally:
        thread.stop()


def reset_faults(thread: ServerThread) -> None:
    thread.app.pipeline.faults.reset()
    thread.app.journal.clear()
