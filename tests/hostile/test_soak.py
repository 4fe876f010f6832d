"""The quick form of `bench/attack/soak.py`: a real `fakellm serve` process, its RSS read from /proc
while a few thousand requests go through; memory must not grow with traffic.

Margins are for a loaded 2-core CI machine: RSS moves by a few MB with the allocator's arenas and
the requests in flight, so each bound is several times what the healthy server uses, and well
under what the leak it guards against would cost (each test says how much that is)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.hostile import load_attack

MB = 1024 * 1024

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="RSS is read from /proc")


def test_mixed_traffic_over_every_dialect_answers_and_holds_memory():
    soak = load_attack("soak")
    result = asyncio.run(soak.phase_mixed(2000, 100))
    print(result.render())
    assert result.requests == 2000
    assert not result.failures, result.render()
    assert result.statuses.get(503, 0) > 0  # flaky was reached (and failed on purpose)
    # The journal (1000 entries) is still filling over the second half, ~2 kB an entry: ~2 MB of
    # healthy growth. 20 MB would be a leak of ~20 kB a request.
    assert result.end - result.middle < 20 * MB, result.render()


def test_distinct_keys_do_not_grow_the_rate_limiter(tmp_path):
    soak = load_attack("soak")
    fast = tmp_path / "soak-limited.yaml"
    fast.write_text(soak.FAST_LIMITED)  # refills in 1 ms, so idle buckets are swept at once
    result = asyncio.run(soak.phase_keys(20_000, 500, fast_file=fast))
    print(result.render())
    assert result.requests == 20_000
    assert not result.failures, result.render()
    # With the sweep, the limiter holds ~1000-2000 buckets whatever the key count: the second half
    # adds ~0 MB (measured 0.0). Without it (the built-in rate-limited keeps a budget 12 s, which
    # the sweep rightly keeps too), 10,000 more keys hold 10,000 more bucket pairs, keys and dict
    # slots, ~0.6 kB each: ~6 MB (measured 4.6 MB at 8,000). 3 MB fails that and leaves room for noise.
    assert result.end - result.middle < 3 * MB, result.render()


def test_large_bodies_stay_within_the_journal_byte_cap():
    soak = load_attack("soak")
    cap = 4 * MB
    result = asyncio.run(soak.phase_large(160, 10, journal_cap=cap))
    print(result.render())
    assert result.requests == 160
    assert not result.failures, result.render()
    # Each entry keeps 256 KiB of its 1 MiB message; without the byte cap 160 entries hold 40 MB more
    # (and 1000 would hold 250 MB): measured 46 MB over start at 120, 74 MB at 200. In flight: 8
    # requests of ~1 MiB each as bytes, str and parsed JSON; with the cap the peak was 18-20 MB over
    # start. Cap + 32 MB is 1.6x that, and fails a journal that ignores its cap.
    assert result.peak - result.start < cap + 32 * MB, result.render()
