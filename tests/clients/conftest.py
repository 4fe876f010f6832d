"""Fixtures for the SDK tests: one server per module answering with the fixed test scenarios, or one
`FakeLLM` per module with the built-in ones (`llm`; a module that needs scenarios of its own defines it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fakellm.testing.harness import FakeLLM
from fakellm.testing.server_thread import ServerThread
from tests.support.dialect_support import FixedScenario, fixed_scenarios, start_server


@pytest.fixture(scope="module")
def scenarios() -> dict[str, FixedScenario]:
    """The fixed scenarios of `dialect_support`, which remember the requests they saw."""
    return fixed_scenarios()


@pytest.fixture(scope="module")
def fixed_server(scenarios: dict[str, FixedScenario]) -> Iterator[ServerThread]:
    thread = start_server(scenarios)
    yield thread
    thread.stop()


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeLLM]:
    with FakeLLM() as fake:
        yield fake
