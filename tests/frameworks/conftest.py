"""One fakellm per module for the framework tests, on a free port, as a user's test suite would start it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fakellm.testing.harness import FakeLLM


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeLLM]:
    with FakeLLM() as fake:
        yield fake


@pytest.fixture(autouse=True)
def _fresh_journal(llm: FakeLLM) -> None:
    llm.clear()
