"""The quick form of `bench/attack/slow_clients.py`: silent and slow clients against a real server with
0.5 s read deadlines and a low connection cap, each closed by its deadline, and a normal request
answered 200 throughout."""

from __future__ import annotations

import time

from tests.hostile import load_attack

# The script allows 0.25 s past a deadline; here 1 s, so that a loaded 2-core CI box does not fail it.
MARGIN_S = 1.0


def test_silent_and_slow_clients_are_closed_by_their_deadlines():
    slow = load_attack("slow_clients")
    start = time.monotonic()
    tally = slow.run(each=5, flood=60, max_connections=20)
    summary = slow.report(tally, MARGIN_S)
    assert time.monotonic() - start < 20, summary
    assert not slow.failures(tally, MARGIN_S), summary
    kinds = {h.kind for h in tally.held}
    assert kinds == {"silent", "header-trickle", "no-body", "body-trickle", "flood"}, summary
    assert all(h.closed for h in tally.held), summary
    # 60 silent connections against a cap of 20: the idle ones are displaced well before their deadline.
    flood = sorted(h.held_s for h in tally.held if h.kind == "flood")
    assert flood[len(flood) // 2] < slow.HEADER_TIMEOUT / 2, summary
    assert tally.normal_ok >= 3, summary
    # Never displaced once accepted; only refused if accepted in the flood's own burst, past the overdraft.
    assert tally.normal_retried <= 2, summary


def test_a_connection_held_past_its_deadline_is_a_failure():
    slow = load_attack("slow_clients")
    tally = slow.Tally(normal_ok=1)
    tally.held.append(slow.Held("no-body", held_s=2.0, status=408, closed=True))
    assert slow.failures(tally) == ["no-body: held 2.000 s (limit 0.750 s)"]
    tally.held[0] = slow.Held("body-trickle", held_s=0.5, status=0, closed=True)
    assert slow.failures(tally) == ["body-trickle: closed with status none, not 408"]
