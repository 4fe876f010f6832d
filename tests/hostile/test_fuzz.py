"""The quick form of `bench/attack/fuzz.py`: a few thousand fuzzed requests over every route of every
dialect, and none may answer 5xx (other than on purpose), raise out of the app, or outlast the limit."""

from __future__ import annotations

import asyncio

import pytest

from tests.hostile import load_attack


@pytest.mark.parametrize("seed", [1, 2])
def test_fuzzed_requests_never_break_the_server(seed):
    fuzz = load_attack("fuzz")
    tally = asyncio.run(fuzz.run(1500, seed))
    summary = fuzz.report(tally, 0.0)
    assert tally.requests == 1501
    assert not tally.server_errors, summary
    assert not tally.escaped, summary
    assert not tally.too_slow, summary
    assert len(tally.by_status) > 3, summary  # the fuzzer reaches many kinds of answer, not one
