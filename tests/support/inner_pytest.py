"""Running pytest inside a test (pytester) quickly: without the plugins the inner runs do not need."""

from __future__ import annotations

import pytest

QUIET = [
    *("-p", "no:hypothesispytest"),
    *("-p", "no:benchmark"),
    *("-p", "no:faker"),
    *("-p", "no:anyio"),
    *("-p", "no:asyncio"),
    *("-p", "no:cacheprovider"),
]


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*QUIET, *args)
