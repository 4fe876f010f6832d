"""The latency schedule: TTFT, token pacing, token-less frames, jitter, pauses, non-streaming delay."""

from __future__ import annotations

import itertools
import random

import pytest

from fakellm.faults.latency import add_pause, generation_delay, is_instant, stream_offsets
from fakellm.faults.spec import LatencySpec
from fakellm.frames import Frame


def frames(*tokens: int) -> list[Frame]:
    return [Frame(b"x", t) for t in tokens]


def spec(**values: object) -> LatencySpec:
    return LatencySpec.model_validate(values)


def test_first_frame_and_first_content_frame_go_at_ttft() -> None:
    offsets = stream_offsets(frames(0, 1, 1), spec(ttft_ms=300, tokens_per_second=10), random.Random(0))
    assert offsets[0] == pytest.approx(0.3)
    assert offsets[1] == pytest.approx(0.3)


def test_content_frames_are_paced_by_tokens_per_second_from_ttft() -> None:
    offsets = stream_offsets(frames(0, 1, 1, 1, 1), spec(ttft_ms=100, tokens_per_second=50), random.Random(0))
    assert offsets == pytest.approx([0.1, 0.1, 0.12, 0.14, 0.16])


def test_a_frame_carrying_several_tokens_waits_for_all_of_them() -> None:
    offsets = stream_offsets(frames(1, 3, 1), spec(tokens_per_second=10), random.Random(0))
    assert offsets == pytest.approx([0.0, 0.3, 0.4])


def test_token_less_frames_go_with_the_next_content_frame_and_trailing_ones_with_the_last() -> None:
    offsets = stream_offsets(frames(0, 1, 0, 1, 0, 0), spec(tokens_per_second=10), random.Random(0))
    assert offsets == pytest.approx([0.0, 0.0, 0.1, 0.1, 0.1, 0.1])


def test_without_a_rate_everything_goes_at_ttft() -> None:
    offsets = stream_offsets(frames(0, 1, 1, 0), spec(ttft_ms=250), random.Random(0))
    assert offsets == pytest.approx([0.25] * 4)


def test_is_instant_only_without_ttft_and_rate() -> None:
    assert is_instant(None)
    assert is_instant(spec())
    assert not is_instant(spec(ttft_ms=1))
    assert not is_instant(spec(tokens_per_second=5))


@pytest.mark.parametrize("distribution", ["uniform", "normal"])
def test_jitter_is_reproducible_with_a_seed_and_never_goes_backwards(distribution: str) -> None:
    latency = spec(ttft_ms=100, tokens_per_second=100, jitter_ms=20, distribution=distribution)
    first = stream_offsets(frames(0, *[1] * 50), latency, random.Random(7))
    again = stream_offsets(frames(0, *[1] * 50), latency, random.Random(7))
    assert first == again
    assert first != stream_offsets(frames(0, *[1] * 50), latency, random.Random(8))
    assert all(b >= a for a, b in itertools.pairwise(first))


def test_uniform_jitter_stays_within_its_spread() -> None:
    latency = spec(ttft_ms=100, tokens_per_second=10, jitter_ms=20, distribution="uniform")
    offsets = stream_offsets(frames(*[1] * 40), latency, random.Random(1))
    # Content frame i is due at ttft + i / rate; jitter moves it by at most ±20 ms (and never backwards).
    for i, offset in enumerate(offsets[1:], start=1):
        assert 0.1 + i / 10 - 0.02 - 1e-9 <= offset <= 0.1 + i / 10 + 0.02 + 1e-9


def test_fixed_distribution_ignores_jitter() -> None:
    latency = spec(ttft_ms=100, tokens_per_second=10, jitter_ms=50, distribution="fixed")
    assert stream_offsets(frames(1, 1), latency, random.Random(3)) == pytest.approx([0.1, 0.2])


def test_non_streaming_waits_ttft_plus_generation_of_the_tokens() -> None:
    assert generation_delay(11, spec(ttft_ms=200, tokens_per_second=20), random.Random(0)) == pytest.approx(0.7)
    assert generation_delay(11, spec(ttft_ms=200), random.Random(0)) == pytest.approx(0.2)
    assert generation_delay(11, None, random.Random(0)) == 0.0


def test_pause_moves_the_chosen_content_frame_and_everything_after_it() -> None:
    plan = frames(0, 1, 1, 1, 0)
    offsets = [0.0, 0.0, 0.1, 0.2, 0.2]
    add_pause(offsets, plan, at=1, seconds=0.5)
    assert offsets == pytest.approx([0.0, 0.0, 0.6, 0.7, 0.7])


def test_pause_beyond_the_stream_changes_nothing() -> None:
    offsets = [0.0, 0.1]
    add_pause(offsets, frames(1, 1), at=5, seconds=1.0)
    assert offsets == [0.0, 0.1]
