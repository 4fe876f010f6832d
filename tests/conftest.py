"""Shared fixtures: a real fakellm server on a free port."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from fakellm.config import ServerConfig
from fakellm.server.app import FakeLLMApp
from fakellm.testing.server_thread import ServerThread


@pytest.fixture(scope="session")
def server() -> Iterator[ServerThread]:
    """One server with the default configuration, shared by the whole session."""
    thread = ServerThread(FakeLLMApp(ServerConfig())).start()
    yield thread
    thread.stop()


@pytest.fixture
def make_server() -> Iterator[Callable[..., ServerThread]]:
    """Start servers with a custom configuration; they stop when the test ends."""
    started: list[ServerThread] = []

    def start(config: ServerConfig | None = None, **settings: object) -> ServerThread:
        cfg = config or ServerConfig(**settings)  # type: ignore[arg-type]
        thread = ServerThread(FakeLLMApp(cfg)).start()
        started.append(thread)
        return thread

    yield start
    for thread in started:
        thread.stop()
