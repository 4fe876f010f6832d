"""Every byte on the wire for a representative request set stays as recorded (see `golden_cases`)."""

from __future__ import annotations

import pytest

from tests.support.golden_cases import cases, load, run_case

GOLDEN = load()


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.name)
def test_wire_bytes_unchanged(case):
    assert case.name in GOLDEN, f"no recording for {case.name}: run `python -m tests.support.golden_cases`"
    assert run_case(case) == GOLDEN[case.name]


def test_every_recording_has_a_case():
    assert set(GOLDEN) == {c.name for c in cases()}
