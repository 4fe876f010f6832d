"""The quick form of `bench/attack/bargein.py`: 100 concurrent streams against a real server, each
client hanging up at a random moment (during TTFT, mid-stream, during a stall, around a deliberate
drop, while a non-streaming reply waits), and the journal must tell exactly what happened."""

from __future__ import annotations

import time
from typing import ClassVar

from tests.hostile import load_attack

# The script's target is 100 ms from a hang-up to the journal's `disconnected_at_ms`; here 500 ms, so
# that a loaded 2-core CI box (the clients run in a second process beside the server) does not fail it.
LAG_LIMIT_MS = 500.0


def test_a_barge_in_storm_is_journaled_exactly():
    bargein = load_attack("bargein")
    start = time.monotonic()
    tally = bargein.run(clients=100, rounds=1, seed=3, waits=0.5)
    summary = bargein.report(tally)
    assert time.monotonic() - start < 30, summary
    assert tally.clients == 100, summary
    assert not tally.failures, summary  # every hang-up disconnected, chunks = events the client got
    assert len(tally.lags_ms) > 50, summary  # most clients did hang up, of every kind
    assert set(tally.by_kind_lag_ms) == set(bargein.KINDS), summary
    assert max(tally.lags_ms) <= LAG_LIMIT_MS, summary
    assert tally.pending == 0, summary
    assert tally.tasks_after <= tally.tasks_before, summary
    assert tally.answering, summary
    assert bargein.ok(tally, lag_target_ms=LAG_LIMIT_MS), summary


def test_the_judge_catches_a_miscounted_stream():
    """The check can fail: a journal that counts a chunk the client never got is a failure."""
    bargein = load_attack("bargein")
    client = bargein.Client(1, "stall", 0.5, False, hung_up_at=time.time(), events=1)

    class Entry:
        ended, chunks, ttft_ms, time, disconnected_at_ms = "disconnected", 4, 1.0, client.hung_up_at - 1, 1000.0
        headers: ClassVar[dict[str, str]] = {"x-bargein-id": "1"}

    class Journal:
        def entries(self):
            return [Entry()]

    class App:
        journal = Journal()

    class Llm:
        app = App()

    tally = bargein.Tally()
    bargein.judge([client], Llm(), tally)
    assert len(tally.failures) == 1
    assert "4 chunks" in tally.failures[0]
